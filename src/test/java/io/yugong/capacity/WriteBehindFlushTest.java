package io.yugong.capacity;

import io.yugong.testing.StoreReader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonObject;
import io.yugong.billing.Money;
import io.yugong.billing.Slices;
import io.yugong.mock.MockOptions;
import io.yugong.testing.Eventually;
import io.yugong.testing.TestCluster;
import io.yugong.testing.TestRedis;
import static io.yugong.testing.TestCluster.await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Charges settled on a credit slice while Redis is stopped: the flushes fail, are kept and
 * retried, and once Redis is back every charge lands in the ledger exactly once. Uses the tests'
 * own redis-server (stopped and started); skipped when Redis came from elsewhere.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WriteBehindFlushTest {

  private TestCluster c;
  private TestRedis.RedisProcess redisProcess;

  @BeforeAll
  void start() throws Exception {
    redisProcess = TestRedis.get().process();
    c = TestCluster.start(1, new MockOptions(), java.util.Map.of());
    c.addKey(0, "sk-flush-one-1234567890", null);
  }

  @AfterAll
  void stop() throws Exception {
    if (redisProcess != null && !redisProcess.running()) {
      redisProcess.start();
    }
    if (c != null) {
      c.close();
    }
  }

  @Test
  void aFlushThatFailsWhileRedisIsDownIsRetriedAndLandsExactlyOnce() throws Exception {
    assumeTrue(redisProcess != null, "Redis is not the tests' own process; it cannot be stopped");
    long initial = Money.parseDollars("1");
    JsonObject created = c.createAccount(0, new JsonObject().put("Name", "flush")
        .put("CreditGranted", Money.format(initial)));
    String key = created.getJsonObject("User").getString("SecretKey");
    String id = created.getJsonObject("User").getString("ID");
    String body = SliceKit.chat("gpt-4o-mini", 10);
    Slices slices = c.nodes.get(0).services().wallets().slices(null, null, null);

    List<SliceKit.Outcome> served = new ArrayList<>(SliceKit.burst(c, key, body, 2, 1));
    try (StoreReader redis = new StoreReader(c)) {
      // until the node serves from its slice: a request's charge arrives written behind
      Eventually.eventually(Duration.ofSeconds(10), () -> {
        served.addAll(SliceKit.burst(c, key, body, 1, 1));
        await(slices.flushed(5_000));
        List<JsonObject> ledger = redis.ledger(id);
        assertEquals("slice", ledger.get(ledger.size() - 1).getString("note"), "held on the slice");
      });
      long failedBefore = slices.failedFlushes();
      try {
        redisProcess.stopKeepingData();
        // the slice covers these: they are served with Redis down, their charges wait
        List<SliceKit.Outcome> during = SliceKit.burst(c, key, body, 10, 2);
        during.forEach(o -> assertEquals(200, o.status(), () -> "with Redis down: " + o));
        served.addAll(during);
        assertTrue(slices.unflushed() > 0, "charges wait for Redis");
        Eventually.eventually(Duration.ofSeconds(5), () -> assertTrue(
            slices.failedFlushes() > failedBefore, "a flush was tried and failed"));
        assertTrue(slices.unflushed() > 0, "failed flushes keep their charges");
      } finally {
        redisProcess.start();
      }
      Eventually.eventually(Duration.ofSeconds(15), () -> assertEquals(0, slices.unflushed(),
          "flushed after Redis came back"));
      SliceKit.assertLedgerExact(redis, id, initial, SliceKit.served(served));
      assertEquals(served.size(), redis.ledger(id).stream()
          .filter(e -> "charge".equals(e.getString("kind"))).count());
    }
  }
}
