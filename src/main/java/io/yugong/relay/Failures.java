package io.yugong.relay;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpVersion;

/** Reading upstream's error answers, which judge the key (see {@link io.yugong.keypool.Verdict}). */
final class Failures {

  private static final int MAX_ERROR_BODY = 64 * 1024;

  private Failures() {
  }

  /**
   * Reads an error answer's body, at most 64 KiB of it, never failing. Over HTTP/2 the read is
   * bounded by {@code idleMs} (the connection's idle time-out does not see one silent stream among
   * busy ones): past it the stream is cancelled and what came is the body. Over HTTP/1.1 the
   * connection's idle time-out ends a silent one.
   */
  static Future<Buffer> readError(HttpClientResponse resp, Vertx vertx, long idleMs) {
    Buffer out = Buffer.buffer();
    io.vertx.core.Promise<Buffer> done = io.vertx.core.Promise.promise();
    resp.handler(b -> {
      if (out.length() < MAX_ERROR_BODY) {
        out.appendBuffer(b, 0, Math.min(b.length(), MAX_ERROR_BODY - out.length()));
      }
    });
    resp.exceptionHandler(e -> done.tryComplete(out));
    resp.endHandler(v -> done.tryComplete(out));
    if (resp.version() == HttpVersion.HTTP_2 && idleMs > 0) {
      long timer = vertx.setTimer(idleMs, t -> {
        if (done.tryComplete(out)) {
          resp.request().reset(ResponsePump.CANCEL);
        }
      });
      done.future().onComplete(ar -> vertx.cancelTimer(timer));
    }
    return done.future();
  }
}
