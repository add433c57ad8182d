package io.yugong.billing;

import java.util.List;

/**
 * How long the per-request state of the wallet scripts lives in Redis. The durable state of a
 * request is its ledger entry and its share of the usage aggregates; the ledger keeps the latest
 * {@code ledgerEntries} entries per account, and at most a tenth (up to 1,000) more: the oldest
 * stream entries are dropped whole, and one entry of a write-behind flush holds its whole batch
 * (lib.lua, {@code trimLedger}). The
 * idempotency markers live only as long as a retry can arrive, derived from the settle retry
 * schedule ({@link #SETTLE_RETRY_MS}) and the hold TTL:
 *
 * <ul>
 *   <li>{@code settled:<req>} lives the settle retry window: from a settle's first attempt to the
 *       deadline of its last retry. Commands on one connection run in order, so a retry always
 *       runs after the attempt it repeats, and no retry is sent after the window.
 *   <li>{@code abandoned:<req>} is written when a hold expired unsettled (at least the hold TTL
 *       after the reserve); a late settle of a request that outlived its hold comes when the
 *       request ends, then retries. It lives the hold TTL plus the retry window: a request that
 *       runs up to twice the hold TTL is still charged its floor once.
 * </ul>
 *
 * @param ledgerEntries entries kept per account's ledger
 * @param settledMarkerMs TTL of {@code settled:<req>}
 * @param abandonedMarkerMs TTL of {@code abandoned:<req>}
 */
public record Retention(int ledgerEntries, long settledMarkerMs, long abandonedMarkerMs) {

  /** Waits between a failed settle attempt and the next one (the relay's schedule). */
  public static final List<Long> SETTLE_RETRY_MS = List.of(1000L, 5000L, 30_000L, 120_000L);

  /** The product's defaults: 10,000 ledger entries, attempts of at most 10 s (the store's safety deadline), a 30 min hold TTL. */
  public static final Retention DEFAULTS = forSettings(10_000, 10_000, 1_800_000);

  public Retention {
    if (ledgerEntries < 1) {
      throw new IllegalArgumentException("ledgerEntries must be at least 1");
    }
    if (settledMarkerMs <= 0 || abandonedMarkerMs <= 0) {
      throw new IllegalArgumentException("marker TTLs must be positive");
    }
  }

  /** The retention that follows from a node's settings. */
  public static Retention forSettings(int ledgerEntries, long attemptMs, long holdTtlMs) {
    long window = settleRetryWindowMs(attemptMs);
    return new Retention(ledgerEntries, window, Money.saturatingAdd(holdTtlMs, window));
  }

  /** How long one settle attempt may take before it counts as failed. */
  public static long settleAttemptTimeoutMs(long redisTimeoutMs) {
    return Math.max(redisTimeoutMs, 1000);
  }

  /**
   * From a settle's first attempt to the deadline of its last retry: every wait, plus every
   * attempt's longest time (206 s at the defaults).
   */
  public static long settleRetryWindowMs(long redisTimeoutMs) {
    long waits = 0;
    for (long w : SETTLE_RETRY_MS) {
      waits += w;
    }
    return waits + (SETTLE_RETRY_MS.size() + 1) * settleAttemptTimeoutMs(redisTimeoutMs);
  }

  /** lib.lua with this retention's values in place of its placeholders. */
  String fill(String lib) {
    String out = lib.replace("${ledgerEntries}", Integer.toString(ledgerEntries))
        .replace("${settledMarkerMs}", Long.toString(settledMarkerMs))
        .replace("${abandonedMarkerMs}", Long.toString(abandonedMarkerMs));
    if (out.contains("${")) {
      throw new IllegalStateException("lib.lua has a placeholder Retention does not fill");
    }
    return out;
  }
}
