package io.yugong.relay;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.yugong.gateway.ApiError;

/** Reads a request body that must be read whole (a JSON body), refusing it past a limit. */
final class BoundedBody {

  private BoundedBody() {
  }

  /** Fails with a 413 {@link ApiError} as soon as the body is known to exceed {@code limit}. */
  static Future<Buffer> read(HttpServerRequest req, long limit) {
    String declared = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > limit) {
          return Future.failedFuture(ApiError.tooLarge(limit));
        }
      } catch (NumberFormatException e) {
        return Future.failedFuture(ApiError.invalidRequest("Malformed Content-Length header.", null));
      }
    }
    Promise<Buffer> promise = Promise.promise();
    Buffer body = Buffer.buffer(declared != null ? (int) Math.min(Long.parseLong(declared.trim()), limit) : 1024);
    req.handler(chunk -> {
      if (promise.future().isComplete()) {
        return;
      }
      if (body.length() + chunk.length() > limit) {
        req.pause();
        promise.tryFail(ApiError.tooLarge(limit));
        return;
      }
      body.appendBuffer(chunk);
    });
    req.exceptionHandler(promise::tryFail);
    req.endHandler(v -> promise.tryComplete(body));
    req.resume();
    return promise.future();
  }
}
