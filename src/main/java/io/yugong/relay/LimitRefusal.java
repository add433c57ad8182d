package io.yugong.relay;

import io.yugong.gateway.ApiError;

/** The 429 for a request or token limit reached, in OpenAI's words, naming the limit. */
final class LimitRefusal {

  private LimitRefusal() {}

  /** {@code limit} as {@link io.yugong.billing.Reservation#limit()} names it. */
  static ApiError of(String limit, String model, long retryAfterMs) {
    String what = switch (limit) {
      case "RPH" -> "requests per hour (RPH)";
      case "RPD" -> "requests per day (RPD)";
      case "TPM" -> "tokens per minute (TPM)";
      case "TPH" -> "tokens per hour (TPH)";
      case "TPD" -> "tokens per day (TPD)";
      case "model_RPM" -> "requests per minute (RPM) of the model " + model;
      case "model_TPM" -> "tokens per minute (TPM) of the model " + model;
      default -> "requests per minute (RPM)";
    };
    long seconds = Math.max(1, (retryAfterMs + 999) / 1000);
    String type = limit.startsWith("T") || limit.equals("model_TPM") ? "tokens" : "requests";
    return new ApiError(429, "Rate limit reached for " + what + " on this key or an account it "
        + "belongs to. Please try again in " + seconds + "s.", type, null, "rate_limit_exceeded")
        .header("retry-after", Long.toString(seconds));
  }
}
