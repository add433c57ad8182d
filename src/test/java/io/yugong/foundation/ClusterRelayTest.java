package io.yugong.foundation;

import io.yugong.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.keypool.KeyPool;
import io.yugong.mock.MockOptions;
import io.yugong.mock.ServedRequest;
import io.yugong.node.Node;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The cluster and the relay as an operator and a client see them: a key added on one node serves
 * on the other within a second, a client hanging up mid-stream hangs up upstream too, headers
 * cross the relay as a proxy's should, and the health, readiness and cluster views answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterRelayTest {

  private static final String EMULATOR_KEY = "sk-foundation-relay-" + TestCluster.randomHex(20);
  private static final String RECORDER_KEY = "sk-foundation-recorder-" + TestCluster.randomHex(20);
  /** The model only the header-recording upstream serves. */
  private static final String RECORDED_MODEL = "gpt-4.1-nano";

  private TestCluster cluster;
  private String customerKey;
  private String childKey;
  private final Set<String> upstreamKeys = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private Vertx recorderVertx;
  private HttpServer recorder;
  private final List<MultiMap> recordedHeaders = new CopyOnWriteArrayList<>();

  @BeforeAll
  void startCluster() throws Exception {
    // a slow stream (20 tokens/s), so that a client can hang up in the middle of one
    cluster = TestCluster.start(2, new MockOptions().tokensPerSecond(20), Map.of());
    recorderVertx = Vertx.vertx();
    // an HTTP/1.1 upstream: hop-by-hop headers are HTTP/1.1's (an HTTP/2 answer carrying them is
    // malformed, and fails as such: Http2UpstreamTest)
    recorder = TestCluster.await(recorderVertx.createHttpServer(new io.vertx.core.http.HttpServerOptions()
        .setHttp2ClearTextEnabled(false)).requestHandler(req -> req.body().onSuccess(b -> {
      recordedHeaders.add(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
      req.response()
          .putHeader("Content-Type", "application/json")
          .putHeader("Keep-Alive", "timeout=5, max=100")
          .putHeader("Connection", "keep-alive, X-Upstream-Hop")
          .putHeader("X-Upstream-Hop", "hop-only")
          .putHeader("Proxy-Authenticate", "Basic realm=\"upstream\"")
          .putHeader("X-Upstream-End-To-End", "kept")
          .end(new JsonObject().put("id", "chatcmpl-recorded").put("object", "chat.completion")
              .put("created", 1).put("model", RECORDED_MODEL)
              .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "stop")
                  .put("message", new JsonObject().put("role", "assistant").put("content", "recorded"))))
              .put("usage", new JsonObject().put("prompt_tokens", 5).put("completion_tokens", 1)
                  .put("total_tokens", 6)).encode());
    })).listen(0, "127.0.0.1"));

    upstreamKeys.add(EMULATOR_KEY);
    upstreamKeys.add(RECORDER_KEY);
    cluster.addKey(0, EMULATOR_KEY, new JsonObject().put("models", new JsonArray().add("gpt-4o-mini")
        .add("gpt-4o").add("text-embedding-3-small")));
    cluster.addKey(1, RECORDER_KEY, new JsonObject().put("models", new JsonArray().add(RECORDED_MODEL))
        .put("baseUrl", "http://127.0.0.1:" + recorder.actualPort()));
    customerKey = cluster.createAccount(0, new JsonObject().put("Name", "relay-user").put("CreditGranted", 20))
        .getJsonObject("User").getString("SecretKey");
    HttpResponse<String> child = cluster.call(1, "POST", "/x-users", customerKey,
        new JsonObject().put("Name", "relay-child").put("CreditGranted", 2).encode());
    assertThat(child.statusCode()).as(child.body()).isEqualTo(201);
    childKey = new JsonObject(child.body()).getJsonObject("User").getString("SecretKey");
    Eventually.eventually(Duration.ofSeconds(10), () -> {
      for (int node = 0; node < 2; node++) {
        assertThat(chat(node, customerKey, "gpt-4o-mini").statusCode()).isEqualTo(200);
        assertThat(chat(node, customerKey, RECORDED_MODEL).statusCode()).isEqualTo(200);
      }
    });
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (recorderVertx != null) {
      TestCluster.await(recorderVertx.close());
    }
  }

  private static String chatBody(String model) {
    return new JsonObject().put("model", model).put("max_tokens", 3)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))).encode();
  }

  private HttpResponse<String> chat(int node, String key, String model) throws Exception {
    return cluster.call(node, "POST", "/v1/chat/completions", key, chatBody(model));
  }

  @Test
  void keyAddedOnOneNodeServesOnTheOtherWithinOneSecond() throws Exception {
    String model = "only-this-model";
    // The operator prices the new model; until a key serves it, node 2 says no key can.
    HttpResponse<String> priced = cluster.call(0, "PATCH", "/admin/config/prices", cluster.adminKey,
        new JsonObject().put("models", new JsonObject().put(model, new JsonObject().put("kind", "chat")
            .put("input", "0.15").put("output", "0.60"))).encode());
    assertThat(priced.statusCode()).as(priced.body()).isEqualTo(200);
    Eventually.eventually(Duration.ofSeconds(5), () -> {
      HttpResponse<String> r = chat(1, customerKey, model);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
      assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code")).isEqualTo("no_upstream_available");
    });

    String secret = "sk-foundation-only-" + TestCluster.randomHex(20);
    upstreamKeys.add(secret);
    HttpResponse<String> add = cluster.call(0, "POST", "/admin/keys", cluster.adminKey,
        new JsonObject().put("key", secret).put("models", new JsonArray().add(model)).encode());
    assertThat(add.statusCode()).as(add.body()).isEqualTo(201);
    String id = new JsonObject(add.body()).getString("id");
    long added = System.nanoTime();
    // the propagation is timed on node 2's key pool itself (in this JVM), not through chats whose
    // own latency on a busy machine is no part of the claim
    KeyPool other = cluster.nodes.get(1).services().keyPool();
    Eventually.eventually(Duration.ofSeconds(3), () ->
        assertThat(other.records()).as("node 2's keys").anyMatch(k -> k.id().equals(id)));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - added);
    // holding it, node 2 serves with it at once
    HttpResponse<String> served = chat(1, customerKey, model);

    assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
    assertThat(tookMs).as("ms from the add on node 1 to the key in node 2's pool").isLessThan(1000);
    assertThat(cluster.mock.control().requests(secret)).singleElement().satisfies(r -> {
      assertThat(r.model()).isEqualTo(model);
      assertThat(r.status()).isEqualTo(200);
    });
  }

  @Test
  void anAbsoluteFormRequestLineCannotSteerWhereTheUpstreamKeyGoes() throws Exception {
    int before = cluster.mock.control().requests(EMULATOR_KEY).size();
    try (RawHttp raw = new RawHttp(cluster.nodes.get(0).port())) {
      RawHttp.Response r = raw.send(RawHttp.post("http://evil.example:1/v1/chat/completions?x=1",
          customerKey, chatBody("gpt-4o-mini"))).read();
      assertThat(r.status()).isEqualTo(200);
    }
    List<ServedRequest> after = cluster.mock.control().requests(EMULATOR_KEY);
    assertThat(after).hasSize(before + 1);
    assertThat(after.get(after.size() - 1).path()).isEqualTo("/v1/chat/completions");
  }

  @Test
  void clientHangingUpMidStreamClosesTheUpstreamStream() throws Exception {
    int abortsBefore = cluster.mock.control().clientAbortedStreams();
    Future<Void> upstreamSawAbort = cluster.mock.control().nextClientAbort();
    String body = new JsonObject().put("model", "gpt-4o-mini").put("stream", true).put("max_tokens", 200)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "go slowly")))
        .encode();
    try (RawHttp raw = new RawHttp(cluster.nodes.get(1).port())) {
      raw.send(RawHttp.post("/v1/chat/completions", customerKey, body));
      String seen = raw.readUntil("data: ", 3); // the role chunk and two tokens
      assertThat(seen).startsWith("HTTP/1.1 200").contains("text/event-stream").doesNotContain("[DONE]");
    }
    // 200 tokens at 20/s would take 10 s; the hang-up must reach upstream well before that
    upstreamSawAbort.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(cluster.mock.control().clientAbortedStreams()).isEqualTo(abortsBefore + 1);
  }

  @Test
  void hopByHopHeadersCrossTheRelayInNeitherDirection() throws Exception {
    recordedHeaders.clear();
    RawHttp.Response r;
    try (RawHttp raw = new RawHttp(cluster.nodes.get(0).port())) {
      r = raw.send(RawHttp.post("/v1/chat/completions", customerKey, chatBody(RECORDED_MODEL),
          "Connection: keep-alive, X-Client-Hop",
          "X-Client-Hop: hop-only",
          "Keep-Alive: timeout=5",
          "TE: trailers",
          "Proxy-Authorization: Basic dXNlcjpwYXNz",
          "Proxy-Connection: keep-alive",
          "X-Client-End-To-End: kept")).read();
    }
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(new JsonObject(r.text()).getJsonArray("choices").getJsonObject(0).getJsonObject("message")
        .getString("content")).isEqualTo("recorded");

    // what upstream received
    assertThat(recordedHeaders).hasSize(1);
    MultiMap up = recordedHeaders.get(0);
    assertThat(up.get("X-Client-End-To-End")).isEqualTo("kept");
    for (String hop : List.of("X-Client-Hop", "Keep-Alive", "TE", "Proxy-Authorization", "Proxy-Connection")) {
      assertThat(up.contains(hop)).as("upstream received hop-by-hop header %s", hop).isFalse();
    }
    assertThat(up.getAll("Connection")).allSatisfy(c -> assertThat(c.toLowerCase()).doesNotContain("x-client-hop"));
    assertThat(up.getAll("Authorization")).containsExactly("Bearer " + RECORDER_KEY);
    assertThat(up.get("x-request-id")).isNotBlank();

    // what the client received
    assertThat(r.header("X-Upstream-End-To-End")).isEqualTo("kept");
    for (String hop : List.of("X-Upstream-Hop", "Keep-Alive", "Proxy-Authenticate")) {
      assertThat(r.values(hop)).as("client received hop-by-hop header %s", hop).isEmpty();
    }
    assertThat(r.values("Connection")).allSatisfy(c -> assertThat(c.toLowerCase()).doesNotContain("x-upstream-hop"));
  }

  @Test
  void clientCredentialsNeverReachUpstream() throws Exception {
    for (int node = 0; node < 2; node++) {
      assertThat(chat(node, customerKey, "gpt-4o-mini").statusCode()).isEqualTo(200);
      assertThat(chat(node, childKey, "gpt-4o").statusCode()).isEqualTo(200);
      assertThat(chat(node, customerKey, RECORDED_MODEL).statusCode()).isEqualTo(200);
      assertThat(cluster.call(node, "POST", "/v1/embeddings", customerKey, new JsonObject()
          .put("model", "text-embedding-3-small").put("input", "x").encode()).statusCode()).isEqualTo(200);
    }
    List<ServedRequest> served = cluster.mock.control().requests();
    assertThat(served).isNotEmpty();
    assertThat(served).allSatisfy(r -> assertThat(upstreamKeys).contains(r.apiKey()));
    assertThat(served).extracting(ServedRequest::apiKey).doesNotContain(customerKey, childKey, cluster.adminKey);
    assertThat(recordedHeaders).isNotEmpty().allSatisfy(h ->
        assertThat(h.getAll("Authorization")).containsExactly("Bearer " + RECORDER_KEY));
  }

  @Test
  void everyResponseCarriesARequestId() throws Exception {
    String stream = new JsonObject(chatBody("gpt-4o-mini")).put("stream", true).encode();
    for (int node = 0; node < 2; node++) {
      List<HttpResponse<String>> answers = List.of(
          chat(node, customerKey, "gpt-4o-mini"),
          cluster.call(node, "POST", "/v1/chat/completions", customerKey, stream),
          chat(node, customerKey, RECORDED_MODEL),
          cluster.call(node, "POST", "/v1/chat/completions", null, chatBody("gpt-4o-mini")),
          cluster.call(node, "POST", "/v1/chat/completions", "sk-wrong-" + TestCluster.randomHex(20),
              chatBody("gpt-4o-mini")),
          cluster.call(node, "POST", "/v1/chat/completions", customerKey, "{not json"),
          chat(node, customerKey, "gpt-4.1-mini"),
          cluster.call(node, "GET", "/nowhere", customerKey, null),
          cluster.call(node, "GET", "/admin/keys", customerKey, null),
          cluster.call(node, "GET", "/admin/keys", cluster.adminKey, null),
          cluster.call(node, "GET", "/dashboard/x_user/info", customerKey, null),
          cluster.call(node, "GET", "/health", null, null));
      Set<String> ids = new HashSet<>();
      for (HttpResponse<String> a : answers) {
        assertThat(a.headers().firstValue("x-request-id"))
            .as("x-request-id on %s %s -> %d", a.request().method(), a.request().uri().getPath(), a.statusCode())
            .hasValueSatisfying(id -> assertThat(id).isNotBlank());
        ids.add(a.headers().firstValue("x-request-id").orElseThrow());
      }
      assertThat(ids).as("request ids are unique").hasSize(answers.size());
    }
  }

  @Test
  void healthAndReadinessAnswerOnBothNodes() throws Exception {
    for (int node = 0; node < 2; node++) {
      HttpResponse<String> health = cluster.call(node, "GET", "/health", null, null);
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(health.body()).getString("status")).isEqualTo("ok");
      HttpResponse<String> ready = cluster.call(node, "GET", "/ready", null, null);
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
      JsonObject r = new JsonObject(ready.body());
      assertThat(r.getBoolean("redis")).isTrue();
      assertThat(r.getBoolean("cluster")).isTrue();
    }
  }

  @Test
  void adminClusterOnEitherNodeListsBothNodes() throws Exception {
    Set<String> nodeIds = cluster.nodes.stream().map(Node::nodeId).collect(Collectors.toSet());
    Map<String, Integer> ports = cluster.nodes.stream().collect(Collectors.toMap(Node::nodeId, Node::port));
    for (int node = 0; node < 2; node++) {
      assertThat(chat(node, customerKey, "gpt-4o-mini").statusCode()).isEqualTo(200);
    }
    for (int node = 0; node < 2; node++) {
      int asked = node;
      Eventually.eventually(Duration.ofSeconds(5), () -> {
        HttpResponse<String> r = cluster.call(asked, "GET", "/admin/cluster", cluster.adminKey, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject view = new JsonObject(r.body());
        JsonArray nodes = view.getJsonArray("nodes");
        assertThat(nodes).hasSize(2);
        assertThat(nodes.stream().map(n -> ((JsonObject) n).getString("nodeId")).collect(Collectors.toSet()))
            .isEqualTo(nodeIds);
        for (Object o : nodes) {
          JsonObject card = (JsonObject) o;
          assertThat(card.getString("address")).isEqualTo("127.0.0.1");
          assertThat(card.getInteger("httpPort")).isEqualTo(ports.get(card.getString("nodeId")));
          assertThat(card.getLong("uptimeSeconds")).isNotNull().isNotNegative();
          assertThat(card.getString("version")).isNotBlank();
          assertThat(card.getLong("requestsServed")).isPositive();
          assertThat(card.getLong("requestsInFlight")).isNotNull().isNotNegative();
        }
        JsonObject pool = view.getJsonObject("keyPool");
        assertThat(pool).isNotNull();
        assertThat(pool.getInteger("keys")).isGreaterThanOrEqualTo(2);
        assertThat(pool.getInteger("active")).isGreaterThanOrEqualTo(2);
      });
    }
  }
}
