package io.yugong.relay;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.yugong.gateway.ApiError;

/** Reads a request body that must be read whole (a JSON body), refusing it past a limit. */
final class BoundedBody {

  private static final int PREALLOCATE_MAX = 64 * 1024;

  private BoundedBody() {
  }

  /** Fails with a 413 {@link ApiError} as soon as the body is known to exceed {@code limit}. */
  static Future<Buffer> read(HttpServerRequest req, long limit) {
    String declared = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    long length = -1;
    if (declared != null) {
      try {
        length = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        length = -2;
      }
      if (length < 0) {
        return Future.failedFuture(ApiError.invalidRequest("Malformed Content-Length header.", null));
      }
      if (length > limit) {
        return Future.failedFuture(ApiError.tooLarge(limit));
      }
    }
    Promise<Buffer> promise = Promise.promise();
    // what a client declares is not allocated up front beyond a little: it may never send it
    Buffer body = Buffer.buffer((int) Math.min(length < 0 ? 1024 : length, PREALLOCATE_MAX));
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
    // the client's connection failing mid-body is the client's doing, not an error of Yugong's
    req.exceptionHandler(e -> promise.tryFail(ApiError.invalidRequest("The request body was interrupted ("
        + e.getClass().getSimpleName() + ").", null)));
    req.endHandler(v -> promise.tryComplete(body));
    req.resume();
    return promise.future();
  }
}
