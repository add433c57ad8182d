package io.yugong.mock;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * How the emulator treats one API key. Immutable except for the seeded random source of {@link #flaky},
 * which is shared by every request of the key so that a given seed yields a reproducible sequence.
 */
public final class KeyBehaviour {

  enum Mode { OK, RATE_LIMIT, INSUFFICIENT_QUOTA, INVALID_KEY, DEACTIVATED, STATUS, FLAKY, SLOW_FIRST_BYTE, CUT_STREAM, LIMITS,
    ERROR }

  final Mode mode;
  final int retryAfterSeconds;
  final int status;
  final double probability;
  final long seed;
  final int[] statuses;
  final long delayMs;
  final int afterChunks;
  final int rpm;
  final int tpm;
  /** For {@link Mode#ERROR}: model ({@code prefix*}, or {@code *} for every request) → the answer it gets. */
  final Map<String, OpenAiError> errors;
  private final SplittableRandom random;

  private KeyBehaviour(Mode mode, int retryAfterSeconds, int status, double probability, long seed, int[] statuses,
                       long delayMs, int afterChunks, int rpm, int tpm) {
    this(mode, retryAfterSeconds, status, probability, seed, statuses, delayMs, afterChunks, rpm, tpm, Map.of());
  }

  private KeyBehaviour(Mode mode, int retryAfterSeconds, int status, double probability, long seed, int[] statuses,
                       long delayMs, int afterChunks, int rpm, int tpm, Map<String, OpenAiError> errors) {
    this.mode = mode;
    this.retryAfterSeconds = retryAfterSeconds;
    this.status = status;
    this.probability = probability;
    this.seed = seed;
    this.statuses = statuses;
    this.delayMs = delayMs;
    this.afterChunks = afterChunks;
    this.rpm = rpm;
    this.tpm = tpm;
    this.errors = errors;
    this.random = mode == Mode.FLAKY ? new SplittableRandom(seed) : null;
  }

  private static KeyBehaviour of(Mode mode) {
    return new KeyBehaviour(mode, 0, 0, 0, 0, null, 0, -1, 0, 0);
  }

  /** Normal service. */
  public static KeyBehaviour ok() {
    return of(Mode.OK);
  }

  /** Every request answers 429 {@code rate_limit_exceeded} (type "requests") with {@code retry-after}. */
  public static KeyBehaviour rateLimited(int retryAfterSeconds) {
    if (retryAfterSeconds < 0) {
      throw new IllegalArgumentException("retryAfterSeconds must be >= 0");
    }
    return new KeyBehaviour(Mode.RATE_LIMIT, retryAfterSeconds, 429, 0, 0, null, 0, -1, 0, 0);
  }

  /** Every request answers 429 {@code insufficient_quota}. */
  public static KeyBehaviour insufficientQuota() {
    return of(Mode.INSUFFICIENT_QUOTA);
  }

  /** Every request answers 401 {@code invalid_api_key}. */
  public static KeyBehaviour invalidKey() {
    return of(Mode.INVALID_KEY);
  }

  /** Every request answers 403 {@code account_deactivated}. */
  public static KeyBehaviour deactivated() {
    return of(Mode.DEACTIVATED);
  }

  /** Every request answers that status, with the body OpenAI or its CDN would send for it. */
  public static KeyBehaviour status(int code) {
    if (code < 100 || code > 599) {
      throw new IllegalArgumentException("not an HTTP status: " + code);
    }
    return new KeyBehaviour(Mode.STATUS, 0, code, 0, 0, null, 0, -1, 0, 0);
  }

  /** With the given probability a request fails with one of the statuses (chosen by the seeded random), else ok. */
  public static KeyBehaviour flaky(double probability, long seed, int... statuses) {
    if (!(probability >= 0 && probability <= 1)) {
      throw new IllegalArgumentException("probability must be in [0,1]: " + probability);
    }
    if (statuses == null || statuses.length == 0) {
      throw new IllegalArgumentException("flaky needs at least one status");
    }
    for (int s : statuses) {
      if (s < 100 || s > 599) {
        throw new IllegalArgumentException("not an HTTP status: " + s);
      }
    }
    return new KeyBehaviour(Mode.FLAKY, 0, 0, probability, seed, statuses.clone(), 0, -1, 0, 0);
  }

  /** Normal answers whose status line and headers come only after the delay. */
  public static KeyBehaviour slowFirstByte(long delayMs) {
    if (delayMs < 0) {
      throw new IllegalArgumentException("delayMs must be >= 0");
    }
    return new KeyBehaviour(Mode.SLOW_FIRST_BYTE, 0, 0, 0, 0, null, delayMs, -1, 0, 0);
  }

  /**
   * Streaming answers send that many SSE events (binary answers: that many body writes) and then the connection
   * is closed abruptly, without {@code [DONE]}. Non-streaming JSON answers are cut in the middle of the body.
   */
  public static KeyBehaviour cutStream(int afterChunks) {
    if (afterChunks < 0) {
      throw new IllegalArgumentException("afterChunks must be >= 0");
    }
    return new KeyBehaviour(Mode.CUT_STREAM, 0, 0, 0, 0, null, 0, afterChunks, 0, 0);
  }

  /** Per-minute budgets reflected by the x-ratelimit-* headers; exceeding them answers 429 rate_limit_exceeded. */
  public static KeyBehaviour limits(int rpm, int tpm) {
    if (rpm < 1 || tpm < 1) {
      throw new IllegalArgumentException("rpm and tpm must be >= 1");
    }
    return new KeyBehaviour(Mode.LIMITS, 0, 0, 0, 0, null, 0, -1, rpm, tpm);
  }

  /** Every request answers that OpenAI error. */
  public static KeyBehaviour answer(OpenAiError error) {
    return answer(error, new String[0]);
  }

  /**
   * Requests for one of the models ({@code prefix*} allowed) answer that OpenAI error; requests for other models
   * are served normally. No model given: every request. Multipart requests (whose model the gate does not read)
   * are served normally when models are given.
   */
  public static KeyBehaviour answer(OpenAiError error, String... models) {
    if (error == null) {
      throw new IllegalArgumentException("error must not be null");
    }
    Map<String, OpenAiError> byModel = new LinkedHashMap<>();
    if (models.length == 0) {
      byModel.put("*", error);
    }
    for (String m : models) {
      byModel.put(m, error);
    }
    return byModel(byModel);
  }

  /**
   * Each model ({@code prefix*} allowed; {@code *} for every request) gets its own OpenAI error; requests for
   * other models are served normally. The first matching entry wins, in the map's order.
   */
  public static KeyBehaviour byModel(Map<String, OpenAiError> errors) {
    if (errors == null || errors.isEmpty() || errors.values().stream().anyMatch(e -> e == null)) {
      throw new IllegalArgumentException("byModel needs at least one model and its error");
    }
    return new KeyBehaviour(Mode.ERROR, 0, 0, 0, 0, null, 0, -1, 0, 0,
        Collections.unmodifiableMap(new LinkedHashMap<>(errors)));
  }

  /** Requests for these models answer 403 "Project ... does not have access to model ..." ({@code model_not_found}). */
  public static KeyBehaviour noAccessTo(String... models) {
    return answer(OpenAiError.MODEL_NO_ACCESS, models);
  }

  /** Requests for these models answer 404 "The model ... does not exist or you do not have access to it." */
  public static KeyBehaviour hiding(String... models) {
    return answer(OpenAiError.MODEL_NOT_FOUND, models);
  }

  /** For {@link Mode#ERROR}: the error the request's model gets, or null to serve it normally. */
  OpenAiError errorFor(String model) {
    for (Map.Entry<String, OpenAiError> e : errors.entrySet()) {
      String m = e.getKey();
      if (m.equals("*") || (model != null
          && (m.endsWith("*") ? model.startsWith(m.substring(0, m.length() - 1)) : m.equals(model)))) {
        return e.getValue();
      }
    }
    return null;
  }

  /** For {@link Mode#FLAKY}: the status to fail with, or 0 to serve normally. */
  int rollFlaky() {
    synchronized (random) {
      if (random.nextDouble() < probability) {
        return statuses[random.nextInt(statuses.length)];
      }
      return 0;
    }
  }

  JsonObject toJson() {
    JsonObject json = new JsonObject().put("mode", mode.name().toLowerCase());
    switch (mode) {
      case RATE_LIMIT -> json.put("retryAfter", retryAfterSeconds);
      case STATUS -> json.put("status", status);
      case FLAKY -> json.put("probability", probability).put("seed", seed)
          .put("statuses", new JsonArray(Arrays.stream(statuses).boxed().toList()));
      case SLOW_FIRST_BYTE -> json.put("delayMs", delayMs);
      case CUT_STREAM -> json.put("afterChunks", afterChunks);
      case LIMITS -> json.put("rpm", rpm).put("tpm", tpm);
      case ERROR -> {
        JsonObject byModel = new JsonObject();
        errors.forEach((m, e) -> byModel.put(m, e.wireName()));
        json.put("byModel", byModel);
      }
      default -> { }
    }
    return json;
  }

  /** Parses the body of {@code POST /_mock/keys/{key}/behaviour}. */
  static KeyBehaviour fromJson(JsonObject json) {
    String mode = json.getString("mode", "ok");
    return switch (mode) {
      case "ok" -> ok();
      case "rate_limit", "rate_limited" -> rateLimited(json.getInteger("retryAfter", 1));
      case "insufficient_quota" -> insufficientQuota();
      case "invalid_key" -> invalidKey();
      case "deactivated" -> deactivated();
      case "status" -> status(required(json, "status"));
      case "flaky" -> {
        JsonArray list = json.getJsonArray("statuses");
        int[] codes = list == null ? new int[] {json.getInteger("status", 500)}
            : list.stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        yield flaky(json.getDouble("probability", 0.5), json.getLong("seed", 42L), codes);
      }
      case "slow_first_byte" -> slowFirstByte(json.getLong("delayMs", 1000L));
      case "cut_stream" -> cutStream(json.getInteger("afterChunks", 3));
      case "limits" -> limits(required(json, "rpm"), required(json, "tpm"));
      case "error" -> {
        JsonObject byModel = json.getJsonObject("byModel");
        if (byModel != null) {
          Map<String, OpenAiError> map = new LinkedHashMap<>();
          byModel.forEach(e -> map.put(e.getKey(), OpenAiError.fromWire(String.valueOf(e.getValue()))));
          yield byModel(map);
        }
        String name = json.getString("error");
        if (name == null) {
          throw new IllegalArgumentException("missing field: error (or byModel)");
        }
        JsonArray list = json.getJsonArray("models");
        String[] ms = list == null ? new String[0] : list.stream().map(String::valueOf).toArray(String[]::new);
        yield answer(OpenAiError.fromWire(name), ms);
      }
      case "no_model_access" -> noAccessTo(models(json));
      case "hide_models" -> hiding(models(json));
      default -> throw new IllegalArgumentException("unknown mode: " + mode);
    };
  }

  private static String[] models(JsonObject json) {
    JsonArray list = json.getJsonArray("models");
    if (list == null || list.isEmpty()) {
      throw new IllegalArgumentException("missing field: models");
    }
    return list.stream().map(String::valueOf).toArray(String[]::new);
  }

  private static int required(JsonObject json, String field) {
    Integer value = json.getInteger(field);
    if (value == null) {
      throw new IllegalArgumentException("missing field: " + field);
    }
    return value;
  }

  @Override
  public String toString() {
    return "KeyBehaviour" + toJson().encode();
  }
}
