package io.yugong.gateway;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenAI-shaped answers to requests refused below the router: requests the HTTP decoder could not
 * read (414 request line too long, 431 headers too large, 400 otherwise, ambiguous framing
 * included; the connection is then closed, since what follows on it cannot be trusted), and the
 * router's own refusals (400 without Host, 404 for a path that is not a path).
 */
final class InvalidRequests {

  private static final Logger LOG = LoggerFactory.getLogger(InvalidRequests.class);
  private static final CharSequence CLOSE = HttpHeaders.createOptimized("close");

  private InvalidRequests() {
  }

  /** The server's invalid-request handler: answers and closes the connection. */
  static void answer(HttpServerRequest req) {
    Throwable cause = req.decoderResult().cause();
    ApiError error;
    if (cause instanceof TooLongHttpLineException) {
      error = new ApiError(414, "The request line is too long.", "invalid_request_error", null,
          "request_uri_too_long");
    } else if (cause instanceof TooLongHttpHeaderException) {
      error = new ApiError(431, "The request headers are too large.", "invalid_request_error", null,
          "request_headers_too_large");
    } else if (cause instanceof RequestDecoder.BadHead bad) {
      error = new ApiError(bad.status, bad.getMessage(), "invalid_request_error", null, bad.code);
    } else {
      error = new ApiError(400, "The request is not valid HTTP.", "invalid_request_error", null,
          "invalid_http_request");
    }
    LOG.debug("refused an unreadable request from {}: {}", req.remoteAddress(),
        cause == null ? "no cause" : cause.toString());
    HttpServerResponse response = req.response();
    response.putHeader(HttpHeaders.CONNECTION, CLOSE);
    error.send(response).onComplete(v -> req.connection().close());
  }

  /** The router's 400 (a request without Host, for one) in OpenAI's shape. */
  static void badRequest(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    String message = failure != null && failure.getMessage() != null ? failure.getMessage()
        : "The request is not valid.";
    ApiError.invalidRequest(message, null).send(ctx.response());
  }

  /** The router's 404 in OpenAI's shape. */
  static void notFound(RoutingContext ctx) {
    ctx.request().resume();
    ApiError.notFound("Invalid URL (" + ctx.request().method() + " " + ctx.request().path() + ")")
        .send(ctx.response());
  }
}
