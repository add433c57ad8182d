package io.yugong.mock;

/**
 * Per-key rate accounting: two buckets (requests and tokens) that refill continuously so that a full budget
 * comes back within one minute, which is how OpenAI's x-ratelimit-* headers behave ("reset" = time until the
 * budget is full again).
 */
final class KeyState {

  static final int DEFAULT_RPM = 10_000;
  static final int DEFAULT_TPM = 30_000_000;
  private static final double MINUTE_NANOS = 60e9;

  final String organization;
  private int rpm = DEFAULT_RPM;
  private int tpm = DEFAULT_TPM;
  private double requests = DEFAULT_RPM;
  private double tokens = DEFAULT_TPM;
  private long lastNanos;

  KeyState(String organization, long nowNanos) {
    this.organization = organization;
    this.lastNanos = nowNanos;
  }

  /**
   * Refills, then (if {@code consume}) takes one request and {@code tokenCost} tokens when both are available.
   * When not {@code enforce}d, the budget is only accounted (never below zero) and the request always admitted.
   * The returned snapshot tells whether the request was admitted and what the headers must say.
   */
  synchronized RateSnapshot admit(long nowNanos, int limitRpm, int limitTpm, long tokenCost, boolean consume,
                                  boolean enforce) {
    if (limitRpm != rpm || limitTpm != tpm) {
      rpm = limitRpm;
      tpm = limitTpm;
      requests = rpm;
      tokens = tpm;
    } else {
      refill(nowNanos);
    }
    lastNanos = Math.max(lastNanos, nowNanos);
    long cost = Math.min(Math.max(tokenCost, 0), tpm);
    String exceeded = null;
    long retryNanos = 0;
    if (consume && !enforce) {
      requests = Math.max(0, requests - 1);
      tokens = Math.max(0, tokens - cost);
    } else if (consume) {
      if (requests < 1) {
        exceeded = "requests";
        retryNanos = nanosFor(1 - requests, rpm);
      } else if (tokens < cost) {
        exceeded = "tokens";
        retryNanos = nanosFor(cost - tokens, tpm);
      } else {
        requests -= 1;
        tokens -= cost;
      }
    }
    return new RateSnapshot(rpm, tpm, (long) Math.floor(requests), (long) Math.floor(tokens),
        millis(nanosFor(rpm - requests, rpm)), millis(nanosFor(tpm - tokens, tpm)),
        exceeded, millis(retryNanos), cost, rpm - (long) Math.floor(requests));
  }

  private void refill(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed <= 0) {
      return;
    }
    requests = Math.min(rpm, requests + elapsed * rpm / MINUTE_NANOS);
    tokens = Math.min(tpm, tokens + elapsed * (double) tpm / MINUTE_NANOS);
  }

  private static long nanosFor(double amount, int perMinute) {
    return amount <= 0 ? 0 : (long) Math.ceil(amount * MINUTE_NANOS / perMinute);
  }

  private static long millis(long nanos) {
    return (nanos + 999_999) / 1_000_000;
  }

  /** What one admission decided, and the numbers behind the x-ratelimit-* headers. */
  record RateSnapshot(int limitRequests, int limitTokens, long remainingRequests, long remainingTokens,
                      long resetRequestsMs, long resetTokensMs, String exceeded, long retryAfterMs,
                      long requestedTokens, long usedRequests) {

    boolean admitted() {
      return exceeded == null;
    }
  }
}
