package io.yugong.hostile;

import io.yugong.testing.StoreReader;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An upstream that reports usage Yugong cannot believe — negative, beyond 2^53, not a number, of
 * the wrong type — still gets its answer to the client, its hold settled (from the tokenizer's
 * count), and the next request on the same keep-alive connection answered.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResponsePathErrorsTest {

  private TestCluster c;
  private HoldsKit.FakeUpstream upstream;
  private StoreReader store;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    upstream = new HoldsKit.FakeUpstream();
    c.addKey(0, "sk-fake-usage-0123456789", new JsonObject().put("baseUrl", upstream.baseUrl()));
    store = new StoreReader(c);
  }

  @AfterAll
  void stop() throws Exception {
    store.close();
    c.close();
    upstream.close();
  }

  /**
   * Sends a chat whose answer reports {@code usage} (raw JSON), then an ordinary one on the same
   * connection, through node {@code node}; both are answered, and nothing stays held.
   */
  private void answeredAndSettled(String name, String usage, boolean stream, int node) throws Exception {
    JsonObject customer = HostileKit.customer(c, name, "1");
    String key = HostileKit.secret(customer);
    String id = HostileKit.id(customer);
    JsonObject odd = HostileKit.chat("gpt-4o-mini", "usage:" + usage, 50);
    JsonObject plain = HostileKit.chat("gpt-4o-mini", "hello there", 50);
    if (stream) {
      odd.put("stream", true);
      plain.put("stream", true);
    }
    try (HoldsKit.Connection conn = new HoldsKit.Connection(c.nodes.get(node).port())) {
      HoldsKit.Connection.Answer first = conn.post("/v1/chat/completions", key, odd.encode());
      assertThat(first.status()).as(first.body()).isEqualTo(200);
      assertThat(first.body()).contains("fake answer");
      assertThat(store.requestHolds(id)).as("held after the odd answer").isZero();
      HoldsKit.Connection.Answer second = conn.post("/v1/chat/completions", key, plain.encode());
      assertThat(second.status()).as(second.body()).isEqualTo(200);
      assertThat(second.body()).contains("fake answer");
    }
    assertThat(store.requestHolds(id)).isZero();
    var charges = store.charges(id);
    assertThat(charges).hasSize(2);
    // the unbelievable usage was replaced by the tokenizer's count: a small, positive charge
    long oddCharge = -Long.parseLong(charges.get(0).getString("amount"));
    assertThat(oddCharge).isPositive().isLessThan(1_000_000L);
    assertThat(charges.get(0).getString("uncovered")).isEqualTo("0");
  }

  @Test
  void negativeUsageStillSettlesAndAnswers() throws Exception {
    answeredAndSettled("neg-json", "{\"prompt_tokens\":-5,\"completion_tokens\":3,\"total_tokens\":-2}", false, 0);
    answeredAndSettled("neg-sse", "{\"prompt_tokens\":4,\"completion_tokens\":-300,\"total_tokens\":-296}", true, 1);
  }

  @Test
  void usageBeyondTwoToTheFiftyThirdStillSettlesAndAnswers() throws Exception {
    answeredAndSettled("absurd-json", "{\"prompt_tokens\":1152921504606846976,\"completion_tokens\":1}", false, 1);
    answeredAndSettled("absurd-float", "{\"prompt_tokens\":5,\"completion_tokens\":1e300}", true, 0);
  }

  @Test
  void nonNumericUsageStillSettlesAndAnswers() throws Exception {
    answeredAndSettled("text-json", "{\"prompt_tokens\":\"lots\",\"completion_tokens\":\"7\"}", false, 0);
    answeredAndSettled("text-sse", "{\"prompt_tokens\":5,\"completion_tokens\":2.5}", true, 1);
  }

  @Test
  void usageOfTheWrongTypeStillSettlesAndAnswers() throws Exception {
    answeredAndSettled("type-json", "[1,2,3]", false, 1);
    answeredAndSettled("type-object", "{\"prompt_tokens\":{\"n\":1},\"completion_tokens\":[2]}", false, 0);
    answeredAndSettled("type-sse", "\"plenty\"", true, 0);
  }
}
