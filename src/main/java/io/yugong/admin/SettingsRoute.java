package io.yugong.admin;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.yugong.accounts.Resources;
import io.yugong.config.RuntimeConfig;
import io.yugong.gateway.ApiError;
import io.yugong.gateway.Replies;
import io.yugong.keypool.KeyPool;
import io.yugong.keypool.RoutingRules;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * ProxyXAI's {@code /x-config} (admin key only): the global {@code MODEL_MAPPER},
 * {@code LEVEL_MAPPER}, {@code SWITCH_OVER} (the routing setting) and {@code RESOURCES}, read
 * ({@code GET}), changed ({@code POST}/{@code PUT}, only the names sent) and reset to their
 * defaults, empty ({@code DELETE {"keys": [...]}}). Each is checked before anything is stored;
 * a bad value is a 400 naming it. Every node applies a change within milliseconds.
 */
final class SettingsRoute {

  private static final List<String> ROUTING = List.of("MODEL_MAPPER", "LEVEL_MAPPER", "SWITCH_OVER");
  private static final String RESOURCES = "RESOURCES";
  /** ProxyXAI's settings that Yugong does not have (mail is not sent here). */
  private static final Set<String> NOT_SUPPORTED = Set.of("XAI_MAIL", "EMAIL_SMTP", "EMAIL_PORT", "EMAIL_AUTH",
      "EMAIL_PASS", "EMAIL_SENDER", "EMAIL_TLS");
  private static final int MAX_VALUE = 16 * 1024;

  private final RuntimeConfig runtime;
  private final KeyPool pool;

  SettingsRoute(RuntimeConfig runtime, KeyPool pool) {
    this.runtime = runtime;
    this.pool = pool;
  }

  private JsonObject current() {
    JsonObject doc = runtime.get(Resources.SETTING);
    JsonObject out = pool.routing().toJson();
    return out.put(RESOURCES, doc == null ? "" : doc.getString(RESOURCES, ""));
  }

  void get(RoutingContext ctx) {
    Replies.json(ctx, 200, new JsonObject().put("success", true).put("configs", current()));
  }

  void set(RoutingContext ctx) {
    JsonObject sent = Replies.body(ctx);
    if (sent == null) {
      return;
    }
    JsonObject changes = new JsonObject();
    try {
      for (Map.Entry<String, Object> e : sent) {
        String name = name(e.getKey());
        if (changes.containsKey(name)) {
          throw ApiError.invalidRequest("The setting '" + name + "' is sent twice.", name);
        }
        Object v = e.getValue();
        if (v == null) {
          v = "";
        }
        if (!(v instanceof String s) || s.length() > MAX_VALUE) {
          throw ApiError.invalidRequest(name + " must be a string of at most " + MAX_VALUE + " characters.", name);
        }
        changes.put(name, s.trim());
      }
      if (changes.isEmpty()) {
        throw ApiError.invalidRequest("Send at least one of MODEL_MAPPER, LEVEL_MAPPER, SWITCH_OVER, RESOURCES.",
            null);
      }
    } catch (ApiError e) {
      e.send(ctx.response());
      return;
    }
    store(ctx, changes, new JsonObject().put("success", true).put("updated", changes)
        .put("message", "Configurations updated successfully"));
  }

  void delete(RoutingContext ctx) {
    JsonObject sent = Replies.body(ctx);
    if (sent == null) {
      return;
    }
    Set<String> names = new LinkedHashSet<>();
    try {
      for (String field : sent.fieldNames()) {
        if (!field.equals("keys")) {
          throw new ApiError(400, "DELETE /x-config takes {\"keys\": [...]}.", "invalid_request_error",
              field.length() > 32 ? field.substring(0, 32) : field, "unknown_field");
        }
      }
      Object keys = sent.getValue("keys");
      if (!(keys instanceof JsonArray list) || list.isEmpty() || list.size() > 16) {
        throw ApiError.invalidRequest("keys must be a list of the settings to reset, e.g. [\"MODEL_MAPPER\"].", "keys");
      }
      for (Object k : list) {
        if (!(k instanceof String s)) {
          throw ApiError.invalidRequest("keys must be a list of setting names.", "keys");
        }
        names.add(name(s));
      }
    } catch (ApiError e) {
      e.send(ctx.response());
      return;
    }
    JsonObject changes = new JsonObject();
    names.forEach(n -> changes.put(n, ""));
    store(ctx, changes, new JsonObject().put("success", true).put("deleted", new JsonArray(List.copyOf(names)))
        .put("message", "Configurations deleted successfully (restored to defaults)"));
  }

  /** The canonical name of a setting (names match ignoring case); a 400 naming any other. */
  private static String name(String sent) {
    String upper = sent.length() > 64 ? sent : sent.toUpperCase(Locale.ROOT);
    if (ROUTING.contains(upper) || RESOURCES.equals(upper)) {
      return upper;
    }
    String shown = (sent.length() > 64 ? sent.substring(0, 64) + "..." : sent).replaceAll("\\p{Cntrl}", "?");
    if (NOT_SUPPORTED.contains(upper) || upper.startsWith("EMAIL_")) {
      throw new ApiError(400, "The setting '" + shown + "' is not supported by this service (it sends no mail); "
          + "nothing was changed.", "invalid_request_error", shown, "unsupported_field");
    }
    throw new ApiError(400, "Unknown setting '" + shown + "'; /x-config holds MODEL_MAPPER, LEVEL_MAPPER, "
        + "SWITCH_OVER and RESOURCES. Nothing was changed.", "invalid_request_error", shown, "unknown_field");
  }

  /** Checks every change, then stores the routing and RESOURCES documents that change. */
  private void store(RoutingContext ctx, JsonObject changes, JsonObject answer) {
    JsonObject routing = pool.routing().toJson();
    boolean routingChanged = false;
    for (String n : ROUTING) {
      if (changes.containsKey(n)) {
        routing.put(n, changes.getString(n));
        routingChanged = true;
      }
    }
    RoutingRules rules;
    Resources resources = null;
    try {
      rules = RoutingRules.fromJson(routing);
    } catch (IllegalArgumentException e) {
      String msg = e.getMessage() == null ? "invalid" : e.getMessage();
      String param = ROUTING.stream().filter(msg::startsWith).findFirst().orElse(null);
      ApiError.invalidRequest(msg + " Nothing was changed.", param).send(ctx.response());
      return;
    }
    if (changes.containsKey(RESOURCES)) {
      try {
        resources = Resources.parse(changes.getString(RESOURCES));
      } catch (IllegalArgumentException e) {
        ApiError.invalidRequest("RESOURCES: " + e.getMessage() + ". Nothing was changed.", RESOURCES)
            .send(ctx.response());
        return;
      }
    }
    Future<Void> routingSaved = routingChanged ? runtime.put("routing", rules.toJson()) : Future.succeededFuture();
    Resources r = resources;
    routingSaved.compose(v -> r == null ? Future.<Void>succeededFuture()
        : runtime.put(Resources.SETTING, new JsonObject().put(RESOURCES, r.toString())))
        .onComplete(ar -> {
          if (ar.failed()) {
            Replies.fail(ctx, ar.cause());
          } else {
            Replies.json(ctx, 200, answer);
          }
        });
  }
}
