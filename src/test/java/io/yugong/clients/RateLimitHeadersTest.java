package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.LimitWindows;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Clients that pace themselves on OpenAI's x-ratelimit-* headers (issue 9, point 3) get the ones of
 * their own account's limits, on every answer and on Yugong's own 429s, whichever node answers;
 * never those of the pool key that served them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RateLimitHeadersTest {

  private static final String DURATION = "\\d+(ms|s|m\\d+(\\.\\d+)?s|h\\d+m\\d+(\\.\\d+)?s|\\.\\d+s)";
  private TestCluster c;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    c.addKey(0, "sk-ratelimit-headers-upstream-123456", null);
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private String customer(String name, JsonObject limits) throws Exception {
    return c.createAccount(0, limits.copy().put("Name", name).put("CreditGranted", "5"))
        .getJsonObject("User").getString("SecretKey");
  }

  private HttpResponse<String> chat(int node, String key) throws Exception {
    return c.call(node, "POST", "/v1/chat/completions", key, new JsonObject().put("model", "gpt-4o-mini")
        .put("max_tokens", 20).put("messages", new JsonArray()
            .add(new JsonObject().put("role", "user").put("content", "pace me"))).encode());
  }

  private static long header(HttpResponse<String> r, String name) {
    return Long.parseLong(r.headers().firstValue(name).orElseThrow(() ->
        new AssertionError("no " + name + " in " + r.headers().map())));
  }

  @Test
  void everyAnswerToALimitedAccountCarriesItsOwnLimitsOnBothNodes() throws Exception {
    String key = customer("headers-limited", new JsonObject().put("RPM", 5).put("RPD", 100).put("TPM", 10_000));
    // TPM counts in fixed UTC minutes: both requests must fall in the same one
    LimitWindows.awaitRoomIn(LimitWindows.MINUTE, 10_000);
    HttpResponse<String> first = chat(0, key);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    // RPM leaves 4 and RPD 99: the tighter one is shown
    assertThat(header(first, "x-ratelimit-limit-requests")).isEqualTo(5);
    assertThat(header(first, "x-ratelimit-remaining-requests")).isEqualTo(4);
    assertThat(first.headers().firstValue("x-ratelimit-reset-requests").orElseThrow()).matches(DURATION);
    assertThat(header(first, "x-ratelimit-limit-tokens")).isEqualTo(10_000);
    long tokensLeft = header(first, "x-ratelimit-remaining-tokens");
    assertThat(tokensLeft).isBetween(1L, 10_000L - 20);
    assertThat(first.headers().firstValue("x-ratelimit-reset-tokens").orElseThrow()).matches(DURATION);

    HttpResponse<String> second = chat(1, key);
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(header(second, "x-ratelimit-remaining-requests")).isEqualTo(3);
    assertThat(header(second, "x-ratelimit-remaining-tokens")).isLessThan(tokensLeft);
  }

  @Test
  void yugongsOwn429CarriesThemWithNothingRemaining() throws Exception {
    String key = customer("headers-refused", new JsonObject().put("RPM", 2));
    assertThat(chat(0, key).statusCode()).isEqualTo(200);
    assertThat(chat(1, key).statusCode()).isEqualTo(200);
    HttpResponse<String> refused = chat(0, key);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
    assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("code")).isEqualTo("rate_limit_exceeded");
    assertThat(header(refused, "x-ratelimit-limit-requests")).isEqualTo(2);
    assertThat(header(refused, "x-ratelimit-remaining-requests")).isZero();
    assertThat(refused.headers().firstValue("x-ratelimit-reset-requests").orElseThrow()).matches(DURATION);
    assertThat(refused.headers().firstValue("retry-after")).isPresent();
    assertThat(refused.headers().firstValue("x-ratelimit-limit-tokens")).as("no token limit, no token headers").isEmpty();
  }

  @Test
  void anAccountWithoutLimitsNeverSeesThePoolKeysHeaders() throws Exception {
    String key = customer("headers-unlimited", new JsonObject());
    HttpResponse<String> r = chat(1, key);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().map().keySet()).noneMatch(h -> h.toLowerCase().startsWith("x-ratelimit-"));
  }
}
