package io.yugong.billing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hot path prices in long arithmetic; it must agree with the exact fraction to the nano-dollar. */
class LongPricingTest {

    private static final String[] RATES = {"1", "0", "0.5", "1.25", "2", "0.0001", "3.1415", "999999", "0.3333"};

    @Test
    void longArithmeticChargesExactlyWhatTheExactFractionCharges() {
        SplittableRandom r = new SplittableRandom(8);
        for (int i = 0; i < 200_000; i++) {
            long uncached = small(r, 2_000_000);
            long cached = small(r, 1_000_000);
            long completion = small(r, 200_000);
            long chars = r.nextInt(4) == 0 ? small(r, 100_000) : 0;
            long in = small(r, 150_000_000_000L);
            long cachedIn = small(r, 75_000_000_000L);
            long out = small(r, 600_000_000_000L);
            long perMChars = small(r, 30_000_000_000L);
            long images = r.nextInt(4) == 0 ? small(r, 10) : 0;
            long perImage = small(r, 200_000_000L);
            long audio = r.nextInt(4) == 0 ? small(r, 10_000) : 0;
            long perMinute = small(r, 6_000_000L);
            Rate g = Rate.of(RATES[r.nextInt(RATES.length)]);
            Rate a = Rate.of(RATES[r.nextInt(RATES.length)]);
            long fast = LongFraction.charge(uncached, cached, completion, chars, in, cachedIn, out, perMChars,
                    images, perImage, audio, perMinute, g, a);
            BigInteger num = numerator(uncached, cached, completion, chars, in, cachedIn, out, perMChars,
                    images, perImage, audio, perMinute);
            BigInteger exact = new BigDecimal(num).multiply(g.value()).multiply(a.value())
                    .divide(BigDecimal.valueOf(60_000_000L), 0, RoundingMode.CEILING).toBigIntegerExact();
            if (fast >= 0) {
                assertThat(BigInteger.valueOf(fast)).as("case %d", i).isEqualTo(exact);
            } else {
                // only when a partial product does not fit a long: num, num × g, num × g × a
                int bits = Math.max(num.bitLength(), Math.max(num.multiply(g.unscaled()).bitLength(),
                        num.multiply(g.unscaled()).multiply(a.unscaled()).bitLength()));
                assertThat(bits).as("case %d", i).isGreaterThanOrEqualTo(63);
            }
        }
    }

    @Test
    void aChargeTooLargeForALongStillFallsBackToTheExactFraction() {
        Rate one = Rate.of(1);
        assertThat(LongFraction.charge(Long.MAX_VALUE / 2, 0, 0, 0, 1_000, 0, 0, 0, 0, 0, 0, 0, one, one)).isEqualTo(-1);
        ModelPrice price = ModelPrice.chat(150_000_000L, 75_000_000L, 600_000_000L, 0);
        assertThat(Pricing.worstCase(price, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4, one, one)).isEqualTo(Long.MAX_VALUE);
    }

    private static long small(SplittableRandom r, long bound) {
        return r.nextInt(3) == 0 ? 0 : r.nextLong(bound + 1);
    }

    private static BigInteger numerator(long uncached, long cached, long completion, long chars, long in,
                                        long cachedIn, long out, long perMChars, long images, long perImage,
                                        long audio, long perMinute) {
        return BigInteger.valueOf(uncached).multiply(BigInteger.valueOf(in))
                .add(BigInteger.valueOf(cached).multiply(BigInteger.valueOf(cachedIn)))
                .add(BigInteger.valueOf(completion).multiply(BigInteger.valueOf(out)))
                .add(BigInteger.valueOf(chars).multiply(BigInteger.valueOf(perMChars)))
                .multiply(BigInteger.valueOf(60))
                .add(BigInteger.valueOf(audio).multiply(BigInteger.valueOf(perMinute)).multiply(BigInteger.valueOf(1_000_000)))
                .add(BigInteger.valueOf(images).multiply(BigInteger.valueOf(perImage)).multiply(BigInteger.valueOf(60_000_000)));
    }
}
