package io.yugong.relay;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.yugong.keypool.KeyLease;
import io.yugong.keypool.Verdict;
import io.yugong.billing.Money;
import io.yugong.billing.Usage;
import io.vertx.core.Future;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.Promise;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one upstream response to the client with backpressure: status and end-to-end headers,
 * then the body as it arrives. Event streams pass through an {@link SseTap}; a failure after the
 * first byte ends an event stream with an OpenAI-shaped error event and cuts any other body.
 */
final class ResponsePump {

  private static final Logger LOG = LoggerFactory.getLogger(ResponsePump.class);

  private final Exchange x;
  private final KeyLease lease;
  private final HttpClientResponse up;
  private final HttpServerResponse down;
  private final Consumer<Exchange> onDone;
  private static final int MAX_METERED_BODY = 16 * 1024 * 1024;

  private final SseTap sse;
  private final Accounting accounting;
  private final KeyAffinity affinity;
  private final boolean success;
  /** The recording of the objects the answer created, once begun (null: not yet). */
  private Future<Void> recorded;
  private Buffer body;
  /** True while upstream is paused until the answer's stored id is recorded. */
  private boolean awaitingRecord;
  /** The answer's bytes of the read in progress, sent after it or with the end (null: none). */
  private Buffer pending;
  private boolean ownsPending;
  private boolean tick;
  private final Context ctx = Vertx.currentContext();
  private boolean done;
  private final Promise<Void> finished = Promise.promise();
  /** YUGONG_IDLE_TIMEOUT_MS, and its keeper once the answer streams (see {@link AnswerIdle}). */
  private final long idleMs;
  private AnswerIdle idle;

  ResponsePump(Exchange x, KeyLease lease, HttpClientResponse up, Accounting accounting, KeyAffinity affinity,
      long idleMs, Consumer<Exchange> onDone) {
    this.x = x;
    this.idleMs = idleMs;
    this.lease = lease;
    this.up = up;
    this.down = x.resp;
    this.accounting = accounting;
    this.affinity = affinity;
    this.onDone = onDone;
    this.success = up.statusCode() >= 200 && up.statusCode() < 300;
    String type = up.getHeader(HttpHeaders.CONTENT_TYPE);
    this.sse = type != null && type.startsWith("text/event-stream") ? new SseTap(x.stripUsage) : null;
    this.body = sse == null && success && (x.quote != null && x.quote.price() != null || KeyAffinity.readsAnswer(x))
        ? Buffer.buffer() : null;
  }

  void start() {
    down.setStatusCode(up.statusCode());
    if (up.statusMessage() != null) {
      down.setStatusMessage(up.statusMessage());
    }
    HeaderRules.downstream(up.headers(), down.headers());
    String length = up.getHeader(HttpHeaders.CONTENT_LENGTH);
    // An answer that is settled (metered, or free with its ledger entry) is sent chunked: its end,
    // after the settlement, is what tells the client it is complete, so a balance or ledger read
    // right after sees the charge.
    if (sse == null && length != null && body == null && !(success && x.reserved)) {
      down.putHeader(HttpHeaders.CONTENT_LENGTH, length);
    } else {
      down.setChunked(true);
    }
    idle = AnswerIdle.watch(up, idleMs);
    up.handler(this::onChunk);
    up.exceptionHandler(this::onUpstreamFailure);
    up.endHandler(v -> onEnd());
    if (sse != null) {
      // The client sees the stream open before the first event: the head goes with the events
      // that came in the same read as upstream's head, or alone right after that read.
      x.committed = true;
      later();
    }
  }

  /** Sends what the stream has for the client after the read in progress (one write per read). */
  private void later() {
    if (ctx == null) {
      sendPending(); // not on a Vert.x thread: nothing to wait for
    } else if (!tick) {
      tick = true;
      ctx.runOnContext(v -> sendPending());
    }
  }

