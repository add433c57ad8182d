package io.yugong.keypool;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.MapEvent;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.yugong.security.Secrets;
import io.yugong.security.Vault;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool of upstream keys as this node sees it. Records live sealed in Redis (the truth) and
 * in a Hazelcast replicated map (the cluster copy); each node keeps a local replica with the
 * secrets opened in memory, so choosing a key never leaves the node.
 */
public final class KeyPool {

  static final String REDIS_KEYS = "yg:keys";
  static final String MAP_KEYS = "yugong.keys";
  private static final Logger LOG = LoggerFactory.getLogger(KeyPool.class);

  private final Vertx vertx;
  private final Redis redis;
  private final ReplicatedMap<String, String> cluster;
  private final Vault vault;
  private final String defaultBaseUrl;
  private final KeyHealth health;
  private final Map<String, LiveKey> live = new ConcurrentHashMap<>();
  private volatile LiveKey[] snapshot = new LiveKey[0];
  private final AtomicLong roundRobin = new AtomicLong();

  public KeyPool(Vertx vertx, Redis redis, HazelcastInstance hz, Vault vault, String defaultBaseUrl,
      String nodeId) {
    this.vertx = vertx;
    this.redis = redis;
    this.cluster = hz.getReplicatedMap(MAP_KEYS);
    this.vault = vault;
    this.defaultBaseUrl = defaultBaseUrl;
    this.health = new KeyHealth(vertx, hz, nodeId);
  }

  /** Loads the keys from Redis into the cluster map and starts following the map. */
  public Future<Void> start() {
    return vertx.executeBlocking(() -> {
      cluster.addEntryListener(new Follower());
      cluster.values().forEach(this::accept);
      return null;
    }, false).compose(v -> redis.send(Request.cmd(Command.HGETALL).arg(REDIS_KEYS)))
        .compose(all -> vertx.executeBlocking(() -> {
          for (String id : all.getKeys()) {
            String stored = all.get(id).toString();
            accept(stored);
            if (!stored.equals(cluster.get(id))) {
              cluster.put(id, stored);
            }
          }
          return null;
        }, false))
        .compose(v -> health.start());
  }

  /** Adds a key from an admin request {@code {key, baseUrl?, models?, name?, level?, weight?, org?}}. */
  public Future<UpstreamKey> add(JsonObject req) {
    String secret = req.getString("key");
    if (secret == null || secret.isBlank()) {
      return Future.failedFuture(new IllegalArgumentException("'key' is required"));
    }
    String baseUrl = normaliseBaseUrl(req.getString("baseUrl", defaultBaseUrl));
    String id = "key_" + Secrets.randomHex(16);
    List<String> models = new ArrayList<>();
    JsonArray m = req.getJsonArray("models", new JsonArray());
    m.forEach(x -> models.add(x.toString()));
    UpstreamKey key = new UpstreamKey(id, req.getString("name", id), vault.seal(secret.trim(), id),
        Secrets.mask(secret.trim()), baseUrl, models, req.getInteger("level", 1),
        req.getInteger("weight", 1), req.getString("org"), true, null, System.currentTimeMillis());
    return save(key).map(key);
  }

  /** Persists a changed record in Redis, then in the cluster map. */
  public Future<Void> save(UpstreamKey key) {
    String stored = key.toStored().encode();
    return redis.send(Request.cmd(Command.HSET).arg(REDIS_KEYS).arg(key.id()).arg(stored))
        .compose(r -> vertx.executeBlocking(() -> cluster.put(key.id(), stored), false))
        .mapEmpty();
  }

  /** Removes a key everywhere; false when there was none. */
  public Future<Boolean> remove(String id) {
    return redis.send(Request.cmd(Command.HDEL).arg(REDIS_KEYS).arg(id))
        .compose(r -> vertx.executeBlocking(() -> cluster.remove(id) != null || r.toInteger() > 0, false));
  }

