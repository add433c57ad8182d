package io.yugong.keypool;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * What one upstream answer means for the key that got it and for the request:
 * <table>
 *   <tr><td>429 rate_limit_exceeded</td><td>cool until retry-after / reset (bounded)</td><td>retry elsewhere</td></tr>
 *   <tr><td>429 insufficient_quota, 401, 403</td><td>disabled with the reason</td><td>retry elsewhere</td></tr>
 *   <tr><td>5xx, 520-524, network, time-out</td><td>short exponential cooldown</td><td>retry elsewhere</td></tr>
 *   <tr><td>anything else</td><td>nothing</td><td>returned to the client</td></tr>
 * </table>
 */
public record Verdict(Kind kind, int status, String reason, long retryAfterMs) {

  /** The kinds of answer. */
  public enum Kind {
    /** A normal answer (2xx, or a 4xx that is the request's own fault). */
    SERVED,
    /** The key is over its rate limit for a while. */
    RATE_LIMITED,
    /** The key can never serve again without an operator: no quota, revoked, deactivated. */
    KEY_DEAD,
    /** Upstream or the way to it failed; the key is probably fine. */
    UPSTREAM_FAILED
  }

  private static final long MIN_COOL_MS = 1000;
  private static final long MAX_COOL_MS = 5 * 60_000;

  /** True when the request should try another key (if it still can). */
  public boolean retryElsewhere() {
    return kind != Kind.SERVED;
  }

  public static Verdict served(int status) {
    return new Verdict(Kind.SERVED, status, null, 0);
  }

  public static Verdict network(String what) {
    return new Verdict(Kind.UPSTREAM_FAILED, 0, what, 0);
  }

  /** True for statuses whose body decides the verdict, so the caller reads it first. */
  public static boolean needsBody(int status) {
    return status == 429 || status == 401 || status == 403 || upstreamFailure(status);
  }

  private static boolean upstreamFailure(int status) {
    return status == 500 || status == 502 || status == 503 || status == 504 || (status >= 520 && status <= 524);
  }

  /** Classifies an upstream answer from its status, headers and (for errors) body. */
  public static Verdict of(int status, MultiMap headers, Buffer body) {
    String code = null;
    String type = null;
    String message = null;
    if (body != null && body.length() > 0) {
      try {
        JsonObject err = new JsonObject(body).getJsonObject("error");
        if (err != null) {
          code = err.getValue("code") == null ? null : String.valueOf(err.getValue("code"));
          type = err.getString("type");
          message = err.getString("message");
        }
      } catch (RuntimeException ignored) {
        // not JSON: judged by status alone
      }
    }
    if (status == 429) {
      if ("insufficient_quota".equals(code) || "insufficient_quota".equals(type)) {
        return new Verdict(Kind.KEY_DEAD, status, "insufficient_quota", 0);
      }
      return new Verdict(Kind.RATE_LIMITED, status, code == null ? "rate_limit_exceeded" : code,
          coolFor(headers));
    }
    if (status == 401) {
      return new Verdict(Kind.KEY_DEAD, status, code == null ? "invalid_api_key" : code, 0);
    }
    if (status == 403) {
      String reason = code != null ? code : message != null && message.toLowerCase().contains("deactivated")
          ? "account_deactivated" : "forbidden";
      return new Verdict(Kind.KEY_DEAD, status, reason, 0);
    }
    if (upstreamFailure(status)) {
      return new Verdict(Kind.UPSTREAM_FAILED, status, "upstream " + status, 0);
    }
    return served(status);
  }

  /** How long a rate-limited key should rest: retry-after, else the reset headers, bounded. */
  static long coolFor(MultiMap headers) {
    long ms = plainMillis(headers.get("retry-after-ms"));
    if (ms <= 0) {
      ms = RateLimits.durationMs(headers.get("retry-after"));
    }
    if (ms <= 0) {
      long r = RateLimits.durationMs(headers.get("x-ratelimit-reset-requests"));
      long t = RateLimits.durationMs(headers.get("x-ratelimit-reset-tokens"));
      String remReq = headers.get("x-ratelimit-remaining-requests");
      boolean requestsLeft = remReq != null && !remReq.isBlank() && !"0".equals(remReq.trim());
      // With requests left it is the token budget that ran out: wait for its reset, not the
      // (usually much sooner) reset of the request window.
      ms = requestsLeft && t > 0 ? t : Math.max(r, t);
    }
    return Math.max(MIN_COOL_MS, Math.min(MAX_COOL_MS, ms));
  }

  /** {@code retry-after-ms} is a plain number of milliseconds (not seconds, not a duration). */
  private static long plainMillis(String v) {
    if (v == null || v.isBlank()) {
      return 0;
    }
    try {
      return Math.round(Double.parseDouble(v.trim()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
