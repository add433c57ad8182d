package io.yugong.mock;

/** Error bodies as OpenAI (or the CDN in front of it) sends them. */
final class Errors {

  static final String MISSING_KEY = "You didn't provide an API key. You need to provide your API key in an "
      + "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field "
      + "(with blank username) if you're accessing the API from your browser and are prompted for a username and "
      + "password. You can obtain an API key from https://platform.openai.com/account/api-keys.";
  static final String QUOTA = "You exceeded your current quota, please check your plan and billing details. For more "
      + "information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.";
  static final String DEACTIVATED = "This key is associated with a deactivated account. If you feel this is an error, "
      + "contact us through our help center at help.openai.com.";
  static final String BAD_JSON = "We could not parse the JSON body of your request. (HINT: This likely means you "
      + "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not "
      + "valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at "
      + "help.openai.com.)";
  static final String SERVER_ERROR = "The server had an error while processing your request. Sorry about that!";
  static final String OVERLOADED = "The server is overloaded or not ready yet.";

  private Errors() {
  }

  /** {@code {"error":{"message":..,"type":..,"param":..,"code":..}}} */
  static String body(String message, String type, String param, String code) {
    StringBuilder sb = new StringBuilder(96 + message.length());
    sb.append("{\n  \"error\": {\n    \"message\": ");
    Jsons.quote(sb, message).append(",\n    \"type\": ");
    Jsons.quote(sb, type).append(",\n    \"param\": ");
    Jsons.quote(sb, param).append(",\n    \"code\": ");
    Jsons.quote(sb, code).append("\n  }\n}\n");
    return sb.toString();
  }

  static String invalidKey(String key) {
    return "Incorrect API key provided: " + mask(key)
        + ". You can find your API key at https://platform.openai.com/account/api-keys.";
  }

  /** "sk-ab********wxyz" like OpenAI: a short prefix and the last four characters. */
  static String mask(String key) {
    if (key.length() <= 8) {
      return key.isEmpty() ? "" : key.charAt(0) + "*".repeat(key.length() - 1);
    }
    int prefix = Math.min(5, key.length() - 4 - 2);
    return key.substring(0, prefix) + "*".repeat(key.length() - prefix - 4) + key.substring(key.length() - 4);
  }

  static String rateLimitMessage(String model, String org, String unit, long limit, long used, long requested,
                                 long retryMs) {
    String what = unit.equals("tokens") ? "tokens per min (TPM)" : "requests per min (RPM)";
    return "Rate limit reached for " + (model == null ? "default" : model) + " in organization " + org + " on " + what
        + ": Limit " + limit + ", Used " + used + ", Requested " + requested + ". Please try again in "
        + Durations.format(Math.max(retryMs, 1)) + ". Visit https://platform.openai.com/account/rate-limits to learn more.";
  }

  /** Content type and body of an answer with an arbitrary status, as the real service path would produce it. */
  record Canned(CharSequence contentType, String body) {
  }

  static Canned forStatus(int status) {
    return switch (status) {
      case 400 -> json("Invalid request.", "invalid_request_error", null);
      case 401 -> json(MISSING_KEY, "invalid_request_error", null);
      case 403 -> json("You are not allowed to sample from this model", "invalid_request_error", null);
      case 404 -> json("The requested resource was not found.", "invalid_request_error", null);
      case 409 -> json("The request conflicted with another request.", "invalid_request_error", null);
      case 429 -> json("Rate limit reached for requests", "requests", "rate_limit_exceeded");
      case 500 -> json(SERVER_ERROR, "server_error", null);
      case 502 -> html(status, "Bad Gateway");
      case 503 -> json(OVERLOADED, "server_error", null);
      case 504 -> html(status, "Gateway Time-out");
      case 520, 521, 522, 523, 524 -> new Canned(Hdr.TEXT, "error code: " + status);
      default -> status >= 500 ? json(SERVER_ERROR, "server_error", null)
          : json("Request failed with status " + status + ".", "invalid_request_error", null);
    };
  }

  private static Canned json(String message, String type, String code) {
    return new Canned(Hdr.JSON, body(message, type, null, code));
  }

  private static Canned html(int status, String reason) {
    return new Canned(Hdr.HTML, "<html>\r\n<head><title>" + status + " " + reason + "</title></head>\r\n<body>\r\n"
        + "<center><h1>" + status + " " + reason + "</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
        + "</body>\r\n</html>\r\n");
  }
}
