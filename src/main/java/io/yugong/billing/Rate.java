package io.yugong.billing;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * An exact, non-negative decimal multiplier: the global price multiplier (e.g. {@code 0.25})
 * or an account's rate (e.g. {@code 2}). Parsed values have at most {@value #MAX_DECIMALS}
 * decimal places and are at most {@value #MAX_VALUE}. Equal values compare equal regardless
 * of how they were written ({@code "2"}, {@code "2.00"}).
 */
public final class Rate implements Comparable<Rate> {

    /** Most decimal places a parsed rate may have. */
    public static final int MAX_DECIMALS = 12;
    /** Largest parsed rate. */
    public static final long MAX_VALUE = 1_000_000L;

    /** The neutral rate, 1. */
    public static final Rate ONE = new Rate(BigDecimal.ONE);
    /** The zero rate (everything free). */
    public static final Rate ZERO = new Rate(BigDecimal.ZERO);

    private final BigDecimal value;

    private Rate(BigDecimal value) {
        this.value = Money.plain(value);
    }

    /** Parses {@code "0.25"}, {@code "2"}, ... */
    public static Rate of(String s) {
        return fromJson(s);
    }

    /** An exact rate. */
    public static Rate of(BigDecimal d) {
        if (d == null) {
            throw new IllegalArgumentException("null rate");
        }
        if (d.signum() < 0) {
            throw new IllegalArgumentException("negative rate: " + d.toPlainString());
        }
        if (d.compareTo(BigDecimal.valueOf(MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("rate too large: " + d);
        }
        BigDecimal p = Money.plain(d);
        if (p.scale() > MAX_DECIMALS) {
            throw new IllegalArgumentException("rate has more than " + MAX_DECIMALS + " decimals: " + d);
        }
        return new Rate(p);
    }

    /** A whole-number rate. */
    public static Rate of(long whole) {
        return of(BigDecimal.valueOf(whole));
    }

    /** A rate from a JSON number or numeric string (never through double unless given a Double). */
    public static Rate fromJson(Object json) {
        try {
            return of(Money.decimal(json));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("rate out of range: " + e.getMessage());
        }
    }

    /** The exact value, without trailing zeros. */
    public BigDecimal value() {
        return value;
    }

    /** The exact product of two rates (not limited in decimals). */
    public Rate times(Rate other) {
        return new Rate(value.multiply(other.value));
    }

    /** {@code nanos × this}, rounded up to a whole nano-dollar. */
    public long applyCeil(long nanos) {
        return value.multiply(BigDecimal.valueOf(nanos)).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    /** Decimal places an account's Rates may have: the wallet scripts work in Rates x 10^4. */
    public static final int ACCOUNT_DECIMALS = 4;
    /** Largest Rates an account may have. */
    public static final long ACCOUNT_MAX = 1000;

    /**
     * This rate times 10^4 as a whole number, as the wallet scripts compare and convert Rates.
     *
     * @throws IllegalArgumentException if it has more than 4 decimals or exceeds 1000
     */
    public long scaled() {
        if (value.scale() > ACCOUNT_DECIMALS || value.compareTo(BigDecimal.valueOf(ACCOUNT_MAX)) > 0) {
            throw new IllegalArgumentException("an account's Rates has at most " + ACCOUNT_DECIMALS
                + " decimals and is at most " + ACCOUNT_MAX + ": " + this);
        }
        return value.movePointRight(ACCOUNT_DECIMALS).longValueExact();
    }

    /** True if this rate is exactly 1. */
    public boolean isOne() {
        return value.compareTo(BigDecimal.ONE) == 0;
    }

    BigInteger unscaled() {
        return value.unscaledValue();
    }

    int scale() {
        return value.scale();
    }

    @Override
    public int compareTo(Rate o) {
        return value.compareTo(o.value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Rate r && r.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    /** Plain decimal text, e.g. {@code "0.25"}; parses back with {@link #of(String)}. */
    @Override
    public String toString() {
        return value.toPlainString();
    }
}
