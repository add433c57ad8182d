package io.yugong.relay;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import io.yugong.accounts.Account;
import io.yugong.billing.Endpoint;
import io.yugong.billing.Usage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The money side of one Realtime session: at every moment it holds one response's worst case (an
 * exact hold or a part of the node's credit slice, as for any request). Each {@code response.done}
 * settles that hold at its exact charge (one ledger entry, request id {@code <session>-<n>}), and
 * the next response's hold is placed at once; when it cannot be, the session must end. Responses
 * are settled one after the other, in the order upstream finished them. When the session ends,
 * the hold of the response under way (if any) goes back: it was never reported done, so it is
 * not charged, and what was charged stays. Confined to the session's event loop.
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

  /** The hold of the response under way; null before the first and once the session ended. */
  private Exchange current;
  private int responses;
  /** The bookkeeping of responses already done, in order. */
  private Future<Void> tail = Future.succeededFuture();
  private boolean closed;
  private String keyId;
  private long charged;
  private long promptTokens;
  private long cachedTokens;
  private long completionTokens;

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

  /** The first response's hold, before anything goes upstream; fails with the ApiError refusing the session. */
  Future<Void> open() {
    Exchange x = next();
    return accounting.admit(x).onSuccess(v -> current = x);
  }

  /** The key serving the session, for its ledger entries. */
  void keyId(String id) {
    this.keyId = id;
    if (current != null) {
      current.keyId = id;
    }
  }

  /**
   * A response is done: settles its hold at {@code used} (null: usage that cannot be read, charged
   * the whole hold) and holds for the next. The future fails with the ApiError that ends the session
   * when the next hold cannot be placed.
   */
  Future<Void> responseDone(Usage used) {
    tail = tail.compose(v -> {
      Exchange done = current;
      if (closed || done == null) {
        return Future.succeededFuture();
      }
      current = null;
      Future<Void> settled;
      if (used == null) {
        LOG.warn("{} upstream reported a Realtime response's usage that cannot be read; charging its hold",
            done.requestId);
        settled = accounting.settleHold(done, 200);
      } else {
        settled = accounting.settle(done, 200, used);
        promptTokens += used.promptTokens();
        cachedTokens += used.cachedPromptTokens();
        completionTokens += used.completionTokens();
      }
      charged += done.charge;
      return settled.compose(s -> {
        if (closed) {
          return Future.succeededFuture();
        }
        Exchange x = next();
        return accounting.admit(x).map(ok -> {
          if (closed) {
            accounting.release(x);
          } else {
            current = x;
          }
          return null;
        });
      });
    });
    return tail;
  }

  /** The session ended: the response under way is not charged; its hold goes back. Idempotent. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    tail.onComplete(ar -> {
      Exchange x = current;
      current = null;
      if (x != null) {
        accounting.release(x);
      }
    });
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
    Exchange x = new Exchange(ctx, sessionId + "-" + responses, account, deadlineMs);
    x.endpoint = Endpoint.REALTIME;
    x.model = model;
    x.upstreamModel = upstreamModel;
    x.keyId = keyId;
    return x;
  }
}
