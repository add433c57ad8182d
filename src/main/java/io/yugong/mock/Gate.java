package io.yugong.mock;

/** Authentication, per-key behaviours and rate budgets: what happens to a /v1 request before its endpoint. */
final class Gate {

  private Gate() {
  }

  static void enter(Exchange ex, Runnable endpoint) {
    MockEnv env = ex.env;
    String key = bearer(ex.req.getHeader(Hdr.AUTHORIZATION));
    ex.apiKey = key;
    if (key == null) {
      delayed(ex, 0, () -> ex.error(401, Errors.MISSING_KEY, "invalid_request_error", null, null));
      return;
    }
    KeyBehaviour b = env.control().behaviour(key);
    ex.behaviour = b;
    long now = System.nanoTime();
    KeyState state = env.control().keyState(key, now);
    ex.organization = state.organization;
    // default budgets are only reported; limits() budgets are enforced
    boolean enforce = b != null && b.mode == KeyBehaviour.Mode.LIMITS;
    int rpm = enforce ? b.rpm : KeyState.DEFAULT_RPM;
    int tpm = enforce ? b.tpm : KeyState.DEFAULT_TPM;
    Runnable failure = failure(ex, key, b);
    Runnable action;
    if (failure != null) {
      ex.rate = state.admit(now, rpm, tpm, 0, false, enforce);
      action = failure;
    } else {
      KeyState.RateSnapshot rate = state.admit(now, rpm, tpm, ex.tokenCost, true, enforce);
      ex.rate = rate;
      action = rate.admitted() ? endpoint : () -> limitExceeded(ex, rate);
    }
    long delay = b != null && b.mode == KeyBehaviour.Mode.SLOW_FIRST_BYTE ? b.delayMs : 0;
    delayed(ex, delay, action);
  }

  private static Runnable failure(Exchange ex, String key, KeyBehaviour b) {
    if (b == null) {
      return key.startsWith("sk-") ? null : () -> invalidKey(ex, key);
    }
    return switch (b.mode) {
      case INVALID_KEY -> () -> invalidKey(ex, key);
      case DEACTIVATED -> () -> ex.error(403, Errors.DEACTIVATED, "invalid_request_error", null, "account_deactivated");
      case INSUFFICIENT_QUOTA -> () -> ex.error(429, Errors.QUOTA, "insufficient_quota", null, "insufficient_quota");
      case RATE_LIMIT -> () -> rateLimited(ex, b.retryAfterSeconds);
      case STATUS -> () -> canned(ex, b.status);
      case ERROR -> {
        OpenAiError e = b.errorFor(ex.model);
        yield e == null ? null : () -> answer(ex, key, e);
      }
      case FLAKY -> {
        int status = b.rollFlaky();
        yield status == 0 ? null : () -> canned(ex, status);
      }
      default -> null;
    };
  }

  private static void delayed(Exchange ex, long extraDelayMs, Runnable action) {
    long delay = ex.env.options().firstByteDelayMs() + extraDelayMs;
    if (delay <= 0) {
      action.run();
    } else {
      ex.env.vertx().setTimer(delay, id -> action.run());
    }
  }

  static String bearer(String authorization) {
    if (authorization == null || authorization.length() < 7
        || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String key = authorization.substring(7).trim();
    return key.isEmpty() ? null : key;
  }

  private static void invalidKey(Exchange ex, String key) {
    ex.error(401, Errors.invalidKey(key), "invalid_request_error", null, "invalid_api_key");
  }

  /** The {@code retry-after} of an {@link OpenAiError} answer with status 429 or 503 (as its message says: 20s). */
  static final long ANSWER_RETRY_AFTER_MS = 20_000;

  /** An {@link OpenAiError} answer; 429 and 503 carry {@code retry-after}. */
  private static void answer(Exchange ex, String key, OpenAiError e) {
    if (e.status == 429 || e.status == 503) {
      KeyState.RateSnapshot r = ex.rate;
      ex.rate = new KeyState.RateSnapshot(r.limitRequests(), r.limitTokens(), r.remainingRequests(),
          r.remainingTokens(), r.resetRequestsMs(), r.resetTokensMs(), "requests", ANSWER_RETRY_AFTER_MS, ex.tokenCost,
          r.usedRequests());
    }
    ex.error(e.status, e.message(ex.model, key), e.type, null, e.code);
  }

  private static void canned(Exchange ex, int status) {
    if (status == 429) {
      rateLimited(ex, 1);
      return;
    }
    Errors.Canned canned = Errors.forStatus(status);
    ex.send(status, canned.contentType(), canned.body());
  }

  private static void rateLimited(Exchange ex, int retryAfterSeconds) {
    KeyState.RateSnapshot r = ex.rate;
    long retryMs = retryAfterSeconds * 1000L;
    ex.rate = new KeyState.RateSnapshot(r.limitRequests(), r.limitTokens(), 0, r.remainingTokens(), retryMs,
        r.resetTokensMs(), "requests", retryMs, ex.tokenCost, r.limitRequests());
    String message = Errors.rateLimitMessage(ex.model, ex.organization, "requests", r.limitRequests(),
        r.limitRequests(), 1, retryMs);
    ex.error(429, message, "requests", null, "rate_limit_exceeded");
  }

  private static void limitExceeded(Exchange ex, KeyState.RateSnapshot r) {
    boolean tokens = "tokens".equals(r.exceeded());
    String message = tokens
        ? Errors.rateLimitMessage(ex.model, ex.organization, "tokens", r.limitTokens(),
            r.limitTokens() - r.remainingTokens(), r.requestedTokens(), r.retryAfterMs())
        : Errors.rateLimitMessage(ex.model, ex.organization, "requests", r.limitRequests(), r.usedRequests(), 1,
            r.retryAfterMs());
    ex.error(429, message, r.exceeded(), null, "rate_limit_exceeded");
  }
}
