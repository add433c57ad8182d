package io.yugong.keypool;

import java.util.concurrent.atomic.AtomicLongArray;

/** A count over the last 60 seconds, in one-second buckets; thread-safe and allocation-free. */
final class MinuteCounter {

  private static final int SLOTS = 60;
  private final AtomicLongArray counts = new AtomicLongArray(SLOTS);
  private final AtomicLongArray seconds = new AtomicLongArray(SLOTS);

  void add(long nowMs, long n) {
    long sec = nowMs / 1000;
    int slot = (int) (sec % SLOTS);
    long tagged = seconds.get(slot);
    if (tagged != sec) {
      if (seconds.compareAndSet(slot, tagged, sec)) {
        counts.set(slot, 0);
      }
    }
    counts.addAndGet(slot, n);
  }

  long sum(long nowMs) {
    long sec = nowMs / 1000;
    long total = 0;
    for (int i = 0; i < SLOTS; i++) {
      long s = seconds.get(i);
      if (s > sec - SLOTS && s <= sec) {
        total += counts.get(i);
      }
    }
    return total;
  }
}
