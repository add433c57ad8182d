package io.yugong.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.yugong.security.Secrets;
import io.yugong.security.Vault;
import io.yugong.testing.TestCluster;
import io.yugong.testing.TestRedis;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The node's account cache against a real Redis: it holds an account with its ancestors, a change
 * to an ancestor drops the cached descendants, a lookup racing with a change does not bring the
 * stale account back, and an untrusted cache is not served.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyCacheTest {

  private static final AtomicLong IDS = new AtomicLong(900_000 + new SecureRandom().nextInt(1_000_000));

  private Vertx vertx;
  private Redis redis;
  private AccountStore store;
  private Vault vault;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, TestRedis.get().url());
    store = new AccountStore(redis);
    byte[] mk = new byte[32];
    new SecureRandom().nextBytes(mk);
    vault = new Vault(mk);
  }

  @AfterAll
  void stop() throws Exception {
    TestCluster.await(redis.close());
    TestCluster.await(vertx.close());
  }

  private record Saved(Account account, String key) {
  }

  private Saved save(Account parent, String status) throws Exception {
    String id = Long.toString(IDS.incrementAndGet());
    String key = Secrets.newAccountKey();
    Map<String, String> h = new HashMap<>();
    h.put("id", id);
    h.put("path", parent == null ? id : parent.path() + "/" + id);
    h.put("parent", parent == null ? "" : parent.id());
    h.put("status", status);
    h.put("keyHash", vault.hashKey(key));
    h.put("partialKey", Secrets.mask(key));
    Account a = Account.fromHash(h);
    TestCluster.await(store.save(a, null));
    return new Saved(a, key);
  }

  private void change(Account a, Map<String, String> fields) throws Exception {
    TestCluster.await(store.save(a.with(fields), null));
  }

  private static JsonObject notice(Account a) {
    return new JsonObject().put("id", a.id()).put("hashes", new JsonArray().add(a.keyHash()));
  }

  @Test
  void anAccountIsCachedWithItsAncestorsRootFirst() throws Exception {
    Saved top = save(null, "active");
    Saved mid = save(top.account(), "active");
    Saved leaf = save(mid.account(), "active");
    KeyCache cache = new KeyCache(vault, store, () -> true);
    Account a = TestCluster.await(cache.lookup(leaf.key()));
    assertEquals(List.of(top.account().id(), mid.account().id()),
        a.ancestors().stream().map(Account::id).toList());
    assertTrue(a.usable());
  }

  @Test
  void aChangeToAnAncestorDropsEveryCachedDescendant() throws Exception {
    Saved top = save(null, "active");
    Saved mid = save(top.account(), "active");
    Saved leaf = save(mid.account(), "active");
    KeyCache cache = new KeyCache(vault, store, () -> true);
    assertTrue(TestCluster.await(cache.lookup(leaf.key())).usable());

    change(mid.account(), Map.of("status", "disabled"));
    assertTrue(TestCluster.await(cache.lookup(leaf.key())).usable(), "served from the cache until told");
    cache.forget(notice(mid.account()));
    Account now = TestCluster.await(cache.lookup(leaf.key()));
    assertFalse(now.usable(), "a disabled ancestor stops the descendant");
    assertTrue(now.disabledAbove());
  }

  @Test
  void aLookupThatBeganBeforeAChangeDoesNotCacheWhatItRead() throws Exception {
    Saved s = save(null, "active");
    KeyCache cache = new KeyCache(vault, store, () -> true);
    // On the event loop, so that the lookup's Redis replies cannot be handled before the forget.
    Promise<Future<Account>> started = Promise.promise();
    vertx.runOnContext(v -> {
      Future<Account> racing = cache.lookup(s.key());
      cache.forget(notice(s.account()));
      started.complete(racing);
    });
    Account read = TestCluster.await(TestCluster.await(started.future()));
    assertTrue(read.usable());

    // The change the notice was about lands in Redis; had the racing read been cached, it would win.
    change(s.account(), Map.of("status", "disabled"));
    assertFalse(TestCluster.await(cache.lookup(s.key())).usable());
  }

  @Test
  void anUntrustedCacheIsNotServed() throws Exception {
    Saved s = save(null, "active");
    AtomicBoolean trusted = new AtomicBoolean(true);
    KeyCache cache = new KeyCache(vault, store, trusted::get);
    assertTrue(TestCluster.await(cache.lookup(s.key())).usable());
    change(s.account(), Map.of("status", "disabled"));
    assertTrue(TestCluster.await(cache.lookup(s.key())).usable(), "a trusted entry is served");
    trusted.set(false);
    assertFalse(TestCluster.await(cache.lookup(s.key())).usable(), "an untrusted cache goes to Redis");
  }

  @Test
  void anAccountWithAMissingAncestorIsNotUsable() throws Exception {
    Saved top = save(null, "active");
    Saved mid = save(top.account(), "active");
    Saved leaf = save(mid.account(), "active");
    TestCluster.await(store.delete(mid.account()));
    KeyCache cache = new KeyCache(vault, store, () -> true);
    assertFalse(TestCluster.await(cache.lookup(leaf.key())).usable());
  }
}
