package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.node.NodeStats;
import io.yugong.testing.Eventually;
import io.yugong.testing.TestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Yugong's errors and key headers as OpenAI's clients expect them (issue 9, point 2), through the
 * official SDK where it can express the call and raw HTTP where it cannot.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientErrorsAndKeysTest {

  private TestCluster c;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(1, new MockOptions(), Map.of());
    c.addKey(0, "sk-errors-upstream-1234567890", null);
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private String customer(String name, String dollars) throws Exception {
    return c.createAccount(0, new JsonObject().put("Name", name).put("CreditGranted", dollars))
        .getJsonObject("User").getString("SecretKey");
  }

  private OpenAIClient sdk(String key) {
    return OpenAIOkHttpClient.builder().apiKey(key)
        .baseUrl("http://127.0.0.1:" + c.nodes.get(0).port() + "/v1").build();
  }

  private static ChatCompletionCreateParams chat(String model, long maxTokens) {
    return ChatCompletionCreateParams.builder().model(model).maxCompletionTokens(maxTokens)
        .addUserMessage("hello").build();
  }

  private HttpResponse<String> post(Map<String, String> headers, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.nodes.get(0).port()
        + "/v1/chat/completions")).POST(HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String chatBody(String model) {
    return new JsonObject().put("model", model).put("max_tokens", 5).put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "hello"))).encode();
  }

  @Test
  void aModelThatHasNoPriceHereIsNotFoundAsOpenAiSaysIt() throws Exception {
    String key = customer("errors-unknown-model", "1");
    assertThatThrownBy(() -> sdk(key).chat().completions().create(chat("no-such-model-here", 5)))
        .isInstanceOfSatisfying(NotFoundException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(404);
          assertThat(e.code()).contains("model_not_found");
          assertThat(e.param()).contains("model");
          assertThat(e.getMessage()).contains("no-such-model-here");
        });
  }

  @Test
  void aQuotaThatRanOutTellsTheSdkNotToRetry() throws Exception {
    String key = customer("errors-broke", "0");
    HttpResponse<String> raw = post(Map.of("Authorization", "Bearer " + key), chatBody("gpt-4o-mini"));
    assertThat(raw.statusCode()).as(raw.body()).isEqualTo(429);
    assertThat(new JsonObject(raw.body()).getJsonObject("error").getString("code")).isEqualTo("insufficient_quota");
    assertThat(raw.headers().firstValue("x-should-retry")).contains("false");

    // The SDK (2 retries by default for a 429) asks once.
    NodeStats stats = c.nodes.get(0).services().stats();
    // the raw request above is counted when its end handler runs, which may be after its answer arrived
    Eventually.eventually(Duration.ofSeconds(2), () -> assertThat(stats.inFlight()).isZero());
    long before = stats.served();
    assertThatThrownBy(() -> sdk(key).chat().completions().create(chat("gpt-4o-mini", 5)))
        .isInstanceOfSatisfying(RateLimitException.class,
            e -> assertThat(e.code()).contains("insufficient_quota"));
    Eventually.eventually(Duration.ofSeconds(2), () -> assertThat(stats.served() - before).isPositive());
    assertThat(stats.served() - before).as("requests the SDK made").isEqualTo(1);
  }

  @Test
  void aBareKeyAndTheApiKeyHeaderAreAcceptedLikeBearer() throws Exception {
    String key = customer("errors-bare-key", "1");
    for (Map<String, String> h : java.util.List.<Map<String, String>>of(Map.of("Authorization", key),
        Map.of("Authorization", "  " + key + " "), Map.of("api-key", key), Map.of("Authorization", "bearer " + key))) {
      HttpResponse<String> r = post(h, chatBody("gpt-4o-mini"));
      assertThat(r.statusCode()).as(h + " -> " + r.body()).isEqualTo(200);
    }
    // the SDK's own form, for comparison
    ChatCompletion done = sdk(key).chat().completions().create(chat("gpt-4o-mini", 5));
    assertThat(done.choices()).isNotEmpty();
    for (Map<String, String> h : java.util.List.<Map<String, String>>of(Map.of("Authorization", "Basic " + key),
        Map.of("Authorization", "Bearer"), Map.of("api-key", ""), Map.of())) {
      HttpResponse<String> r = post(h, chatBody("gpt-4o-mini"));
      assertThat(r.statusCode()).as(h + " -> " + r.body()).isEqualTo(401);
    }
    assertThat(post(Map.of("Authorization", "sk-not-a-yugong-key-at-all"), chatBody("gpt-4o-mini"))
        .statusCode()).isEqualTo(401);
  }
}
