package io.yugong.billing;

/**
 * What {@link Slices} tells about its work, for metrics: slice takes (refills) and write-behind
 * flushes. Called on event loops and Redis reply threads; implementations must be cheap and never
 * block.
 */
public interface SliceMeter {

  /** Does nothing. */
  SliceMeter NONE = new SliceMeter() {
    @Override
    public void took(Take result) {
    }

    @Override
    public void flushed(int charges, long lagNanos, long callNanos, boolean ok) {
    }
  };

  /** How a take (a slice's first fill or a refill) ended. */
  enum Take { GRANTED, REFUSED, FAILED }

  void took(Take result);

  /**
   * A write-behind batch of {@code charges} was flushed ({@code ok}) or failed and is kept;
   * {@code lagNanos}: from the oldest charge's settlement to the flush's answer; {@code callNanos}:
   * the flush call itself.
   */
  void flushed(int charges, long lagNanos, long callNanos, boolean ok);
}
