package io.yugong.keypool;

import static io.yugong.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.yugong.mock.KeyBehaviour;
import io.yugong.mock.MockOptions;
import io.yugong.mock.ServedRequest;
import io.yugong.testing.TestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The key pool's rules, one behaviour per test, on a two-node cluster. Each test gets its own keys,
 * restricted to a model of its own (all priced through the gpt-3.5-turbo prefix), so the tests
 * share the cluster without sharing keys.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyPoolPolicyTest {

  private static final int DEADLINE_MS = 3000;

  private TestCluster c;
  private String user;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(),
        Map.of("YUGONG_ATTEMPTS", "4", "YUGONG_DEADLINE_MS", Integer.toString(DEADLINE_MS)));
    user = c.createAccount(0, new JsonObject().put("Name", "policy").put("CreditGranted", 1000))
        .getJsonObject("User").getString("SecretKey");
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  // ---------------------------------------------------------------- helpers

  private static String secret(String label) {
    return "sk-" + label + "-" + TestCluster.randomHex(24);
  }

  /** Adds a key through node 0 that serves only {@code model}; waits until both nodes have it. */
  private String addKey(String secret, String model, JsonObject extra) throws Exception {
    JsonObject body = new JsonObject().put("models", new JsonArray().add(model));
    if (extra != null) {
      body.mergeIn(extra);
    }
    String id = c.addKey(0, secret, body);
    eventually(Duration.ofSeconds(5), () -> keyView(1, id));
    return id;
  }

  private static String chatBody(String model) {
    return new JsonObject().put("model", model)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")))
        .encode();
  }

  private HttpResponse<String> chat(int node, String model) throws Exception {
    return c.call(node, "POST", "/v1/chat/completions", user, chatBody(model));
  }

  private JsonObject keyView(int node, String id) throws Exception {
    HttpResponse<String> r = c.call(node, "GET", "/admin/keys/" + id, c.adminKey, null);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  private HttpResponse<String> admin(int node, String method, String path, String body) throws Exception {
    return c.call(node, method, path, c.adminKey, body);
  }

  private List<ServedRequest> seen(String secret) {
    return c.mock.control().requests(secret);
  }

  private void putRouting(int node, JsonObject rules) throws Exception {
    HttpResponse<String> r = admin(node, "PUT", "/admin/config/routing", rules.encode());
    assertEquals(200, r.statusCode(), r.body());
  }

  // ---------------------------------------------------------------- tests

  @Test
  void whenEveryKeyFailsTheClientGetsAnOpenAiShaped503WithRetryAfterWithinTheDeadline() throws Exception {
    String model = "gpt-3.5-turbo-down";
    String broken = secret("down-503");
    String limited = secret("down-429");
    String slow = secret("down-slow");
    c.mock.control().behave(broken, KeyBehaviour.status(503));
    c.mock.control().behave(limited, KeyBehaviour.rateLimited(30));
    c.mock.control().behave(slow, KeyBehaviour.slowFirstByte(10_000));
    addKey(broken, model, null);
    addKey(limited, model, null);
    String slowId = addKey(slow, model, null);

    for (int node = 0; node < 2; node++) {
      long start = System.nanoTime();
      HttpResponse<String> r = chat(node, model);
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertEquals(503, r.statusCode(), r.body());
      assertTrue(tookMs < DEADLINE_MS + 1000, "the 503 came after " + tookMs + " ms");
      JsonObject error = new JsonObject(r.body()).getJsonObject("error");
      assertNotNull(error, r.body());
      assertEquals("server_error", error.getString("type"));
      assertFalse(error.getString("message").isBlank());
      assertTrue(error.containsKey("param") && error.containsKey("code"), r.body());
      assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
      int retryAfter = Integer.parseInt(r.headers().firstValue("retry-after").orElseThrow());
      assertTrue(retryAfter >= 1, "retry-after " + retryAfter);
    }
    // Only the slow key can have used up the deadline, so it was tried and its time-out recorded.
    JsonObject v = keyView(1, slowId);
    assertTrue(String.valueOf(v.getString("lastError")).contains("time-out"), v.encode());
  }

  @Test
  void retriesStopAfterTheConfiguredNumberOfAttempts() throws Exception {
    String model = "gpt-3.5-turbo-attempts";
    List<String> broken = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String s = secret("attempts-" + i);
      c.mock.control().behave(s, KeyBehaviour.status(500));
      addKey(s, model, null);
      broken.add(s);
    }
    HttpResponse<String> r = chat(0, model);
    assertEquals(503, r.statusCode(), r.body());
    assertEquals("upstream_unavailable", new JsonObject(r.body()).getJsonObject("error").getString("code"));
    assertEquals(4, broken.stream().mapToInt(k -> seen(k).size()).sum(), "YUGONG_ATTEMPTS=4 keys were tried");
  }

  @Test
  void aRequestErrorFromUpstreamReachesTheClientUnchangedAndIsNotRetried() throws Exception {
    String model = "gpt-3.5-turbo-bad-request";
    String first = secret("bad-a");
    String second = secret("bad-b");
    addKey(first, model, null);
    addKey(second, model, null);
    String noMessages = new JsonObject().put("model", model).encode();

    HttpResponse<String> viaYugong = c.call(1, "POST", "/v1/chat/completions", user, noMessages);
    HttpResponse<String> direct = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.mock.port() + "/v1/chat/completions"))
            .header("Authorization", "Bearer " + secret("direct"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(noMessages)).build(),
        HttpResponse.BodyHandlers.ofString());

    assertEquals(400, direct.statusCode(), direct.body());
    assertEquals(400, viaYugong.statusCode(), viaYugong.body());
    assertEquals(new JsonObject(direct.body()), new JsonObject(viaYugong.body()));
    assertEquals("messages", new JsonObject(viaYugong.body()).getJsonObject("error").getString("param"));
    assertEquals(1, seen(first).size() + seen(second).size(), "upstream saw the bad request once");
  }

  @Test
  void nothingIsRetriedOnceBytesReachedTheClientAndTheStreamEndsWithAnErrorEvent() throws Exception {
    String model = "gpt-3.5-turbo-cut";
    String cut = secret("cut");
    String spare = secret("cut-spare");
    c.mock.control().behave(cut, KeyBehaviour.cutStream(3));
    // The cut key outweighs the spare, so the first choice is the cut key.
    addKey(cut, model, new JsonObject().put("weight", 10));
    addKey(spare, model, null);

    String body = new JsonObject(chatBody(model)).put("stream", true).encode();
    HttpResponse<String> r = c.call(0, "POST", "/v1/chat/completions", user, body);

    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
    List<String> events = new ArrayList<>();
    for (String block : r.body().split("\n\n")) {
      if (block.startsWith("data: ")) {
        events.add(block.substring(6));
      }
    }
    assertTrue(events.size() >= 2, r.body());
    assertTrue(events.get(0).contains("chat.completion.chunk"), "the first chunks came through: " + r.body());
    JsonObject last = new JsonObject(events.get(events.size() - 1));
    assertNotNull(last.getJsonObject("error"), "the stream ends with an error event: " + r.body());
    assertFalse(r.body().contains("[DONE]"), r.body());
    assertEquals(1, seen(cut).size(), "the cut key was asked once");
    assertEquals(0, seen(spare).size(), "no other key was tried after bytes reached the client");
  }

  @Test
  void anSdkClientWhoseStreamIsCutSeesAnErrorAfterTheFirstChunksNotAShortAnswer() throws Exception {
    String model = "gpt-3.5-turbo-cut-sdk";
    String cut = secret("cut-sdk");
    String spare = secret("cut-sdk-spare");
    c.mock.control().behave(cut, KeyBehaviour.cutStream(3));
    addKey(cut, model, new JsonObject().put("weight", 10));
    addKey(spare, model, null);

    List<ChatCompletionChunk> received = new ArrayList<>();
    OpenAIClient client = c.openai(1, user);
    RuntimeException failure = assertThrows(RuntimeException.class, () -> {
      try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
          ChatCompletionCreateParams.builder().model(model).addUserMessage("hi").build())) {
        s.stream().forEach(received::add);
      }
    });
    assertFalse(received.isEmpty(), "the chunks before the cut arrived");
    assertTrue(String.valueOf(failure.getMessage()).contains("upstream"), failure.toString());
    assertEquals(1, seen(cut).size());
    assertEquals(0, seen(spare).size());
  }

  @Test
  void aWildcardModelMappingSetOnOneNodeReachesUpstreamThroughTheOtherWithinASecond() throws Exception {
    String target = secret("mapped");
    addKey(target, "gpt-4o-mini", null);
    try {
      long changed = System.nanoTime();
      putRouting(0, new JsonObject().put("MODEL_MAPPER", "gpt-4*=gpt-4o-mini"));
      // timed on node 2's key pool itself (in this JVM), not through chats whose own latency on a
      // busy machine is no part of the claim
      KeyPool other = c.nodes.get(1).services().keyPool();
      eventually(Duration.ofSeconds(5), () ->
          assertEquals("gpt-4*=gpt-4o-mini", other.routing().toJson().getString("MODEL_MAPPER")));
      long tookMs = (System.nanoTime() - changed) / 1_000_000;
      assertTrue(tookMs <= 1000, "the mapping took " + tookMs + " ms to reach node 2");
      assertEquals(200, chat(1, "gpt-4-turbo").statusCode(), "node 2 maps the model as soon as it has the rules");
      List<ServedRequest> served = seen(target);
      assertEquals("gpt-4o-mini", served.get(served.size() - 1).model());
      assertEquals("gpt-4*=gpt-4o-mini",
          new JsonObject(admin(1, "GET", "/admin/config/routing", null).body()).getString("MODEL_MAPPER"));
    } finally {
      putRouting(0, new JsonObject().put("MODEL_MAPPER", ""));
      c.awaitSettings();
    }
  }

  @Test
  void switchOverSendsTrafficToTheNextLevelOnlyWhenConfigured() throws Exception {
    String model = "gpt-3.5-turbo-levels";
    String cooling = secret("level1-cooling");
    String off = secret("level1-off");
    String backup = secret("level2");
    c.mock.control().behave(cooling, KeyBehaviour.rateLimited(60));
    addKey(cooling, model, null);
    String offId = addKey(off, model, null);
    addKey(backup, model, new JsonObject().put("level", 2));
    assertEquals(200, admin(0, "POST", "/admin/keys/" + offId + "/disable", null).statusCode());
    eventually(Duration.ofSeconds(5), () -> assertEquals("disabled", keyView(1, offId).getString("status")));

    // Without SWITCH_OVER level 1 is all there is: the cooling key refuses, then nothing is left.
    for (int node = 0; node < 2; node++) {
      HttpResponse<String> r = chat(node, model);
      assertEquals(503, r.statusCode(), r.body());
    }
    assertEquals(0, seen(backup).size());
    assertEquals(0, seen(off).size());
    try {
      putRouting(1, new JsonObject().put("SWITCH_OVER", "1=2"));
      eventually(Duration.ofSeconds(5), () -> assertEquals(200, chat(0, model).statusCode()));
      int coolingSeen = seen(cooling).size();
      for (int i = 0; i < 6; i++) {
        HttpResponse<String> r = chat(i % 2, model);
        assertEquals(200, r.statusCode(), r.body());
      }
      assertEquals(7, seen(backup).size(), "the level-2 key served every request");
      assertEquals(coolingSeen, seen(cooling).size(), "the cooling level-1 key was left alone");
      assertEquals(0, seen(off).size(), "the disabled level-1 key was left alone");
    } finally {
      putRouting(0, new JsonObject().put("SWITCH_OVER", ""));
      c.awaitSettings(); // no other test may meet a node still switching over
    }
  }

  @Test
  void aKeyDisabledOnOneNodeIsNotUsedByTheOtherAndTheViewSumsBothNodes() throws Exception {
    String model = "gpt-3.5-turbo-shared";
    String dead = secret("shared-dead");
    String good = secret("shared-good");
    c.mock.control().behave(dead, KeyBehaviour.deactivated());
    String deadId = addKey(dead, model, new JsonObject().put("weight", 10));
    String goodId = addKey(good, model, null);

    assertEquals(200, chat(0, model).statusCode(), "served by the good key after the dead one refused");
    assertEquals(1, seen(dead).size());
    eventually(Duration.ofSeconds(5), () -> {
      JsonObject v = keyView(1, deadId);
      assertEquals("disabled", v.getString("status"), v.encode());
      assertEquals("account_deactivated", v.getString("reason"), v.encode());
    });
    Redis redis = Redis.createClient(c.mockVertx, c.redis.url());
    try {
      String stored = TestCluster.await(redis.send(Request.cmd(Command.HGET).arg("yg:keys").arg(deadId)))
          .toString();
      JsonObject record = new JsonObject(stored);
      assertEquals(false, record.getBoolean("enabled"), "the disable is persisted: " + stored);
      assertEquals("account_deactivated", record.getString("disabledReason"), stored);
      assertFalse(stored.contains(dead), "the stored record never holds the secret");
    } finally {
      redis.close();
    }
    for (int i = 0; i < 9; i++) {
      assertEquals(200, chat(i < 6 ? 1 : 0, model).statusCode());
    }
    assertEquals(1, seen(dead).size(), "no node used the deactivated key again");
    assertEquals(10, seen(good).size());

    for (int node = 0; node < 2; node++) {
      int n = node;
      eventually(Duration.ofSeconds(5), () -> {
        JsonObject v = keyView(n, goodId);
        assertEquals(10, v.getJsonObject("lastMinute").getInteger("requests"), "node " + n + ": " + v.encode());
        assertEquals(0, v.getJsonObject("lastMinute").getInteger("errors"), v.encode());
        JsonObject d = keyView(n, deadId);
        assertEquals(1, d.getJsonObject("lastMinute").getInteger("requests"), d.encode());
        assertEquals(1, d.getJsonObject("lastMinute").getInteger("errors"), d.encode());
      });
      JsonObject v = keyView(n, goodId);
      JsonObject remaining = v.getJsonObject("remaining");
      assertNotNull(remaining, v.encode());
      assertEquals(10_000, remaining.getInteger("requestsLimit"), v.encode());
      assertTrue(remaining.getLong("requests") > 0 && remaining.getLong("requests") <= 10_000, v.encode());
      assertTrue(remaining.getLong("tokens") > 0, v.encode());
      assertNull(v.getString("lastError"), v.encode());
      JsonObject d = keyView(n, deadId);
      assertEquals("account_deactivated", d.getString("lastError"), d.encode());
      assertNotNull(d.getLong("lastErrorAt"), d.encode());
    }
  }

  @Test
  void aCooldownStartedOnOneNodeIsHonouredByTheOther() throws Exception {
    String model = "gpt-3.5-turbo-cooldown";
    String limited = secret("cool-limited");
    String other = secret("cool-other");
    c.mock.control().behave(limited, KeyBehaviour.rateLimited(30));
    String limitedId = addKey(limited, model, new JsonObject().put("weight", 10));
    addKey(other, model, null);

    assertEquals(200, chat(0, model).statusCode());
    assertEquals(1, seen(limited).size());
    eventually(Duration.ofSeconds(5), () -> {
      JsonObject v = keyView(1, limitedId);
      assertEquals("cooling", v.getString("status"), v.encode());
      long until = v.getLong("cooldownUntil");
      assertTrue(until > System.currentTimeMillis() + 20_000, v.encode());
      assertEquals("rate_limit_exceeded", v.getString("lastError"), v.encode());
    });
    for (int i = 0; i < 5; i++) {
      assertEquals(200, chat(1, model).statusCode());
    }
    assertEquals(1, seen(limited).size(), "node 2 left the cooling key alone");
    assertEquals(6, seen(other).size());
  }

  @Test
  void aBulkImportWithOneBadItemAddsNothingAndSaysWhich() throws Exception {
    int before = new JsonObject(admin(0, "GET", "/admin/keys", null).body()).getJsonArray("data").size();
    JsonArray items = new JsonArray()
        .add(new JsonObject().put("key", secret("bulk-good")))
        .add(new JsonObject().put("key", secret("bulk-bad")).put("baseUrl", "ftp://files.example"))
        .add(new JsonObject().put("key", secret("bulk-good-2")));
    HttpResponse<String> r = admin(0, "POST", "/admin/keys", items.encode());
    assertEquals(400, r.statusCode(), r.body());
    String message = new JsonObject(r.body()).getJsonObject("error").getString("message");
    assertTrue(message.startsWith("Key 2:") && message.contains("Nothing was added"), message);
    assertEquals(before, new JsonObject(admin(0, "GET", "/admin/keys", null).body()).getJsonArray("data").size());
  }

  @Test
  void operatorsDisableEnableAndEditKeysAndImportManyAtOnce() throws Exception {
    String model = "gpt-3.5-turbo-admin";
    String main = secret("admin-main");
    String spare = secret("admin-spare");
    String mainId = addKey(main, model, new JsonObject().put("weight", 10));
    addKey(spare, model, null);

    // Disable through node 1: node 2 stops using the key.
    HttpResponse<String> off = admin(0, "POST", "/admin/keys/" + mainId + "/disable",
        new JsonObject().put("reason", "maintenance").encode());
    assertEquals(200, off.statusCode(), off.body());
    assertEquals("disabled", new JsonObject(off.body()).getString("status"));
    eventually(Duration.ofSeconds(5), () -> {
      JsonObject v = keyView(1, mainId);
      assertEquals("disabled", v.getString("status"));
      assertEquals("maintenance", v.getString("reason"));
      assertEquals(false, v.getBoolean("enabled"));
    });
    for (int i = 0; i < 3; i++) {
      assertEquals(200, chat(1, model).statusCode());
    }
    assertEquals(0, seen(main).size());
    assertEquals(3, seen(spare).size());

    // Enable through node 2: the heavier key takes the traffic again.
    HttpResponse<String> on = admin(1, "POST", "/admin/keys/" + mainId + "/enable", null);
    assertEquals(200, on.statusCode(), on.body());
    eventually(Duration.ofSeconds(5), () -> assertEquals("active", keyView(0, mainId).getString("status")));
    assertEquals(200, chat(0, model).statusCode());
    assertEquals(1, seen(main).size());

    // Edit level, models and weight: the key leaves this model's level-1 pool.
    HttpResponse<String> edited = admin(0, "PATCH", "/admin/keys/" + mainId, new JsonObject()
        .put("level", 2).put("models", new JsonArray().add("gpt-3.5-turbo-elsewhere")).put("weight", 3).encode());
    assertEquals(200, edited.statusCode(), edited.body());
    eventually(Duration.ofSeconds(5), () -> {
      JsonObject v = keyView(1, mainId);
      assertEquals(2, v.getInteger("level"));
      assertEquals(new JsonArray().add("gpt-3.5-turbo-elsewhere"), v.getJsonArray("models"));
      assertEquals(3, v.getInteger("weight"));
    });
    for (int i = 0; i < 3; i++) {
      assertEquals(200, chat(i % 2, model).statusCode());
    }
    assertEquals(1, seen(main).size(), "the edited key no longer serves " + model);
    HttpResponse<String> wrongType = admin(0, "PATCH", "/admin/keys/" + mainId,
        new JsonObject().put("level", "high").encode());
    assertEquals(400, wrongType.statusCode(), wrongType.body());
    assertEquals(404, admin(0, "PATCH", "/admin/keys/key_nope", new JsonObject().put("weight", 2).encode())
        .statusCode());

    // Bulk import through node 2, visible on node 1, secrets never shown.
    JsonArray bulk = new JsonArray();
    List<String> secrets = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      String s = secret("bulk-" + i);
      secrets.add(s);
      bulk.add(new JsonObject().put("key", s).put("name", "bulk-" + i)
          .put("models", new JsonArray().add("gpt-3.5-turbo-bulk")).put("level", 1 + i % 2));
    }
    HttpResponse<String> imported = admin(1, "POST", "/admin/keys", bulk.encode());
    assertEquals(201, imported.statusCode(), imported.body());
    JsonArray views = new JsonObject(imported.body()).getJsonArray("data");
    assertEquals(25, views.size());
    for (String s : secrets) {
      assertFalse(imported.body().contains(s), "an imported secret was echoed back");
    }
    eventually(Duration.ofSeconds(5), () -> {
      JsonArray all = new JsonObject(admin(0, "GET", "/admin/keys", null).body()).getJsonArray("data");
      long bulkKeys = all.stream().map(o -> (JsonObject) o)
          .filter(k -> k.getString("name").startsWith("bulk-")).count();
      assertEquals(25, bulkKeys);
    });
  }

  @Test
  void aKeyTakenOutAfterFiveFailuresInARowIsProbedAndComesBack() throws Exception {
    String model = "gpt-3.5-turbo-recovery";
    String failing = secret("recovering");
    c.mock.control().behave(failing, KeyBehaviour.status(502));
    String id = addKey(failing, model, null);

    // A client keeps asking; each 502 cools the key for 1, 2, 4, 8 s; the fifth takes it out.
    long deadline = System.currentTimeMillis() + 25_000;
    JsonObject v = keyView(0, id);
    int node = 0;
    while (!"disabled".equals(v.getString("status"))) {
      assertTrue(System.currentTimeMillis() < deadline, "not disabled in time: " + v.encode());
      if ("cooling".equals(v.getString("status"))) {
        Thread.sleep(Math.max(1, v.getLong("cooldownUntil") - System.currentTimeMillis()));
      }
      int served = node++ % 2;
      HttpResponse<String> r = chat(served, model);
      assertEquals(503, r.statusCode(), r.body());
      // Ask the node that saw the failure: it applied the verdict at once, while the other
      // learns of it a few milliseconds later.
      v = keyView(served, id);
    }
    List<ServedRequest> posts = seen(failing).stream().filter(r -> r.method().equals("POST")).toList();
    assertEquals(5, posts.size(), "taken out after exactly five failures in a row");
    for (int i = 1; i < posts.size(); i++) {
      long gap = posts.get(i).atMillis() - posts.get(i - 1).atMillis();
      long cooldown = 1000L << (i - 1);
      assertTrue(gap >= cooldown, "failure " + i + " cooled the key " + gap + " ms, expected " + cooldown);
    }
    assertTrue(v.getBoolean("enabled"), "a transient disable keeps the key enabled: " + v.encode());
    assertNotNull(v.getLong("nextProbeAt"), v.encode());
    assertTrue(v.getString("reason").contains("5 consecutive failures"), v.encode());

    c.mock.control().behave(failing, KeyBehaviour.ok());
    eventually(Duration.ofSeconds(20), () -> assertEquals("active", keyView(1, id).getString("status")));
    long probes = seen(failing).stream()
        .filter(r -> r.method().equals("GET") && r.path().equals("/v1/models")).count();
    assertEquals(1, probes, "one node probed the key");
    assertEquals(200, chat(1, model).statusCode());
    assertEquals(200, seen(failing).get(seen(failing).size() - 1).status());
  }
}
