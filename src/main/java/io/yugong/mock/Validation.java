package io.yugong.mock;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Request checks shared by the endpoints; each sends OpenAI's 400/404 and returns false on failure. */
final class Validation {

  private Validation() {
  }

  static boolean model(Exchange ex) {
    Object model = ex.json.getValue("model");
    if (model == null) {
      ex.invalid("you must provide a model parameter", "model", "missing_required_parameter");
      return false;
    }
    if (!(model instanceof String name)) {
      ex.invalid("Invalid type for 'model': expected a string, but got " + typeName(model) + " instead.", "model",
          "invalid_type");
      return false;
    }
    if (name.startsWith("nonexistent")) {
      ex.error(404, "The model `" + name + "` does not exist or you do not have access to it.",
          "invalid_request_error", null, "model_not_found");
      return false;
    }
    return true;
  }

  /**
   * The context windows the emulator enforces, for the legacy models only (so that large prompts to current models
   * stay servable): the prompt plus the requested maximum must fit, else 400 {@code context_length_exceeded}.
   */
  static boolean fitsContext(Exchange ex, int promptTokens) {
    int window = switch (ex.model == null ? "" : ex.model) {
      case "gpt-3.5-turbo" -> 16_385;
      case "gpt-4" -> 8_192;
      default -> Integer.MAX_VALUE;
    };
    Long max = Tokens.requestedMax(ex.json);
    long asked = (long) promptTokens + (max == null ? 0 : Math.max(0, max));
    if (asked <= window) {
      return true;
    }
    ex.invalid("This model's maximum context length is " + window + " tokens. However, you requested " + asked
        + " tokens (" + promptTokens + " in the messages, " + (max == null ? 0 : max) + " in the completion). Please "
        + "reduce the length of the messages or completion.", "messages", "context_length_exceeded");
    return false;
  }

  /** For endpoints where the model is optional: ok when absent, else the same checks as {@link #model}. */
  static boolean optionalModel(Exchange ex) {
    return ex.json.getValue("model") == null || model(ex);
  }

  static boolean required(Exchange ex, String field) {
    if (ex.json.getValue(field) == null) {
      ex.invalid("Missing required parameter: '" + field + "'.", field, "missing_required_parameter");
      return false;
    }
    return true;
  }

  static JsonArray nonEmptyArray(Exchange ex, String field) {
    if (!required(ex, field)) {
      return null;
    }
    Object value = ex.json.getValue(field);
    if (!(value instanceof JsonArray array)) {
      ex.invalid("Invalid type for '" + field + "': expected an array, but got " + typeName(value) + " instead.",
          field, "invalid_type");
      return null;
    }
    if (array.isEmpty()) {
      ex.invalid("Invalid '" + field + "': empty array. Expected an array with minimum length 1, but got an empty "
          + "array instead.", field, "empty_array");
      return null;
    }
    return array;
  }

  static String nonEmptyString(Exchange ex, String field) {
    if (!required(ex, field)) {
      return null;
    }
    Object value = ex.json.getValue(field);
    if (!(value instanceof String s)) {
      ex.invalid("Invalid type for '" + field + "': expected a string, but got " + typeName(value) + " instead.",
          field, "invalid_type");
      return null;
    }
    if (s.isEmpty()) {
      ex.invalid("Invalid '" + field + "': string too short. Expected a string with minimum length 1, but got an "
          + "empty string instead.", field, "string_below_min_length");
      return null;
    }
    return s;
  }

  static String typeName(Object value) {
    if (value instanceof String) {
      return "a string";
    }
    if (value instanceof Integer || value instanceof Long) {
      return "an integer";
    }
    if (value instanceof Number) {
      return "a decimal";
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    if (value instanceof JsonArray) {
      return "an array";
    }
    if (value instanceof JsonObject) {
      return "an object";
    }
    return "null";
  }
}
