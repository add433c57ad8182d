package io.yugong.hostile;

import io.yugong.testing.NodeProcess;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.yugong.accounts.Account;
import io.yugong.accounts.Accounts;
import io.yugong.billing.Wallets;
import io.yugong.mock.MockOptions;
import io.yugong.security.Vault;
import io.yugong.testing.Eventually;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A revoked key stops working everywhere even while the cluster is split: a node frozen while a
 * key was rotated elsewhere (so it got no notice of the change) refuses the old key as soon as it
 * resumes, before it has caught up; a node cut off from the cluster but not from Redis refuses it
 * by the time the rotation answers. One node runs in this JVM, the other as a process of its own
 * that can be stopped with SIGSTOP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FrozenNodeRevocationTest {

  private static final Duration FROZEN = Duration.ofSeconds(15);

  private TestCluster c;
  private NodeProcess frozen;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(1, new MockOptions(), Map.of());
    frozen = NodeProcess.join(c, Duration.ofSeconds(90));
    // The in-JVM node knows the process node as a live member, so a change waits for its answer.
    Eventually.eventually(Duration.ofSeconds(30),
        () -> assertEquals(2, c.nodes.get(0).services().cluster().nodeIds().size()));
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
  void aKeyRevokedWhileANodeWasFrozenIsRefusedByItTheMomentItResumes() throws Exception {
    String oldKey = HostileKit.secret(HostileKit.customer(c, "frozen-owner", "5"));
    // The process node has the key in its cache.
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> warm = frozen.call("GET", "/dashboard/x_user/info", oldKey);
      assertEquals(200, warm.statusCode(), warm::body);
    }

    frozen.freeze();
    String newKey;
    try {
      long began = System.nanoTime();
      HttpResponse<String> rotated = c.call(0, "POST", "/x-self", oldKey, null);
      long tookMs = (System.nanoTime() - began) / 1_000_000;
      assertEquals(200, rotated.statusCode(), rotated::body);
      newKey = HostileKit.json(rotated).getString("SecretKey");
      assertTrue(tookMs < 5_000, "a frozen node delays a change by a bounded time, not " + tookMs + " ms");
      assertEquals(401, c.call(0, "GET", "/dashboard/x_user/info", oldKey, null).statusCode());
      Thread.sleep(FROZEN.toMillis());
    } finally {
      frozen.resume();
    }

    // The very first request after resuming, before the node could have read any notice.
    HttpResponse<String> first = frozen.call("GET", "/dashboard/x_user/info", oldKey);
    assertEquals(401, first.statusCode(), () -> "the resumed node served the revoked key: " + first.body());
    for (int i = 0; i < 20; i++) {
      assertEquals(401, frozen.call("GET", "/dashboard/x_user/info", oldKey).statusCode());
    }
    HttpResponse<String> renewed = frozen.call("GET", "/dashboard/x_user/info", newKey);
    assertEquals(200, renewed.statusCode(), renewed::body);
  }

  @Test
  void aKeyRevokedOnOneSideOfASplitIsRefusedOnTheOtherWhenTheCallAnswers() throws Exception {
    String key = HostileKit.secret(HostileKit.customer(c, "split-owner", "1"));
    Vertx vertx = Vertx.vertx();
    Redis redis = Redis.createClient(vertx, c.redis.url());
    Vault vault = new Vault(Base64.getDecoder().decode(c.masterKey));
    // Two more nodes' account services on the same Redis, each alone in its cluster: no event bus
    // reaches one from the other.
    Accounts left = new Accounts(vertx, redis, vault, new Wallets(redis), 1000, 8);
    Accounts right = new Accounts(vertx, redis, vault, new Wallets(redis), 1000, 8);
    try {
      TestCluster.await(left.start(c.adminKey, "split-left", () -> List.of("split-left")));
      TestCluster.await(right.start(c.adminKey, "split-right", () -> List.of("split-right")));
      Account before = TestCluster.await(left.authenticate(key));
      assertNotNull(TestCluster.await(right.authenticate(key)), "cached on the other side");

      TestCluster.await(left.rotate(before));
      assertNull(TestCluster.await(right.authenticate(key)), "the other side still took the old key");
    } finally {
      TestCluster.await(left.stop());
      TestCluster.await(right.stop());
      TestCluster.await(redis.close());
      TestCluster.await(vertx.close());
    }
  }
}
