package io.yugong.keypool;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key health shared by the cluster: cooldowns and disables live in a replicated map, so every
 * node sees them within milliseconds. A node applies its own verdicts locally at once (its next
 * choice already avoids the key) and publishes them without waiting. Each publication carries
 * when it was decided ({@value #STAMP}); after a split the newest decision about a key wins on
 * every node ({@link #heal()}).
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
  /** When the health held in {@link #local} was decided (epoch ms; 0 when nobody said). */
  private final Map<String, Long> stamps = new ConcurrentHashMap<>();
  static final String STAMP = "changedAt";
  /**
   * Decisions this node made (key id to stamp), repeated by {@link #heal()} for
   * {@value #REPEAT_MS} ms: a replica that missed the first publication (a put sent while the
   * cluster was splitting or merging) gets it from the node that decided, whatever the replicas
   * of either side hold.
   */
  private final Map<String, Long> decidedHere = new ConcurrentHashMap<>();
  static final long REPEAT_MS = 120_000;

  HealthBoard(HazelcastInstance hz, Executor writer) {
    this.map = hz.getReplicatedMap(MAP);
    this.writer = writer;
  }

  void start() {
    // A merge after a split resets the map on the side that merges, and may replay the other
    // side's older entries: neither may take a newer decision away from this node. What this node
    // decided stays until a newer decision replaces it ({@link #adopt}) and is published again by
    // {@link #heal()}; a map cleared under it therefore changes nothing here.
    map.addEntryListener(new MapFollower(this::adopt, this::removed, () -> { }));
    map.forEach(this::adopt);
  }

  /**
   * Takes a decision from the shared map unless this node holds a newer one for the key; then the
   * newer one is published again, so every node ends with the newest decision (last writer wins).
   */
  private void adopt(String keyId, String value) {
    JsonObject j = new JsonObject(value);
    long theirs = j.getLong(STAMP, 0L);
    Long mine = stamps.get(keyId);
    Health held = local.get(keyId);
    if (mine != null && held != null && theirs < mine) {
      String encoded = held.toJson().put(STAMP, mine.longValue()).encode();
      writer.execute(() -> map.put(keyId, encoded));
      return;
    }
    local.put(keyId, Health.fromJson(j));
    stamps.put(keyId, theirs);
  }

  private void removed(String keyId) {
    local.remove(keyId);
    stamps.remove(keyId);
  }

  /**
   * Makes this node and the shared map agree after the cluster was split: for each key the newer
   * decision wins, whichever side made it; what only this node knows is published again (a merge
   * may have dropped it). Blocks on Hazelcast: call it on the writer thread.
   */
  void heal() {
    Map<String, String> shared = new HashMap<>();
    map.forEach(shared::put);
    shared.forEach((keyId, value) -> {
      Long mine = stamps.get(keyId);
      if (mine == null || !local.containsKey(keyId) || stamp(value) > mine) {
        adopt(keyId, value);
      }
    });
    long now = System.currentTimeMillis();
    local.forEach((keyId, h) -> {
      String theirs = shared.get(keyId);
      long mine = stamps.getOrDefault(keyId, 0L);
      Long decided = decidedHere.get(keyId);
      boolean recentHere = decided != null && decided == mine && now - mine < REPEAT_MS;
      if (theirs == null || mine > stamp(theirs) || recentHere) {
        map.put(keyId, h.toJson().put(STAMP, mine).encode());
      }
    });
    decidedHere.entrySet().removeIf(e -> now - e.getValue() >= REPEAT_MS);
  }

  private static long stamp(String value) {
    try {
      return new JsonObject(value).getLong(STAMP, 0L);
    } catch (RuntimeException unreadable) {
      return 0;
    }
  }

  Health get(String keyId) {
    return local.getOrDefault(keyId, Health.FRESH);
  }

  boolean usable(String keyId, long now) {
    Health h = local.get(keyId);
    return h == null || h.usable(now);
  }

  /**
   * Applies what upstream answered to the key's health. {@code startedAt} is when the request
   * was sent: a failure of a request sent before the key's last recorded failure belongs to the
   * same incident, so it neither lengthens the streak nor the cooldown.
   */
  void record(String keyId, Verdict v, long startedAt, long now) {
    if (v.kind() == Verdict.Kind.SERVED) {
      Health h = local.get(keyId);
      if (h == null || h.failures() == 0) {
        return; // the common case: nothing to change, no lock taken
      }
    }
    Health[] changed = new Health[1];
    local.compute(keyId, (k, current) -> {
      Health h = current == null ? Health.FRESH : current;
      Health next = next(keyId, h, v, startedAt, now);
      changed[0] = next == h ? null : next;
      return next == Health.FRESH && current == null ? null : next;
    });
    if (changed[0] != null) {
      publish(keyId, changed[0]);
    }
  }

  private static Health next(String keyId, Health h, Verdict v, long startedAt, long now) {
    switch (v.kind()) {
      case SERVED -> {
        // A success ends a failure streak; it does not lift a cooldown or a disable, since it may
        // come from a request that was sent before the key was taken out.
        if (h.failures() == 0) {
          return h;
        }
        return Health.ACTIVE.equals(h.stateAt(now)) ? h.recovered() : h.withoutStreak();
      }
      case RATE_LIMITED -> {
        long until = now + v.retryAfterMs();
        if (h.permanent() || Health.DISABLED.equals(h.state())
            || (Health.COOLING.equals(h.state()) && h.until() >= until)) {
          return h;
        }
        return h.cooled(until, v.reason(), h.failures(), now);
      }
      case KEY_DEAD -> {
        return h.permanent() ? h : h.dead(v.reason(), now);
      }
      case UPSTREAM_FAILED -> {
        if (Health.DISABLED.equals(h.state()) || (h.lastErrorAt() > 0 && startedAt < h.lastErrorAt())) {
          return h;
        }
        int n = h.failures() + 1;
        if (n >= FAILURES_BEFORE_DISABLE) {
          LOG.warn("upstream key {} failed {} times in a row ({}); taking it out until a probe passes",
              keyId, n, v.reason());
          return h.suspended(n + " consecutive failures, last: " + v.reason(), n, FIRST_PROBE_MS, now);
        }
        long cool = Math.min(MAX_COOL_MS, BASE_COOL_MS << (n - 1));
        return h.cooled(now + cool, v.reason(), n, now);
      }
      default -> {
        return h;
      }
    }
  }

  /** Sets a key's health outright (operator action or a probe's result). */
  void put(String keyId, Health h) {
    local.put(keyId, h);
    publish(keyId, h);
  }

  private void publish(String keyId, Health h) {
    long now = System.currentTimeMillis();
    stamps.put(keyId, now);
    decidedHere.put(keyId, now);
    String encoded = h.toJson().put(STAMP, now).encode();
    writer.execute(() -> map.put(keyId, encoded));
  }

  void forget(String keyId) {
    local.remove(keyId);
    decidedHere.remove(keyId);
    stamps.remove(keyId);
    writer.execute(() -> map.remove(keyId));
  }

  Map<String, Health> all() {
    return local;
  }
}
