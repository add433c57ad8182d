package io.yugong.gateway;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's first stage: a request whose path is not canonical is rerouted, once, to its
 * {@link RequestTarget canonical} path (with its query unchanged) before any other stage has run,
 * so that everything after it reads the same path; an ambiguous path is marked refused (a second
 * Host header is refused earlier, by {@link RequestDecoder}). The refusal itself is sent by
 * {@link #refusal(RoutingContext)}'s caller once the request is counted and has its id.
 */
final class TargetCheck {

  private static final Logger LOG = LoggerFactory.getLogger(TargetCheck.class);
  private static final String REFUSAL = "yugong.target.refusal";
  private static final String REROUTED = "yugong.target.rerouted";

  private TargetCheck() {
  }

  static void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String path = req.path();
    String canonical;
    try {
      canonical = RequestTarget.canonical(path);
    } catch (RequestTarget.Ambiguous e) {
      LOG.debug("refused the request target of {} {}: {}", req.method(), path, e.getMessage());
      ctx.put(REFUSAL, refused(e.getMessage()));
      ctx.next();
      return;
    }
    if (canonical == path || ctx.get(REROUTED) != null) {
      ctx.next();
      return;
    }
    ctx.put(REROUTED, Boolean.TRUE);
    String query = req.query();
    ctx.reroute(req.method(), query == null ? canonical : canonical + "?" + query);
  }

  private static ApiError refused(String message) {
    return new ApiError(400, message, "invalid_request_error", null, "invalid_request_target");
  }

  /** The refusal {@link #handle} marked, or null. */
  static ApiError refusal(RoutingContext ctx) {
    return ctx.get(REFUSAL);
  }
}
