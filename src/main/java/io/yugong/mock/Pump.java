package io.yugong.mock;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;

/**
 * Writes {@link Frames} as a chunked answer: paced by tokensPerSecond, respecting the write queue, cut after N
 * frames for cut_stream keys, and noticing clients that go away before the end.
 */
final class Pump {

  private final Exchange ex;
  private final HttpServerResponse resp;
  private final Frames frames;
  private final long nanosPerToken;
  private final int cutAfter;
  private int next;
  private long pacedSent;
  private long startNanos;
  private long timerId = -1;
  private boolean finished;
  private Future<Void> lastWrite;

  private Pump(Exchange ex, Frames frames, boolean paced) {
    this.ex = ex;
    this.resp = ex.resp;
    this.frames = frames;
    double rate = ex.env.options().tokensPerSecond();
    this.nanosPerToken = paced && rate > 0 ? (long) (1e9 / rate) : 0;
    this.cutAfter = ex.cutAfter();
  }

  /** Sends a 200 with the content type and streams the frames. Token frames are paced when {@code paced}. */
  static void start(Exchange ex, CharSequence contentType, Frames frames, boolean paced) {
    if (ex.gone()) {
      return;
    }
    new Pump(ex, frames, paced).run(contentType);
  }

  private void run(CharSequence contentType) {
    ex.head(200, contentType);
    resp.setChunked(true);
    if (contentType == Hdr.SSE) {
      resp.putHeader(Hdr.CACHE_CONTROL, Hdr.NO_CACHE);
    }
    resp.closeHandler(v -> aborted());
    resp.exceptionHandler(t -> aborted());
    ex.env.control().streamOpened();
    startNanos = System.nanoTime();
    pump();
  }

  private void pump() {
    int count = frames.count();
    while (next < count) {
      if (finished) {
        return;
      }
      if (cutAfter >= 0 && next >= cutAfter) {
        cut();
        return;
      }
      if (resp.writeQueueFull()) {
        resp.drainHandler(v -> pump());
        return;
      }
      if (nanosPerToken > 0 && frames.paced(next)) {
        long due = startNanos + (pacedSent + 1) * nanosPerToken;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          timerId = ex.env.vertx().setTimer(Math.max(1, (wait + 999_999) / 1_000_000), id -> {
            timerId = -1;
            pump();
          });
          return;
        }
        pacedSent++;
      }
      lastWrite = resp.write(frames.frame(next++));
    }
    finish();
    resp.end();
  }

  /** The answer is over (whole, cut or left by its client): it is no longer an open stream. */
  private void finish() {
    finished = true;
    ex.env.control().streamClosed();
  }

  private void cut() {
    finish();
    if (lastWrite == null) {
      Exchange.drop(ex.req);
    } else {
      lastWrite.onComplete(ar -> Exchange.drop(ex.req));
    }
  }

  private void aborted() {
    if (finished) {
      return;
    }
    finish();
    if (timerId >= 0) {
      ex.env.vertx().cancelTimer(timerId);
      timerId = -1;
    }
    ex.env.control().clientAborted();
  }
}
