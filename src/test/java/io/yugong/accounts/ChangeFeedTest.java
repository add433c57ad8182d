package io.yugong.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.yugong.testing.Eventually;
import io.yugong.testing.TestCluster;
import io.yugong.testing.TestRedis;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The change stream, the backstop of cache invalidation that needs no event bus: what one node
 * appends every other reads, a node that lost its place drops everything, and a node that cannot
 * read the stream stops trusting its cache. Real Redis, one stream per test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChangeFeedTest {

  private Vertx vertx;
  private Redis redis;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, TestRedis.get().url());
  }

  @AfterAll
  void stop() throws Exception {
    TestCluster.await(redis.close());
    TestCluster.await(vertx.close());
  }

  private static String stream() {
    return "yg:test-changes:" + TestCluster.randomHex(8);
  }

  private static JsonObject notice(String id, String... hashes) {
    return new JsonObject().put("id", id).put("hashes", new JsonArray(List.of((Object[]) hashes)));
  }

  @Test
  void aChangeAppendedByOneNodeIsReadByTheOthers() throws Exception {
    String stream = stream();
    List<JsonObject> seen = new CopyOnWriteArrayList<>();
    ChangeFeed writer = new ChangeFeed(vertx, redis, stream, n -> { }, () -> { });
    ChangeFeed reader = new ChangeFeed(vertx, redis, stream, seen::addAll, () -> { });
    TestCluster.await(writer.start("writer"));
    TestCluster.await(reader.start("reader"));
    try {
      TestCluster.await(writer.append(notice("42", "h1", "h2")));
      TestCluster.await(writer.append(notice("43", "h3")));
      Eventually.eventually(Duration.ofSeconds(2), () -> assertEquals(2, seen.size()));
      assertEquals(notice("42", "h1", "h2"), seen.get(0));
      assertEquals(notice("43", "h3"), seen.get(1));
    } finally {
      writer.stop();
      reader.stop();
    }
  }

  @Test
  void aNodeWhosePlaceWasTrimmedAwayDropsItsWholeCache() throws Exception {
    String stream = stream();
    List<JsonObject> seen = new CopyOnWriteArrayList<>();
    AtomicInteger gaps = new AtomicInteger();
    ChangeFeed reader = new ChangeFeed(vertx, redis, stream, seen::addAll, gaps::incrementAndGet);
    TestCluster.await(reader.start("reader"));
    reader.stop();
    TestCluster.await(reader.append(notice("7", "a")));
    TestCluster.await(reader.poll());
    assertEquals(1, seen.size());
    assertEquals(0, gaps.get());

    // More changes than the stream keeps arrive while the node is not reading.
    TestCluster.await(reader.append(notice("8", "b")));
    TestCluster.await(reader.append(notice("9", "c")));
    TestCluster.await(redis.send(Request.cmd(Command.XTRIM).arg(stream).arg("MAXLEN").arg(1)));
    TestCluster.await(reader.poll());
    assertEquals(1, gaps.get(), "the node may have missed changes, so it forgets everything");
    assertEquals("9", seen.get(seen.size() - 1).getString("id"));
  }

  @Test
  void aNodeTrustsItsCacheOnlyWhileItReadsTheStream() throws Exception {
    String stream = stream();
    ChangeFeed reader = new ChangeFeed(vertx, redis, stream, n -> { }, () -> { });
    assertFalse(reader.current(), "nothing is trusted before the first read");
    TestCluster.await(reader.start("reader"));
    assertTrue(reader.current());
    reader.stop();
    // Not reading, as a frozen or partitioned node: the trust runs out on its own.
    Thread.sleep(ChangeFeed.TRUST_MS + 100);
    assertFalse(reader.current(), "a node that has not read the stream lately goes to Redis");
    TestCluster.await(reader.poll());
    assertTrue(reader.current());
  }

  @Test
  void aNodeThatReadsTheStreamIsKnownAsAReaderUntilItStops() throws Exception {
    String stream = stream();
    ChangeFeed a = new ChangeFeed(vertx, redis, stream, n -> { }, () -> { });
    ChangeFeed b = new ChangeFeed(vertx, redis, stream, n -> { }, () -> { });
    TestCluster.await(a.start("node-a"));
    TestCluster.await(b.start("node-b"));
    try {
      assertEquals(Set.of("node-a", "node-b"), TestCluster.await(a.readers()));
      TestCluster.await(b.stop());
      assertEquals(Set.of("node-a"), TestCluster.await(a.readers()), "a node that stops leaves the register");
    } finally {
      a.stop();
      b.stop();
    }
  }
}
