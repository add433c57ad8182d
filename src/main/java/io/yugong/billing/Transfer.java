package io.yugong.billing;

/**
 * The answer to {@link Wallets#fund}, in nano-dollars. Funding (positive amount) gives positive
 * numbers; taking money back from the child (negative amount) gives negative ones: the parent was
 * "debited" minus what it got back, the child "credited" minus what it lost.
 */
public record Transfer(long debitedParent, long creditedChild) {}
