package io.yugong.relay;

import io.yugong.billing.LedgerEntry;
import io.yugong.metrics.RequestMetrics;
import io.yugong.node.RequestLog;

/**
 * Writes a relayed request's line to the node's {@link RequestLog} once it is over: its answer
 * ended (or the client left) and, when an answer was streamed, its settlement is written, so the
 * line carries the tokens and the charge. The same facts feed the request metrics.
 */
final class RequestLine {

  /** The status logged for a client that left before the answer's head was sent (as nginx does). */
  static final int CLIENT_LEFT = 499;

  private final RequestLog log;
  private final RequestMetrics metrics;

  RequestLine(RequestLog log, RequestMetrics metrics) {
    this.log = log;
    this.metrics = metrics;
  }

  /** Logs {@code x} now, or when its answer is settled; {@code cut}: the response did not end. */
  void write(Exchange x, boolean cut) {
    int status = cut && !x.resp.headWritten() ? CLIENT_LEFT : x.resp.getStatusCode();
    long endNanos = System.nanoTime();
    if (x.pump == null) {
      over(x, status, cut, endNanos);
    } else {
      x.pump.finished().onComplete(ar -> over(x, status, cut, endNanos));
    }
  }

  private void over(Exchange x, int status, boolean cut, long endNanos) {
    log.write(entry(x, status, endNanos));
    String model = x.upstreamModel == null ? x.model : x.upstreamModel;
    metrics.request(x.endpoint, model, status, outcome(x, status, cut),
        x.firstByteNanos == 0 ? -1 : x.firstByteNanos - x.startNanos, endNanos - x.startNanos, x.attempts);
    metrics.charged(model, x.charge);
  }

  private static RequestMetrics.Outcome outcome(Exchange x, int status, boolean cut) {
    if (cut) {
      return status == CLIENT_LEFT ? RequestMetrics.Outcome.CLIENT_LEFT : RequestMetrics.Outcome.CUT;
    }
    if (x.keyId != null) {
      return status < 400 ? RequestMetrics.Outcome.SERVED : RequestMetrics.Outcome.UPSTREAM_ERROR;
    }
    return x.exhausted ? RequestMetrics.Outcome.UNAVAILABLE : RequestMetrics.Outcome.REFUSED;
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
