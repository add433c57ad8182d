package io.yugong.billing;

/**
 * One request settled in memory against a slice, waiting in the write-behind batch;
 * {@code settledNanos} ({@link System#nanoTime}) is when it was settled, for the flush lag.
 */
record SliceCharge(String requestId, long charge, LedgerEntry entry, long settledNanos) {

  SliceCharge(String requestId, long charge, LedgerEntry entry) {
    this(requestId, charge, entry, System.nanoTime());
  }
}
