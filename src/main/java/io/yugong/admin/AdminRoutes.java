package io.yugong.admin;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.yugong.billing.ModelLimits;
import io.yugong.billing.PriceBook;
import io.yugong.gateway.ApiError;
import io.yugong.gateway.Replies;
import io.yugong.keypool.KeyPool;
import io.yugong.keypool.RoutingRules;
import io.yugong.keypool.UpstreamKey;
import io.yugong.node.Services;
import java.util.ArrayList;
import java.util.List;

/** Yugong's own routes: {@code /admin/*} (admin key), {@code /x-users}, {@code /dashboard/*}. */
public final class AdminRoutes {

  private final Services services;
  private final KeyPool pool;

  public AdminRoutes(Services services) {
    this.services = services;
    this.pool = services.keyPool();
  }

  /** Adds the routes; authentication handlers are already in front of them. */
  public void mount(Router router) {
    router.post("/admin/keys").handler(this::addKeys);
    router.get("/admin/keys").handler(this::listKeys);
    router.delete("/admin/keys/:id").handler(this::deleteKey);
    router.get("/admin/keys/:id").handler(this::getKey);
    router.patch("/admin/keys/:id").handler(ctx -> updateKey(ctx, Replies.body(ctx)));
    router.post("/admin/keys/:id/enable").handler(ctx -> updateKey(ctx, new JsonObject().put("enabled", true)));
    router.post("/admin/keys/:id/disable").handler(ctx -> {
      JsonObject b = Replies.body(ctx);
      if (b != null) {
        updateKey(ctx, new JsonObject().put("enabled", false)
            .put("reason", b.getString("reason", "disabled by an operator")));
      }
    });
    router.get("/admin/config/routing").handler(ctx ->
        Replies.json(ctx, 200, pool.routing().toJson()));
    router.put("/admin/config/routing").handler(this::setRouting);
    router.get("/admin/cluster").handler(this::cluster);
    router.get("/admin/config/prices").handler(ctx ->
        Replies.json(ctx, 200, services.tariff().prices().toJson()));
    router.put("/admin/config/prices").handler(this::setPrices);
    router.get("/admin/config/model-limits").handler(ctx -> Replies.json(ctx, 200,
        globalModelLimits().toJson()));
    router.put("/admin/config/model-limits").handler(this::setModelLimits);
    router.patch("/admin/config/prices").handler(this::patchPrices);
    router.post("/x-root").handler(new RootKeyRoute(services.accounts())::handle);
    new UpstreamKeyRoutes(pool).mount(router);
    SettingsRoute settings = new SettingsRoute(services.runtime(), pool);
    router.get("/x-config").handler(settings::get);
    router.post("/x-config").handler(settings::set);
    router.put("/x-config").handler(settings::set);
    router.delete("/x-config").handler(settings::delete);
  }

