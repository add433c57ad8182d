package io.yugong.billing;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MoneyTest {

    @Test
    void parsesDollarsExactlyIntoNanos() {
        assertThat(Money.parseDollars("12.50")).isEqualTo(12_500_000_000L);
        assertThat(Money.parseDollars("0.000000001")).isEqualTo(1L);
        assertThat(Money.parseDollars("-3")).isEqualTo(-3_000_000_000L);
        assertThat(Money.parseDollars(" 0.1 ")).isEqualTo(100_000_000L);
        assertThat(Money.parseDollars("1e-9")).isEqualTo(1L);
        assertThat(Money.parseDollars("1.500000000")).isEqualTo(1_500_000_000L);
    }

    @Test
    void formatsAsPlainStrings() {
        assertThat(Money.format(12_500_000_000L)).isEqualTo("12.5");
        assertThat(Money.format(1L)).isEqualTo("0.000000001");
        assertThat(Money.format(-3_000_000_000L)).isEqualTo("-3");
        assertThat(Money.format(100_000_000_000L)).isEqualTo("100");
        assertThat(Money.format(0L)).isEqualTo("0");
        assertThat(Money.toDollars(1_500_000_000L)).isEqualByComparingTo("1.5");
    }

    @Test
    void formatAndParseRoundTrip() {
        long[] values = {0, 1, -1, 999_999_999, 1_000_000_000, 123_456_789_012L, Long.MAX_VALUE, Long.MIN_VALUE};
        for (long v : values) {
            assertThat(Money.parseDollars(Money.format(v))).as("%d", v).isEqualTo(v);
        }
    }

    @Test
    void rejectsMoreThanNineDecimalsAndOverflowAndGarbage() {
        assertThatThrownBy(() -> Money.parseDollars("0.0000000001")).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> Money.parseDollars("1.0000000005")).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> Money.parseDollars("10000000000")).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> Money.parseDollars("1e999999999")).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> Money.parseDollars("1e-1000000000")).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> Money.fromJson(new java.math.BigDecimal("1e-1000000000")))
            .isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> Rate.fromJson("1e-1000000000")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Money.parseDollars("1".repeat(41))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Money.parseDollars("NaN")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Money.parseDollars("1,5")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Money.parseDollars("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Money.fromJson(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Money.fromJson(Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Money.fromJson(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Money.fromJson(true)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void convertsJsonNumbersWithoutBinaryFloatingPointErrors() {
        assertThat(Money.fromJson(2)).isEqualTo(2_000_000_000L);
        assertThat(Money.fromJson(3L)).isEqualTo(3_000_000_000L);
        assertThat(Money.fromJson(new BigDecimal("0.15"))).isEqualTo(150_000_000L);
        assertThat(Money.fromJson(BigInteger.TEN)).isEqualTo(10_000_000_000L);
        assertThat(Money.fromJson(0.1d)).isEqualTo(100_000_000L);
        assertThat(Money.fromJson(0.075d)).isEqualTo(75_000_000L);
        assertThat(Money.fromJson(0.1f)).isEqualTo(100_000_000L);
        assertThat(Money.fromJson("1.5")).isEqualTo(1_500_000_000L);
    }

    @Test
    void convertsToFractionalCents() {
        assertThat(Money.toCents(1_500_000_000L)).isEqualByComparingTo("150");
        assertThat(Money.toCents(1_500_000_000L).toPlainString()).isEqualTo("150");
        assertThat(Money.toCents(1L).toPlainString()).isEqualTo("0.0000001");
        assertThat(Money.toCents(12_345_678L).toPlainString()).isEqualTo("1.2345678");
    }

    @Test
    void ratesAreExactNonNegativeAndCompareByValue() {
        assertThat(Rate.of("2")).isEqualTo(Rate.of("2.00")).isEqualTo(Rate.of(2));
        assertThat(Rate.of("2.00").toString()).isEqualTo("2");
        assertThat(Rate.of("100").toString()).isEqualTo("100");
        assertThat(Rate.fromJson(0.25d)).isEqualTo(Rate.of("0.25"));
        assertThat(Rate.of("0.25").times(Rate.of("2"))).isEqualTo(Rate.of("0.5"));
        assertThat(Rate.of("0.5").compareTo(Rate.ONE)).isNegative();
        assertThat(Rate.of("1.0").isOne()).isTrue();
        assertThat(Rate.of("0.3").applyCeil(10)).isEqualTo(3);
        assertThat(Rate.of("0.25").applyCeil(75)).isEqualTo(19);
        assertThatThrownBy(() -> Rate.of("-1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rate.of("abc")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rate.of("1e999")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rate.of("0.0000000000001")).isInstanceOf(IllegalArgumentException.class);
    }
}
