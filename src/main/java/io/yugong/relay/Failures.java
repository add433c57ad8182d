package io.yugong.relay;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

/** Which upstream answers are the key's or upstream's fault rather than the request's. */
final class Failures {

  private static final int MAX_ERROR_BODY = 64 * 1024;

  private Failures() {
  }

  /** 429, 401/403 (the key's), and upstream or gateway failures (5xx, Cloudflare's 520-524). */
  static boolean retryable(int status) {
    return status == 429 || status == 401 || status == 403 || status == 500 || status == 502
        || status == 503 || status == 504 || (status >= 520 && status <= 524);
  }

  /** Reads an error answer's body, at most 64 KiB of it, never failing. */
  static Future<Buffer> readError(HttpClientResponse resp) {
    Buffer out = Buffer.buffer();
    io.vertx.core.Promise<Buffer> done = io.vertx.core.Promise.promise();
    resp.handler(b -> {
      if (out.length() < MAX_ERROR_BODY) {
        out.appendBuffer(b, 0, Math.min(b.length(), MAX_ERROR_BODY - out.length()));
      }
    });
    resp.exceptionHandler(e -> done.tryComplete(out));
    resp.endHandler(v -> done.tryComplete(out));
    return done.future();
  }
}
