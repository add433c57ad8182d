package io.yugong.admin;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.yugong.gateway.ApiError;
import io.yugong.gateway.Replies;
import io.yugong.keypool.KeyPool;
import io.yugong.keypool.UpstreamKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * ProxyXAI's upstream key routes, {@code /x-keys} (admin key only), beside {@code /admin/keys}:
 * the same pool in ProxyXAI's field names ({@code SecretKey}, {@code Name}, {@code Level},
 * {@code Provider}, {@code Status}; Yugong adds {@code Models} and {@code Weight}) and filters
 * ({@code ?level=}, {@code ?provider=}). A secret is added once: its id comes from its peppered
 * hash, so adding it again is a 409 naming the key it already is. The secret is never answered,
 * only {@code PartialKey} ({@code sk-...abcd}). A field or parameter it does not know is a 400
 * naming it.
 */
final class UpstreamKeyRoutes {

  private static final Set<String> ADD = Set.of("SecretKey", "Name", "Level", "Provider", "Status", "Models",
      "Weight");
  private static final Set<String> PARAMS = Set.of("level", "provider");
  private static final int MAX_NAME = 100;
  private static final int MAX_SECRET = 1024;
  private static final int MAX_LEVEL = 1_000_000;
  private static final int MAX_WEIGHT = 1_000_000;

  private final KeyPool pool;

  UpstreamKeyRoutes(KeyPool pool) {
    this.pool = pool;
  }

  void mount(Router router) {
    router.get("/x-keys").handler(this::list);
    router.post("/x-keys").handler(this::add);
    router.get("/x-keys/:id").handler(this::one);
    router.put("/x-keys/:id").handler(this::update);
    router.post("/x-keys/:id").handler(this::update);
    router.delete("/x-keys/:id").handler(this::delete);
  }

  /** A key in ProxyXAI's names, with the pool's health. */
  private JsonObject view(UpstreamKey k) {
    JsonObject v = pool.view(k);
    return new JsonObject().put("ID", k.id()).put("Name", k.name()).put("PartialKey", k.hint())
        .put("Level", k.level()).put("Provider", k.baseUrl()).put("Status", k.enabled())
        .put("State", v.getString("status")).put("Reason", v.getString("reason"))
        .put("Models", String.join(",", k.models())).put("Weight", k.weight())
        .put("CreatedAt", k.createdAt() / 1000);
  }

  private void list(RoutingContext ctx) {
    MultiMap q = ctx.queryParams();
    Integer level;
    String provider;
    try {
      for (String name : q.names()) {
        if (!PARAMS.contains(name.toLowerCase(Locale.ROOT))) {
          throw new ApiError(400, "Unknown parameter '" + shown(name) + "': /x-keys filters by level and "
              + "provider.", "invalid_request_error", shown(name), "unsupported_parameter");
        }
      }
      String l = param(q, "level");
      level = l == null ? null : whole(l, "level", 1, MAX_LEVEL);
      String p = param(q, "provider");
      provider = p == null ? null : provider(p);
    } catch (ApiError e) {
      e.send(ctx.response());
      return;
    }
    JsonArray data = new JsonArray();
    for (UpstreamKey k : pool.records()) {
      if ((level == null || k.level() == level) && (provider == null || provider.equals(k.baseUrl()))) {
        data.add(view(k));
      }
    }
    Replies.json(ctx, 200, new JsonObject().put("object", "list").put("Total", data.size()).put("data", data));
  }

  private void one(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    pool.find(id).ifPresentOrElse(k -> Replies.json(ctx, 200, view(k)), () -> notFound(id).send(ctx.response()));
  }

