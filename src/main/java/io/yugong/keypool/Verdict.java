package io.yugong.keypool;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * What one upstream answer means for the key that got it and for the request. The whole table,
 * status × OpenAI error code/type/message, is in docs/keypool.md; in short:
 * <ul>
 *   <li>client error ({@link Kind#SERVED}): the request's own fault, returned as is, the key untouched;</li>
 *   <li>key cooldown ({@link Kind#RATE_LIMITED}): 429 rate limits, 503 overload;</li>
 *   <li>key-model exclusion ({@link Kind#MODEL_EXCLUDED}): this key cannot serve this model;</li>
 *   <li>key dead ({@link Kind#KEY_DEAD}): no quota, revoked, deactivated;</li>
 *   <li>upstream outage ({@link Kind#UPSTREAM_FAILED}): 5xx, 520-524, network, time-out, and the
 *       route refusals (region, IP allow-list) that are the node's, not the key's.</li>
 * </ul>
 * Only what names the key's own standing disables or cools it: an answer that is not understood is
 * the request's, so that no client can take a key down by choosing what it sends.
 */
public record Verdict(Kind kind, int status, String reason, long retryAfterMs, String model) {

  /** The kinds of answer. */
  public enum Kind {
    /** A normal answer (2xx), or a 4xx that is the request's own fault. */
    SERVED,
    /** The key is over its rate limit, or upstream is overloaded, for a while. */
    RATE_LIMITED,
    /** The key cannot serve this model (its project has no access); other models are unaffected. */
    MODEL_EXCLUDED,
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
    return new Verdict(Kind.SERVED, status, null, 0, null);
  }

  public static Verdict network(String what) {
    return new Verdict(Kind.UPSTREAM_FAILED, 0, what, 0, null);
  }

  /** True for statuses whose body decides the verdict of a request without a model. */
  public static boolean needsBody(int status) {
    return needsBody(status, null);
  }

  /**
   * True for statuses whose body decides the verdict, so the caller reads it first. With a model,
   * 400 and 404 may say the key's project cannot use it.
   */
  public static boolean needsBody(int status, String model) {
    return status == 429 || status == 401 || status == 402 || status == 403 || upstreamFailure(status)
        || (model != null && (status == 400 || status == 404));
  }

  private static boolean upstreamFailure(int status) {
    return status == 500 || status == 502 || status == 503 || status == 504 || (status >= 520 && status <= 524);
  }

  /** Classifies an answer to a request that names no model (or whose model is not the key's concern). */
  public static Verdict of(int status, MultiMap headers, Buffer body) {
    return of(status, headers, body, null);
  }

  /**
   * Classifies an upstream answer from its status, headers and (for errors) body. {@code model} is
   * the model the request asked upstream for, or null when the request does not use one; only
   * then can an answer exclude the key for a model.
   */
  public static Verdict of(int status, MultiMap headers, Buffer body, String model) {
    UpstreamError e = UpstreamError.parse(body);
    switch (status) {
      case 400 -> {
        return aboutModel(e, model) ? excluded(status, e, model) : served(status);
      }
      case 401 -> {
        if (e.is("missing_scope") || e.starts("you have insufficient permissions")) {
          // A restricted key without the scope for this endpoint: other keys may have it.
          return model != null ? excluded(status, e, model) : served(status);
        }
        if (e.is("ip_not_authorized") || e.starts("ip not authorized")) {
          return outage(status, "ip_not_authorized");
        }
        return dead(status, e.code != null ? e.code : "invalid_api_key");
      }
      case 402 -> {
        return dead(status, e.code != null ? e.code : "payment_required");
      }
      case 403 -> {
        if (e.is("unsupported_country_region_territory") || e.starts("country, region, or territory not supported")) {
          return outage(status, "unsupported_country_region_territory");
        }
        if (e.is("ip_not_allowed") || e.is("ip_not_authorized")) {
          return outage(status, e.code);
        }
        if (e.is("account_deactivated") || e.is("account_disabled") || e.is("organization_deactivated")
            || e.starts("this key is associated with a deactivated account")
            || e.starts("your organization has been disabled") || e.starts("your access was terminated")) {
          return dead(status, e.code != null ? e.code : "account_deactivated");
        }
        return aboutModel(e, model) ? excluded(status, e, model) : served(status);
      }
      case 404 -> {
        return aboutModel(e, model) ? excluded(status, e, model) : served(status);
      }
      case 429 -> {
        if (e.is("insufficient_quota") || "insufficient_quota".equals(e.type) || e.is("billing_hard_limit_reached")
            || e.is("billing_not_active") || e.is("credit_balance_exhausted") || e.is("access_terminated")) {
          return dead(status, e.code != null ? e.code : "insufficient_quota");
        }
        return cooled(status, e.code == null ? "rate_limit_exceeded" : e.code, headers);
      }
      case 503 -> {
        if (e.is("server_is_overloaded") || e.is("slow_down") || e.is("engine_overloaded")
            || e.starts("that model is currently overloaded") || e.starts("the engine is currently overloaded")
            || e.starts("slow down")) {
          return cooled(status, e.code != null ? e.code : "engine_overloaded", headers);
        }
        return outage(status, "upstream 503");
      }
      default -> {
        return upstreamFailure(status) ? outage(status, "upstream " + status) : served(status);
      }
    }
  }

  /**
   * True when the answer says this key cannot use the request's model: OpenAI's model_not_found,
   * model access and organisation verification refusals, naming the model the request sent (or
   * "this model"). Messages are matched by how they begin and codes exactly, never by what they
   * merely contain: upstream echoes a client's values inside its messages, and a client must not
   * be able to word a refusal for everyone. A refusal naming another model (a tool's, say) is the
   * request's business, not the key's.
   */
  private static boolean aboutModel(UpstreamError e, String model) {
    if (model == null || model.isEmpty()) {
      return false;
    }
    boolean coded = e.is("model_not_found") || e.is("model_not_allowed") || e.is("unverified_organization");
    boolean worded = e.code == null && (e.starts("your organization must be verified")
        || e.starts("you are not allowed to sample from this model")
        || (e.starts("project ") && e.says("does not have access to model"))
        || (e.starts("the model ") && e.says("does not exist or you do not have access to it")));
    if (!coded && !worded) {
      return false;
    }
    return e.message == null || e.message.contains("`" + model + "`") || e.message.contains("'" + model + "'")
        || e.says("this model");
  }

  private static Verdict excluded(int status, UpstreamError e, String model) {
    String why = e.code != null ? e.code : e.starts("your organization must be verified") ? "unverified_organization"
        : "model_not_found";
    return new Verdict(Kind.MODEL_EXCLUDED, status, why + " (" + status + ")", 0, model);
  }

  private static Verdict dead(int status, String why) {
    return new Verdict(Kind.KEY_DEAD, status, why, 0, null);
  }

  private static Verdict outage(int status, String why) {
    return new Verdict(Kind.UPSTREAM_FAILED, status, why, 0, null);
  }

  private static Verdict cooled(int status, String why, MultiMap headers) {
    return new Verdict(Kind.RATE_LIMITED, status, why, coolFor(headers), null);
  }

  /** The OpenAI error object of an answer, as far as it can be read. */
  private record UpstreamError(String code, String type, String message, String lower) {

    static final UpstreamError NONE = new UpstreamError(null, null, null, "");

    static UpstreamError parse(Buffer body) {
      if (body == null || body.length() == 0) {
        return NONE;
      }
      try {
        JsonObject err = new JsonObject(body).getJsonObject("error");
        if (err == null) {
          return NONE;
        }
        Object code = err.getValue("code");
        Object type = err.getValue("type");
        Object message = err.getValue("message");
        String m = message instanceof String s ? s : null;
        return new UpstreamError(code == null ? null : String.valueOf(code),
            type instanceof String t ? t : null, m, m == null ? "" : m.toLowerCase(Locale.ROOT));
      } catch (RuntimeException ignored) {
        return NONE; // not JSON: judged by status alone
      }
    }

    boolean is(String c) {
      return c.equals(code);
    }

    boolean says(String lowerCaseText) {
      return lower.contains(lowerCaseText);
    }

    boolean starts(String lowerCaseText) {
      return lower.startsWith(lowerCaseText);
    }
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
