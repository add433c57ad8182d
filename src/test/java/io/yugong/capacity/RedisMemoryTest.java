package io.yugong.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.yugong.billing.Retention;
import io.yugong.billing.Wallets;
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
 * What a served request leaves in Redis: its ledger entry (the ledger keeps the latest
 * YUGONG_LEDGER_ENTRIES per account), its share of the usage aggregates, and an idempotency
 * marker that lives only as long as a settle retry can arrive.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisMemoryTest {

  /** The setting under test: small, so a test reaches the cap. */
  private static final int LEDGER_ENTRIES = 500;
  private static final int HALF = 1000;
  private static final int THREADS = 8;
  /** Past the cap, the oldest entries go once a tenth more have come (lib.lua, trimLedger). */
  private static final int TRIM_SLACK = LEDGER_ENTRIES / 10;

  private TestCluster c;
  private RedisMemoryKit redis;
  private String accountId;
  private long durableAtHalf;
  private long durableAtEnd;
  private long usedBefore;
  private long usedAfter;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(1, new MockOptions(),
        Map.of("YUGONG_LEDGER_ENTRIES", Integer.toString(LEDGER_ENTRIES)));
    c.addKey(0, "sk-memory-upstream-1234567890", null);
    redis = new RedisMemoryKit(c);
    JsonObject created = c.createAccount(0, new JsonObject().put("Name", "heavy_user")
        .put("CreditGranted", "1000"));
    accountId = created.getJsonObject("User").getString("ID");
    String key = created.getJsonObject("User").getString("SecretKey");
    usedBefore = redis.usedMemory();
    assertServed(RedisMemoryKit.chats(c, key, HALF, THREADS));
    durableAtHalf = durableBytes();
    assertServed(RedisMemoryKit.chats(c, key, HALF, THREADS));
    durableAtEnd = durableBytes();
    usedAfter = redis.usedMemory();
  }

  @AfterAll
  void stop() throws Exception {
    if (redis != null) {
      redis.close();
    }
    if (c != null) {
      c.close();
    }
  }

  private static void assertServed(List<Integer> statuses) {
    long ok = statuses.stream().filter(s -> s == 200).count();
    assertEquals(statuses.size(), ok, () -> "statuses: " + statuses);
  }

  /** MEMORY USAGE of the account's keys that outlive a request's retries: all but the markers. */
  private long durableBytes() throws Exception {
    long sum = 0;
    for (String k : redis.keysOf(accountId)) {
      if (!isMarker(k)) {
        sum += redis.bytes(k);
      }
    }
    return sum;
  }

  private static boolean isMarker(String key) {
    return key.contains("}:settled:") || key.contains("}:abandoned:");
  }

  @Test
  void theLedgerKeepsTheLatestEntriesItsSettingAllows() throws Exception {
    // a write-behind batch is one stream entry holding its charges; the oldest go whole, so the
    // ledger holds the cap and at most a tenth more, or one batch more
    List<Integer> counts = redis.ledgerEntryCounts(accountId);
    long len = counts.stream().mapToLong(Integer::longValue).sum();
    int slack = Math.max(TRIM_SLACK, counts.stream().mapToInt(Integer::intValue).max().orElse(0));
    assertTrue(len >= LEDGER_ENTRIES && len <= LEDGER_ENTRIES + slack,
        "ledger holds " + len + " entries for a cap of " + LEDGER_ENTRIES + " in " + counts);
    // the newest entry is the last charge, not an old one kept while new ones were dropped
    assertEquals("charge", redis.newestLedgerEntry(accountId).getString("kind"));
  }

  @Test
  void durableStateStopsGrowingOnceTheLedgerIsFull() throws Exception {
    long perRequest = (durableAtEnd - durableAtHalf) / HALF;
    System.out.printf("durable bytes: %d after %d requests, %d after %d (%d B/request); "
            + "used_memory grew %d B over %d requests (%d B/request, markers included)%n",
        durableAtHalf, HALF, durableAtEnd, 2 * HALF, perRequest, usedAfter - usedBefore, 2 * HALF,
        (usedAfter - usedBefore) / (2 * HALF));
    // uncapped, each request's ledger entry alone would add about 100 bytes
    assertTrue(perRequest <= 10, "durable state grew " + perRequest + " B per request past the cap");
  }

  @Test
  void settledMarkersLiveOnlyAsLongAsASettleRetryCanArrive() throws Exception {
    // an attempt lasts at most the store's safety deadline
    long window = Retention.settleRetryWindowMs(io.yugong.node.StoreHealth.SAFETY_DEADLINE_MS);
    assertEquals(206_000, window, "1 + 5 + 30 + 120 s of waits and 5 attempts of at most 10 s");
    // markers belong to the exact path (per-request holds): a HardLimit keeps an account on it
    JsonObject exact = c.createAccount(0, new JsonObject().put("Name", "exact_user")
        .put("CreditGranted", "100").put("HardLimit", "100"));
    String exactId = exact.getJsonObject("User").getString("ID");
    int n = 200;
    assertServed(RedisMemoryKit.chats(c, exact.getJsonObject("User").getString("SecretKey"), n, THREADS));
    int markers = 0;
    for (String k : redis.keysOf(exactId)) {
      if (k.contains("}:settled:")) {
        markers++;
        long ttl = redis.pttl(k);
        assertTrue(ttl > 0 && ttl <= window, k + " lives " + ttl + " ms more");
      }
    }
    assertEquals(n, markers, "one marker per settled request while its retries can come");
  }

  @Test
  void anAbandonedMarkerLivesTheHoldTtlPlusTheRetryWindow() throws Exception {
    long holdTtlMs = 50;
    Retention retention = Retention.forSettings(LEDGER_ENTRIES, 150, holdTtlMs);
    Redis client = Redis.createClient(c.mockVertx, c.redis.url());
    try {
      Wallets wallets = new Wallets(client, retention);
      TestCluster.await(wallets.start());
      String id = "abandon-" + TestCluster.randomHex(8);
      TestCluster.await(wallets.mint(id, 1_000_000_000L, 1, "test"));
      assertTrue(TestCluster.await(wallets.reserve(id, "req-left", 1000, 500, 0, 0, 0, holdTtlMs)).ok());
      String marker = "yg:{a:" + id + "}:abandoned:req-left";
      int[] n = {0};
      // the node serving req-left is gone: the account's next request finds its hold expired
      Eventually.eventually(Duration.ofSeconds(10), () -> {
        String next = "req-next-" + n[0]++;
        TestCluster.await(wallets.reserve(id, next, 1000, 500, 0, 0, 0, 60_000));
        TestCluster.await(wallets.release(id, next));
        assertTrue(redis.pttl(marker) > 0, "no abandoned marker yet");
      });
      long ttl = redis.pttl(marker);
      assertTrue(ttl <= retention.abandonedMarkerMs() && ttl > retention.abandonedMarkerMs() - 10_000,
          "abandoned marker lives " + ttl + " ms, expected about " + retention.abandonedMarkerMs());
      assertEquals(holdTtlMs + Retention.settleRetryWindowMs(150), retention.abandonedMarkerMs());
    } finally {
      client.close();
    }
  }
}
