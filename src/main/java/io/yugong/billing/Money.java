package io.yugong.billing;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Money is a {@code long} count of nano-dollars (1e-9 USD). These helpers convert exactly
 * between nano-dollars and decimal dollars; nothing here ever goes through floating point
 * except {@link #fromJson(Object)} given a {@link Double}, which uses the double's shortest
 * decimal representation ({@link BigDecimal#valueOf(double)}).
 */
public final class Money {

    /** Nano-dollars in one dollar. */
    public static final long NANOS_PER_DOLLAR = 1_000_000_000L;

    /** Nano-dollars in one cent. */
    static final long NANOS_PER_CENT = 10_000_000L;

    private static final int SCALE = 9;
    /** Longest decimal text accepted; anything longer is refused before it is parsed. */
    static final int MAX_TEXT = 40;
    /** Largest |scale| and precision of a parsed decimal; bounds the cost of all arithmetic on it. */
    private static final int MAX_DIGITS = 40;

    private Money() {
    }

    /**
     * Parses a decimal dollar amount such as {@code "12.50"}, {@code "-3"} or {@code "1e-9"}.
     *
     * @throws IllegalArgumentException if the text is not a decimal number
     * @throws ArithmeticException if it has more than 9 decimal places or does not fit a long
     */
    public static long parseDollars(String s) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("empty dollar amount");
        }
        return fromDollars(decimal(s));
    }

    /**
     * Converts exact dollars to nano-dollars.
     *
     * @throws ArithmeticException if it has more than 9 decimal places or does not fit a long
     */
    public static long fromDollars(BigDecimal dollars) {
        if (dollars == null) {
            throw new IllegalArgumentException("null dollar amount");
        }
        bounded(dollars);
        if (dollars.signum() == 0) {
            return 0L;
        }
        BigDecimal d = dollars.stripTrailingZeros();
        if (d.scale() > SCALE) {
            throw new ArithmeticException("more than 9 decimal places: " + dollars.toPlainString());
        }
        // integer digits; checked before scaling so "1e999999999" cannot allocate a huge number
        if (d.precision() - d.scale() > 11) {
            throw new ArithmeticException("dollar amount out of range: " + dollars);
        }
        return d.movePointRight(SCALE).longValueExact();
    }

    /**
     * Converts a JSON value (a {@link Number} or a numeric {@link String}) in dollars to
     * nano-dollars. Integers and {@link BigDecimal}s are converted exactly; a {@link Double}
     * or {@link Float} via its shortest decimal representation.
     */
    public static long fromJson(Object value) {
        if (value instanceof String s) {
            return parseDollars(s);
        }
        return fromDollars(decimal(value));
    }

    /** Nano-dollars as exact dollars, without trailing zeros and with a scale of at least 0. */
    public static BigDecimal toDollars(long nanos) {
        return plain(BigDecimal.valueOf(nanos, SCALE));
    }

    /** Nano-dollars as a plain dollar string: {@code "12.5"}, {@code "0.000000001"}, {@code "-3"}. */
    public static String format(long nanos) {
        return toDollars(nanos).toPlainString();
    }

    /** Nano-dollars as exact (possibly fractional) cents, as the legacy billing routes report. */
    public static BigDecimal toCents(long nanos) {
        return plain(BigDecimal.valueOf(nanos, 7));
    }

    /** An exact decimal from a JSON number; shared with {@link Rate}. */
    static BigDecimal decimal(Object value) {
        if (value == null) {
            throw new IllegalArgumentException("missing number");
        }
        if (value instanceof BigDecimal d) {
            return bounded(d);
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short
                || value instanceof Byte) {
            return BigDecimal.valueOf(((Number) value).longValue());
        }
        if (value instanceof BigInteger i) {
            if (i.bitLength() > 128) {
                throw new IllegalArgumentException("number out of range");
            }
            return new BigDecimal(i);
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("not a finite number: " + value);
            }
            return bounded(value instanceof Float ? new BigDecimal(value.toString()) : BigDecimal.valueOf(d));
        }
        if (value instanceof String s) {
            String t = s.trim();
            if (t.isEmpty() || t.length() > MAX_TEXT) {
                throw new IllegalArgumentException("not a number of at most " + MAX_TEXT + " characters");
            }
            try {
                return bounded(new BigDecimal(t));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a number: " + t);
            }
        }
        throw new IllegalArgumentException("not a number: " + value.getClass().getSimpleName());
    }

    /**
     * Refuses a decimal whose exponent or digit count is out of all reasonable range (such as
     * {@code 1e-1000000000}) before any arithmetic can allocate for it.
     */
    static BigDecimal bounded(BigDecimal d) {
        if (Math.abs(d.scale()) > MAX_DIGITS || d.precision() > MAX_DIGITS) {
            throw new ArithmeticException("number out of range");
        }
        return d;
    }

    /** {@code a + b} for counts that must not be negative, stuck at {@link Long#MAX_VALUE} instead of wrapping. */
    public static long saturatingAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
    }

    /** {@code a × b}, stuck at {@link Long#MAX_VALUE} (or MIN_VALUE) instead of wrapping. */
    public static long saturatingMultiply(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        if ((hi == 0 && lo >= 0) || (hi == -1 && lo < 0)) {
            return lo;
        }
        return (a < 0) == (b < 0) ? Long.MAX_VALUE : Long.MIN_VALUE;
    }

    static BigDecimal plain(BigDecimal d) {
        BigDecimal s = d.stripTrailingZeros();
        return s.scale() < 0 ? s.setScale(0) : s;
    }
}
