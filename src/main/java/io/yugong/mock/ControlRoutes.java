package io.yugong.mock;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** /_mock/*: behaviours, stats and reset for humans and the demo. No authentication. */
final class ControlRoutes {

  private ControlRoutes() {
  }

  static void mount(Router router, MockControl control) {
    router.post("/_mock/keys/:key/behaviour").handler(ctx -> ctx.request().body().onComplete(ar -> {
      String key = ctx.pathParam("key");
      try {
        JsonObject body = ar.succeeded() && ar.result().length() > 0 ? ar.result().toJsonObject() : new JsonObject();
        KeyBehaviour behaviour = KeyBehaviour.fromJson(body);
        control.behave(key, behaviour);
        reply(ctx, 200, new JsonObject().put("key", key).put("behaviour", behaviour.toJson()));
      } catch (RuntimeException e) {
        reply(ctx, 400, new JsonObject().put("error", String.valueOf(e.getMessage())));
      }
    }));
    router.delete("/_mock/keys/:key/behaviour").handler(ctx -> {
      control.behave(ctx.pathParam("key"), null);
      reply(ctx, 200, new JsonObject().put("key", ctx.pathParam("key")).put("behaviour", KeyBehaviour.ok().toJson()));
    });
    router.get("/_mock/stats").handler(ctx -> reply(ctx, 200, control.stats()));
    router.post("/_mock/reset").handler(ctx -> {
      control.reset();
      reply(ctx, 200, new JsonObject().put("reset", true));
    });
    router.get("/_mock/requests").handler(ctx -> {
      String key = ctx.request().getParam("key");
      JsonArray list = new JsonArray();
      (key == null ? control.requests() : control.requests(key)).forEach(r -> list.add(JsonObject.mapFrom(r)));
      reply(ctx, 200, new JsonObject().put("requests", list));
    });
    router.get("/_mock/images/:name").handler(ctx ->
        ctx.response().putHeader(Hdr.CONTENT_TYPE, Hdr.PNG).end(ImagesEndpoint.PNG));
  }

  private static void reply(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader(Hdr.CONTENT_TYPE, Hdr.JSON).end(body.encodePrettily());
  }
}
