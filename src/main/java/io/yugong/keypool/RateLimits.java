package io.yugong.keypool;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

/**
 * What upstream's {@code x-ratelimit-*} headers said about a key's capacity, at one moment.
 * Remaining counts are projected forward: once a reset time has passed, the window is full again.
 */
record RateLimits(long observedAt, long limitRequests, long remainingRequests, long resetRequestsAt,
    long limitTokens, long remainingTokens, long resetTokensAt) {

  static final RateLimits UNKNOWN = new RateLimits(0, -1, -1, 0, -1, -1, 0);

  // header names with their hash computed once (every upstream answer is read for them)
  private static final CharSequence LIMIT_REQUESTS = io.vertx.core.http.HttpHeaders.createOptimized("x-ratelimit-limit-requests");
  private static final CharSequence REMAINING_REQUESTS = io.vertx.core.http.HttpHeaders.createOptimized("x-ratelimit-remaining-requests");
  private static final CharSequence RESET_REQUESTS = io.vertx.core.http.HttpHeaders.createOptimized("x-ratelimit-reset-requests");
  private static final CharSequence LIMIT_TOKENS = io.vertx.core.http.HttpHeaders.createOptimized("x-ratelimit-limit-tokens");
  private static final CharSequence REMAINING_TOKENS = io.vertx.core.http.HttpHeaders.createOptimized("x-ratelimit-remaining-tokens");
  private static final CharSequence RESET_TOKENS = io.vertx.core.http.HttpHeaders.createOptimized("x-ratelimit-reset-tokens");

  static RateLimits from(MultiMap headers, long now) {
    long limitReq = number(headers.get(LIMIT_REQUESTS));
    long remReq = number(headers.get(REMAINING_REQUESTS));
    long limitTok = number(headers.get(LIMIT_TOKENS));
    long remTok = number(headers.get(REMAINING_TOKENS));
    if (limitReq < 0 && remReq < 0 && limitTok < 0 && remTok < 0) {
      return null;
    }
    return new RateLimits(now, limitReq, remReq, now + durationMs(headers.get(RESET_REQUESTS)),
        limitTok, remTok, now + durationMs(headers.get(RESET_TOKENS)));
  }

  /** Remaining requests now, or -1 when unknown. */
  long requestsNow(long now) {
    if (remainingRequests < 0) {
      return -1;
    }
    return now >= resetRequestsAt && limitRequests >= 0 ? limitRequests : remainingRequests;
  }

  /** Remaining tokens now, or -1 when unknown. */
  long tokensNow(long now) {
    if (remainingTokens < 0) {
      return -1;
    }
    return now >= resetTokensAt && limitTokens >= 0 ? limitTokens : remainingTokens;
  }

  JsonObject toJson(long now) {
    if (observedAt == 0) {
      return null;
    }
    return new JsonObject()
        .put("requests", requestsNow(now)).put("requestsLimit", limitRequests)
        .put("tokens", tokensNow(now)).put("tokensLimit", limitTokens)
        .put("observedAt", observedAt);
  }

  JsonObject toWire() {
    return new JsonObject().put("o", observedAt).put("lr", limitRequests).put("rr", remainingRequests)
        .put("tr", resetRequestsAt).put("lt", limitTokens).put("rt", remainingTokens).put("tt", resetTokensAt);
  }

  static RateLimits fromWire(JsonObject j) {
    return new RateLimits(j.getLong("o"), j.getLong("lr"), j.getLong("rr"), j.getLong("tr"),
        j.getLong("lt"), j.getLong("rt"), j.getLong("tt"));
  }

  private static long number(String v) {
    if (v == null) {
      return -1;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Parses OpenAI's durations ("6m0s", "1s", "120ms", "1h2m3.5s", "20ms") or plain seconds
   * ("2", "0.5"); 0 when absent or unreadable.
   */
  static long durationMs(String v) {
    if (v == null || v.isBlank()) {
      return 0;
    }
    String s = v.trim();
    try {
      return Math.round(Double.parseDouble(s) * 1000);
    } catch (NumberFormatException ignored) {
      // a Go-style duration
    }
    double total = 0;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      if (start == i) {
        return 0;
      }
      double n = Double.parseDouble(s.substring(start, i));
      int unitStart = i;
      while (i < s.length() && Character.isLetter(s.charAt(i))) {
        i++;
      }
      switch (s.substring(unitStart, i)) {
        case "h" -> total += n * 3_600_000;
        case "m" -> total += n * 60_000;
        case "s" -> total += n * 1000;
        case "ms" -> total += n;
        case "us", "µs" -> total += n / 1000;
        case "ns" -> total += n / 1_000_000;
        default -> {
          return 0;
        }
      }
    }
    return Math.round(total);
  }
}
