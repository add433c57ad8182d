package io.yugong.accounting;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.billing.PriceBook;
import io.yugong.billing.Pricing;
import io.yugong.billing.Rate;
import io.yugong.billing.TokenCounter;
import io.yugong.billing.Usage;
import io.yugong.mock.KeyBehaviour;
import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * When upstream gives no usage — its stream was cut, or the client left — the request is still
 * billed, once: the prompt by the tokenizer's count, the completion by counting what was delivered.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CutStreamBillingTest {

  private static final String CUT_KEY = "sk-cut-stream-000000001";
  /** A snapshot name, priced as gpt-4o-mini, served only by a healthy key. */
  private static final String HEALTHY_MODEL = "gpt-4o-mini-2024-07-18";
  private static final JsonArray MESSAGES = new JsonArray()
      .add(new JsonObject().put("role", "user").put("content", "tell me a story about mountains"));

  private final PriceBook book = PriceBook.defaults();
  private TestCluster c;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(1, new MockOptions().tokensPerSecond(40), Kit.ENV);
    c.addKey(0, CUT_KEY, new JsonObject().put("models", new JsonArray().add("gpt-4o-mini")));
    c.addKey(0, "sk-healthy-00000000001", new JsonObject().put("models", new JsonArray().add(HEALTHY_MODEL)));
    c.mock.control().behave(CUT_KEY, KeyBehaviour.cutStream(4));
  }

  @AfterAll
  void stop() throws Exception {
    c.close();
  }

  private String account(String name) throws Exception {
    return Kit.secret(c.createAccount(0, new JsonObject().put("Name", name).put("CreditGranted", 10)));
  }

  private String body(String model) {
    return new JsonObject().put("model", model).put("stream", true).put("max_tokens", 12)
        .put("messages", MESSAGES).encode();
  }

  private long expected(long prompt, long completion) {
    return Pricing.charge(book.find("gpt-4o-mini").orElseThrow(), Usage.tokens(prompt, 0, completion),
        book.multiplier(), Rate.ONE);
  }

  @Test
  void aStreamCutByUpstreamIsBilledForWhatWasDelivered() throws Exception {
    String key = account("cut-upstream");
    String sse = c.call(0, "POST", "/v1/chat/completions", key, body("gpt-4o-mini")).body();
    StringBuilder delivered = new StringBuilder();
    for (String line : sse.split("\n")) {
      if (line.startsWith("data: {") && line.contains("\"choices\"")) {
        JsonObject delta = new JsonObject(line.substring(6)).getJsonArray("choices").getJsonObject(0)
            .getJsonObject("delta");
        if (delta != null && delta.getString("content") != null) {
          delivered.append(delta.getString("content"));
        }
      }
    }
    assertThat(sse).contains("upstream_stream_interrupted");
    assertThat(delivered.toString()).isNotEmpty();

    List<JsonObject> charges = Kit.charges(Kit.ledger(c, 0, key));
    assertThat(charges).hasSize(1);
    JsonObject charge = charges.get(0);
    long prompt = TokenCounter.countChatPrompt("gpt-4o-mini", MESSAGES, null);
    long completion = TokenCounter.countCompletion("gpt-4o-mini", delivered.toString(), List.of());
    assertThat(charge.getLong("prompt_tokens")).isEqualTo(prompt);
    assertThat(charge.getLong("completion_tokens")).isEqualTo(completion);
    assertThat(charge.getLong("cost_nanos")).isEqualTo(expected(prompt, completion));
  }

  @Test
  void aClientThatLeavesMidStreamIsBilledOnceForWhatReachedIt() throws Exception {
    String key = account("cut-client");
    byte[] payload = body(HEALTHY_MODEL).getBytes(StandardCharsets.UTF_8);
    var aborted = c.mock.control().nextClientAbort();
    try (Socket s = new Socket("127.0.0.1", c.nodes.get(0).port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + key
          + "\r\nContent-Type: application/json\r\nContent-Length: " + payload.length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.write(payload);
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      int events = 0;
      for (String line = in.readLine(); line != null && events < 3; line = in.readLine()) {
        if (line.startsWith("data: ")) {
          events++;
        }
      }
    }
    aborted.toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    Kit.eventually(Duration.ofSeconds(5), () -> assertThat(Kit.charges(Kit.ledger(c, 0, key))).hasSize(1));
    JsonObject charge = Kit.charges(Kit.ledger(c, 0, key)).get(0);
    long prompt = TokenCounter.countChatPrompt("gpt-4o-mini", MESSAGES, null);
    assertThat(charge.getLong("prompt_tokens")).isEqualTo(prompt);
    assertThat(charge.getLong("completion_tokens")).isBetween(1L, 11L);
    assertThat(charge.getLong("cost_nanos")).isEqualTo(expected(prompt, charge.getLong("completion_tokens")));
  }
}