  private void sendPending() {
    tick = false;
    if (down.ended() || down.closed() || x.clientGone) {
      takePending();
      return;
    }
    Buffer p = takePending();
    if (p == null) {
      if (sse != null && !down.headWritten()) {
        down.writeHead();
      }
      return;
    }
    down.write(p);
    if (down.writeQueueFull()) {
      up.pause();
      down.drainHandler(v -> {
        if (!awaitingRecord) {
          up.resume(); // else the recording's end resumes it
        }
      });
    }
  }

  /** The stream's output not sent yet, and nothing more (null: none). */
  private Buffer takePending() {
    Buffer p = pending;
    pending = null;
    ownsPending = false;
    return p;
  }

  private void onChunk(Buffer chunk) {
    if (done) {
      return;
    }
    idle.touch();
    if (body != null && body.length() + chunk.length() <= MAX_METERED_BODY) {
      body.appendBuffer(chunk);
    }
    Buffer out = sse == null ? chunk : sse.feed(chunk);
    if (sse != null && recorded == null && success && x.storesResponse && sse.responseId() != null) {
      // the event telling the stored answer's id (a response's response.completed, a chat
      // completion's usage chunk, even when stripped for the client) goes out once the id is
      // recorded, and nothing after it: a client that uses it at once, on any node, finds it
      up.pause();
      awaitingRecord = true;
      recorded = affinity.remember(x, lease.keyId(), KeyAffinity.createdIds(x, sse.responseId(), sse.itemIds(),
          null)).onComplete(v -> {
        awaitingRecord = false;
        if (!x.clientGone) {
          write(out);
        }
        if (!down.writeQueueFull()) {
          up.resume(); // else the drain handler resumes it
        }
      });
      return;
    }
    write(out);
  }

  private void write(Buffer out) {
    if (out.length() == 0) {
      return;
    }
    x.committed = true;
    // what one read of upstream brought goes out in one write, right after that read; what the
    // last read brought goes with the end (one write for a one-piece answer, with its length)
    pending = pending == null ? out : copyOf(pending).appendBuffer(out);
    later();
  }

  /** A buffer of its own (a chunk's output may be a view of upstream's buffer). */
  private Buffer copyOf(Buffer b) {
    if (!ownsPending) {
      ownsPending = true;
      return Buffer.buffer(Math.max(256, b.length() * 2)).appendBuffer(b);
    }
    return b;
  }

  private void onEnd() {
    if (done) {
      return; // a failure reported before the end (an HTTP/2 stream may tell both) ended the answer
    }
    if (sse != null) {
      Buffer rest = sse.flush();
      if (rest.length() > 0) {
        write(rest);
      }
    }
    Future<Void> settled = finish(up.statusCode()).compose(v -> record());
    if (!settled.isComplete() && pending != null) {
      sendPending(); // the answer's bytes need not wait for the settlement; its end does
    }
    settled.onComplete(v -> end(takePending()));
  }

