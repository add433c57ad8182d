package io.yugong.relay;

import io.yugong.billing.LedgerEntry;
import io.yugong.node.RequestLog;

/**
 * Writes a relayed request's line to the node's {@link RequestLog} once it is over: its answer
 * ended (or the client left) and, when an answer was streamed, its settlement is written, so the
 * line carries the tokens and the charge.
 */
final class RequestLine {

  /** The status logged for a client that left before the answer's head was sent (as nginx does). */
  static final int CLIENT_LEFT = 499;

  private final RequestLog log;

  RequestLine(RequestLog log) {
    this.log = log;
  }

  /** Logs {@code x} now, or when its answer is settled; {@code cut}: the response did not end. */
  void write(Exchange x, boolean cut) {
    int status = cut && !x.resp.headWritten() ? CLIENT_LEFT : x.resp.getStatusCode();
    long endNanos = System.nanoTime();
    if (x.pump == null) {
      log.write(entry(x, status, endNanos));
    } else {
      x.pump.finished().onComplete(ar -> log.write(entry(x, status, endNanos)));
    }
  }

  private static RequestLog.Entry entry(Exchange x, int status, long endNanos) {
    LedgerEntry b = x.billed;
    long duration = (endNanos - x.startNanos) / 1_000_000L;
    long firstByte = x.firstByteNanos == 0 ? duration : (x.firstByteNanos - x.startNanos) / 1_000_000L;
    return new RequestLog.Entry(x.requestId, x.account == null ? "" : x.account.id(),
        x.upstreamModel == null ? (x.model == null ? "" : x.model) : x.upstreamModel,
        x.keyId == null ? "" : x.keyId, status, x.attempts,
        b == null ? 0 : b.promptTokens(), b == null ? 0 : b.cachedTokens(),
        b == null ? 0 : b.completionTokens(), x.charge, firstByte, duration);
  }
}