  private void add(RoutingContext ctx) {
    JsonObject sent = Replies.body(ctx);
    if (sent == null) {
      return;
    }
    JsonObject req;
    String id;
    try {
      JsonObject f = canonical(sent);
      Object secret = f.getValue("SecretKey");
      if (!(secret instanceof String s) || s.isBlank()) {
        throw ApiError.invalidRequest("SecretKey is required: the upstream key to add.", "SecretKey");
      }
      if (s.length() > MAX_SECRET || !s.trim().chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
        throw ApiError.invalidRequest("SecretKey must be at most " + MAX_SECRET + " printable characters "
            + "without spaces.", "SecretKey");
      }
      req = patch(f).put("key", s.trim());
      id = pool.idOf(s);
    } catch (ApiError e) {
      e.send(ctx.response());
      return;
    }
    if (pool.find(id).isPresent()) {
      new ApiError(409, "This upstream key is already in the pool as " + id + "; change it with PUT /x-keys/"
          + id + ".", "invalid_request_error", "SecretKey", "key_exists").send(ctx.response());
      return;
    }
    Boolean enabled = req.getBoolean("enabled");
    pool.add(req, id).compose(k -> Boolean.FALSE.equals(enabled)
        ? pool.update(k.id(), new JsonObject().put("enabled", false).put("reason", "added disabled"))
        : io.vertx.core.Future.succeededFuture(k)).onComplete(ar -> {
          if (ar.failed()) {
            Replies.fail(ctx, ar.cause());
          } else {
            Replies.json(ctx, 200, new JsonObject().put("success", true).put("Action", "add")
                .put("Key", view(ar.result())));
          }
        });
  }

