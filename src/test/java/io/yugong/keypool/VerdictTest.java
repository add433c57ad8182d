package io.yugong.keypool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.yugong.keypool.Verdict.Kind;
import org.junit.jupiter.api.Test;

/** How an upstream answer is judged: for the key that got it, and for the request. */
class VerdictTest {

  private static MultiMap headers(String... pairs) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < pairs.length; i += 2) {
      h.add(pairs[i], pairs[i + 1]);
    }
    return h;
  }

  private static Buffer error(String type, String code) {
    return Buffer.buffer("{\"error\":{\"message\":\"m\",\"type\":" + (type == null ? "null" : "\"" + type + "\"")
        + ",\"param\":null,\"code\":" + (code == null ? "null" : "\"" + code + "\"") + "}}");
  }

  @Test
  void rateLimitedKeyCoolsForRetryAfterAndTheRequestMovesOn() {
    Verdict v = Verdict.of(429, headers("retry-after", "2"), error("requests", "rate_limit_exceeded"));
    assertEquals(Kind.RATE_LIMITED, v.kind());
    assertEquals(2_000, v.retryAfterMs());
    assertEquals("rate_limit_exceeded", v.reason());
    assertTrue(v.retryElsewhere());
  }

  @Test
  void rateLimitCooldownFallsBackToResetHeadersAndIsBoundedBetweenOneSecondAndFiveMinutes() {
    assertEquals(7_000, Verdict.of(429, headers("x-ratelimit-remaining-requests", "0",
        "x-ratelimit-reset-requests", "7s", "x-ratelimit-reset-tokens", "120ms"), null).retryAfterMs());
    // Requests left: the token budget is what ran out, so its reset counts.
    assertEquals(8_000, Verdict.of(429, headers("x-ratelimit-remaining-requests", "499",
        "x-ratelimit-reset-requests", "20ms", "x-ratelimit-reset-tokens", "8s"), null).retryAfterMs());
    assertEquals(6_000, Verdict.of(429, headers("x-ratelimit-reset-requests", "6s",
        "x-ratelimit-reset-tokens", "120ms"), null).retryAfterMs());
    // retry-after-ms is milliseconds and wins over retry-after.
    assertEquals(1_500, Verdict.of(429, headers("retry-after-ms", "1500", "retry-after", "9"), null).retryAfterMs());
    assertEquals(1_000, Verdict.of(429, headers("retry-after", "0"), null).retryAfterMs());
    assertEquals(1_000, Verdict.of(429, headers(), null).retryAfterMs());
    assertEquals(300_000, Verdict.of(429, headers("retry-after", "3600"), null).retryAfterMs());
    assertEquals(300_000, Verdict.of(429, headers("x-ratelimit-remaining-requests", "0",
        "x-ratelimit-reset-requests", "6m0s"), null).retryAfterMs());
  }

  @Test
  void keysWithoutQuotaRevokedOrDeactivatedAreDeadAndTheRequestMovesOn() {
    Verdict quota = Verdict.of(429, headers(), error("insufficient_quota", "insufficient_quota"));
    assertEquals(Kind.KEY_DEAD, quota.kind());
    assertEquals("insufficient_quota", quota.reason());
    assertTrue(quota.retryElsewhere());

    Verdict revoked = Verdict.of(401, headers(), error("invalid_request_error", "invalid_api_key"));
    assertEquals(Kind.KEY_DEAD, revoked.kind());
    assertEquals("invalid_api_key", revoked.reason());
    assertEquals(Kind.KEY_DEAD, Verdict.of(401, headers(), null).kind());

    Verdict deactivated = Verdict.of(403, headers(), error("invalid_request_error", "account_deactivated"));
    assertEquals(Kind.KEY_DEAD, deactivated.kind());
    assertEquals("account_deactivated", deactivated.reason());
  }

  @Test
  void serverAndGatewayFailuresAreUpstreamsFaultAndTheRequestMovesOn() {
    for (int status : new int[] {500, 502, 503, 504, 520, 521, 522, 523, 524}) {
      Verdict v = Verdict.of(status, headers(), Buffer.buffer("<html>bad gateway</html>"));
      assertEquals(Kind.UPSTREAM_FAILED, v.kind(), "status " + status);
      assertTrue(v.retryElsewhere(), "status " + status);
      assertTrue(Verdict.needsBody(status), "status " + status);
    }
    Verdict net = Verdict.network("ConnectException");
    assertEquals(Kind.UPSTREAM_FAILED, net.kind());
    assertTrue(net.retryElsewhere());
  }

  @Test
  void theRequestsOwnFaultsAndSuccessesGoBackToTheClientUntouched() {
    for (int status : new int[] {200, 201, 400, 404, 413, 422}) {
      Verdict v = Verdict.of(status, headers(), error("invalid_request_error", "model_not_found"));
      assertEquals(Kind.SERVED, v.kind(), "status " + status);
      assertFalse(v.retryElsewhere(), "status " + status);
      assertFalse(Verdict.needsBody(status), "status " + status);
    }
  }
}
