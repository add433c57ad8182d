package io.yugong.foundation;

import io.yugong.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Bad input gets OpenAI-shaped errors ({@code {"error":{"message","type","param","code"}}}) with
 * the status an OpenAI client expects, from either node, and nothing of it reaches upstream.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiErrorsTest {

  private static final int JSON_LIMIT = 64 * 1024;
  private static final int UPLOAD_LIMIT = 256 * 1024;
  private static final String UPSTREAM_KEY = "sk-foundation-errors-" + TestCluster.randomHex(16);
  private static final String CHAT = new JsonObject().put("model", "gpt-4o-mini")
      .put("messages", new io.vertx.core.json.JsonArray().add(new JsonObject().put("role", "user")
          .put("content", "hi"))).encode();

  private TestCluster cluster;
  private String customerKey;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  void startCluster() throws Exception {
    cluster = TestCluster.start(2, new MockOptions(), Map.of(
        "YUGONG_MAX_JSON_BODY", "64KB", "YUGONG_MAX_UPLOAD_BODY", "256KB"));
    cluster.addKey(0, UPSTREAM_KEY, null);
    customerKey = cluster.createAccount(0, new JsonObject().put("Name", "errors-user").put("CreditGranted", 5))
        .getJsonObject("User").getString("SecretKey");
    Eventually.eventually(Duration.ofSeconds(10), () ->
        assertThat(cluster.call(1, "POST", "/v1/chat/completions", customerKey, CHAT).statusCode()).isEqualTo(200));
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Asserts OpenAI's error shape and status; returns the inner error object. */
  private static JsonObject openAiError(HttpResponse<String> r, int status) {
    assertThat(r.statusCode()).as("status of %s", r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(
        t -> assertThat(t).startsWith("application/json"));
    JsonObject body = new JsonObject(r.body());
    assertThat(body.fieldNames()).containsExactly("error");
    JsonObject error = body.getJsonObject("error");
    assertThat(error.fieldNames()).containsExactlyInAnyOrder("message", "type", "param", "code");
    assertThat(error.getString("message")).isNotBlank();
    assertThat(error.getString("type")).isNotBlank();
    return error;
  }

  private int upstreamRequests() {
    return cluster.mock.control().requests().size();
  }

  @Test
  void requestWithoutKeyIs401() throws Exception {
    for (int node = 0; node < 2; node++) {
      JsonObject error = openAiError(cluster.call(node, "POST", "/v1/chat/completions", null, CHAT), 401);
      assertThat(error.getString("type")).isEqualTo("invalid_request_error");
      assertThat(error.getString("message")).contains("API key");
      openAiError(cluster.call(node, "GET", "/v1/models", null, null), 401);
    }
  }

  @Test
  void wrongKeyIs401InvalidApiKey() throws Exception {
    int before = upstreamRequests();
    for (int node = 0; node < 2; node++) {
      JsonObject error = openAiError(cluster.call(node, "POST", "/v1/chat/completions",
          "sk-not-a-yugong-key-" + TestCluster.randomHex(20), CHAT), 401);
      assertThat(error.getString("code")).isEqualTo("invalid_api_key");

      OpenAIClient sdk = cluster.openai(node, "sk-wrong-" + TestCluster.randomHex(24));
      try {
        assertThatThrownBy(() -> sdk.chat().completions().create(ChatCompletionCreateParams.builder()
            .model("gpt-4o-mini").addUserMessage("hi").build()))
            .isInstanceOfSatisfying(UnauthorizedException.class,
                e -> assertThat(e.code()).contains("invalid_api_key"));
      } finally {
        sdk.close();
      }
    }
    // An upstream key is not a Yugong key either.
    openAiError(cluster.call(0, "POST", "/v1/chat/completions", UPSTREAM_KEY, CHAT), 401);
    assertThat(upstreamRequests()).isEqualTo(before);
  }

  @Test
  void malformedJsonIs400() throws Exception {
    int before = upstreamRequests();
    for (int node = 0; node < 2; node++) {
      JsonObject error = openAiError(cluster.call(node, "POST", "/v1/chat/completions", customerKey,
          "{\"model\": \"gpt-4o-mini\", \"messages\": [ "), 400);
      assertThat(error.getString("type")).isEqualTo("invalid_request_error");
      assertThat(error.getString("message")).contains("could not parse the JSON body");
    }
    assertThat(upstreamRequests()).isEqualTo(before);
  }

  private static String bigChat(int bytes) {
    return new JsonObject().put("model", "gpt-4o-mini")
        .put("messages", new io.vertx.core.json.JsonArray().add(new JsonObject().put("role", "user")
            .put("content", "word ".repeat(bytes / 5)))).encode();
  }

  @Test
  void jsonBodyOverTheLimitIs413WithOrWithoutContentLength() throws Exception {
    int before = upstreamRequests();
    String body = bigChat(JSON_LIMIT + 10_000);
    for (int node = 0; node < 2; node++) {
      JsonObject declared = openAiError(cluster.call(node, "POST", "/v1/chat/completions", customerKey, body), 413);
      assertThat(declared.getString("message")).contains(Integer.toString(JSON_LIMIT));

      HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(
              URI.create(cluster.base(node) + "/v1/chat/completions"))
          .header("Authorization", "Bearer " + customerKey).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofInputStream(
              () -> new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)))).build(),
          HttpResponse.BodyHandlers.ofString());
      openAiError(chunked, 413);
    }
    // on HTTP/1.1 the refusal announces and keeps "Connection: close" once the rest is sent
    byte[] request = RawHttp.post("/v1/chat/completions", customerKey, body).getBytes(StandardCharsets.UTF_8);
    try (RawHttp raw = new RawHttp(cluster.nodes.get(0).port())) {
      raw.send(new String(request, 0, request.length - 20_000, StandardCharsets.UTF_8));
      RawHttp.Response refused = raw.read();
      assertThat(refused.status()).isEqualTo(413);
      assertThat(refused.header("connection")).isEqualToIgnoringCase("close");
      assertThat(new JsonObject(refused.text()).getJsonObject("error").getString("code"))
          .isEqualTo("request_too_large");
      raw.send(new String(request, request.length - 20_000, 20_000, StandardCharsets.UTF_8));
      assertThat(raw.atEof()).isTrue();
    }
    // just under the limit is served
    assertThat(cluster.call(1, "POST", "/v1/chat/completions", customerKey, bigChat(JSON_LIMIT - 2_000))
        .statusCode()).isEqualTo(200);
    assertThat(upstreamRequests()).isEqualTo(before + 1);
  }

  private static byte[] multipart(String boundary, int fileBytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
        + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"speech.wav\"\r\n"
        + "Content-Type: audio/wav\r\n\r\n";
    out.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(new byte[fileBytes]);
    out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  private HttpResponse<String> upload(int node, byte[] body, String boundary, boolean declareLength)
      throws Exception {
    HttpRequest.BodyPublisher publisher = declareLength ? HttpRequest.BodyPublishers.ofByteArray(body)
        : HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body));
    return http.send(HttpRequest.newBuilder(URI.create(cluster.base(node) + "/v1/audio/transcriptions"))
        .header("Authorization", "Bearer " + customerKey)
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(publisher).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void uploadOverTheLimitIs413WithOrWithoutContentLength() throws Exception {
    int before = upstreamRequests();
    String boundary = "yugong-" + TestCluster.randomHex(12);
    byte[] tooBig = multipart(boundary, UPLOAD_LIMIT + 50_000);
    for (int node = 0; node < 2; node++) {
      openAiError(upload(node, tooBig, boundary, true), 413);
      openAiError(upload(node, tooBig, boundary, false), 413);
    }
    assertThat(upstreamRequests()).isEqualTo(before);
    // an upload under the upload limit, though over the JSON limit, is served
    HttpResponse<String> fine = upload(0, multipart(boundary, 96_000), boundary, true);
    assertThat(fine.statusCode()).as(fine.body()).isEqualTo(200);
    assertThat(new JsonObject(fine.body()).getString("text")).isEqualTo("Transcribed 96000 bytes of speech.wav");
  }

  @Test
  void unknownPathsAre404AndUnknownV1PathsAreNotServedFree() throws Exception {
    int before = upstreamRequests();
    for (int node = 0; node < 2; node++) {
      openAiError(cluster.call(node, "GET", "/nonexistent", customerKey, null), 404);
      openAiError(cluster.call(node, "POST", "/nonexistent/deeper", null, CHAT), 404);
      // a /v1 path Yugong cannot price is not relayed for free (YUGONG_UNMETERED_ALLOWED can allow it)
      JsonObject v1 = openAiError(cluster.call(node, "POST", "/v1/nonexistent", customerKey, CHAT), 403);
      assertThat(v1.getString("message")).contains("/v1/nonexistent");
      assertThat(v1.getString("code")).isEqualTo("endpoint_not_allowed");
      openAiError(cluster.call(node, "GET", "/v1/nonexistent", customerKey, null), 403);
    }
    assertThat(upstreamRequests()).isEqualTo(before);
  }

  @Test
  void disabledAccountIs403OnEveryNode() throws Exception {
    JsonObject user = cluster.createAccount(0, new JsonObject().put("Name", "soon-disabled").put("CreditGranted", 1))
        .getJsonObject("User");
    String key = user.getString("SecretKey");
    for (int node = 0; node < 2; node++) {
      assertThat(cluster.call(node, "POST", "/v1/chat/completions", key, CHAT).statusCode()).isEqualTo(200);
    }

    HttpResponse<String> disable = cluster.call(0, "PUT", "/x-users/" + user.getString("ID"), cluster.adminKey,
        new JsonObject().put("Status", "disabled").encode());
    assertThat(disable.statusCode()).as(disable.body()).isEqualTo(200);

    int before = upstreamRequests();
    JsonObject error = openAiError(cluster.call(0, "POST", "/v1/chat/completions", key, CHAT), 403);
    assertThat(error.getString("code")).isEqualTo("account_disabled");
    Eventually.eventually(Duration.ofSeconds(5), () ->
        openAiError(cluster.call(1, "POST", "/v1/chat/completions", key, CHAT), 403));
    OpenAIClient sdk = cluster.openai(1, key);
    try {
      assertThatThrownBy(() -> sdk.models().list()).isInstanceOf(PermissionDeniedException.class);
    } finally {
      sdk.close();
    }
    assertThat(upstreamRequests()).isEqualTo(before);
  }

  @Test
  void accountKeyCannotCallAdminRoutes() throws Exception {
    for (int node = 0; node < 2; node++) {
      for (String[] call : new String[][] {{"GET", "/admin/keys"}, {"GET", "/admin/cluster"},
          {"GET", "/admin/config/prices"}, {"POST", "/admin/keys"}}) {
        String body = call[0].equals("POST") ? new JsonObject().put("key", "sk-sneaky-1234567890").encode() : null;
        JsonObject error = openAiError(cluster.call(node, call[0], call[1], customerKey, body), 403);
        assertThat(error.getString("type")).isEqualTo("permission_error");
      }
    }
    JsonObject keys = new JsonObject(cluster.call(0, "GET", "/admin/keys", cluster.adminKey, null).body());
    assertThat(keys.getJsonArray("data")).hasSize(1);
  }
}
