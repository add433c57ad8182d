package io.yugong.keypool;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.MapEvent;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key health shared by the cluster: cooldowns and disables live in a replicated map, so every
 * node sees them within milliseconds. A node applies its own verdicts locally at once (its next
 * choice already avoids the key) and publishes them without waiting.
 */
final class HealthBoard {

  static final String MAP = "yugong.keyhealth";
  private static final Logger LOG = LoggerFactory.getLogger(HealthBoard.class);
  /** Consecutive upstream failures after which a key is taken out and probed instead. */
  static final int FAILURES_BEFORE_DISABLE = 5;
  static final long BASE_COOL_MS = 1000;
  static final long MAX_COOL_MS = 60_000;
  static final long FIRST_PROBE_MS = 10_000;

  private final ReplicatedMap<String, String> map;
  private final Executor writer;
  private final Map<String, Health> local = new ConcurrentHashMap<>();

  HealthBoard(HazelcastInstance hz, Executor writer) {
    this.map = hz.getReplicatedMap(MAP);
    this.writer = writer;
  }

  void start() {
    map.addEntryListener(new Follower());
    map.forEach((k, v) -> local.put(k, Health.fromJson(new JsonObject(v))));
  }

  Health get(String keyId) {
    return local.getOrDefault(keyId, Health.FRESH);
  }

  boolean usable(String keyId, long now) {
    Health h = local.get(keyId);
    return h == null || h.usable(now);
  }

  /** Applies what upstream answered to the key's health. */
  void record(String keyId, Verdict v, long now) {
    Health h = get(keyId);
    switch (v.kind()) {
      case SERVED -> {
        // A success ends a failure streak; it does not lift a cooldown or a disable, since it may
        // come from a request that was sent before the key was taken out.
        if (h.failures() > 0) {
          put(keyId, Health.ACTIVE.equals(h.stateAt(now)) ? h.recovered() : h.withoutStreak());
        }
      }
      case RATE_LIMITED -> put(keyId, h.cooled(now + v.retryAfterMs(), v.reason(), h.failures(), now));
      case KEY_DEAD -> put(keyId, h.disabled(v.reason(), true, 0, h.failures(), now));
      case UPSTREAM_FAILED -> {
        int n = h.failures() + 1;
        if (n >= FAILURES_BEFORE_DISABLE) {
          LOG.warn("upstream key {} failed {} times in a row ({}); taking it out until a probe passes",
              keyId, n, v.reason());
          put(keyId, h.disabled(n + " consecutive failures, last: " + v.reason(), false,
              now + FIRST_PROBE_MS, n, now));
        } else {
          long cool = Math.min(MAX_COOL_MS, BASE_COOL_MS << (n - 1));
          put(keyId, h.cooled(now + cool, v.reason(), n, now));
        }
      }
      default -> {
      }
    }
  }

  /** Sets a key's health outright (operator action or a probe's result). */
  void put(String keyId, Health h) {
    local.put(keyId, h);
    String encoded = h.toJson().encode();
    writer.execute(() -> map.put(keyId, encoded));
  }

  void forget(String keyId) {
    local.remove(keyId);
    writer.execute(() -> map.remove(keyId));
  }

  Map<String, Health> all() {
    return local;
  }

  private final class Follower implements EntryListener<String, String> {
    @Override
    public void entryAdded(EntryEvent<String, String> e) {
      local.put(e.getKey(), Health.fromJson(new JsonObject(e.getValue())));
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> e) {
      entryAdded(e);
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> e) {
      local.remove(e.getKey());
    }

    @Override
    public void entryEvicted(EntryEvent<String, String> e) {
      local.remove(e.getKey());
    }

    @Override
    public void entryExpired(EntryEvent<String, String> e) {
      local.remove(e.getKey());
    }

    @Override
    public void mapCleared(MapEvent e) {
      local.clear();
    }

    @Override
    public void mapEvicted(MapEvent e) {
      local.clear();
    }
  }
}
