package io.yugong.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.yugong.billing.Money;
import io.yugong.mock.MockOptions;
import io.yugong.testing.Eventually;
import io.yugong.testing.NodeProcess;
import io.yugong.testing.StoreReader;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A node killed (SIGKILL) while it holds a credit slice and serves from it, with the product's
 * defaults: the slice goes back to the account when its lease ends, less what the node had
 * flushed; what it served and had not flushed is lost revenue, never the customer's overspend.
 * The node runs as a process of its own; the other node, in this JVM, is the one that stays.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KilledNodeSlicesTest {

  /** The default slice lease (SliceOptions.defaults), and some time for the view after it. */
  private static final Duration LEASE_AND_MARGIN = Duration.ofSeconds(60 + 20);

  private TestCluster c;
  private NodeProcess doomed;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(1, new MockOptions(), Map.of());
    c.addKey(0, "sk-killed-node-1234567890abcdef", null);
    doomed = NodeProcess.join(c, Duration.ofSeconds(90));
  }

  @AfterAll
  void stop() throws Exception {
    try {
      if (doomed != null) {
        doomed.close();
      }
    } finally {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void aKilledNodesSliceGoesBackWhenItsLeaseEndsLessWhatItFlushed() throws Exception {
    long initial = Money.parseDollars("20");
    JsonObject created = c.createAccount(0, new JsonObject().put("Name", "killed-node-customer")
        .put("CreditGranted", Money.format(initial)));
    String key = created.getJsonObject("User").getString("SecretKey");
    String id = created.getJsonObject("User").getString("ID");
    String body = SliceKit.chat("gpt-4o-mini", 16);

    try (StoreReader redis = new StoreReader(c)) {
      // Served by the doomed node until it holds a slice and its charges arrive written behind.
      List<String> servedIds = Collections.synchronizedList(new ArrayList<>());
      Eventually.eventually(Duration.ofSeconds(20), () -> {
        servedIds.add(serve(key, body));
        List<JsonObject> ledger = redis.ledger(id);
        assertTrue(!ledger.isEmpty() && "slice".equals(ledger.get(ledger.size() - 1).getString("note")),
            "the doomed node serves from its slice");
        assertEquals(servedIds.size(), charges(ledger).size(), "every charge so far is flushed");
      });
      String slice = sliceHold(redis.holds(id));
      assertTrue(redis.holds(id).get(slice) > 0, "the slice holds money");

      // Killed while it serves: some answers may be out whose charges it never flushed.
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService load = Executors.newFixedThreadPool(4);
      List<Future<?>> clients = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        clients.add(load.submit(() -> {
          while (!stop.get()) {
            try {
              servedIds.add(serve(key, body));
            } catch (Exception | AssertionError gone) {
              return null; // the node is gone
            }
          }
          return null;
        }));
      }
      int before = servedIds.size();
      // what is killed is a node in use
      Eventually.eventually(Duration.ofSeconds(20), () -> assertTrue(servedIds.size() >= before + 20));
      doomed.kill();
      stop.set(true);
      for (Future<?> f : clients) {
        f.get(60, TimeUnit.SECONDS);
      }
      load.shutdown();
      assertTrue(redis.holds(id).containsKey(slice), "right after the kill the slice is still out");

      // The lease ends: the account's page (which gives back holds whose node died) finds the
      // slice gone from Redis.
      Eventually.eventually(LEASE_AND_MARGIN, () -> {
        HttpResponse<String> info = c.call(0, "GET", "/dashboard/x_user/info", key, null);
        assertEquals(200, info.statusCode(), info::body);
        assertEquals(0, redis.wallet(id, "held"), () -> "the dead node's slice is back: " + info.body());
      });
      // Only flushed charges were taken, each once, none beyond the balance.
      List<JsonObject> charges = charges(redis.ledger(id));
      Set<String> charged = new HashSet<>();
      long chargedSum = 0;
      for (JsonObject e : charges) {
        assertTrue(charged.add(e.getString("requestId")), () -> "charged twice: " + e);
        assertEquals("0", e.getString("uncovered"), () -> "an overspend: " + e);
        chargedSum += Long.parseLong(e.getString("cost"));
      }
      assertTrue(new HashSet<>(servedIds).containsAll(charged), "only served requests are charged");
      assertEquals(initial - chargedSum, redis.wallet(id, "balance"),
          "the balance fell by the flushed charges, no more");
      System.out.printf("killed node: %d served, %d charged, %d served but never flushed (lost revenue)%n",
          servedIds.size(), charged.size(), servedIds.size() - charged.size());
    }
  }

  private String serve(String key, String body) throws Exception {
    HttpResponse<String> r = doomed.call("POST", "/v1/chat/completions", key, body);
    assertEquals(200, r.statusCode(), r::body);
    return r.headers().firstValue("x-yugong-request-id").orElseThrow();
  }

  private static List<JsonObject> charges(List<JsonObject> ledger) {
    return ledger.stream().filter(e -> "charge".equals(e.getString("kind"))).toList();
  }

  private static String sliceHold(Map<String, Long> holds) {
    return holds.keySet().stream().filter(k -> k.startsWith("slice:")).findFirst()
        .orElseThrow(() -> new AssertionError("no slice among the holds " + holds));
  }
}
