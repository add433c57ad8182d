package io.yugong.billing;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Exact conversion of amounts between a parent and a child account priced at different rates.
 * An amount of the child's money is worth {@code amount * parentRate / childRate} of the
 * parent's: a child at rate 2 funded 100 costs a parent at rate 1 exactly 50.
 */
final class Convert {

  private Convert() {}

  /** What the parent pays for giving the child {@code childAmount}: rounded up. */
  static long parentCost(long childAmount, String parentRate, String childRate) {
    return convert(childAmount, parentRate, childRate, RoundingMode.CEILING);
  }

  /** What the parent gets back for the child giving up {@code childAmount}: rounded down. */
  static long parentReturn(long childAmount, String parentRate, String childRate) {
    return convert(childAmount, parentRate, childRate, RoundingMode.FLOOR);
  }

  private static long convert(long amount, String parentRate, String childRate, RoundingMode mode) {
    BigDecimal p = rate(parentRate);
    BigDecimal c = rate(childRate);
    return BigDecimal.valueOf(amount).multiply(p).divide(c, 0, mode).longValueExact();
  }

  private static BigDecimal rate(String s) {
    BigDecimal r;
    try {
      r = new BigDecimal(s.trim());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("bad rate: " + s);
    }
    if (r.signum() <= 0) {
      throw new IllegalArgumentException("rate must be positive: " + s);
    }
    return r;
  }
}
