package io.yugong.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;

/**
 * What happens to a request body nobody read (an early refusal: 401, 403, 413...): it is read and
 * dropped, so the client reads the answer rather than a reset and the connection can carry the
 * next request (on HTTP/2, the flow-control window is given back). An answer that announced
 * {@code Connection: close} closes the HTTP/1 connection once the body is in. A client still
 * sending after {@value #LINGER_MS} ms, or past the upload limit, loses its connection (HTTP/1) or
 * its stream (HTTP/2).
 */
final class UnreadBody {

  static final long LINGER_MS = 2000;

  private UnreadBody() {
  }

  static void discard(Vertx vertx, HttpServerRequest req, HttpServerResponse resp, long limit) {
    boolean http1 = req.version() != HttpVersion.HTTP_2;
    boolean closing = http1 && "close".equalsIgnoreCase(resp.headers().get(HttpHeaders.CONNECTION));
    if (req.isEnded()) {
      if (closing) {
        req.connection().close();
      }
      return;
    }
    Runnable giveUp = () -> {
      if (http1) {
        req.connection().close();
      } else {
        resp.reset();
      }
    };
    long timer = vertx.setTimer(LINGER_MS, t -> giveUp.run());
    long[] seen = {0};
    req.handler(chunk -> {
      seen[0] += chunk.length();
      if (seen[0] > limit) {
        vertx.cancelTimer(timer);
        giveUp.run();
      }
    });
    req.exceptionHandler(e -> vertx.cancelTimer(timer));
    req.endHandler(v -> {
      vertx.cancelTimer(timer);
      if (closing) {
        req.connection().close();
      }
    });
    req.resume();
  }
}
