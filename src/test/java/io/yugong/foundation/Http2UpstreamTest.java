package io.yugong.foundation;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Upstreams that speak HTTP/2 get it (YUGONG_UPSTREAM_HTTP2=auto, the default): a cleartext host
 * once the node's probe has heard it speak HTTP/2, so that many concurrent streams share a few
 * connections instead of one socket each. A host that speaks only HTTP/1.1 gets HTTP/1.1 and never
 * a failed request; one that stops speaking HTTP/2 gets HTTP/1.1 again. On a shared connection a
 * stream upstream resets, or one that falls silent, ends alone: its neighbours go on.
 */
class Http2UpstreamTest {

  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private TestCluster cluster;
  private String account;
  /** What the test upstream saw: one entry per chat request, in arrival order. */
  private final List<HttpVersion> versions = new CopyOnWriteArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();
  /** Streams the upstream holds open until {@link #release} (to make them concurrent). */
  private final ConcurrentLinkedQueue<Promise<Void>> held = new ConcurrentLinkedQueue<>();

  @AfterEach
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    TestCluster.await(vertx.close());
  }

  private void start(Map<String, String> env) throws Exception {
    cluster = TestCluster.start(1, new MockOptions(), env);
    account = TestCluster.secretOf(cluster.createAccount(0,
        new JsonObject().put("Name", "h2-user").put("CreditGranted", 50)));
  }

  /**
   * A chat upstream: a JSON answer, or (stream: true) three events, a usage chunk and [DONE]. A
   * stream whose prompt is "hold" waits after its first event until {@link #release}; "reset" is
   * reset after its first event; "silent" says nothing after its first event; "slow" sends an event
   * every 200 ms for 3 s.
   */
  private HttpServer upstream(HttpServerOptions options) throws Exception {
    return TestCluster.await(vertx.createHttpServer(options)
        .connectionHandler(c -> connections.incrementAndGet())
        .requestHandler(req -> {
          if (!req.path().equals("/v1/chat/completions")) {
            req.response().setStatusCode(404).end();
            return;
          }
          versions.add(req.version());
          req.body().onSuccess(b -> answer(req, b.toJsonObject()));
        })
        .listen(0, "127.0.0.1"));
  }

  private void answer(HttpServerRequest req, JsonObject body) {
    String prompt = body.getJsonArray("messages").getJsonObject(0).getString("content");
    if (prompt.equals("hop")) {
      req.response().putHeader("Keep-Alive", "timeout=5"); // HTTP/1.1's: a malformed HTTP/2 answer
    }
    if (prompt.equals("silent error")) {
      req.response().setStatusCode(500).setChunked(true).putHeader("content-type", "application/json")
          .write("{\"error\":"); // and nothing more
      return;
    }
    if (!body.getBoolean("stream", false)) {
      req.response().putHeader("content-type", "application/json").end(new JsonObject()
          .put("id", "chatcmpl-h2").put("object", "chat.completion").put("created", 1).put("model", "gpt-4o-mini")
          .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "stop")
              .put("message", new JsonObject().put("role", "assistant").put("content", "over " + req.version()))))
          .put("usage", new JsonObject().put("prompt_tokens", 5).put("completion_tokens", 2).put("total_tokens", 7))
          .encode());
      return;
    }
    var resp = req.response().setChunked(true).putHeader("content-type", "text/event-stream");
    resp.write(event("one"));
    switch (prompt) {
      case "hold" -> {
        Promise<Void> p = Promise.promise();
        held.add(p);
        p.future().onComplete(v -> finish(resp));
      }
      case "reset" -> vertx.setTimer(100, t -> resp.reset());
      case "silent" -> { }
      case "slow" -> {
        AtomicInteger n = new AtomicInteger();
        vertx.setPeriodic(200, id -> {
          if (n.incrementAndGet() == 15) {
            vertx.cancelTimer(id);
            finish(resp);
          } else {
            resp.write(event(" more"));
          }
        });
      }
      default -> finish(resp);
    }
  }

  private static void finish(io.vertx.core.http.HttpServerResponse resp) {
    resp.write(event(" two"));
    resp.write(event(" three"));
    resp.write("data: {\"id\":\"chatcmpl-h2\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\","
        + "\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}\n\n");
    resp.end("data: [DONE]\n\n");
  }

  private static String event(String text) {
    return "data: {\"id\":\"chatcmpl-h2\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\","
        + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":null}],\"usage\":null}\n\n";
  }

  private void release(int streams) throws Exception {
    io.yugong.testing.Eventually.eventually(Duration.ofSeconds(30), () ->
        assertThat(held).as("streams open upstream at once").hasSize(streams));
    Promise<Void> p;
    while ((p = held.poll()) != null) {
      p.complete();
    }
  }

  private CompletableFuture<HttpResponse<String>> chat(boolean stream, String prompt) {
    JsonObject body = new JsonObject().put("model", "gpt-4o-mini").put("max_tokens", 16)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", prompt)));
    if (stream) {
      body.put("stream", true);
    }
    return http.sendAsync(HttpRequest.newBuilder(URI.create(cluster.base(0) + "/v1/chat/completions"))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + account).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
  }

  private String addKey(HttpServer server) throws Exception {
    return cluster.addKey(0, "sk-h2-" + TestCluster.randomHex(20), new JsonObject()
        .put("baseUrl", "http://127.0.0.1:" + server.actualPort()).put("models", new JsonArray().add("gpt-4o-mini")));
  }

  /** Sends plain requests until one reaches upstream over HTTP/2 (the probe has answered); returns how many it took. */
  private int untilHttp2() throws Exception {
    for (int i = 1; i <= 200; i++) {
      HttpResponse<String> r = chat(false, "hello").get();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      if (versions.get(versions.size() - 1) == HttpVersion.HTTP_2) {
        return i;
      }
    }
    throw new AssertionError("no request reached upstream over HTTP/2: " + versions);
  }

  @Test
  void aCleartextHostThatSpeaksHttp2GetsItAndItsStreamsShareAFewConnections() throws Exception {
    start(Map.of());
    HttpServer h2 = upstream(new HttpServerOptions());
    addKey(h2);

    untilHttp2();
    assertThat(versions.get(0)).as("the first request does not wait for the probe").isEqualTo(HttpVersion.HTTP_1_1);

    int streams = 150;
    versions.clear();
    connections.set(0);
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    for (int i = 0; i < streams; i++) {
      answers.add(chat(true, "hold"));
    }
    release(streams);
    for (CompletableFuture<HttpResponse<String>> a : answers) {
      HttpResponse<String> r = a.get();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("\" three\"").endsWith("data: [DONE]\n\n").doesNotContain("\"usage\"");
    }
    assertThat(versions).hasSize(streams).containsOnly(HttpVersion.HTTP_2);
    assertThat(connections.get()).as("upstream connections for %d concurrent streams", streams)
        .isPositive().isLessThanOrEqualTo(streams / 3);
  }

  @Test
  void aHostThatSpeaksOnlyHttp11GetsHttp11AndEveryRequestIsAnswered() throws Exception {
    start(Map.of());
    HttpServer h1 = upstream(new HttpServerOptions().setHttp2ClearTextEnabled(false));
    addKey(h1);
    for (int i = 0; i < 40; i++) {
      HttpResponse<String> r = chat(i % 2 == 0, "hello").get();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
    assertThat(versions).hasSize(40).containsOnly(HttpVersion.HTTP_1_1);
  }

  @Test
  void aHostThatStopsSpeakingHttp2IsSpokenToInHttp11Again() throws Exception {
    start(Map.of());
    // One address whose server is replaced: a TCP front on a port that stays bound, relaying each
    // connection to the server of the moment. (Closing a server and listening again on its port
    // races every other process on the machine for that port.)
    HttpServer h2 = upstream(new HttpServerOptions());
    HttpServer h1 = upstream(new HttpServerOptions().setHttp2ClearTextEnabled(false));
    AtomicInteger backend = new AtomicInteger(h2.actualPort());
    List<NetSocket> relayed = new CopyOnWriteArrayList<>();
    NetClient dialer = vertx.createNetClient();
    NetServer front = TestCluster.await(vertx.createNetServer().connectHandler(in -> {
      in.pause();
      relayed.add(in);
      dialer.connect(backend.get(), "127.0.0.1").onComplete(out -> {
        if (out.failed()) {
          in.close();
          return;
        }
        relayed.add(out.result());
        in.pipeTo(out.result());
        out.result().pipeTo(in);
      });
    }).listen(0, "127.0.0.1"));
    String frontUrl = "http://127.0.0.1:" + front.actualPort();
    for (int i = 0; i < 2; i++) { // a second key to the same host: the attempt after the failed one
      cluster.addKey(0, "sk-h2-" + TestCluster.randomHex(20), new JsonObject()
          .put("baseUrl", frontUrl).put("models", new JsonArray().add("gpt-4o-mini")));
    }
    untilHttp2();
    backend.set(h1.actualPort());
    for (NetSocket s : relayed) {
      TestCluster.await(s.close());
    }
    versions.clear();

    for (int i = 0; i < 10; i++) {
      HttpResponse<String> r = chat(false, "hello").get();
      assertThat(r.statusCode()).as("request %d after the host changed: %s", i, r.body()).isEqualTo(200);
    }
    assertThat(versions).hasSize(10).containsOnly(HttpVersion.HTTP_1_1);
  }

  @Test
  void aMalformedHttp2AnswerFailsItsAttemptAndTheNextGoesOverHttp11() throws Exception {
    start(Map.of());
    HttpServer h2 = upstream(new HttpServerOptions());
    addKey(h2);
    addKey(h2);
    untilHttp2();
    versions.clear();
    HttpResponse<String> r = chat(false, "hop").get();
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("keep-alive")).isEmpty();
    assertThat(versions).containsExactly(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1);
  }

  @Test
  void aRequestWaitsForAFullPoolWithinItsDeadlineNotOnlyTheConnectTimeOut() throws Exception {
    // one upstream connection, 300 ms to connect: three streams queue for it one after another
    start(Map.of("YUGONG_UPSTREAM_HTTP2", "off", "YUGONG_UPSTREAM_POOL_SIZE", "1",
        "YUGONG_UPSTREAM_CONNECT_TIMEOUT_MS", "300", "YUGONG_HTTP_INSTANCES", "1"));
    addKey(upstream(new HttpServerOptions().setHttp2ClearTextEnabled(false)));
    List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      streams.add(chat(true, "hold"));
    }
    for (int i = 0; i < 3; i++) {
      io.yugong.testing.Eventually.eventually(Duration.ofSeconds(30), () -> assertThat(held).hasSize(1));
      Thread.sleep(500); // no event to await: the time-out under test is the passing of time itself
      assertThat(held).as("the others still wait for the connection").hasSize(1);
      held.poll().complete();
    }
    for (CompletableFuture<HttpResponse<String>> a : streams) {
      HttpResponse<String> r = a.get();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).endsWith("data: [DONE]\n\n");
    }
    assertThat(versions).hasSize(3).containsOnly(HttpVersion.HTTP_1_1);
  }

  @Test
  void aSilentErrorAnswerTimesOutAloneWhileItsConnectionIsBusy() throws Exception {
    start(Map.of("YUGONG_IDLE_TIMEOUT_MS", "1000", "YUGONG_HTTP_INSTANCES", "1"));
    addKey(upstream(new HttpServerOptions()));
    untilHttp2();
    CompletableFuture<HttpResponse<String>> busy = chat(true, "slow");
    HttpResponse<String> error = chat(false, "silent error").get();
    assertThat(error.statusCode()).as(error.body()).isEqualTo(503);
    assertThat(new JsonObject(error.body()).getJsonObject("error").getString("code")).isEqualTo("upstream_unavailable");
    assertThat(busy.isDone()).as("the busy stream outlives the silent error's time-out").isFalse();
    assertThat(busy.get().body()).endsWith("data: [DONE]\n\n");
    assertThat(versions).endsWith(HttpVersion.HTTP_2, HttpVersion.HTTP_2);
  }

  @Test
  void aStreamUpstreamResetsIsCutAloneAndItsNeighboursOnTheConnectionGoOn() throws Exception {
    start(Map.of("YUGONG_HTTP_INSTANCES", "1")); // one upstream client: the streams share its connection
    addKey(upstream(new HttpServerOptions()));
    untilHttp2();
    connections.set(0);
    List<CompletableFuture<HttpResponse<String>>> neighbours = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      neighbours.add(chat(true, "hold"));
    }
    io.yugong.testing.Eventually.eventually(Duration.ofSeconds(30), () -> assertThat(held).hasSize(20));
    HttpResponse<String> reset = chat(true, "reset").get();
    assertThat(reset.statusCode()).isEqualTo(200);
    assertThat(reset.body()).contains("\"one\"").doesNotContain("[DONE]");
    release(20);
    for (CompletableFuture<HttpResponse<String>> a : neighbours) {
      assertThat(a.get().body()).endsWith("data: [DONE]\n\n");
    }
    assertThat(connections.get()).as("new connections: the streams shared the one the warm-up opened").isZero();
  }

  @Test
  void aSilentStreamTimesOutAloneWhileItsConnectionIsBusy() throws Exception {
    start(Map.of("YUGONG_IDLE_TIMEOUT_MS", "1000", "YUGONG_HTTP_INSTANCES", "1"));
    addKey(upstream(new HttpServerOptions()));
    untilHttp2();
    connections.set(0);
    CompletableFuture<HttpResponse<String>> busy = chat(true, "slow");
    HttpResponse<String> silent = chat(true, "silent").get();
    assertThat(silent.statusCode()).isEqualTo(200);
    assertThat(silent.body()).contains("\"one\"").doesNotContain("[DONE]");
    assertThat(busy.isDone()).as("the busy stream outlives the silent one's time-out").isFalse();
    HttpResponse<String> b = busy.get();
    assertThat(b.body()).contains(" more").endsWith("data: [DONE]\n\n");
    assertThat(versions).endsWith(HttpVersion.HTTP_2, HttpVersion.HTTP_2);
    assertThat(connections.get()).as("new connections: both streams on the one the warm-up opened").isZero();
  }
}
