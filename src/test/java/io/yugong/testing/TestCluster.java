package io.yugong.testing;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.yugong.config.NodeConfig;
import io.yugong.mock.MockOptions;
import io.yugong.mock.MockUpstream;
import io.yugong.node.Node;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Yugong cluster for tests, in this JVM: the OpenAI emulator, N nodes joined over
 * Hazelcast TCP on 127.0.0.1 with free ports, and a real Redis (emptied first).
 */
public final class TestCluster implements AutoCloseable {

  /** The Redis hash of the runtime settings (RuntimeConfig). */
  private static final String SETTINGS = "yg:config";
  public final String adminKey = "sk-admin-" + randomHex(24);
  public final String masterKey;
  public final TestRedis redis = TestRedis.get();
  public final List<Node> nodes = new ArrayList<>();
  public final Vertx mockVertx;
  public final MockUpstream mock;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private TestCluster(int count, MockOptions mockOptions, Map<String, String> extra) throws Exception {
    byte[] mk = new byte[32];
    new SecureRandom().nextBytes(mk);
    masterKey = Base64.getEncoder().encodeToString(mk);
    flushRedis();
    mockVertx = Vertx.vertx();
    mock = await(MockUpstream.start(mockVertx, mockOptions));
    String clusterName = "test-" + randomHex(8);
    int[] clusterPorts = new int[count];
    StringBuilder members = new StringBuilder();
    for (int i = 0; i < count; i++) {
      clusterPorts[i] = TestRedis.freePort();
      members.append(i == 0 ? "" : ",").append("127.0.0.1:").append(clusterPorts[i]);
    }
    for (int i = 0; i < count; i++) {
      Map<String, String> env = new HashMap<>();
      env.put("YUGONG_PORT", Integer.toString(TestRedis.freePort()));
      env.put("YUGONG_HOST", "127.0.0.1");
      env.put("YUGONG_REDIS", redis.url());
      env.put("YUGONG_MASTER_KEY", masterKey);
      env.put("YUGONG_ADMIN_KEY", adminKey);
      env.put("YUGONG_UPSTREAM", "http://127.0.0.1:" + mock.port());
      env.put("YUGONG_CLUSTER_NAME", clusterName);
      env.put("YUGONG_CLUSTER_PORT", Integer.toString(clusterPorts[i]));
      env.put("YUGONG_CLUSTER_MEMBERS", members.toString());
      env.put("YUGONG_CLUSTER_CONFIG", "/nonexistent/use-bundled.xml");
      env.put("YUGONG_HTTP_INSTANCES", "2");
      env.putAll(extra);
      nodes.add(startNode(env, !extra.containsKey("YUGONG_PORT")));
    }
  }

