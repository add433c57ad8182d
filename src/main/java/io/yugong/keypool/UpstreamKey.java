package io.yugong.keypool;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The stored record of one upstream key. The secret is only ever present sealed
 * ({@link #sealed}); {@link #hint} is the masked form that may be shown to operators.
 */
public record UpstreamKey(
    String id,
    String name,
    String sealed,
    String hint,
    String baseUrl,
    List<String> models,
    int level,
    int weight,
    String org,
    boolean enabled,
    String disabledReason,
    long createdAt) {

  public UpstreamKey {
    models = models == null ? List.of() : List.copyOf(models);
    level = level <= 0 ? 1 : level;
    weight = weight <= 0 ? 1 : weight;
  }

  /** True when the key serves the given upstream model (an empty list serves all). */
  public boolean serves(String model) {
    if (models.isEmpty() || model == null) {
      return true;
    }
    for (String m : models) {
      if (m.equals(model) || (m.endsWith("*") && model.startsWith(m.substring(0, m.length() - 1)))) {
        return true;
      }
    }
    return false;
  }

  public UpstreamKey withEnabled(boolean on, String reason) {
    return new UpstreamKey(id, name, sealed, hint, baseUrl, models, level, weight, org, on,
        on ? null : reason, createdAt);
  }

  public UpstreamKey withRouting(int newLevel, List<String> newModels, int newWeight, String newName) {
    return new UpstreamKey(id, newName, sealed, hint, baseUrl, newModels, newLevel, newWeight, org,
        enabled, disabledReason, createdAt);
  }

  public UpstreamKey withBaseUrl(String newBaseUrl) {
    return new UpstreamKey(id, name, sealed, hint, newBaseUrl, models, level, weight, org, enabled,
        disabledReason, createdAt);
  }

  /** The stored JSON, sealed secret included; never send this to a client. */
  public JsonObject toStored() {
    return new JsonObject()
        .put("id", id).put("name", name).put("sealed", sealed).put("hint", hint)
        .put("baseUrl", baseUrl).put("models", new JsonArray(models)).put("level", level)
        .put("weight", weight).put("org", org).put("enabled", enabled)
        .put("disabledReason", disabledReason).put("createdAt", createdAt);
  }

  public static UpstreamKey fromStored(JsonObject j) {
    JsonArray models = j.getJsonArray("models", new JsonArray());
    return new UpstreamKey(j.getString("id"), j.getString("name"), j.getString("sealed"),
        j.getString("hint"), j.getString("baseUrl"),
        models.stream().map(Object::toString).toList(), j.getInteger("level", 1),
        j.getInteger("weight", 1), j.getString("org"), j.getBoolean("enabled", true),
        j.getString("disabledReason"), j.getLong("createdAt", 0L));
  }
}
