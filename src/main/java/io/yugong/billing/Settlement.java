package io.yugong.billing;

/**
 * The answer to {@link Wallets#settle}.
 *
 * @param duplicate true when this request was already settled: nothing changed, and
 *     {@code charged} is what the first settle charged
 * @param charged nano-dollars taken from the balance by this settle (at most the balance; after
 *     an abandoned hold, only the part beyond the floor already charged)
 * @param balanceAfter the wallet balance after it
 */
public record Settlement(boolean duplicate, long charged, long balanceAfter) {}
