package io.yugong.relay;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

/** Reading upstream's error answers, which judge the key (see {@link io.yugong.keypool.Verdict}). */
final class Failures {

  private static final int MAX_ERROR_BODY = 64 * 1024;

  private Failures() {
  }

  /**
   * Reads an error answer's body, at most 64 KiB of it, never failing. A silence inside it longer
   * than {@code idleMs} ends it as it ends any answer ({@link AnswerIdle}): what came is the body.
   */
  static Future<Buffer> readError(HttpClientResponse resp, long idleMs) {
    Buffer out = Buffer.buffer();
    io.vertx.core.Promise<Buffer> done = io.vertx.core.Promise.promise();
    AnswerIdle idle = AnswerIdle.watch(resp, idleMs);
    resp.handler(b -> {
      idle.touch();
      if (out.length() < MAX_ERROR_BODY) {
        out.appendBuffer(b, 0, Math.min(b.length(), MAX_ERROR_BODY - out.length()));
      }
    });
    resp.exceptionHandler(e -> done.tryComplete(out));
    resp.endHandler(v -> done.tryComplete(out));
    return done.future().andThen(ar -> idle.stop());
  }
}
