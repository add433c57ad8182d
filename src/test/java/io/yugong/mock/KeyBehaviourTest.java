package io.yugong.mock;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Per-key behaviours, auth, error shapes and rate-limit headers, over raw HTTP. */
class KeyBehaviourTest {

  private static Vertx vertx;
  private static MockUpstream upstream;
  private static Http http;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstream = Await.result(MockUpstream.start(vertx, new MockOptions().instances(2)));
    http = new Http(upstream.port());
  }

  @AfterAll
  static void stop() {
    Await.result(upstream.close());
    Await.result(vertx.close());
  }

  @BeforeEach
  void reset() {
    upstream.control().reset();
  }

  private static HttpResponse<String> chat(String key) {
    return http.post("/v1/chat/completions", key, Http.chat("gpt-4o", false, false));
  }

  private static JsonObject error(HttpResponse<String> response) {
    return new JsonObject(response.body()).getJsonObject("error");
  }

  @Test
  void rateLimitedKeyAnswers429WithRetryAfter() {
    upstream.control().behave("sk-rl", KeyBehaviour.rateLimited(2));

    HttpResponse<String> r = chat("sk-rl");

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("retry-after")).contains("2");
    assertThat(r.headers().firstValue("x-ratelimit-reset-requests")).contains("2s");
    assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).contains("0");
    assertThat(error(r).getString("code")).isEqualTo("rate_limit_exceeded");
    assertThat(error(r).getString("type")).isEqualTo("requests");
    assertThat(error(r).getString("message")).startsWith("Rate limit reached for gpt-4o in organization org-");
    assertThat(upstream.control().requests("sk-rl")).singleElement()
        .satisfies(s -> assertThat(s.status()).isEqualTo(429));
  }

  @Test
  void insufficientQuota() {
    upstream.control().behave("sk-broke", KeyBehaviour.insufficientQuota());

    HttpResponse<String> r = chat("sk-broke");

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("retry-after")).isEmpty();
    assertThat(error(r).getString("type")).isEqualTo("insufficient_quota");
    assertThat(error(r).getString("code")).isEqualTo("insufficient_quota");
    assertThat(error(r).getString("message")).startsWith("You exceeded your current quota, please check your plan");
  }

  @Test
  void authenticationFailures() {
    HttpResponse<String> missing = chat(null);
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(error(missing).getString("message")).startsWith("You didn't provide an API key.");
    assertThat(error(missing).getString("type")).isEqualTo("invalid_request_error");

    HttpResponse<String> notSk = chat("abcdefghijklmnopqrstuvwxyz");
    assertThat(notSk.statusCode()).isEqualTo(401);
    assertThat(error(notSk).getString("code")).isEqualTo("invalid_api_key");
    assertThat(error(notSk).getString("message"))
        .startsWith("Incorrect API key provided: abcde")
        .contains("wxyz")
        .doesNotContain("fghij");

    upstream.control().behave("sk-revoked-key-123", KeyBehaviour.invalidKey());
    HttpResponse<String> revoked = chat("sk-revoked-key-123");
    assertThat(revoked.statusCode()).isEqualTo(401);
    assertThat(error(revoked).getString("code")).isEqualTo("invalid_api_key");

    upstream.control().behave("sk-gone", KeyBehaviour.deactivated());
    HttpResponse<String> gone = chat("sk-gone");
    assertThat(gone.statusCode()).isEqualTo(403);
    assertThat(error(gone).getString("code")).isEqualTo("account_deactivated");
  }

  @Test
  void serverErrorsLookLikeOpenAiOrItsCdn() {
    upstream.control().behave("sk-500", KeyBehaviour.status(500));
    upstream.control().behave("sk-502", KeyBehaviour.status(502));
    upstream.control().behave("sk-503", KeyBehaviour.status(503));
    upstream.control().behave("sk-524", KeyBehaviour.status(524));

    HttpResponse<String> r500 = chat("sk-500");
    assertThat(r500.statusCode()).isEqualTo(500);
    assertThat(error(r500).getString("type")).isEqualTo("server_error");
    HttpResponse<String> r502 = chat("sk-502");
    assertThat(r502.statusCode()).isEqualTo(502);
    assertThat(r502.headers().firstValue("content-type").orElseThrow()).startsWith("text/html");
    assertThat(r502.body()).contains("<title>502 Bad Gateway</title>").contains("cloudflare");
    assertThat(chat("sk-503").statusCode()).isEqualTo(503);
    HttpResponse<String> r524 = chat("sk-524");
    assertThat(r524.statusCode()).isEqualTo(524);
    assertThat(r524.body()).isEqualTo("error code: 524");
    assertThat(r524.headers().firstValue("x-request-id").orElseThrow()).matches("req_[0-9a-f]{32}");
  }

  @Test
  void flakyFailsAtAboutTheGivenRateReproducibly() {
    List<Integer> first = flakyRun();
    long failures = first.stream().filter(s -> s != 200).count();
    assertThat(failures).isBetween(70L, 170L); // p = 0.3 of 400: mean 120, sd ~9
    assertThat(first).allMatch(s -> s == 200 || s == 502 || s == 503);
    assertThat(first).contains(502, 503);

    upstream.control().reset();
    assertThat(flakyRun()).isEqualTo(first);
  }

  private static List<Integer> flakyRun() {
    upstream.control().behave("sk-flaky", KeyBehaviour.flaky(0.3, 7L, 502, 503));
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      statuses.add(http.get("/v1/models", "sk-flaky").statusCode());
    }
    return statuses;
  }

  @Test
  void slowFirstByteDelaysTheAnswer() {
    upstream.control().behave("sk-slow", KeyBehaviour.slowFirstByte(300));
    long t0 = System.nanoTime();
    HttpResponse<String> r = chat("sk-slow");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(ms).isGreaterThanOrEqualTo(290);
  }

  @Test
  void rateLimitHeadersDecrementAndRequestBudgetIsEnforced() {
    upstream.control().behave("sk-budget", KeyBehaviour.limits(3, 6_000));
    List<HttpResponse<String>> ok = List.of(chat("sk-budget"), chat("sk-budget"), chat("sk-budget"));
    assertThat(ok).allSatisfy(r -> {
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-ratelimit-limit-requests")).contains("3");
      assertThat(r.headers().firstValue("x-ratelimit-limit-tokens")).contains("6000");
    });
    assertThat(ok).extracting(r -> r.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow())
        .containsExactly("2", "1", "0");
    long tokens1 = Long.parseLong(ok.get(0).headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow());
    long tokens2 = Long.parseLong(ok.get(1).headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow());
    assertThat(tokens2).isLessThan(tokens1);
    assertThat(ok.get(0).headers().firstValue("x-ratelimit-reset-requests").orElseThrow()).matches("\\d+(\\.\\d+)?s");

    HttpResponse<String> refused = chat("sk-budget");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(error(refused).getString("code")).isEqualTo("rate_limit_exceeded");
    assertThat(error(refused).getString("message")).contains("requests per min (RPM): Limit 3, Used 3");
    // one request comes back every 20 s
    int retryAfter = Integer.parseInt(refused.headers().firstValue("retry-after").orElseThrow());
    assertThat(retryAfter).isBetween(19, 20);
  }

  @Test
  void tokenBudgetIsEnforced() {
    upstream.control().behave("sk-tpm", KeyBehaviour.limits(100, 60));
    assertThat(chat("sk-tpm").statusCode()).isEqualTo(200);
    HttpResponse<String> refused = chat("sk-tpm");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(error(refused).getString("type")).isEqualTo("tokens");
    assertThat(error(refused).getString("message")).contains("tokens per min (TPM): Limit 60");
  }

  @Test
  void everyAnswerCarriesOpenAiHeaders() {
    HttpResponse<String> r = http.get("/v1/models", "sk-headers");
    assertThat(r.headers().firstValue("openai-version")).contains("2020-10-01");
    assertThat(r.headers().firstValue("openai-organization").orElseThrow()).matches("org-[a-z0-9]{24}");
    assertThat(r.headers().firstValue("openai-processing-ms").orElseThrow()).matches("\\d+");
    assertThat(r.headers().firstValue("x-ratelimit-limit-requests")).contains("10000");
    assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).contains("9999");
    assertThat(r.headers().firstValue("x-ratelimit-limit-tokens")).contains("30000000");
    assertThat(http.get("/v1/models", "sk-headers").headers().firstValue("openai-organization"))
        .isEqualTo(r.headers().firstValue("openai-organization"));
  }

  @Test
  void unknownPathIsA404InOpenAiShape() {
    HttpResponse<String> r = http.post("/v1/foo", "sk-test", "{}");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(r.body())).isEqualTo(new JsonObject("{\"error\":{\"message\":\"Invalid URL (POST /v1/foo)\","
        + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"));
    assertThat(error(http.get("/v1/chat/completions", "sk-test")).getString("message"))
        .isEqualTo("Invalid URL (GET /v1/chat/completions)");
  }

  @Test
  void invalidRequests() {
    HttpResponse<String> malformed = http.post("/v1/chat/completions", "sk-test", "{\"model\":");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(error(malformed).getString("message")).startsWith("We could not parse the JSON body");

    HttpResponse<String> empty = http.post("/v1/chat/completions", "sk-test", "{\"model\":\"gpt-4o\",\"messages\":[]}");
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(error(empty).getString("param")).isEqualTo("messages");
    assertThat(error(empty).getString("code")).isEqualTo("empty_array");

    HttpResponse<String> noModel = http.post("/v1/chat/completions", "sk-test", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(noModel.statusCode()).isEqualTo(400);
    assertThat(error(noModel).getString("param")).isEqualTo("model");
  }

  @Test
  void cutStreamEndsWithoutDone() throws Exception {
    upstream.control().behave("sk-cut", KeyBehaviour.cutStream(3));
    byte[] wire;
    try (RawSocket socket = new RawSocket(upstream.port())) {
      wire = socket.send(RawSocket.postRequest("/v1/chat/completions", "sk-cut", Http.chat("gpt-4o", true, false)))
          .readToEof();
    }
    String text = new String(wire, StandardCharsets.UTF_8);
    assertThat(text).startsWith("HTTP/1.1 200 OK");
    assertThat(text.split("data: ", -1)).hasSize(4);
    assertThat(text).doesNotContain("[DONE]").doesNotContain("\r\n0\r\n\r\n");
    assertThat(upstream.control().clientAbortedStreams()).isZero();
  }

  @Test
  void cutNonStreamingBodyMidway() throws Exception {
    upstream.control().behave("sk-cut-json", KeyBehaviour.cutStream(1));
    byte[] wire;
    try (RawSocket socket = new RawSocket(upstream.port())) {
      wire = socket.send(RawSocket.postRequest("/v1/chat/completions", "sk-cut-json", Http.chat("gpt-4o", false, false)))
          .readToEof();
    }
    String text = new String(wire, StandardCharsets.UTF_8);
    int length = Integer.parseInt(text.replaceAll("(?s).*content-length: (\\d+).*", "$1"));
    String body = text.substring(text.indexOf("\r\n\r\n") + 4);
    assertThat(body.length()).isEqualTo(length / 2);
  }

  @Test
  void controlRoutes() {
    HttpResponse<String> set = http.post("/_mock/keys/sk-ctl/behaviour", null,
        "{\"mode\":\"flaky\",\"probability\":1.0,\"statuses\":[522]}");
    assertThat(set.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(set.body()).getJsonObject("behaviour").getString("mode")).isEqualTo("flaky");
    assertThat(chat("sk-ctl").statusCode()).isEqualTo(522);

    http.post("/_mock/keys/sk-ctl/behaviour", null, "{\"mode\":\"status\",\"status\":504}");
    assertThat(chat("sk-ctl").statusCode()).isEqualTo(504);
    assertThat(http.post("/_mock/keys/sk-ctl/behaviour", null, "{\"mode\":\"bogus\"}").statusCode()).isEqualTo(400);

    JsonObject stats = new JsonObject(http.get("/_mock/stats", null).body());
    assertThat(stats.getJsonObject("keys").getJsonObject("sk-ctl").getJsonObject("byStatus").getMap())
        .containsEntry("522", 1).containsEntry("504", 1);

    assertThat(http.post("/_mock/reset", null, "").statusCode()).isEqualTo(200);
    assertThat(upstream.control().requests()).isEmpty();
    assertThat(chat("sk-ctl").statusCode()).isEqualTo(200);
  }

  @Test
  void aProjectWithoutAccessToAModelIsRefusedThatModelOnly() {
    upstream.control().behave("sk-proj", KeyBehaviour.noAccessTo("o3", "gpt-4.5*"));

    for (String model : new String[] {"o3", "gpt-4.5-preview"}) {
      HttpResponse<String> r = http.post("/v1/chat/completions", "sk-proj", Http.chat(model, false, false));
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(error(r).getString("code")).isEqualTo("model_not_found");
      assertThat(error(r).getString("message")).matches("Project `proj_[A-Za-z0-9]{24}` does not have access to "
          + "model `" + java.util.regex.Pattern.quote(model) + "`");
    }
    assertThat(chat("sk-proj").statusCode()).isEqualTo(200);

    upstream.control().behave("sk-hide", KeyBehaviour.hiding("gpt-4o"));
    HttpResponse<String> hidden = chat("sk-hide");
    assertThat(hidden.statusCode()).isEqualTo(404);
    assertThat(error(hidden).getString("message"))
        .isEqualTo("The model `gpt-4o` does not exist or you do not have access to it.");
  }

  @Test
  void everyClassifiedErrorCanBeAnsweredPerModelAndThroughTheControlRoute() {
    upstream.control().behave("sk-rows", KeyBehaviour.byModel(java.util.Map.of(
        "gpt-4o", OpenAiError.UNSUPPORTED_COUNTRY, "o3", OpenAiError.ENGINE_OVERLOADED)));
    HttpResponse<String> region = chat("sk-rows");
    assertThat(region.statusCode()).isEqualTo(403);
    assertThat(error(region).getString("code")).isEqualTo("unsupported_country_region_territory");
    assertThat(error(region).getString("type")).isEqualTo("request_forbidden");
    HttpResponse<String> busy = http.post("/v1/chat/completions", "sk-rows", Http.chat("o3", false, false));
    assertThat(busy.statusCode()).isEqualTo(503);
    assertThat(busy.headers().firstValue("retry-after")).contains("20");
    assertThat(http.post("/v1/chat/completions", "sk-rows", Http.chat("gpt-4o-mini", false, false)).statusCode())
        .isEqualTo(200);

    for (OpenAiError row : OpenAiError.values()) {
      HttpResponse<String> set = http.post("/_mock/keys/sk-wire/behaviour", null,
          new JsonObject().put("mode", "error").put("error", row.wireName()).encode());
      assertThat(set.statusCode()).as(row.name()).isEqualTo(200);
      HttpResponse<String> r = chat("sk-wire");
      assertThat(r.statusCode()).as(row.name()).isEqualTo(row.status());
      assertThat(error(r).getString("message")).as(row.name()).isNotBlank();
    }
  }

  @Test
  void aPromptBeyondALegacyModelsContextWindowIsRefused() {
    String body = new JsonObject().put("model", "gpt-3.5-turbo").put("messages", new io.vertx.core.json.JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "word ".repeat(17_000)))).encode();
    HttpResponse<String> r = http.post("/v1/chat/completions", "sk-long", body);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r).getString("code")).isEqualTo("context_length_exceeded");
    assertThat(error(r).getString("param")).isEqualTo("messages");
    assertThat(http.post("/v1/chat/completions", "sk-long", body.replace("gpt-3.5-turbo", "gpt-4o")).statusCode())
        .isEqualTo(200);
  }
}