  /**
   * Starts a node; when its HTTP port was taken between {@link TestRedis#freePort} and the bind
   * (another socket of this machine got it as its ephemeral port), again on another port. The
   * node itself fails such a start at once (TakenPortTest); the race is the test's port choice.
   */
  private static Node startNode(Map<String, String> env, boolean portChosenHere) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        return await(Node.start(NodeConfig.from(env)));
      } catch (java.util.concurrent.ExecutionException e) {
        String why = String.valueOf(e.getCause() == null ? null : e.getCause().getMessage());
        if (attempt == 3 || !portChosenHere || !why.contains("Address already in use")) {
          throw e;
        }
        env.put("YUGONG_PORT", Integer.toString(TestRedis.freePort()));
      }
    }
  }

  public static TestCluster start(int nodes) throws Exception {
    return new TestCluster(nodes, new MockOptions(), Map.of());
  }

  public static TestCluster start(int nodes, MockOptions mock, Map<String, String> extra) throws Exception {
    return new TestCluster(nodes, mock, extra);
  }

  private void flushRedis() throws Exception {
    Vertx v = Vertx.vertx();
    try {
      Redis r = Redis.createClient(v, redis.url());
      await(r.send(Request.cmd(Command.FLUSHALL)));
      await(r.close());
    } finally {
      await(v.close());
    }
  }

  /**
   * Waits until every charge the nodes settled on credit slices so far is written behind to Redis
   * (a flush interval, 50 ms): what a reader of the ledger or the balance must wait for.
   */
  public void settled() throws Exception {
    for (Node n : nodes) {
      await(n.services().wallets().flushed(10_000));
    }
  }

  public static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  public static String randomHex(int n) {
    byte[] b = new byte[(n + 1) / 2];
    new SecureRandom().nextBytes(b);
    StringBuilder sb = new StringBuilder();
    for (byte x : b) {
      sb.append(String.format("%02x", x));
    }
    return sb.substring(0, n);
  }

  /** Base URL of node i (0-based), without /v1. */
  public String base(int i) {
    return "http://127.0.0.1:" + nodes.get(i).port();
  }

  /** An official OpenAI SDK client pointed at node i with the given Yugong key; no SDK retries. */
  public OpenAIClient openai(int node, String key) {
    return OpenAIOkHttpClient.builder()
        .baseUrl(base(node) + "/v1")
        .apiKey(key)
        .maxRetries(0)
        .timeout(Duration.ofSeconds(30))
        .build();
  }

  /** A raw HTTP call; body may be null. */
  public HttpResponse<String> call(int node, String method, String path, String key, String body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base(node) + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Adds an upstream key (through node i) pointing at the emulator; returns its id once every node
   * of the cluster holds it (the others learn of it through the replicated key map, asynchronously).
   */
  public String addKey(int node, String secret, JsonObject extra) throws Exception {
    JsonObject body = new JsonObject().put("key", secret).mergeIn(extra == null ? new JsonObject() : extra);
    HttpResponse<String> r = call(node, "POST", "/admin/keys", adminKey, body.encode());
    if (r.statusCode() != 201) {
      throw new IllegalStateException("adding a key failed: " + r.statusCode() + " " + r.body());
    }
    String id = new JsonObject(r.body()).getString("id");
    awaitKey(id);
    return id;
  }

  /**
   * Waits until every node's key pool holds the key (in the records it picks from); a node other
   * than the one that took the add learns of it through the replicated key map.
   */
  public void awaitKey(String id) throws Exception {
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      int index = i;
      Eventually.eventually(Duration.ofSeconds(10), () -> {
        if (n.services().keyPool().records().stream().noneMatch(k -> k.id().equals(id))) {
          throw new AssertionError("node " + index + " does not hold the added key " + id + " yet");
        }
      });
    }
  }

  /**
   * Waits until every node holds the runtime settings stored in Redis (routing, prices, model
   * limits, resources: what /admin/config and /x-config change). The node that took a change
   * applies it at once; the others reload it when the announcement on the event bus reaches them.
   * Call it after a change and before asking another node.
   */
  public void awaitSettings() throws Exception {
    Response all = await(nodes.get(0).services().redis().send(Request.cmd(Command.HGETALL).arg(SETTINGS)));
    Map<String, JsonObject> stored = new HashMap<>();
    if (all != null) {
      for (String name : all.getKeys()) {
        stored.put(name, new JsonObject(all.get(name).toString()));
      }
    }
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      int index = i;
      Eventually.eventually(Duration.ofSeconds(10), () -> {
        for (Map.Entry<String, JsonObject> e : stored.entrySet()) {
          if (!e.getValue().equals(n.services().runtime().get(e.getKey()))) {
            throw new AssertionError("node " + index + " does not hold setting " + e.getKey() + " yet: "
                + n.services().runtime().get(e.getKey()) + " (stored: " + e.getValue() + ")");
          }
        }
        // the document is taken before its listeners apply it: the routing must be in force too
        JsonObject routing = stored.get("routing");
        if (routing != null && !routing.equals(n.services().keyPool().routing().toJson())) {
          throw new AssertionError("node " + index + " does not route by " + routing + " yet");
        }
      });
    }
  }

  /** The customer key a create answer ({@code POST /x-users}) shows once. */
  public static String secretOf(JsonObject created) {
    return created.getJsonObject("User").getString("SecretKey");
  }

  /** Stores global settings through node i ({@code POST /x-config}) and waits until every node holds them. */
  public void configure(int node, JsonObject settings) throws Exception {
    HttpResponse<String> r = call(node, "POST", "/x-config", adminKey, settings.encode());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("storing settings failed: " + r.statusCode() + " " + r.body());
    }
    awaitSettings();
  }

  /** Creates an account under the root (through node i); returns the create response. */
  public JsonObject createAccount(int node, JsonObject request) throws Exception {
    HttpResponse<String> r = call(node, "POST", "/x-users", adminKey, request.encode());
    if (r.statusCode() != 201) {
      throw new IllegalStateException("creating an account failed: " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body());
  }

  @Override
  public void close() throws Exception {
    for (Node n : nodes) {
      try {
        await(n.close());
      } catch (Exception ignored) {
        // closing the rest anyway
      }
    }
    await(mock.close());
    await(mockVertx.close());
  }
}
