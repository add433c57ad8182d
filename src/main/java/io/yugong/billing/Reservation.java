package io.yugong.billing;

/**
 * The answer to {@link Wallets#reserve}.
 *
 * @param ok whether the hold was placed
 * @param refusal null when ok, else {@code "insufficient_quota"}, {@code "rate_limit_exceeded"},
 *     {@code "monthly_limit_reached"} or {@code "account_disabled"}
 * @param available balance minus held, in nano-dollars: after this hold when ok, as found when
 *     refused
 * @param retryAfterMs for {@code rate_limit_exceeded}, how long until a slot of the 60 s window
 *     frees; else 0
 */
public record Reservation(boolean ok, String refusal, long available, long retryAfterMs) {}
