package io.yugong.capacity;

import io.yugong.testing.StoreReader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.yugong.billing.Money;
import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An account whose balance cannot feed credit slices (0.02 USD) keeps exact per-request holds in
 * Redis, with slices switched on: 300 concurrent requests over two nodes never overdraw it, each
 * served request is charged once, with one ledger entry.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SmallBalanceStaysExactTest {

  private TestCluster c;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), java.util.Map.of());
    c.addKey(0, "sk-small-one-1234567890", null);
    c.addKey(1, "sk-small-two-1234567890", null);
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  @Test
  void aBalanceTooSmallForSlicesIsHeldExactlyPerRequest() throws Exception {
    long initial = Money.parseDollars("0.02");
    JsonObject created = c.createAccount(0, new JsonObject().put("Name", "small")
        .put("CreditGranted", Money.format(initial)));
    String key = created.getJsonObject("User").getString("SecretKey");
    String id = created.getJsonObject("User").getString("ID");
    // gpt-4o-mini, 300 tokens out: about 0.00018 USD a request, so about 110 of 300 are served
    List<SliceKit.Outcome> all = SliceKit.burst(c, key, SliceKit.chat("gpt-4o-mini", 300), 300, 32);
    SliceKit.onlyServedOrQuota(all);
    List<SliceKit.Outcome> served = SliceKit.served(all);
    System.out.printf("small balance: %d of %d served%n", served.size(), all.size());
    assertTrue(served.size() >= 90 && served.size() <= 112, "served " + served.size());

    try (StoreReader redis = new StoreReader(c)) {
      // exact holds settle before the answer's end is acknowledged: the ledger is complete now
      List<JsonObject> charges = SliceKit.assertLedgerExact(redis, id, initial, served);
      assertTrue(charges.stream().noneMatch(e -> "slice".equals(e.getString("note"))),
          "no request was held on a slice");
      assertTrue(redis.holds(id).isEmpty(), "nothing held: " + redis.holds(id));
      assertEquals(0, redis.wallet(id, "held"));
    }
  }
}
