package io.yugong.billing;

import java.math.BigInteger;

/**
 * {@link Pricing}'s fraction in long arithmetic, for the hot path: the same numerator and
 * denominator, rounded up once. Any step that would overflow a long (or a negative numerator)
 * gives -1, and the caller computes the exact fraction with BigInteger instead; so the result is
 * identical to the nano-dollar, only cheaper when it fits.
 */
final class LongFraction {

    private static final long SIXTY = 60;
    private static final long MILLION = 1_000_000;
    private static final long DENOMINATOR = SIXTY * MILLION;
    private static final long[] TEN_POW = new long[19];
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    static {
        TEN_POW[0] = 1;
        for (int i = 1; i < TEN_POW.length; i++) {
            TEN_POW[i] = TEN_POW[i - 1] * 10;
        }
    }

    private LongFraction() {
    }

    /**
     * {@code ((uncached × in + cached × cachedIn + completion × out + characters × perMChars) × 60
     * + audioSeconds × perMinute × 1e6 + images × perImage × 6e7) × g × a / (6e7 × 10^scales)},
     * rounded up; -1 when it does not fit in long arithmetic.
     */
    static long charge(long uncached, long cached, long completion, long characters,
                       long in, long cachedIn, long out, long perMChars,
                       long images, long perImage, long audioSeconds, long perMinute, Rate g, Rate a) {
        try {
            long perMillion = Math.addExact(Math.addExact(Math.multiplyExact(uncached, in),
                    Math.multiplyExact(cached, cachedIn)), Math.addExact(Math.multiplyExact(completion, out),
                    Math.multiplyExact(characters, perMChars)));
            long n = Math.multiplyExact(perMillion, SIXTY);
            if (audioSeconds != 0) {
                n = Math.addExact(n, Math.multiplyExact(Math.multiplyExact(audioSeconds, perMinute), MILLION));
            }
            if (images != 0) {
                n = Math.addExact(n, Math.multiplyExact(Math.multiplyExact(images, perImage), DENOMINATOR));
            }
            if (n < 0) {
                return -1;
            }
            if (n == 0) {
                return 0;
            }
            n = Math.multiplyExact(Math.multiplyExact(n, unscaled(g)), unscaled(a));
            int scale = g.scale() + a.scale();
            if (scale < 0 || scale >= TEN_POW.length) {
                return -1;
            }
            long d = Math.multiplyExact(DENOMINATOR, TEN_POW[scale]);
            long q = n / d;
            return n % d == 0 ? q : q + 1;
        } catch (ArithmeticException overflow) {
            return -1;
        }
    }

    private static long unscaled(Rate r) {
        BigInteger u = r.unscaled();
        if (u.signum() < 0 || u.compareTo(LONG_MAX) > 0) {
            throw new ArithmeticException("rate out of range");
        }
        return u.longValue();
    }
}
