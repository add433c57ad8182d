package io.yugong.billing;

import java.math.BigDecimal;

/** Temporary stand-in; replaced by the billing package. */
public final class Money {
  public static final long NANOS_PER_DOLLAR = 1_000_000_000L;

  private Money() {
  }

  public static BigDecimal toDollars(long nanos) {
    return BigDecimal.valueOf(nanos, 9).stripTrailingZeros();
  }

  public static long fromDollars(BigDecimal d) {
    return d.movePointRight(9).longValueExact();
  }
}
