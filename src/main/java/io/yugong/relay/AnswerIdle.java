package io.yugong.relay;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpVersion;
import java.util.concurrent.TimeoutException;

/**
 * The longest silence inside one upstream answer read over HTTP/2 ({@code YUGONG_IDLE_TIMEOUT_MS}).
 * An HTTP/1.1 connection carries one answer at a time, so its idle time-out keeps this (no timer
 * per request); an HTTP/2 connection's sees its other streams' frames, so an HTTP/2 answer gets a
 * timer of its own, set once and moved on lazily: when it fires after data came, it is set again
 * for the rest. Past the silence the stream is cancelled, which the answer's reader sees as a
 * failure of the response. Used on the answer's event loop only.
 */
final class AnswerIdle {

  /** What an HTTP/1.1 answer (or one read off a Vert.x thread) gets: nothing to keep. */
  private static final AnswerIdle NONE = new AnswerIdle(null, null, 0);

  private final Context ctx;
  private final HttpClientResponse up;
  private final long idleMs;
  private long timer = -1;
  private long lastDataNanos;

  private AnswerIdle(Context ctx, HttpClientResponse up, long idleMs) {
    this.ctx = ctx;
    this.up = up;
    this.idleMs = idleMs;
  }

  /** Starts keeping {@code up}'s silence, when it is an HTTP/2 answer. */
  static AnswerIdle watch(HttpClientResponse up, long idleMs) {
    Context ctx = Vertx.currentContext();
    if (up.version() != HttpVersion.HTTP_2 || idleMs <= 0 || ctx == null) {
      return NONE;
    }
    AnswerIdle idle = new AnswerIdle(ctx, up, idleMs);
    idle.lastDataNanos = System.nanoTime();
    idle.timer = ctx.owner().setTimer(idleMs, t -> idle.check());
    return idle;
  }

  /** Data came. */
  void touch() {
    if (this != NONE) {
      lastDataNanos = System.nanoTime();
    }
  }

  /** The answer is over (read whole, failed, or given up). */
  void stop() {
    if (timer >= 0) {
      ctx.owner().cancelTimer(timer);
      timer = -1;
    }
  }

  private void check() {
    timer = -1;
    long silentMs = (System.nanoTime() - lastDataNanos) / 1_000_000L;
    if (silentMs < idleMs) {
      timer = ctx.owner().setTimer(idleMs - silentMs, t -> check());
      return;
    }
    up.request().reset(UpstreamClients.CANCEL, new TimeoutException("no data from upstream for " + idleMs + " ms"));
  }
}
