package io.yugong.keypool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

/** OpenAI's rate-limit headers, as the key pool reads them. */
class RateLimitsTest {

  @Test
  void readsOpenAiDurationNotation() {
    assertEquals(360_000, RateLimits.durationMs("6m0s"));
    assertEquals(1_000, RateLimits.durationMs("1s"));
    assertEquals(120, RateLimits.durationMs("120ms"));
    assertEquals(3_723_500, RateLimits.durationMs("1h2m3.5s"));
    assertEquals(8_640, RateLimits.durationMs("8.64s"));
  }

  @Test
  void readsPlainSecondsAsRetryAfterSendsThem() {
    assertEquals(2_000, RateLimits.durationMs("2"));
    assertEquals(500, RateLimits.durationMs("0.5"));
    assertEquals(2_000, RateLimits.durationMs(" 2 "));
  }

  @Test
  void absentOrUnreadableDurationsCountAsZero() {
    assertEquals(0, RateLimits.durationMs(null));
    assertEquals(0, RateLimits.durationMs(""));
    assertEquals(0, RateLimits.durationMs("soon"));
    assertEquals(0, RateLimits.durationMs("3 days"));
    assertEquals(0, RateLimits.durationMs("5x"));
  }

  @Test
  void remainingCapacityIsProjectedAsFullOnceTheWindowHasReset() {
    MultiMap h = MultiMap.caseInsensitiveMultiMap()
        .add("x-ratelimit-limit-requests", "10000").add("x-ratelimit-remaining-requests", "0")
        .add("x-ratelimit-reset-requests", "2s")
        .add("x-ratelimit-limit-tokens", "30000000").add("x-ratelimit-remaining-tokens", "29999000")
        .add("x-ratelimit-reset-tokens", "120ms");
    RateLimits l = RateLimits.from(h, 1_000_000);
    assertEquals(0, l.requestsNow(1_000_000));
    assertEquals(0, l.requestsNow(1_001_999));
    assertEquals(10_000, l.requestsNow(1_002_000));
    assertEquals(29_999_000, l.tokensNow(1_000_100));
    assertEquals(30_000_000, l.tokensNow(1_000_120));
  }

  @Test
  void answersWithoutRateLimitHeadersTellNothing() {
    assertNull(RateLimits.from(MultiMap.caseInsensitiveMultiMap().add("retry-after", "2"), 1));
    assertEquals(-1, RateLimits.UNKNOWN.requestsNow(5));
  }
}
