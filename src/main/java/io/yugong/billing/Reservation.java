package io.yugong.billing;

/**
 * The answer to {@link Wallets#reserve}.
 *
 * @param ok whether the hold was placed
 * @param refusal null when ok, else {@code "insufficient_quota"}, {@code "rate_limit_exceeded"},
 *     {@code "monthly_limit_reached"} or {@code "account_disabled"}
 * @param available balance minus held, in nano-dollars: after this hold when ok, as found when
 *     refused
 * @param retryAfterMs for {@code rate_limit_exceeded}, how long until the limit's window frees a
 *     slot; else 0
 * @param limit for {@code rate_limit_exceeded}, the limit reached: {@code RPM}, {@code RPH},
 *     {@code RPD}, {@code TPM}, {@code TPH}, {@code TPD}, {@code model_RPM} or {@code model_TPM};
 *     else null
 * @param placed the hold placed when ok (less than asked only for a hold that may shrink), in the
 *     units it was priced in; when refused, the hold asked for
 * @param headroom what the account's own limits leave (after this request when ok), for its
 *     x-ratelimit-* headers; null when it has no limits of its own
 */
public record Reservation(boolean ok, String refusal, long available, long retryAfterMs, String limit,
    long placed, Headroom headroom) {

  public Reservation(boolean ok, String refusal, long available, long retryAfterMs) {
    this(ok, refusal, available, retryAfterMs, "rate_limit_exceeded".equals(refusal) ? "RPM" : null, -1, null);
  }
}