  private void addKeys(RoutingContext ctx) {
    JsonArray items;
    boolean bulk;
    try {
      Object parsed = ctx.body().asString() == null ? null : io.vertx.core.json.Json.decodeValue(ctx.body().buffer());
      bulk = parsed instanceof JsonArray || (parsed instanceof JsonObject o && o.containsKey("keys"));
      items = parsed instanceof JsonArray a ? a
          : parsed instanceof JsonObject o && o.getValue("keys") instanceof JsonArray a ? a
          : parsed instanceof JsonObject o ? new JsonArray().add(o) : null;
    } catch (RuntimeException e) {
      items = null;
      bulk = false;
    }
    if (items == null || items.isEmpty()) {
      ApiError.invalidRequest("Send {\"key\": \"sk-...\"} or a list of such objects.", null)
          .send(ctx.response());
      return;
    }
    for (int i = 0; i < items.size(); i++) {
      if (!(items.getValue(i) instanceof JsonObject o)) {
        ApiError.invalidRequest("Each key must be an object with a 'key' field.", null).send(ctx.response());
        return;
      }
      try {
        pool.check(o);
      } catch (IllegalArgumentException e) {
        ApiError.invalidRequest((items.size() > 1 ? "Key " + (i + 1) + ": " : "") + e.getMessage()
            + (items.size() > 1 ? " Nothing was added." : ""), null).send(ctx.response());
        return;
      }
    }
    List<Future<UpstreamKey>> added = new ArrayList<>();
    for (Object item : items) {
      added.add(pool.add((JsonObject) item));
    }
    boolean many = bulk;
    Future.all(added).onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(ctx, ar.cause());
        return;
      }
      JsonArray views = new JsonArray();
      added.forEach(f -> views.add(pool.view(f.result())));
      Replies.json(ctx, 201, many ? new JsonObject().put("data", views) : views.getJsonObject(0));
    });
  }

  private void listKeys(RoutingContext ctx) {
    JsonArray data = new JsonArray();
    for (UpstreamKey k : pool.records()) {
      data.add(pool.view(k));
    }
    Replies.json(ctx, 200, new JsonObject().put("object", "list").put("data", data));
  }

  private void getKey(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    pool.find(id).ifPresentOrElse(k -> Replies.json(ctx, 200, pool.view(k)),
        () -> ApiError.notFound("No upstream key with id '" + id + "'.").send(ctx.response()));
  }

  private void updateKey(RoutingContext ctx, JsonObject patch) {
    if (patch == null) {
      return;
    }
    String id = ctx.pathParam("id");
    pool.update(id, patch).onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(ctx, ar.cause());
      } else if (ar.result() == null) {
        ApiError.notFound("No upstream key with id '" + id + "'.").send(ctx.response());
      } else {
        Replies.json(ctx, 200, pool.view(ar.result()));
      }
    });
  }

  private void setRouting(RoutingContext ctx) {
    JsonObject body = Replies.body(ctx);
    if (body == null) {
      return;
    }
    JsonObject merged = pool.routing().toJson().mergeIn(body);
    RoutingRules rules;
    try {
      rules = RoutingRules.fromJson(merged);
    } catch (IllegalArgumentException e) {
      Replies.fail(ctx, e);
      return;
    }
    services.runtime().put("routing", rules.toJson()).onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(ctx, ar.cause());
      } else {
        Replies.json(ctx, 200, rules.toJson());
      }
    });
  }

  private ModelLimits globalModelLimits() {
    JsonObject doc = services.runtime().get(ModelLimits.SETTING);
    return doc == null ? ModelLimits.NONE : ModelLimits.fromStored(doc.encode());
  }

  /** Replaces the ModelLimits that bind every account ({"model": {"rpm": n, "tpm": n}}). */
  private void setModelLimits(RoutingContext ctx) {
    JsonObject body = Replies.body(ctx);
    if (body == null) {
      return;
    }
    ModelLimits limits;
    try {
      limits = ModelLimits.fromJson(body);
    } catch (IllegalArgumentException e) {
      Replies.fail(ctx, e);
      return;
    }
    services.runtime().put(ModelLimits.SETTING, limits.toJson()).onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(ctx, ar.cause());
      } else {
        Replies.json(ctx, 200, limits.toJson());
      }
    });
  }

  private void deleteKey(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    pool.remove(id).onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(ctx, ar.cause());
      } else if (!ar.result()) {
        ApiError.notFound("No upstream key with id '" + id + "'.").send(ctx.response());
      } else {
        Replies.json(ctx, 200, new JsonObject().put("id", id).put("deleted", true));
      }
    });
  }

  private void cluster(RoutingContext ctx) {
    services.cluster().snapshot().onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(ctx, ar.cause());
      } else {
        Replies.json(ctx, 200, ar.result().put("keyPool", pool.summary()));
      }
    });
  }

  private void setPrices(RoutingContext ctx) {
    JsonObject body = Replies.body(ctx);
    if (body != null) {
      storePrices(ctx, () -> PriceBook.fromJson(body));
    }
  }

  /** Merges {"multiplier"?, "default"?, "models": {name: price or null}} into the live book. */
  private void patchPrices(RoutingContext ctx) {
    JsonObject body = Replies.body(ctx);
    if (body == null) {
      return;
    }
    storePrices(ctx, () -> {
      JsonObject merged = services.tariff().prices().toJson();
      JsonObject models = merged.getJsonObject("models", new JsonObject());
      body.getJsonObject("models", new JsonObject()).forEach(e -> {
        if (e.getValue() == null) {
          models.remove(e.getKey());
        } else {
          models.put(e.getKey(), e.getValue());
        }
      });
      merged.put("models", models);
      body.forEach(e -> {
        if (!e.getKey().equals("models")) {
          merged.put(e.getKey(), e.getValue());
        }
      });
      return PriceBook.fromJson(merged);
    });
  }

  private void storePrices(RoutingContext ctx, java.util.function.Supplier<PriceBook> build) {
    PriceBook book;
    try {
      book = build.get();
    } catch (RuntimeException e) {
      Replies.fail(ctx, new IllegalArgumentException("The price book is not valid: " + e.getMessage()));
      return;
    }
    services.runtime().put("prices", book.toJson()).onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(ctx, ar.cause());
      } else {
        Replies.json(ctx, 200, book.toJson());
      }
    });
  }

}
