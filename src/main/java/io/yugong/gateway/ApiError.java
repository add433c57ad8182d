package io.yugong.gateway;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * An error a client sees, in OpenAI's shape: {@code {"error":{"message","type","param","code"}}}.
 * Immutable; build one with the factories and {@link #send(HttpServerResponse)} it.
 */
public final class ApiError extends RuntimeException {

  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  private final int status;
  private final String type;
  private final String param;
  private final String code;
  private final MultiMap headers = MultiMap.caseInsensitiveMultiMap();

  public ApiError(int status, String message, String type, String param, String code) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
    if (status == 429 && ("insufficient_quota".equals(code) || "monthly_limit_reached".equals(code))) {
      // As OpenAI does: a quota that ran out does not come back in a second, so the SDKs (which
      // retry every 429 otherwise) give up at once.
      headers.add("x-should-retry", "false");
    }
  }

  public static ApiError invalidRequest(String message, String param) {
    return new ApiError(400, message, "invalid_request_error", param, null);
  }

  public static ApiError missingKey() {
    return new ApiError(401, "You didn't provide an API key. You need to provide your API key in an "
        + "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        "invalid_request_error", null, "missing_api_key");
  }

  public static ApiError invalidKey() {
    return new ApiError(401, "Incorrect API key provided. Check the key or ask the owner of your "
        + "Yugong account for a new one.", "invalid_request_error", null, "invalid_api_key");
  }

  public static ApiError forbidden(String message, String code) {
    return new ApiError(403, message, "permission_error", null, code);
  }

  public static ApiError notFound(String message) {
    return new ApiError(404, message, "invalid_request_error", null, null);
  }

  public static ApiError tooLarge(long limit) {
    return new ApiError(413, "Request body too large: the limit is " + limit + " bytes.",
        "invalid_request_error", null, "request_too_large");
  }

  public static ApiError unavailable(String message, String code, int retryAfterSeconds) {
    ApiError e = new ApiError(503, message, "server_error", null, code);
    e.headers.set("retry-after", Integer.toString(Math.max(1, retryAfterSeconds)));
    return e;
  }

  public static ApiError internal(String requestId) {
    return new ApiError(500, "The server had an error while processing your request. "
        + "Quote request id " + requestId + " when asking about it.", "server_error", null, null);
  }

  /** Adds a response header, such as retry-after. */
  public ApiError header(String name, String value) {
    headers.set(name, value);
    return this;
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String code() {
    return code;
  }

  public JsonObject toJson() {
    return new JsonObject().put("error", new JsonObject()
        .put("message", getMessage())
        .put("type", type)
        .put("param", param)
        .put("code", code));
  }

  /** Writes this error, unless the response has already begun (then it just ends it). */
  public Future<Void> send(HttpServerResponse response) {
    if (response.ended() || response.closed()) {
      return Future.succeededFuture();
    }
    if (response.headWritten()) {
      return response.end();
    }
    response.setStatusCode(status);
    response.headers().addAll(headers);
    Buffer body = toJson().toBuffer();
    return response.putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body);
  }
}
