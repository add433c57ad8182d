package io.yugong.keypool;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the cluster has learned about keys that cannot serve a model: a (key, model) pair is
 * excluded for {@link #EXCLUSION_MS} after upstream said the key's project has no access to the
 * model. The key keeps serving every other model. Shared through a replicated map (entries expire
 * there too), read from this node's copy, so selection never leaves the node.
 */
final class ModelExclusions {

  static final String MAP = "yugong.keymodels";
  /** How long an exclusion lasts; learned again (one upstream call) if the key still cannot. */
  static final long EXCLUSION_MS = 60 * 60_000L;
  /** Model names longer than this are never learned (the request itself still moves on). */
  static final int MAX_MODEL_LENGTH = 256;
  /** At most this many pairs are kept, so that made-up model names cannot fill the memory. */
  static final int MAX_EXCLUSIONS = 10_000;
  private static final Logger LOG = LoggerFactory.getLogger(ModelExclusions.class);

  /** One excluded pair. */
  record Exclusion(long until, String reason, long learnedAt) {

    JsonObject toJson() {
      return new JsonObject().put("until", until).put("reason", reason).put("learnedAt", learnedAt);
    }

    static Exclusion fromJson(JsonObject j) {
      return new Exclusion(j.getLong("until", 0L), j.getString("reason"), j.getLong("learnedAt", 0L));
    }
  }

  private final ReplicatedMap<String, String> map;
  private final Executor writer;
  /** key id → model → exclusion. */
  private final Map<String, Map<String, Exclusion>> local = new ConcurrentHashMap<>();
  private final AtomicInteger size = new AtomicInteger();

  ModelExclusions(HazelcastInstance hz, Executor writer) {
    this.map = hz.getReplicatedMap(MAP);
    this.writer = writer;
  }

  void start() {
    map.addEntryListener(new MapFollower(this::accept, this::removed, this::cleared));
    map.forEach(this::accept);
  }

  /** True when the key may not be used for the model now. */
  boolean excluded(String keyId, String model, long now) {
    if (model == null) {
      return false;
    }
    Map<String, Exclusion> models = local.get(keyId);
    if (models == null) {
      return false;
    }
    Exclusion e = models.get(model);
    return e != null && now < e.until();
  }

  /** Records, here at once and then for the cluster, that the key cannot serve the model. */
  void learn(String keyId, String model, String reason, long now) {
    if (model == null || model.isEmpty() || model.length() > MAX_MODEL_LENGTH) {
      return;
    }
    if (excluded(keyId, model, now)) {
      return; // already known: an answer to a request sent before the exclusion
    }
    if (size.get() >= MAX_EXCLUSIONS && purge(now) == 0) {
      LOG.debug("not learning that key {} cannot serve a model: {} exclusions already", keyId, MAX_EXCLUSIONS);
      return;
    }
    Exclusion e = new Exclusion(now + EXCLUSION_MS, reason, now);
    put(keyId, model, e);
    if (LOG.isInfoEnabled() && !reason.endsWith("(404)")) {
      LOG.info("upstream key {} cannot serve model '{}' ({}); excluded for it until {}", keyId, model, reason,
          java.time.Instant.ofEpochMilli(e.until()));
    } else {
      // a 404 is as often a client's typo as a model the project cannot see: not worth an operator's line
      LOG.debug("upstream key {} does not know model '{}' ({}); excluded for it for an hour", keyId, model, reason);
    }
    String encoded = e.toJson().encode();
    writer.execute(() -> map.put(entry(keyId, model), encoded, EXCLUSION_MS, TimeUnit.MILLISECONDS));
  }

  /**
   * After a split: takes every pair the shared map holds, and publishes again, for what is left
   * of its hour, each pair this node knows that the map lost in the merge. Blocks on Hazelcast:
   * call it on the writer thread.
   */
  void heal() {
    long now = System.currentTimeMillis();
    java.util.Set<String> shared = new java.util.HashSet<>();
    map.forEach((entry, value) -> {
      shared.add(entry);
      accept(entry, value);
    });
    local.forEach((keyId, models) -> models.forEach((model, e) -> {
      String entry = entry(keyId, model);
      long left = e.until() - now;
      if (left > 0 && !shared.contains(entry)) {
        map.put(entry, e.toJson().encode(), left, TimeUnit.MILLISECONDS);
      }
    }));
  }

  /** Forgets every exclusion of a key (it was enabled again by an operator, or removed). */
  void forget(String keyId) {
    Map<String, Exclusion> models = local.remove(keyId);
    if (models == null) {
      return;
    }
    size.addAndGet(-models.size());
    for (String model : models.keySet()) {
      String k = entry(keyId, model);
      writer.execute(() -> map.remove(k));
    }
  }

  /** The key's current exclusions for an operator: {@code [{model, until, reason, learnedAt}]}, by model. */
  JsonArray view(String keyId, long now) {
    JsonArray out = new JsonArray();
    Map<String, Exclusion> models = local.get(keyId);
    if (models == null) {
      return out;
    }
    new TreeMap<>(models).forEach((model, e) -> {
      if (now < e.until()) {
        out.add(new JsonObject().put("model", model).mergeIn(e.toJson()));
      }
    });
    return out;
  }

  /** True when the key is excluded for at least one model now. */
  boolean any(String keyId, long now) {
    Map<String, Exclusion> models = local.get(keyId);
    if (models == null) {
      return false;
    }
    for (Exclusion e : models.values()) {
      if (now < e.until()) {
        return true;
      }
    }
    return false;
  }

  /** How many pairs are excluded now, cluster-wide. */
  int count(long now) {
    int n = 0;
    for (Map<String, Exclusion> models : local.values()) {
      for (Exclusion e : models.values()) {
        if (now < e.until()) {
          n++;
        }
      }
    }
    return n;
  }

  /** Key ids are {@code key_} and hex, without spaces: the first space ends the id. */
  private static String entry(String keyId, String model) {
    return keyId + " " + model;
  }

  private void accept(String entry, String value) {
    int space = entry.indexOf(' ');
    if (space <= 0) {
      return;
    }
    try {
      put(entry.substring(0, space), entry.substring(space + 1), Exclusion.fromJson(new JsonObject(value)));
    } catch (RuntimeException e) {
      LOG.warn("ignoring an unreadable key-model exclusion for {}", entry.substring(0, space));
    }
  }

  private void put(String keyId, String model, Exclusion e) {
    if (local.computeIfAbsent(keyId, k -> new ConcurrentHashMap<>()).put(model, e) == null) {
      size.incrementAndGet();
    }
  }

  private void removed(String entry) {
    int space = entry.indexOf(' ');
    if (space <= 0) {
      return;
    }
    Map<String, Exclusion> models = local.get(entry.substring(0, space));
    if (models != null && models.remove(entry.substring(space + 1)) != null) {
      size.decrementAndGet();
    }
  }

  /**
   * A map cleared under this node is a merge resetting it after a split (nothing else clears it):
   * what this node learned stays until its hour ends, and {@link #heal()} publishes it again.
   */
  private void cleared() {
  }

  /** Drops expired pairs; returns how many. */
  private int purge(long now) {
    int dropped = 0;
    for (Map<String, Exclusion> models : local.values()) {
      for (var it = models.entrySet().iterator(); it.hasNext();) {
        if (now >= it.next().getValue().until()) {
          it.remove();
          dropped++;
        }
      }
    }
    size.addAndGet(-dropped);
    return dropped;
  }
}