  public Optional<UpstreamKey> find(String id) {
    LiveKey k = live.get(id);
    return k == null ? Optional.empty() : Optional.of(k.record());
  }

  /** The records of this node's replica, in creation order. */
  public List<UpstreamKey> records() {
    List<UpstreamKey> out = new ArrayList<>();
    for (LiveKey k : snapshot) {
      out.add(k.record());
    }
    return out;
  }

  /** Operator's view of one key: masked, never the secret. */
  public JsonObject view(UpstreamKey k) {
    return new JsonObject()
        .put("id", k.id()).put("name", k.name()).put("key", k.hint()).put("baseUrl", k.baseUrl())
        .put("models", new JsonArray(k.models())).put("level", k.level()).put("weight", k.weight())
        .put("org", k.org()).put("enabled", k.enabled()).put("disabledReason", k.disabledReason())
        .put("createdAt", k.createdAt())
        .mergeIn(health.view(k.id()));
  }

  /** Counts for the cluster view. */
  public JsonObject summary() {
    int enabled = 0;
    for (LiveKey k : snapshot) {
      if (k.record().enabled()) {
        enabled++;
      }
    }
    return new JsonObject().put("keys", snapshot.length).put("enabled", enabled);
  }

  /**
   * Chooses a key for a model, skipping the ids in {@code exclude}; empty when none can serve.
   * Reads only local memory.
   */
  public Optional<KeyLease> pick(String model, Set<String> exclude) {
    LiveKey[] keys = snapshot;
    int n = keys.length;
    if (n == 0) {
      return Optional.empty();
    }
    long start = roundRobin.getAndIncrement();
    for (int i = 0; i < n; i++) {
      LiveKey k = keys[(int) ((start + i) % n)];
      UpstreamKey r = k.record();
      if (r.enabled() && !exclude.contains(r.id()) && r.serves(model)) {
        return Optional.of(new KeyLease(k, health));
      }
    }
    return Optional.empty();
  }

  static String normaliseBaseUrl(String url) {
    String u = url.trim();
    while (u.endsWith("/")) {
      u = u.substring(0, u.length() - 1);
    }
    if (u.endsWith("/v1")) {
      u = u.substring(0, u.length() - 3);
    }
    return u;
  }

  private void accept(String stored) {
    UpstreamKey rec = UpstreamKey.fromStored(new JsonObject(stored));
    LiveKey existing = live.get(rec.id());
    if (existing != null && existing.record().equals(rec)) {
      return;
    }
    try {
      String secret = existing != null && existing.record().sealed().equals(rec.sealed())
          ? existing.secret() : vault.open(rec.sealed(), rec.id());
      live.put(rec.id(), new LiveKey(rec, secret));
    } catch (RuntimeException e) {
      LOG.error("upstream key {} cannot be opened with this node's master key; it is not used here", rec.id());
      return;
    }
    rebuild();
  }

  private void drop(String id) {
    if (live.remove(id) != null) {
      rebuild();
    }
  }

  private synchronized void rebuild() {
    LiveKey[] next = live.values().toArray(new LiveKey[0]);
    java.util.Arrays.sort(next, Comparator.comparingLong((LiveKey k) -> k.record().createdAt())
        .thenComparing(k -> k.record().id()));
    snapshot = next;
  }

  private final class Follower implements EntryListener<String, String> {
    @Override
    public void entryAdded(EntryEvent<String, String> e) {
      accept(e.getValue());
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> e) {
      accept(e.getValue());
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> e) {
      drop(e.getKey());
    }

    @Override
    public void entryEvicted(EntryEvent<String, String> e) {
      drop(e.getKey());
    }

    @Override
    public void entryExpired(EntryEvent<String, String> e) {
      drop(e.getKey());
    }

    @Override
    public void mapCleared(MapEvent e) {
      live.clear();
      rebuild();
    }

    @Override
    public void mapEvicted(MapEvent e) {
      mapCleared(e);
    }
  }
}
