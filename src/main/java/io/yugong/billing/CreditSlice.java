package io.yugong.billing;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One node's credit slice of one account, in memory. Every field is guarded by the object's
 * monitor; {@link Slices} drives it. What Redis holds for the slice is, at every moment,
 * {@code free + inFlightAmount + unflushedAmount}: requests move money from free to in flight
 * (their worst case), settling moves it to unflushed (the exact charge) and back to free (the
 * rest), and a flush removes the unflushed part from Redis's hold and from here together. One
 * Redis call per slice is in flight at a time ({@link #busy}), so a take's answer is never read
 * against a flush it did not see.
 */
final class CreditSlice {

  private static final long WINDOW_MS = 10_000;

  final String accountId;
  /** The Rates (x 10^4) the slice was taken at, "" when unknown. */
  final String rate;

  long free;
  int inFlight;
  long inFlightAmount;
  long unflushedAmount;
  /** Local time until which the lease is surely valid (0: no slice in Redis). */
  long leaseUntil;
  long renewAt;
  boolean busy;
  /** No more admissions; returned once nothing is in flight or unflushed. */
  boolean retired;
  long refusedUntil;
  long lastUsed;

  final ArrayDeque<SliceCharge> pending = new ArrayDeque<>();
  /** A take (slice.lua) is in flight. */
  boolean taking;
  /** Requests that wait for the take in flight, to be held on what it brings (see Slices#reserveSoon). */
  final List<Runnable> waiters = new ArrayList<>();
  /** The batch being flushed, or that failed and waits for {@link #retryAt}. */
  List<SliceCharge> batch;
  long batchAmount;
  long seq;
  long retryAt;
  int failures;

  private long windowStart;
  private long windowHolds;
  private long lastWindowRate;
  private long biggestHold;

  CreditSlice(String accountId, String rate, long now) {
    this.accountId = accountId;
    this.rate = rate;
    this.windowStart = now;
    this.lastUsed = now;
  }

  /** Counts a request's hold towards the account's spend rate (whether the slice covers it or not). */
  void demand(long hold, long now) {
    if (now - windowStart >= WINDOW_MS) {
      lastWindowRate = windowHolds * 1000 / Math.max(1, now - windowStart);
      windowStart = now;
      windowHolds = 0;
      biggestHold = 0;
    }
    windowHolds = Money.saturatingAdd(windowHolds, hold);
    biggestHold = Math.max(biggestHold, hold);
    lastUsed = now;
  }

  boolean usable(long now) {
    return !retired && leaseUntil > now;
  }

  /** The smallest grant worth asking for: enough for a few of the biggest recent requests. */
  long least(SliceOptions o) {
    return Math.min(o.mostNanos(), Math.max(o.leastNanos(), Money.saturatingMultiply(biggestHold, 2)));
  }

  /**
   * The free part to keep: {@code spendSeconds} of recent holds, at least 8 of the biggest hold,
   * at most {@code mostNanos}.
   */
  long freeTarget(SliceOptions o, long now) {
    long perSecond = Math.max(lastWindowRate, windowHolds * 1000 / Math.max(1000, now - windowStart));
    long t = Math.max(Money.saturatingMultiply(perSecond, o.spendSeconds()),
        Money.saturatingMultiply(biggestHold, 8));
    return Math.min(o.mostNanos(), Math.max(least(o), t));
  }

  /**
   * The size to grow to: the free target on top of what the slice's requests hold and its
   * charges not yet flushed. Long requests (10,000 streams at once) hold more than the free
   * target; they are this node's own and stay in the slice, so they never crowd the free part
   * out and send new requests to exact holds.
   */
  long target(SliceOptions o, long now) {
    return Money.saturatingAdd(freeTarget(o, now), Money.saturatingAdd(inFlightAmount, unflushedAmount));
  }

  /** Whether to ask Redis for more (or to renew the lease) now. */
  boolean wantsTake(SliceOptions o, long now) {
    if (busy || retired || now < refusedUntil) {
      return false;
    }
    return leaseUntil == 0 || now >= renewAt || free < freeTarget(o, now) / 2;
  }

  boolean drained() {
    return inFlight == 0 && pending.isEmpty() && batch == null;
  }

  /** The next batch to flush (the failed one again, or a new one), or null. */
  List<SliceCharge> nextBatch(int max, long now) {
    if (batch != null) {
      return now >= retryAt ? batch : null;
    }
    if (pending.isEmpty()) {
      return null;
    }
    List<SliceCharge> b = new ArrayList<>(Math.min(max, pending.size()));
    long amount = 0;
    while (b.size() < max && !pending.isEmpty()) {
      SliceCharge c = pending.poll();
      amount = Money.saturatingAdd(amount, c.charge());
      b.add(c);
    }
    batch = b;
    batchAmount = amount;
    seq++;
    return b;
  }
}
