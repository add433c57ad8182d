package io.yugong.mock;

import java.util.Locale;

/**
 * Error answers OpenAI gives, one per row of the key pool's classification (docs/keypool.md), as
 * status, type, code and message. A key made to answer one with {@link KeyBehaviour#answer} sends
 * it for every request (or for the requests of some models). In a message, {@code {model}} stands
 * for the request's model and {@code {project}} for the key's project id.
 */
public enum OpenAiError {

  // ---- the request's own fault
  BAD_REQUEST(400, "invalid_request_error", null, "Invalid request."),
  CONTEXT_LENGTH_EXCEEDED(400, "invalid_request_error", "context_length_exceeded",
      "This model's maximum context length is 16385 tokens. However, your messages resulted in 20000 tokens. "
          + "Please reduce the length of the messages."),
  FORBIDDEN(403, "invalid_request_error", null, "This request is not allowed."),
  CONFLICT(409, "invalid_request_error", null, "The request conflicted with another request."),
  TOO_LARGE(413, "invalid_request_error", null, "The request entity is too large."),
  UNPROCESSABLE(422, "invalid_request_error", null, "The request could not be processed."),
  LEGAL(451, "invalid_request_error", null, "This request cannot be served for legal reasons."),

  // ---- the key cannot serve this model
  MODEL_NO_ACCESS(403, "invalid_request_error", "model_not_found",
      "Project `{project}` does not have access to model `{model}`"),
  MODEL_NOT_FOUND(404, "invalid_request_error", "model_not_found",
      "The model `{model}` does not exist or you do not have access to it."),
  ORGANIZATION_MUST_BE_VERIFIED(400, "invalid_request_error", null,
      "Your organization must be verified to use the model `{model}`. Please go to: "
          + "https://platform.openai.com/settings/organization/general and click on Verify Organization."),
  MISSING_SCOPE(401, "invalid_request_error", "missing_scope",
      "You have insufficient permissions for this operation. Missing scopes: model.request. Check that you have "
          + "the correct role in your organization (Reader, Writer, Owner) and project (Member, Owner), and if "
          + "you're using a restricted API key, that it has the necessary scopes."),

  // ---- the key is dead
  INVALID_API_KEY(401, "invalid_request_error", "invalid_api_key",
      "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."),
  NO_ORGANIZATION(401, "invalid_request_error", "no_organization",
      "You must be a member of an organization to use the API. Please contact us through our help center at "
          + "help.openai.com."),
  PAYMENT_REQUIRED(402, "invalid_request_error", null, "Insufficient balance."),
  ACCOUNT_DEACTIVATED(403, "invalid_request_error", "account_deactivated", Errors.DEACTIVATED),
  INSUFFICIENT_QUOTA(429, "insufficient_quota", "insufficient_quota", Errors.QUOTA),
  BILLING_HARD_LIMIT_REACHED(429, "insufficient_quota", "billing_hard_limit_reached",
      "Billing hard limit has been reached."),
  BILLING_NOT_ACTIVE(429, "insufficient_quota", "billing_not_active",
      "Your account is not active, please check your billing details on our website."),

  // ---- the key rests a while
  RATE_LIMIT_EXCEEDED(429, "requests", "rate_limit_exceeded",
      "Rate limit reached for {model} on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again "
          + "in 20s."),
  ENGINE_OVERLOADED(503, "server_error", null, "The engine is currently overloaded, please try again later."),
  SLOW_DOWN(503, "service_unavailable_error", "slow_down",
      "Slow Down: a sudden increase in your request rate is impacting service reliability. Please reduce your "
          + "request rate to its original level, maintain a consistent rate for at least 15 minutes, and then "
          + "gradually increase it."),

  // ---- upstream (or the way to it) is out
  SERVER_ERROR(500, "server_error", null, Errors.SERVER_ERROR),
  UNSUPPORTED_COUNTRY(403, "request_forbidden", "unsupported_country_region_territory",
      "Country, region, or territory not supported"),
  IP_NOT_AUTHORIZED(401, "invalid_request_error", "ip_not_authorized",
      "IP not authorized: the request's IP is not in the allow list of this project.");

  final int status;
  final String type;
  final String code;
  final String message;

  OpenAiError(int status, String type, String code, String message) {
    this.status = status;
    this.type = type;
    this.code = code;
    this.message = message;
  }

  public int status() {
    return status;
  }

  /** The name used by the control routes: {@code model_no_access}, ... */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  static OpenAiError fromWire(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown error: " + name);
    }
  }

  /** The message for one request. */
  String message(String model, String apiKey) {
    return message.replace("{model}", model == null ? "" : model).replace("{project}", Projects.of(apiKey));
  }

  /** A stable project id for a key, as OpenAI shows it in access errors. */
  static final class Projects {

    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private Projects() {
    }

    static String of(String apiKey) {
      long h = Hashes.fnv64("project:" + apiKey);
      char[] out = new char[24];
      for (int i = 0; i < out.length; i++) {
        h = Hashes.mix(h + i);
        out[i] = ALPHABET[(int) Long.remainderUnsigned(h, ALPHABET.length)];
      }
      return "proj_" + new String(out);
    }
  }
}
