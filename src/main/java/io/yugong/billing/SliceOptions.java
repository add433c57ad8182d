package io.yugong.billing;

/**
 * How a node's credit slices are sized and kept (docs/billing.md, "Credit slices").
 *
 * @param leaseMs how long a slice lives in Redis without renewal; a dead node's slices go back to
 *     their accounts this long after its last renewal
 * @param leastNanos the smallest slice worth taking; an account whose available balance cannot
 *     spare four times this stays on exact per-request holds
 * @param mostNanos the largest slice one node holds of one account
 * @param spendSeconds a slice is sized to this many seconds of the account's recent spend (holds)
 * @param flushMs the write-behind batch is flushed at least this often
 * @param batchMax at most this many charges per flush of one account, and a flush as soon as this
 *     many wait
 * @param maxPending charges waiting for a flush on this node beyond which new requests use exact
 *     holds
 * @param idleMs a slice unused this long is returned
 * @param minBalanceNanos what an account must keep (YUGONG_MIN_BALANCE): never put into a slice
 */
public record SliceOptions(long leaseMs, long leastNanos, long mostNanos, int spendSeconds,
    long flushMs, int batchMax, int maxPending, long idleMs, long minBalanceNanos) {

  /** The product's defaults. */
  public static SliceOptions defaults(long minBalanceNanos) {
    return new SliceOptions(60_000, 50_000_000L, 50_000_000_000L, 10, 50, 1000, 100_000, 30_000,
        minBalanceNanos);
  }

  /** The same with another lease (tests of lease expiry). */
  public SliceOptions withLeaseMs(long ms) {
    return new SliceOptions(ms, leastNanos, mostNanos, spendSeconds, flushMs, batchMax, maxPending,
        idleMs, minBalanceNanos);
  }
}
