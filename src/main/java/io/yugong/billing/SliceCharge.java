package io.yugong.billing;

/** One request settled in memory against a slice, waiting in the write-behind batch. */
record SliceCharge(String requestId, long charge, LedgerEntry entry) {}
