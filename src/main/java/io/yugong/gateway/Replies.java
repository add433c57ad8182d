package io.yugong.gateway;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** JSON replies of Yugong's own routes, and the mapping of their failures to OpenAI errors. */
public final class Replies {

  private static final Logger LOG = LoggerFactory.getLogger(Replies.class);
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  private Replies() {
  }

  public static void json(RoutingContext ctx, int status, Object body) {
    String text = body instanceof JsonObject j ? j.encode()
        : body instanceof JsonArray a ? a.encode() : String.valueOf(body);
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(text);
  }

  /** The JSON body of a request to a Yugong route, or a 400 already sent (then null). */
  public static JsonObject body(RoutingContext ctx) {
    try {
      JsonObject j = ctx.body().asJsonObject();
      return j == null ? new JsonObject() : j;
    } catch (RuntimeException e) {
      ApiError.invalidRequest("The request body is not a JSON object.", null).send(ctx.response());
      return null;
    }
  }

  /** Sends a failure: client faults as 400/404/409, anything else as a logged 500. */
  public static void fail(RoutingContext ctx, Throwable e) {
    if (e instanceof ApiError api) {
      api.send(ctx.response());
    } else if (e instanceof IllegalArgumentException) {
      ApiError.invalidRequest(e.getMessage(), null).send(ctx.response());
    } else if (e instanceof IllegalStateException) {
      new ApiError(409, e.getMessage(), "invalid_request_error", null, "conflict").send(ctx.response());
    } else {
      String rid = RequestIds.of(ctx);
      LOG.error("{} {} {} failed", rid, ctx.request().method(), ctx.request().path(), e);
      ApiError.internal(rid).send(ctx.response());
    }
  }
}
