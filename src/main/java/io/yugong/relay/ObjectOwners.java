package io.yugong.relay;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.yugong.node.StoreHealth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which upstream key holds each stored object an account created, so that the object is always
 * addressed through that key, and only by that account. In Redis, under the account's hash tag:
 * {@code yg:{a:ACCOUNT}:obj:OBJECT_ID} → the key id, with a TTL; an account's lookup can only find
 * its own objects. Cached per node (bounded in entries and time); an unknown id is never cached,
 * so an object recorded by another node a moment ago is found. Thread-safe; never blocks.
 */
public final class ObjectOwners {

  /** Entries each node keeps. */
  static final int CACHE_ENTRIES = 100_000;
  /** How long a node trusts what it cached. */
  static final long CACHE_MS = 10 * 60_000;

  private record Cached(String keyId, long until) {
  }

  private final Redis redis;
  private final StoreHealth health;
  private final long ttlSeconds;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  public ObjectOwners(Redis redis, StoreHealth health, long ttlSeconds) {
    this.redis = redis;
    this.health = health;
    this.ttlSeconds = ttlSeconds;
  }

  /** The Redis key of an object of an account (ids checked by {@link ObjectRoute#validId}). */
  static String redisKey(String accountId, String objectId) {
    return "yg:{a:" + accountId + "}:obj:" + objectId;
  }

  /** The key ids holding those of the objects the account created (missing ids: unknown to it). */
  Future<Map<String, String>> keysOf(String accountId, List<String> ids) {
    long now = System.currentTimeMillis();
    Map<String, String> found = new HashMap<>();
    List<String> missing = new ArrayList<>();
    for (String id : ids) {
      Cached c = cache.get(accountId + ' ' + id);
      if (c != null && c.until > now) {
        found.put(id, c.keyId);
      } else if (!missing.contains(id)) {
        missing.add(id);
      }
    }
    if (missing.isEmpty()) {
      return Future.succeededFuture(found);
    }
    Request mget = Request.cmd(Command.MGET);
    missing.forEach(id -> mget.arg(redisKey(accountId, id)));
    return health.guard(redis.send(mget)).map(r -> {
      for (int i = 0; i < missing.size(); i++) {
        Response v = r == null ? null : r.get(i);
        if (v != null) {
          String keyId = v.toString();
          found.put(missing.get(i), keyId);
          cache(accountId, missing.get(i), keyId, now);
        }
      }
      return found;
    });
  }

  /**
   * Records that the account's new objects live in the key. An id already recorded keeps its first
   * owner (SET NX): an answer can never move another's object to this account.
   */
  Future<Void> remember(String accountId, List<String> ids, String keyId) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    long now = System.currentTimeMillis();
    List<Request> sets = new ArrayList<>();
    for (String id : ids) {
      sets.add(Request.cmd(Command.SET).arg(redisKey(accountId, id)).arg(keyId).arg("NX").arg("EX").arg(ttlSeconds));
    }
    return health.guard(redis.batch(sets)).map(r -> {
      for (String id : ids) {
        cache(accountId, id, keyId, now);
      }
      return null;
    });
  }

  /** Forgets a deleted object. */
  Future<Void> forget(String accountId, String id) {
    cache.remove(accountId + ' ' + id);
    return health.guard(redis.send(Request.cmd(Command.DEL).arg(redisKey(accountId, id)))).mapEmpty();
  }

  private void cache(String accountId, String id, String keyId, long now) {
    if (cache.size() >= CACHE_ENTRIES) {
      cache.values().removeIf(c -> c.until <= now);
      if (cache.size() >= CACHE_ENTRIES) {
        cache.clear(); // all live: start again rather than grow; Redis still knows every entry
      }
    }
    cache.put(accountId + ' ' + id, new Cached(keyId, now + CACHE_MS));
  }
}
