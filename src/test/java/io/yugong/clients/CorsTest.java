package io.yugong.clients;

import static io.yugong.clients.Preflights.EXPOSED;
import static io.yugong.clients.Preflights.fetch;
import static io.yugong.clients.Preflights.names;
import static io.yugong.clients.Preflights.preflight;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.mock.ServedRequest;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Browsers (CORS, issue 9 point 1) with the default YUGONG_CORS_ORIGINS, {@code *}: preflights
 * answered without a key and never forwarded, every answer readable by any page, the admin API
 * not offered to browsers, upstream's own CORS headers dropped, hostile headers never reflected.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CorsTest {

  static final String PAGE = "https://chat.example.com";
  /** The headers openai-node sends from a browser, as Chromium lists them in a preflight. */
  static final String SDK_HEADERS = "authorization,content-type,openai-beta,openai-organization,openai-project,"
      + "x-stainless-arch,x-stainless-lang,x-stainless-os,x-stainless-package-version,x-stainless-retry-count,"
      + "x-stainless-runtime,x-stainless-runtime-version,x-stainless-timeout";
  private static final String RECORDED_MODEL = "gpt-4.1-nano";

  private TestCluster c;
  private Vertx recorderVertx;
  private final List<MultiMap> recorded = new CopyOnWriteArrayList<>();
  private String key;
  private String brokeKey;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(1, new MockOptions(), Map.of());
    // An upstream with a CORS policy of its own, which must never reach Yugong's clients.
    recorderVertx = Vertx.vertx();
    HttpServer recorder = TestCluster.await(recorderVertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      recorded.add(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
      req.response()
          .putHeader("Content-Type", "application/json")
          .putHeader("Access-Control-Allow-Origin", "https://upstream-console.example")
          .putHeader("Access-Control-Allow-Credentials", "true")
          .putHeader("Access-Control-Expose-Headers", "x-upstream-secret")
          .putHeader("Access-Control-Allow-Headers", "x-upstream-only")
          .putHeader("X-Upstream-End-To-End", "kept")
          .end(new JsonObject().put("id", "chatcmpl-recorded").put("object", "chat.completion")
              .put("created", 1).put("model", RECORDED_MODEL)
              .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "stop")
                  .put("message", new JsonObject().put("role", "assistant").put("content", "recorded"))))
              .put("usage", new JsonObject().put("prompt_tokens", 5).put("completion_tokens", 1)
                  .put("total_tokens", 6)).encode());
    })).listen(0, "127.0.0.1"));
    c.addKey(0, "sk-cors-emulator-1234567890", new JsonObject().put("models", new JsonArray().add("gpt-4o-mini")));
    c.addKey(0, "sk-cors-recorder-1234567890", new JsonObject().put("models", new JsonArray().add(RECORDED_MODEL))
        .put("baseUrl", "http://127.0.0.1:" + recorder.actualPort()));
    key = customer("cors-any", "5");
    brokeKey = customer("cors-broke", "0");
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
    if (recorderVertx != null) {
      TestCluster.await(recorderVertx.close());
    }
  }

  private String customer(String name, String dollars) throws Exception {
    return c.createAccount(0, new JsonObject().put("Name", name).put("CreditGranted", dollars))
        .getJsonObject("User").getString("SecretKey");
  }

  private int port() {
    return c.nodes.get(0).port();
  }

  static String chatBody(String model, boolean stream) {
    return new JsonObject().put("model", model).put("max_tokens", 5).put("stream", stream)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hello"))).encode();
  }

  static void assertReadableByAnyPage(HttpResponse<String> r) {
    assertThat(r.headers().allValues("access-control-allow-origin")).as(r.headers().map().toString())
        .containsExactly("*");
    assertThat(names(r.headers().firstValue("access-control-expose-headers").orElse(null)))
        .containsAll(EXPOSED);
    assertThat(r.headers().firstValue("access-control-allow-credentials")).isEmpty();
    assertThat(r.headers().firstValue("x-yugong-request-id")).isPresent();
  }

  @Test
  void aPreflightNeedsNoKeyIsAnsweredByYugongAndNeverGoesUpstream() throws Exception {
    int before = c.mock.control().requests().size();
    for (String path : List.of("/v1/chat/completions", "/v1/responses", "/v1/models", "/v1/embeddings",
        "/v1/dashboard/billing/subscription", "/v1/dashboard/billing/usage", "/dashboard/x_user/info",
        "/x-users", "/x-users/someone", "/x-dna", "/x-self")) {
      Preflights.Head h = preflight(port(), path, PAGE, "POST", SDK_HEADERS);
      assertThat(h.status()).as(path).isEqualTo(204);
      assertThat(h.header("access-control-allow-origin")).as(path).isEqualTo("*");
      assertThat(names(h.header("access-control-allow-methods"))).as(path)
          .contains("get", "post", "put", "patch", "delete");
      assertThat(h.header("access-control-allow-headers")).as(path).isEqualTo(SDK_HEADERS);
      assertThat(h.header("access-control-max-age")).as(path).isEqualTo("600");
      assertThat(h.header("access-control-allow-credentials")).as(path).isNull();
      assertThat(h.header("access-control-expose-headers")).as(path).isNull();
      assertThat(names(String.join(",", h.values("vary")))).as(path).contains("access-control-request-headers");
    }
    // a preflight that asks for no header, for Azure's api-key, or for PUT on an account
    assertThat(preflight(port(), "/v1/chat/completions", PAGE, "POST", null).header("access-control-allow-headers"))
        .isNull();
    assertThat(preflight(port(), "/v1/chat/completions", PAGE, "POST", "api-key, content-type")
        .header("access-control-allow-headers")).isEqualTo("api-key, content-type");
    assertThat(preflight(port(), "/x-users/someone", PAGE, "PUT", "authorization").status()).isEqualTo(204);

    List<ServedRequest> upstream = c.mock.control().requests();
    assertThat(upstream).noneMatch(r -> r.method().equals("OPTIONS"));
    assertThat(upstream).hasSize(before);
  }

  @Test
  void anOptionsRequestThatIsNoPreflightIsAuthenticatedAsBefore() throws Exception {
    HttpResponse<String> r = fetch(port(), "OPTIONS", "/v1/chat/completions", PAGE, null, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
    assertReadableByAnyPage(r);
  }

  @Test
  void everyAnswerIsReadableByAnyPageWithItsIdsAndRateHeadersExposed() throws Exception {
    HttpResponse<String> plain = fetch(port(), "POST", "/v1/chat/completions", PAGE, key, chatBody("gpt-4o-mini", false));
    assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
    assertReadableByAnyPage(plain);

    HttpResponse<String> streamed = fetch(port(), "POST", "/v1/chat/completions", PAGE, key, chatBody("gpt-4o-mini", true));
    assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
    assertThat(streamed.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
    assertThat(streamed.body()).contains("data: [DONE]");
    assertReadableByAnyPage(streamed);

    // Yugong's own errors: no key, a wrong key, no money (with its retry advice), no route
    HttpResponse<String> noKey = fetch(port(), "POST", "/v1/chat/completions", PAGE, null, chatBody("gpt-4o-mini", false));
    assertThat(noKey.statusCode()).isEqualTo(401);
    assertReadableByAnyPage(noKey);
    HttpResponse<String> wrongKey = fetch(port(), "GET", "/dashboard/x_user/info", PAGE, "sk-wrong-wrong-wrong", null);
    assertThat(wrongKey.statusCode()).isEqualTo(401);
    assertReadableByAnyPage(wrongKey);
    HttpResponse<String> broke = fetch(port(), "POST", "/v1/chat/completions", PAGE, brokeKey, chatBody("gpt-4o-mini", false));
    assertThat(broke.statusCode()).as(broke.body()).isEqualTo(429);
    assertThat(broke.headers().firstValue("x-should-retry")).contains("false");
    assertReadableByAnyPage(broke);
    HttpResponse<String> nowhere = fetch(port(), "GET", "/no/such/route", PAGE, key, null);
    assertThat(nowhere.statusCode()).isEqualTo(404);
    assertReadableByAnyPage(nowhere);

    // the account routes, and a request without Origin (a server-side client) alike
    HttpResponse<String> info = fetch(port(), "GET", "/dashboard/x_user/info", PAGE, key, null);
    assertThat(info.statusCode()).as(info.body()).isEqualTo(200);
    assertReadableByAnyPage(info);
    HttpResponse<String> noOrigin = fetch(port(), "GET", "/v1/dashboard/billing/subscription", null, key, null);
    assertThat(noOrigin.statusCode()).as(noOrigin.body()).isEqualTo(200);
    assertReadableByAnyPage(noOrigin);
  }

  @Test
  void theAdminApiIsNotOfferedToBrowsers() throws Exception {
    int before = c.mock.control().requests().size();
    for (String path : List.of("/admin/keys", "/admin/cluster", "/admin")) {
      Preflights.Head h = preflight(port(), path, PAGE, "GET", "authorization");
      assertThat(h.status()).as(path + " needs no key for a preflight either").isEqualTo(204);
      assertThat(h.cors()).as(path).isEmpty();
    }
    HttpResponse<String> keys = fetch(port(), "GET", "/admin/keys", PAGE, c.adminKey, null);
    assertThat(keys.statusCode()).isEqualTo(200);
    assertThat(keys.headers().map().keySet()).noneMatch(n -> n.toLowerCase().startsWith("access-control-"));
    HttpResponse<String> refused = fetch(port(), "GET", "/admin/keys", PAGE, key, null);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().map().keySet()).noneMatch(n -> n.toLowerCase().startsWith("access-control-"));
    assertThat(c.mock.control().requests()).hasSize(before);
  }

  @Test
  void upstreamsCorsHeadersNeverReachTheClientNorThePagesOriginUpstream() throws Exception {
    HttpResponse<String> r = fetch(port(), "POST", "/v1/chat/completions", PAGE, key, chatBody(RECORDED_MODEL, false));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getString("id")).isEqualTo("chatcmpl-recorded");
    assertThat(r.headers().firstValue("x-upstream-end-to-end")).contains("kept");
    assertReadableByAnyPage(r);
    assertThat(r.headers().firstValue("access-control-allow-headers")).isEmpty();
    assertThat(r.headers().firstValue("access-control-expose-headers").orElseThrow()).doesNotContain("x-upstream-secret");
    assertThat(recorded).isNotEmpty();
    assertThat(recorded.get(recorded.size() - 1).get("Origin")).isNull();
  }

  @Test
  void hostileOriginsAndRequestHeadersAreNeverReflected() throws Exception {
    // a list of header names too long to echo: the fixed list of the headers OpenAI's clients send
    String tooLong = "x-a,".repeat(400) + "authorization";
    Preflights.Head longOne = preflight(port(), "/v1/chat/completions", PAGE, "POST", tooLong);
    assertThat(longOne.status()).isEqualTo(204);
    assertThat(longOne.header("access-control-allow-headers"))
        .isNotEqualTo(tooLong).contains("authorization", "content-type", "x-stainless-os", "api-key");

    // characters no header name has: control characters, DEL, obs-text, separators
    for (String bad : List.of("authorization\u0001x", "authorization, x-\u007fevil", "content-type, x-\u00ffy",
        "authorization\tcontent-type", "x-a; evil=1", "x-a\"b", "x-a:b", "<script>")) {
      Preflights.Head h = preflight(port(), "/v1/chat/completions", PAGE, "POST", bad);
      assertThat(h.status()).as(bad).isIn(204, 400);
      assertThat(h.headers()).as(bad).noneMatch(kv -> kv[1].contains(bad.trim()) || kv[1].contains("evil")
          || kv[1].contains("<script>"));
    }

    // an Origin that is huge or carries control characters: any origin is *, never the Origin
    for (String origin : List.of("https://" + "a".repeat(5000) + ".example", "https://x.example\u0001",
        "https://x.example\u00ff\u007f", "null")) {
      Preflights.Head h = preflight(port(), "/v1/chat/completions", origin, "POST", "authorization");
      assertThat(h.status()).isIn(204, 400);
      if (h.status() == 204) {
        assertThat(h.header("access-control-allow-origin")).isEqualTo("*");
      }
      assertThat(h.headers()).noneMatch(kv -> kv[1].contains(origin));
    }
  }
}
