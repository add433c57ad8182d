package io.yugong.billing;

import java.util.List;

/**
 * An account's wallet as {@link Wallets#view} found it, amounts in nano-dollars.
 *
 * @param held what the account's requests hold (exact holds in Redis), the nodes' slices left out
 * @param available balance minus held
 * @param grants live grants, soonest expiry first
 * @param monthCost cost settled this month (of the billing time zone)
 * @param rpmUsed requests admitted in the last 60 seconds (counted only while the account has a
 *     per-minute limit)
 * @param disabled true after {@link Wallets#delete} or {@link Wallets#setDisabled}
 * @param at Redis's clock when the view was taken, epoch milliseconds
 * @param sliced what the nodes' credit slices of the account hold (part of the balance, not of
 *     {@code held}): free to spend on those nodes, in flight there, or charged and not yet flushed
 */
public record WalletView(String accountId, long balance, long held, long available,
    List<Grant> grants, long monthCost, long monthRequests, long monthPromptTokens,
    long monthCachedTokens, long monthCompletionTokens, int rpmUsed, boolean disabled, long at,
    long sliced) {

  /**
   * One grant: {@code amount} as granted, {@code balance} what is left of it; times are epoch
   * milliseconds; {@code source} is "mint", "fund:PARENT", "return:CHILD", "refund:CHILD" or
   * "merged".
   */
  public record Grant(String id, long amount, long balance, long grantedAt, long expiresAt,
      String source) {}
}
