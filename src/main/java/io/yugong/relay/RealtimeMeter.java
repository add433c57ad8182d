package io.yugong.relay;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import io.yugong.accounts.Account;
import io.yugong.billing.Endpoint;
import io.yugong.billing.Usage;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The money side of one Realtime session: one hold per response under way plus a spare for the
 * next one (each an exact hold or a part of the node's credit slice, as for any request, with its
 * own request id {@code <session>-<n>} and ledger entry). Upstream's {@code response.created}
 * turns the spare into that response's hold and places a new spare; when the new spare cannot be
 * placed the session must end, and the responses under way stay covered. Each {@code
 * response.done} settles the oldest open hold at its usage (unreadable usage: the whole hold).
 * When the session ends, every response still open is charged its whole hold and the spare goes
 * back. Nothing is settled twice (an Exchange settles once). Confined to the session's event loop.
 */
final class RealtimeMeter {

  private static final Logger LOG = LoggerFactory.getLogger(RealtimeMeter.class);

  private final Accounting accounting;
  private final RoutingContext ctx;
  private final String sessionId;
  private final Account account;
  private final String model;
  private final String upstreamModel;
  private final long deadlineMs;

  /** The holds of the responses under way, oldest first. */
  private final ArrayDeque<Exchange> open = new ArrayDeque<>();
  /** The hold for the next response; null before it is placed, while it is being placed, or when it could not be. */
  private Exchange spare;
  private int responses;
  private boolean closed;
  private String keyId;
  private long charged;
  private long promptTokens;
  private long cachedTokens;
  private long completionTokens;
  private int uncovered;

  RealtimeMeter(Accounting accounting, RoutingContext ctx, String sessionId, Account account, String model,
      String upstreamModel, long deadlineMs) {
    this.accounting = accounting;
    this.ctx = ctx;
    this.sessionId = sessionId;
    this.account = account;
    this.model = model;
    this.upstreamModel = upstreamModel;
    this.deadlineMs = deadlineMs;
  }

  /**
   * Before anything goes upstream: the account's rules for {@code /v1/realtime} and the model
   * (as for any request), then the first spare. Fails with the ApiError refusing the session.
   */
  Future<Void> open() {
    Exchange x = next();
    return accounting.allow(x).compose(v -> accounting.admit(x)).onSuccess(v -> placed(x));
  }

  /** The key serving the session, for its ledger entries. */
  void keyId(String id) {
    this.keyId = id;
    if (spare != null) {
      spare.keyId = id;
    }
  }

  /**
   * Upstream began a response: the spare becomes its hold and the next spare is placed. The
   * future completes once it is placed; it fails with the ApiError that ends the session when it
   * cannot be. Until it completes, no other upstream event may be looked at.
   */
  Future<Void> responseCreated() {
    if (closed) {
      return Future.succeededFuture();
    }
    Exchange x = spare;
    spare = null;
    if (x == null) {
      // only after a spare could not be placed, while the session is ending: nothing holds it
      uncovered++;
      LOG.warn("{} a Realtime response began after the session's last hold could not be placed; it is not "
          + "covered", sessionId);
      return Future.succeededFuture();
    }
    open.add(x);
    Exchange next = next();
    return accounting.admit(next).onSuccess(v -> placed(next)).mapEmpty();
  }

  private void placed(Exchange x) {
    if (closed) {
      accounting.release(x);
    } else {
      spare = x;
    }
  }

  /**
   * A response is done: the oldest open hold is settled at {@code used} (null: usage that cannot
   * be read, charged the whole hold). A response.done without a response.created first takes the
   * spare as its hold (the future is then the next spare's placement, as for {@link #responseCreated}).
   */
  Future<Void> responseDone(Usage used) {
    if (closed) {
      return Future.succeededFuture();
    }
    Future<Void> placing = Future.succeededFuture();
    if (open.isEmpty()) {
      if (uncovered > 0) {
        uncovered--;
        LOG.warn("{} an uncovered Realtime response is done; it is not charged", sessionId);
        return placing;
      }
      if (used != null && used.promptTokens() == 0 && used.completionTokens() == 0) {
        return placing; // nothing under way and nothing used
      }
      placing = responseCreated();
      if (open.isEmpty()) {
        return placing;
      }
    }
    Exchange done = open.poll();
    if (used == null) {
      LOG.warn("{} upstream reported a Realtime response's usage that cannot be read; charging its hold",
          done.requestId);
      accounting.settleHold(done, 200);
    } else {
      accounting.settle(done, 200, used);
      promptTokens += used.promptTokens();
      cachedTokens += used.cachedPromptTokens();
      completionTokens += used.completionTokens();
    }
    charged += done.charge;
    return placing;
  }

  /** The responses under way (begun, not yet done). */
  int openResponses() {
    return open.size() + uncovered;
  }

  /**
   * The session ended: each response still under way (never reported done) is charged its whole
   * hold, at {@code status} in its ledger entry; the spare goes back. Idempotent.
   */
  void close(int status) {
    if (closed) {
      return;
    }
    closed = true;
    for (Exchange x; (x = open.poll()) != null; ) {
      LOG.info("{} a Realtime response was never reported done; charging its whole hold", x.requestId);
      accounting.settleHold(x, status);
      charged += x.charge;
    }
    if (spare != null) {
      accounting.release(spare);
      spare = null;
    }
  }

  /** The session never began (refused, or the client left before its upgrade): the spare goes back. */
  void close() {
    close(499);
  }

  int responses() {
    return responses;
  }

  long charged() {
    return charged;
  }

  long promptTokens() {
    return promptTokens;
  }

  long cachedTokens() {
    return cachedTokens;
  }

  long completionTokens() {
    return completionTokens;
  }

  private Exchange next() {
    responses++;
    Exchange x = new Exchange(ctx.request(), sessionId + "-" + responses, account, deadlineMs);
    x.endpoint = Endpoint.REALTIME;
    x.model = model;
    x.upstreamModel = upstreamModel;
    x.keyId = keyId;
    return x;
  }
}