  private void update(RoutingContext ctx) {
    JsonObject sent = Replies.body(ctx);
    if (sent == null) {
      return;
    }
    String id = ctx.pathParam("id");
    JsonObject patch;
    try {
      JsonObject f = canonical(sent);
      if (f.containsKey("SecretKey")) {
        throw new ApiError(400, "SecretKey cannot be changed: add the new key (POST /x-keys) and delete this "
            + "one. Nothing was changed.", "invalid_request_error", "SecretKey", "unsupported_field");
      }
      patch = patch(f);
    } catch (ApiError e) {
      e.send(ctx.response());
      return;
    }
    if (pool.find(id).isEmpty()) {
      notFound(id).send(ctx.response());
      return;
    }
    if (Boolean.FALSE.equals(patch.getBoolean("enabled"))) {
      patch.put("reason", "disabled by an operator");
    }
    pool.update(id, patch).onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(ctx, ar.cause());
      } else if (ar.result() == null) {
        notFound(id).send(ctx.response());
      } else {
        Replies.json(ctx, 200, new JsonObject().put("success", true).put("Action", "update")
            .put("Key", view(ar.result())));
      }
    });
  }

  private void delete(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    pool.remove(id).onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(ctx, ar.cause());
      } else if (!ar.result()) {
        notFound(id).send(ctx.response());
      } else {
        Replies.json(ctx, 200, new JsonObject().put("success", true).put("Action", "delete").put("ID", id));
      }
    });
  }

  // --- fields ---------------------------------------------------------------------------------

  /** The fields under their canonical names (matched ignoring case); a 400 for any other. */
  private static JsonObject canonical(JsonObject sent) {
    JsonObject out = new JsonObject();
    for (Map.Entry<String, Object> e : sent) {
      String canonical = null;
      for (String f : ADD) {
        if (f.equalsIgnoreCase(e.getKey())) {
          canonical = f;
        }
      }
      if (canonical == null) {
        throw new ApiError(400, "Unknown field '" + shown(e.getKey()) + "': /x-keys takes SecretKey, Name, "
            + "Level, Provider, Status, Models and Weight. Nothing was changed.", "invalid_request_error",
            shown(e.getKey()), "unknown_field");
      }
      if (out.containsKey(canonical)) {
        throw ApiError.invalidRequest("The field '" + canonical + "' is sent twice (names match ignoring case).",
            canonical);
      }
      out.put(canonical, e.getValue());
    }
    return out;
  }

  /** The pool's patch ({@code name, level, baseUrl, enabled, models, weight}) of checked fields. */
  private static JsonObject patch(JsonObject f) {
    JsonObject p = new JsonObject();
    if (f.containsKey("Name")) {
      if (!(f.getValue("Name") instanceof String n) || n.isBlank() || n.length() > MAX_NAME
          || n.chars().anyMatch(Character::isISOControl)) {
        throw ApiError.invalidRequest("Name must be text of 1 to " + MAX_NAME + " printable characters.", "Name");
      }
      p.put("name", n.trim());
    }
    if (f.containsKey("Level")) {
      p.put("level", whole(f.getValue("Level"), "Level", 1, MAX_LEVEL));
    }
    if (f.containsKey("Weight")) {
      p.put("weight", whole(f.getValue("Weight"), "Weight", 1, MAX_WEIGHT));
    }
    if (f.containsKey("Provider")) {
      if (!(f.getValue("Provider") instanceof String u)) {
        throw ApiError.invalidRequest("Provider must be a URL such as https://api.openai.com.", "Provider");
      }
      p.put("baseUrl", provider(u));
    }
    if (f.containsKey("Status")) {
      p.put("enabled", status(f.getValue("Status")));
    }
    if (f.containsKey("Models")) {
      Object m = f.getValue("Models");
      List<String> models = new ArrayList<>();
      if (m instanceof String s) {
        for (String x : s.split(",")) {
          if (!x.isBlank()) {
            models.add(x.trim());
          }
        }
      } else if (m instanceof JsonArray a) {
        for (Object x : a) {
          if (!(x instanceof String s) || s.isBlank()) {
            throw ApiError.invalidRequest("Models must be model names.", "Models");
          }
          models.add(s.trim());
        }
      } else if (m != null) {
        throw ApiError.invalidRequest("Models must be a comma-separated list of model names.", "Models");
      }
      if (models.size() > 1000 || models.stream().anyMatch(x -> x.length() > 200
          || x.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f))) {
        throw ApiError.invalidRequest("Models must be at most 1000 names of at most 200 printable characters.",
            "Models");
      }
      p.put("models", new JsonArray(models));
    }
    return p;
  }

  private static String provider(String url) {
    if (url.length() > 2048) {
      throw ApiError.invalidRequest("Provider is at most 2048 characters.", "Provider");
    }
    try {
      return KeyPool.normaliseBaseUrl(url);
    } catch (IllegalArgumentException e) {
      throw ApiError.invalidRequest("Provider must be an http(s) URL such as https://api.openai.com.", "Provider");
    }
  }

  private static boolean status(Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String s) {
      switch (s.trim().toLowerCase(Locale.ROOT)) {
        case "true", "active", "enabled", "1" -> {
          return true;
        }
        case "false", "disabled", "inactive", "suspended", "0" -> {
          return false;
        }
        default -> { }
      }
    }
    if (v instanceof Number n && (n.longValue() == 0 || n.longValue() == 1) && n.doubleValue() == n.longValue()) {
      return n.longValue() == 1;
    }
    throw ApiError.invalidRequest("Status must be true or false (or \"active\" / \"disabled\").", "Status");
  }

  private static int whole(Object v, String field, int min, int max) {
    long n;
    if (v instanceof Integer || v instanceof Long) {
      n = ((Number) v).longValue();
    } else if (v instanceof String s && s.trim().matches("[0-9]{1,9}")) {
      n = Long.parseLong(s.trim());
    } else {
      throw ApiError.invalidRequest(field + " must be a whole number from " + min + " to " + max + ".", field);
    }
    if (n < min || n > max) {
      throw ApiError.invalidRequest(field + " must be a whole number from " + min + " to " + max + ".", field);
    }
    return (int) n;
  }

  private static String param(MultiMap q, String name) {
    String found = null;
    for (Map.Entry<String, String> e : q) {
      if (e.getKey().equalsIgnoreCase(name)) {
        if (found != null) {
          throw ApiError.invalidRequest("Send " + name + " once.", name);
        }
        found = e.getValue();
      }
    }
    return found == null || found.isBlank() ? null : found.trim();
  }

  private static ApiError notFound(String id) {
    return ApiError.notFound("No upstream key with id '" + shown(id) + "'.");
  }

  private static String shown(String s) {
    String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    StringBuilder b = new StringBuilder(cut.length());
    cut.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return b.toString();
  }
}
