package io.yugong.capacity;

import io.yugong.testing.StoreReader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.yugong.billing.Money;
import io.yugong.mock.MockOptions;
import io.yugong.testing.Eventually;
import io.yugong.testing.TestCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A well-funded account spent to the end by concurrent requests on two nodes: requests are held
 * on the nodes' credit slices, the slices are refilled, run dry, and the account ends on exact
 * holds; nothing is overdrawn, and every served request has one ledger entry.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SliceExhaustionTest {

  private TestCluster c;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), java.util.Map.of());
    c.addKey(0, "sk-slice-one-1234567890", null);
    c.addKey(1, "sk-slice-two-1234567890", null);
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  @Test
  void slicesRunDryAndRefillUnderConcurrencyWithoutOverdrawing() throws Exception {
    long initial = Money.parseDollars("1");
    JsonObject created = c.createAccount(0, new JsonObject().put("Name", "slices")
        .put("CreditGranted", Money.format(initial)));
    String key = created.getJsonObject("User").getString("SecretKey");
    String id = created.getJsonObject("User").getString("ID");
    // gpt-4o, 1000 tokens out: about 0.01 USD a request, so 1 USD serves about 100 of 300
    String body = SliceKit.chat("gpt-4o", 1000);

    // warm-up: the first requests are exact holds while the nodes take their slices
    List<SliceKit.Outcome> all = new java.util.ArrayList<>(SliceKit.burst(c, key, body, 4, 2));
    try (StoreReader redis = new StoreReader(c)) {
      Eventually.eventually(Duration.ofSeconds(5), () -> assertEquals(2,
          redis.holds(id).keySet().stream().filter(k -> k.startsWith("slice:")).count(),
          "both nodes hold a slice"));
      all.addAll(SliceKit.burst(c, key, body, 300, 32));
      SliceKit.onlyServedOrQuota(all);
      List<SliceKit.Outcome> served = SliceKit.served(all);
      System.out.printf("slice exhaustion: %d of %d served%n", served.size(), all.size());
      assertTrue(served.size() >= 60 && served.size() <= 100, "served " + served.size());
      assertTrue(all.size() > served.size(), "the balance ran out");

      // within a flush interval or so, every served request is in the ledger, once
      Eventually.eventually(Duration.ofSeconds(5), () -> assertEquals(served.size(),
          redis.ledger(id).stream().filter(e -> "charge".equals(e.getString("kind"))).count()));
      List<JsonObject> charges = SliceKit.assertLedgerExact(redis, id, initial, served);
      long onSlices = charges.stream().filter(e -> "slice".equals(e.getString("note"))).count();
      System.out.printf("  %d charged on slices, %d exact%n", onSlices, charges.size() - onSlices);
      assertTrue(onSlices >= served.size() / 2, "most requests were held on slices: " + onSlices);
      assertTrue(onSlices < charges.size(), "some requests were held exactly");

      // what is still held is the nodes' slices, nothing of a request
      Map<String, Long> holds = redis.holds(id);
      assertTrue(holds.keySet().stream().allMatch(k -> k.startsWith("slice:")), "holds " + holds);
      assertEquals(holds.values().stream().mapToLong(Long::longValue).sum(),
          redis.wallet(id, "held"), "held = the slices' holds");
    }
  }

  @Test
  void aColdBurstWaitsForTheSliceInsteadOfHoldingEachRequestInRedis() throws Exception {
    long initial = Money.parseDollars("100");
    JsonObject created = c.createAccount(0, new JsonObject().put("Name", "cold-burst")
        .put("CreditGranted", Money.format(initial)));
    String key = created.getJsonObject("User").getString("SecretKey");
    String id = created.getJsonObject("User").getString("ID");
    // no request before: both nodes meet the account for the first time in the burst
    List<SliceKit.Outcome> all = SliceKit.burst(c, key, SliceKit.chat("gpt-4o-mini", 50), 400, 64);
    all.forEach(o -> assertEquals(200, o.status(), () -> "unexpected " + o));
    try (StoreReader redis = new StoreReader(c)) {
      List<JsonObject> charges = SliceKit.assertLedgerExact(redis, id, initial, all);
      long exact = charges.stream().filter(e -> !"slice".equals(e.getString("note"))).count();
      System.out.printf("cold burst: %d requests, %d held exactly%n", all.size(), exact);
      // a handful may come while neither a slice nor a take is there; not one Redis hold each
      assertTrue(exact <= all.size() / 20, exact + " of " + all.size() + " held exactly");
    }
  }
}
