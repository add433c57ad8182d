package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.vertx.core.json.JsonObject;
import io.yugong.billing.Money;
import io.yugong.mock.MockOptions;
import io.yugong.testing.StoreReader;
import io.yugong.testing.TestCluster;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Requests that set no output limit on a balance that cannot cover the model's whole output cap
 * (issue 9, point 4): NextChat and most chat UIs never send max_tokens. They are served, limited
 * to the output the balance pays for, and end with finish_reason "length"; only a balance that
 * cannot pay for the prompt and a minimum answer is refused. gpt-4o (10 USD per million output
 * tokens) on 0.001 USD affords about 100 output tokens; its cap (16,384) would hold 0.16 USD.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SmallBalanceOutputTest {

  private static final String MODEL = "gpt-4o";
  private TestCluster c;
  private StoreReader store;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    c.addKey(0, "sk-small-balance-upstream-1234567890", null);
    store = new StoreReader(c);
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private JsonObject customer(String name, String dollars) throws Exception {
    return c.createAccount(0, new JsonObject().put("Name", name).put("CreditGranted", dollars))
        .getJsonObject("User");
  }

  private OpenAIClient sdk(int node, String key) {
    return OpenAIOkHttpClient.builder().apiKey(key).maxRetries(0)
        .baseUrl("http://127.0.0.1:" + c.nodes.get(node).port() + "/v1").build();
  }

  private static ChatCompletionCreateParams unlimited() {
    return ChatCompletionCreateParams.builder().model(MODEL)
        .addUserMessage("Tell me a long story about a mountain and an old man who moves it.").build();
  }

  private long balanceNanos(String key) throws Exception {
    c.settled();
    HttpResponse<String> r = c.call(1, "GET", "/dashboard/x_user/info", key, null);
    assertThat(r.statusCode()).isEqualTo(200);
    return Money.parseDollars(new BigDecimal(new JsonObject(r.body()).getValue("Balance").toString()).toPlainString());
  }

  @Test
  void aChatWithoutMaxTokensOnASmallBalanceIsServedUpToWhatTheBalanceAffords() throws Exception {
    JsonObject user = customer("small-chat", "0.001");
    String key = user.getString("SecretKey");
    ChatCompletion answer = sdk(1, key).chat().completions().create(unlimited());

    assertThat(answer.choices().get(0).finishReason().asString()).isEqualTo("length");
    long out = answer.usage().orElseThrow().completionTokens();
    // 0.001 USD at 10 USD per million output tokens is 100 tokens, less the prompt's part
    assertThat(out).isBetween(16L, 100L);
    long balance = balanceNanos(key);
    assertThat(balance).as("what the answer cost is what it used, never more than there was")
        .isBetween(0L, 1_000_000L - 1);
    List<JsonObject> charges = store.charges(user.getString("ID"));
    assertThat(charges).hasSize(1);
    assertThat(Long.parseLong(charges.get(0).getString("completionTokens"))).isEqualTo(out);
    assertThat(charges.get(0).getString("uncovered")).as("nothing beyond the hold").isEqualTo("0");
    assertThat(store.requestHolds(user.getString("ID"))).isZero();
  }

  @Test
  void aStreamWithoutMaxTokensOnASmallBalanceEndsWithLength() throws Exception {
    String key = customer("small-stream", "0.001").getString("SecretKey");
    List<String> finishes = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> stream = sdk(0, key).chat().completions().createStreaming(unlimited())) {
      stream.stream().forEach(chunk -> chunk.choices().forEach(ch ->
          ch.finishReason().ifPresent(f -> finishes.add(f.asString()))));
    }
    assertThat(finishes).containsExactly("length");
    assertThat(balanceNanos(key)).isBetween(0L, 1_000_000L - 1);
  }

  @Test
  void aResponsesRequestWithoutMaxOutputTokensIsLimitedTheSameWay() throws Exception {
    String key = customer("small-responses", "0.001").getString("SecretKey");
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + c.nodes.get(0).port() + "/v1/responses"))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("model", MODEL)
            .put("input", "Tell me a long story.").encode())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonObject resp = new JsonObject(r.body());
    // the limit set is the one the response reports (OpenAI ends such a response "incomplete")
    assertThat(resp.getLong("max_output_tokens")).isBetween(16L, 100L);
    assertThat(resp.getJsonObject("usage").getLong("output_tokens")).isLessThanOrEqualTo(resp.getLong("max_output_tokens"));
    assertThat(balanceNanos(key)).isBetween(0L, 1_000_000L - 1);
  }

  @Test
  void anExplicitLimitTheBalanceCannotCoverIsStillRefused() throws Exception {
    String key = customer("small-explicit", "0.001").getString("SecretKey");
    ChatCompletionCreateParams asked = ChatCompletionCreateParams.builder().model(MODEL)
        .maxCompletionTokens(10_000).addUserMessage("hello").build();
    assertThatThrownBy(() -> sdk(0, key).chat().completions().create(asked))
        .isInstanceOfSatisfying(RateLimitException.class, e ->
            assertThat(e.code()).contains("insufficient_quota"));
    assertThat(balanceNanos(key)).isEqualTo(1_000_000L);
  }

  @Test
  void aBalanceBelowThePromptAndAMinimumAnswerIsRefused() throws Exception {
    // 16 output tokens of gpt-4o cost 160 nano-USD: 100 nano-USD cannot pay for them
    String key = customer("small-empty", "0.0000001").getString("SecretKey");
    assertThatThrownBy(() -> sdk(1, key).chat().completions().create(unlimited()))
        .isInstanceOfSatisfying(RateLimitException.class, e ->
            assertThat(e.code()).contains("insufficient_quota"));
    assertThat(balanceNanos(key)).isEqualTo(100L);
  }
}
