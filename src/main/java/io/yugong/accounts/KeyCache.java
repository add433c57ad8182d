package io.yugong.accounts;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.security.Vault;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * This node's cache from a bearer key's hash to its account, loaded together with all its
 * ancestors: hits cost no Redis call. Entries live 60 s (unknown keys 30 s); a change notice
 * ({@code {id, hashes}}) drops the keys it names and every cached account at or below the
 * changed one. Hits are served only while {@code trusted} says the node is following the change
 * stream; otherwise every lookup goes to Redis.
 *
 * <p>A lookup that began before a change notice arrived does not cache what it read, so a fill
 * racing with an invalidation cannot bring the stale account back.
 */
final class KeyCache {

  private static final long TTL_MS = 60_000;
  private static final long NEGATIVE_TTL_MS = 30_000;
  /** Past this many entries unknown keys are not remembered (a flood of made-up keys). */
  private static final int MAX_ENTRIES = 100_000;

  private final Vault vault;
  private final AccountStore store;
  private final BooleanSupplier trusted;
  private final Map<String, Cached> byKeyHash = new ConcurrentHashMap<>();
  private final AtomicLong generation = new AtomicLong();

  private record Cached(Account account, long at) {
  }

  /** A lookup in flight, and the generation it began in: only a lookup of that generation joins it. */
  private record Loading(Future<Account> future, long generation) {
  }

  /** One Redis lookup per key at a time: a burst on a cold key asks once, not once per request. */
  private final Map<String, Loading> loading = new ConcurrentHashMap<>();

  KeyCache(Vault vault, AccountStore store, BooleanSupplier trusted) {
    this.vault = vault;
    this.store = store;
    this.trusted = trusted;
  }

  /** The account behind a bearer key with its ancestors, or null when the key is unknown. */
  Future<Account> lookup(String bearerKey) {
    String hash = vault.hashKey(bearerKey);
    Cached c = byKeyHash.get(hash);
    long now = System.currentTimeMillis();
    if (c != null && now - c.at < ttl(c) && trusted.getAsBoolean()) {
      return Future.succeededFuture(c.account);
    }
    long began = generation.get();
    Loading inFlight = loading.get(hash);
    if (inFlight != null && inFlight.generation() == began) {
      return onCallersContext(inFlight.future());
    }
    Future<Account> f = store.idForKeyHash(hash)
        .compose(id -> id == null ? Future.succeededFuture(null) : store.load(id))
        .compose(a -> a == null || !Vault.sameHash(a.keyHash(), hash) ? Future.succeededFuture(null)
            : store.loadAll(a.ancestorIds()).map(a::withAncestors))
        .map(found -> {
          if (found != null || byKeyHash.size() < MAX_ENTRIES) {
            Cached entry = new Cached(found, now);
            byKeyHash.put(hash, entry);
            if (generation.get() != began) {
              byKeyHash.remove(hash, entry);
            }
          }
          return found;
        });
    Loading mine = new Loading(f, began);
    loading.put(hash, mine);
    f.onComplete(ar -> loading.remove(hash, mine));
    return f;
  }

  /**
   * The shared lookup's outcome, delivered on the joining caller's own context (the lookup
   * completes on the context of the request that started it).
   */
  private static Future<Account> onCallersContext(Future<Account> shared) {
    io.vertx.core.Context caller = io.vertx.core.Vertx.currentContext();
    if (caller == null) {
      return shared;
    }
    io.vertx.core.Promise<Account> p = io.vertx.core.Promise.promise();
    shared.onComplete(ar -> caller.runOnContext(v -> p.handle(ar)));
    return p.future();
  }

  private static long ttl(Cached c) {
    return c.account == null ? NEGATIVE_TTL_MS : TTL_MS;
  }

  /** Drops what change notices make stale: the keys they name, and the changed accounts' subtrees. */
  void forget(Collection<JsonObject> notices) {
    generation.incrementAndGet();
    Set<String> ids = new HashSet<>();
    for (JsonObject n : notices) {
      n.getJsonArray("hashes", new JsonArray()).forEach(h -> byKeyHash.remove(String.valueOf(h)));
      String id = n.getString("id");
      if (id != null && !id.isEmpty()) {
        ids.add(id);
      }
    }
    if (!ids.isEmpty()) {
      byKeyHash.values().removeIf(c -> c.account != null && inSubtree(c.account, ids));
    }
  }

  void forget(JsonObject notice) {
    forget(List.of(notice));
  }

  /** Drops everything (the node may have missed changes). */
  void forgetAll() {
    generation.incrementAndGet();
    byKeyHash.clear();
    loading.clear();
  }

  /** Drops entries past their time, so keys nobody uses again do not stay in memory. */
  void sweep() {
    long now = System.currentTimeMillis();
    byKeyHash.values().removeIf(c -> now - c.at >= ttl(c));
  }

  private static boolean inSubtree(Account a, Set<String> ids) {
    for (String segment : a.path().split("/")) {
      if (ids.contains(segment)) {
        return true;
      }
    }
    return ids.contains(a.id());
  }
}
