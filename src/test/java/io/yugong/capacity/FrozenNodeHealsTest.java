package io.yugong.capacity;

import io.yugong.testing.NodeProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.KeyBehaviour;
import io.yugong.mock.MockOptions;
import io.yugong.testing.Eventually;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A node frozen for 15 s (a stalled VM, a very long GC pause) is dropped by the cluster, and the
 * cluster is one again within 30 s of the node resuming: both nodes list both members and both
 * node cards, the key health decided on either side while they were apart holds on both, load
 * figures flow again, and account changes are confirmed by both nodes over the event bus. One
 * node runs in this JVM, the other as a process of its own that is stopped with SIGSTOP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FrozenNodeHealsTest {

  private static final Duration FROZEN = Duration.ofSeconds(15);
  private static final Duration HEALED_WITHIN = Duration.ofSeconds(30);
  private static final String MODEL = "gpt-3.5-turbo";

  private TestCluster c;
  private NodeProcess frozen;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(1, new MockOptions(), Map.of());
    frozen = NodeProcess.join(c, Duration.ofSeconds(90));
    Eventually.eventually(Duration.ofSeconds(30), () -> {
      assertEquals(2, c.nodes.get(0).services().cluster().nodeIds().size());
      assertCluster(cluster(c.call(0, "GET", "/admin/cluster", c.adminKey, null)), "in-JVM node before the freeze");
    });
  }

  @AfterAll
  void stop() throws Exception {
    try {
      if (frozen != null) {
        frozen.close();
      }
    } finally {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void aFrozenNodeRejoinsWithinThirtySecondsAndKeyHealthConvergesBothWays() throws Exception {
    String disabledSecret = "sk-heal-disabled-" + TestCluster.randomHex(24);
    String cooledSecret = "sk-heal-cooled-" + TestCluster.randomHex(24);
    String cooledModel = "gpt-3.5-turbo-heal-cooled";
    c.mock.control().behave(cooledSecret, KeyBehaviour.rateLimited(120));
    String disabledId = c.addKey(0, disabledSecret, new JsonObject().put("models", new JsonArray().add(MODEL)));
    String cooledId = c.addKey(0, cooledSecret, new JsonObject().put("models", new JsonArray().add(cooledModel)));
    String customer = c.createAccount(0, new JsonObject().put("Name", "heal-customer").put("CreditGranted", "5"))
        .getJsonObject("User").getString("SecretKey");
    Eventually.eventually(Duration.ofSeconds(10), () -> {
      assertEquals("active", keyStatus(frozen.call("GET", "/admin/keys/" + disabledId, c.adminKey)));
      assertEquals("active", keyStatus(frozen.call("GET", "/admin/keys/" + cooledId, c.adminKey)));
    });

    frozen.freeze();
    try {
      HttpResponse<String> disabled = c.call(0, "POST", "/admin/keys/" + disabledId + "/disable", c.adminKey,
          new JsonObject().put("reason", "disabled while the other node was frozen").encode());
      assertEquals(200, disabled.statusCode(), disabled::body);
      Thread.sleep(FROZEN.toMillis());
    } finally {
      frozen.resume();
    }
    long resumedAt = System.nanoTime();

    // The resumed node meets a rate-limited key: the cooldown starts there, whatever state the
    // cluster is in at that moment.
    HttpResponse<String> limited = frozen.call("POST", "/v1/chat/completions", customer,
        new JsonObject().put("model", cooledModel).put("max_tokens", 8).put("messages", new JsonArray()
            .add(new JsonObject().put("role", "user").put("content", "hello"))).encode());
    assertEquals(503, limited.statusCode(), limited::body); // its only key is cooling: no capacity now

    Eventually.eventually(HEALED_WITHIN.minusNanos(System.nanoTime() - resumedAt), () -> {
      assertCluster(cluster(c.call(0, "GET", "/admin/cluster", c.adminKey, null)), "in-JVM node");
      assertCluster(cluster(frozen.call("GET", "/admin/cluster", c.adminKey)), "resumed node");
      assertEquals("disabled", keyStatus(frozen.call("GET", "/admin/keys/" + disabledId, c.adminKey)),
          "a key disabled elsewhere during the freeze is disabled on the resumed node");
      JsonObject cooled = key(c.call(0, "GET", "/admin/keys/" + cooledId, c.adminKey, null));
      assertEquals("cooling", cooled.getString("status"), () -> "a key cooled on the resumed node is cooling"
          + " on the other: " + cooled.encode() + "; on the resumed node: "
          + onResumedNode("/admin/keys/" + cooledId));
      assertEquals(1, cooled.getJsonObject("lastMinute").getInteger("errors"),
          () -> "the resumed node's load figures reach the other: " + cooled.encode());
      // The event bus is whole again too: the resumed node confirms an account change at once.
      // Each try changes an account of its own (a rotated key cannot be rotated again).
      accountChangeIsConfirmedAtOnce();
    });
  }

  /**
   * A throwaway account, known to the resumed node, rotates its key through the in-JVM node: the
   * change waits for every live node's confirmation (for at most a second), and the resumed node
   * refuses the old key afterwards.
   */
  private void accountChangeIsConfirmedAtOnce() throws Exception {
    String throwaway = c.createAccount(0, new JsonObject().put("Name", "heal-rotated-" + TestCluster.randomHex(8))
        .put("CreditGranted", "1")).getJsonObject("User").getString("SecretKey");
    assertEquals(200, frozen.call("GET", "/dashboard/x_user/info", throwaway).statusCode(),
        "the resumed node knows the account");
    long began = System.nanoTime();
    HttpResponse<String> rotated = c.call(0, "POST", "/x-self", throwaway, null);
    long tookMs = (System.nanoTime() - began) / 1_000_000;
    assertEquals(200, rotated.statusCode(), rotated::body);
    assertTrue(tookMs < 1_000, "an account change waited " + tookMs + " ms for the resumed node's confirmation");
    assertEquals(401, frozen.call("GET", "/dashboard/x_user/info", throwaway).statusCode());
  }

  /** For failure messages: what the resumed node answers. */
  private String onResumedNode(String path) {
    try {
      return frozen.call("GET", path, c.adminKey).body();
    } catch (Exception e) {
      return e.toString();
    }
  }

  private static JsonObject cluster(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r::body);
    return new JsonObject(r.body());
  }

  private static void assertCluster(JsonObject view, String who) {
    assertEquals(2, view.getInteger("members"), () -> who + ": " + view.encode());
    assertEquals(2, view.getJsonArray("nodes").size(), () -> who + " shows every member's card: " + view.encode());
  }

  private static JsonObject key(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r::body);
    return new JsonObject(r.body());
  }

  private static String keyStatus(HttpResponse<String> r) {
    return key(r).getString("status");
  }
}
