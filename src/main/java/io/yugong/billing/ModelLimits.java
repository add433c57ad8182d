package io.yugong.billing;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-model request and token limits, ProxyXAI's {@code ModelLimits}: {@code {"gpt-4o": {"rpm":
 * 10, "tpm": 20000}}}, keyed by the model name the client asks for. 0 (or absent) is no limit.
 * Immutable; parsed with every field bounded.
 */
public final class ModelLimits {

  /** One model's limits: requests and tokens per minute, 0 = none. */
  public record Of(int rpm, long tpm) {
    static final Of NONE = new Of(0, 0);

    /** The tighter of two limits, field by field (0 is no limit, so the other one applies). */
    public Of min(Of o) {
      return new Of((int) tighter(rpm, o.rpm), tighter(tpm, o.tpm));
    }
  }

  public static final ModelLimits NONE = new ModelLimits(Map.of());
  /** The runtime setting holding the operator's ModelLimits for every account. */
  public static final String SETTING = "modelLimits";
  static final int MAX_MODELS = 256;
  static final int MAX_MODEL_NAME = 128;

  private final Map<String, Of> byModel;

  private ModelLimits(Map<String, Of> byModel) {
    this.byModel = Map.copyOf(byModel);
  }

  /**
   * Parses {@code {"model": {"rpm": n, "tpm": n}}}; throws IllegalArgumentException with a
   * message naming what is wrong. Entries without a limit are dropped.
   */
  public static ModelLimits fromJson(JsonObject j) {
    if (j == null || j.isEmpty()) {
      return NONE;
    }
    if (j.size() > MAX_MODELS) {
      throw new IllegalArgumentException("ModelLimits may name at most " + MAX_MODELS + " models");
    }
    Map<String, Of> out = new TreeMap<>();
    for (Map.Entry<String, Object> e : j) {
      String model = e.getKey();
      if (model.isEmpty() || model.length() > MAX_MODEL_NAME
          || model.chars().anyMatch(ch -> ch <= ' ' || ch == ',' || ch == 127)) {
        throw new IllegalArgumentException("ModelLimits: a model name must be 1-" + MAX_MODEL_NAME
            + " characters without spaces, commas or control characters");
      }
      if (!(e.getValue() instanceof JsonObject l)) {
        throw new IllegalArgumentException("ModelLimits." + model + " must be an object such as "
            + "{\"rpm\": 10, \"tpm\": 20000}");
      }
      Of of = new Of((int) Limits.count(l.getValue("rpm"), "ModelLimits." + model + ".rpm",
          Limits.MAX_REQUESTS), Limits.count(l.getValue("tpm"), "ModelLimits." + model + ".tpm",
          Limits.MAX_TOKENS));
      if (of.rpm > 0 || of.tpm > 0) {
        out.put(model, of);
      }
    }
    return out.isEmpty() ? NONE : new ModelLimits(out);
  }

  /** Parses the stored form (a JSON object as text; empty or unreadable: none). */
  public static ModelLimits fromStored(String s) {
    if (s == null || s.isEmpty()) {
      return NONE;
    }
    try {
      return fromJson(new JsonObject(s));
    } catch (RuntimeException e) {
      return NONE;
    }
  }

  /** The limits for {@code model}: none when it is not named. */
  public Of of(String model) {
    if (model == null || byModel.isEmpty()) {
      return Of.NONE;
    }
    return byModel.getOrDefault(model, Of.NONE);
  }

  public boolean isEmpty() {
    return byModel.isEmpty();
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject();
    byModel.forEach((m, l) -> j.put(m, new JsonObject().put("rpm", l.rpm).put("tpm", l.tpm)));
    return j;
  }

  /** The stored form: the JSON text, or "" when there are none. */
  public String toStored() {
    return byModel.isEmpty() ? "" : toJson().encode();
  }

  static long tighter(long a, long b) {
    if (a <= 0) {
      return Math.max(0, b);
    }
    return b <= 0 ? a : Math.min(a, b);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelLimits m && m.byModel.equals(byModel);
  }

  @Override
  public int hashCode() {
    return byModel.hashCode();
  }

  @Override
  public String toString() {
    return toStored();
  }
}
