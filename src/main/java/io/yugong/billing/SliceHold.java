package io.yugong.billing;

/**
 * A request's worst-case hold taken from a node's credit slice of its account, in memory. Settle
 * or release it exactly once, through {@link Slices}.
 */
public final class SliceHold {

  final CreditSlice slice;
  final long amount;
  boolean done;

  SliceHold(CreditSlice slice, long amount) {
    this.slice = slice;
    this.amount = amount;
  }
}