  /** Ends the answer with its last bytes (null: none left), once it is settled. */
  private void end(Buffer last) {
    if (down.ended()) {
      return;
    }
    if (last == null) {
      down.end();
      return;
    }
    if (sse == null && !down.headWritten() && down.isChunked()) {
      // nothing of the answer is out yet: it goes whole, with its length
      down.setChunked(false);
      down.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(last.length()));
    }
    down.end(last);
  }

  /** The objects a served answer created, recorded before its end reaches the client. */
  private Future<Void> record() {
    if (recorded != null || !success || x.clientGone) {
      return recorded == null ? Future.succeededFuture() : recorded;
    }
    if (!x.storesResponse && x.route == null) {
      return Future.succeededFuture();
    }
    // a stream's answer id counts only for an answer stored upstream (a legacy completion's, or one
    // on an object's route, is no object of the account)
    // (reading a large JSON answer for its ids is done on the pricing workers, as its metering is)
    boolean streamTold = sse != null && x.storesResponse;
    String responseId = streamTold ? sse.responseId() : null;
    List<String> itemIds = streamTold ? sse.itemIds() : List.of();
    recorded = accounting.tokenizing(body == null ? 0 : body.length(),
        () -> KeyAffinity.createdIds(x, responseId, itemIds, body))
        .recover(e -> {
          LOG.warn("{} reading the stored objects of its answer failed: {}", x.requestId, e.toString());
          return Future.succeededFuture(List.of());
        })
        .compose(ids -> affinity.remember(x, lease.keyId(), ids));
    return recorded;
  }

  private void onUpstreamFailure(Throwable cause) {
    if (done) {
      return;
    }
    if (x.clientGone) {
      finish(0);
      return;
    }
    Future<Void> settled = finish(0);
    LOG.warn("{} upstream failed mid-response on key {}: {}", x.requestId, lease.keyId(), cause.toString());
    if (sse != null) {
      JsonObject error = new JsonObject().put("error", new JsonObject()
          .put("message", "The upstream connection failed while streaming. The response is incomplete; "
              + "quote request id " + x.requestId + " if you ask about it.")
          .put("type", "server_error").put("param", null).put("code", "upstream_stream_interrupted"));
      settled.onComplete(v -> {
        Buffer before = takePending();
        Buffer event = Buffer.buffer("data: " + error.encode() + "\n\n");
        down.end(before == null ? event : copyOf(before).appendBuffer(event));
      });
    } else {
      down.reset();
    }
  }

  /**
   * Meters and settles (or releases) once; the future completes when the settlement is written,
   * and always completes, even when metering fails inside Yugong: then the request is charged
   * its floor (the prompt's price) and the error is logged once.
   */
  private Future<Void> finish(int status) {
    if (done) {
      return Future.succeededFuture();
    }
    done = true;
    if (idle != null) {
      idle.stop();
    }
    Future<Void> settled;
    try {
      settled = meterAndSettle(status);
    } catch (RuntimeException e) {
      LOG.error("{} settling the answer of key {} failed inside Yugong; charging the prompt's price",
          x.requestId, lease.keyId(), e);
      settled = success ? accounting.settleFloor(x, up.statusCode()) : release();
    }
    settled.onComplete(ar -> finished.tryComplete());
    return settled;
  }

  /** Completes once the answer is metered and its settlement written (or given up). */
  Future<Void> finished() {
    return finished.future();
  }

  private Future<Void> meterAndSettle(int status) {
    onDone.accept(x);
    Verdict verdict = status == 0 && !x.clientGone ? Verdict.network("cut mid-response") : Verdict.served(status);
    if (!success) {
      lease.release(verdict, 0);
      return release();
    }
    // no chunk is taken after done, so the workers may read what was metered; only an answer
    // without usage has its prompt tokenized too, so only then do the request's bytes count. A
    // large JSON answer is scanned for its usage on the workers as well.
    long answer = sse != null ? sse.textLength() : body == null ? 0 : body.length();
    boolean scanHere = sse != null || answer <= Accounting.INLINE_PRICING_BYTES;
    JsonObject reported = scanHere ? Metering.reported(sse, body) : null;
    long metered = answer + (reported != null || x.body == null ? 0 : x.body.length());
    return accounting.tokenizing(metered, () -> Metering.measure(x, sse, body,
        scanHere ? reported : Metering.reported(sse, body))).transform(ar -> {
      if (ar.failed()) {
        LOG.error("{} metering the answer of key {} failed inside Yugong; charging the prompt's price",
            x.requestId, lease.keyId(), ar.cause());
        lease.release(verdict, 0);
        return accounting.settleFloor(x, up.statusCode());
      }
      Usage used = ar.result();
      lease.release(verdict, Money.saturatingAdd(used.promptTokens(), used.completionTokens()));
      return accounting.settle(x, up.statusCode(), used);
    });
  }

  private Future<Void> release() {
    accounting.release(x);
    return Future.succeededFuture();
  }
}
