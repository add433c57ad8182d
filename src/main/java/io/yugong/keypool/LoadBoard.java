package io.yugong.keypool;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Per-key load across the cluster. Each node counts locally and publishes its counts every
 * {@value #PUBLISH_MS} ms into a replicated map (one entry per member); cluster-wide figures are
 * this node's live counts plus the others' latest publications.
 */
final class LoadBoard {

  static final String MAP = "yugong.keyload";
  static final long PUBLISH_MS = 250;

  private final Vertx vertx;
  private final ReplicatedMap<String, String> map;
  private final String memberId;
  private final Executor writer;
  private final Map<String, KeyStats> local = new ConcurrentHashMap<>();
  private final Map<String, JsonObject> others = new ConcurrentHashMap<>();
  private long timer = -1;

  /** Cluster-wide figures for one key. */
  record Load(long inFlight, long requests, long tokens, long errors, RateLimits limits) {
  }

  LoadBoard(Vertx vertx, HazelcastInstance hz, Executor writer) {
    this.vertx = vertx;
    this.map = hz.getReplicatedMap(MAP);
    this.memberId = hz.getCluster().getLocalMember().getUuid().toString();
    this.writer = writer;
  }

  void start() {
    map.addEntryListener(new MapFollower(this::accept, others::remove, others::clear));
    map.forEach(this::accept);
    timer = vertx.setPeriodic(PUBLISH_MS, id -> publish());
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  KeyStats stats(String keyId) {
    return local.computeIfAbsent(keyId, k -> new KeyStats());
  }

  void forget(String keyId) {
    local.remove(keyId);
  }

  /** Drops the publication of a member that left. */
  void memberLeft(String member) {
    others.remove(member);
    writer.execute(() -> map.remove(member));
  }

  private void publish() {
    long now = System.currentTimeMillis();
    JsonObject all = new JsonObject();
    local.forEach((id, s) -> all.put(id, s.toWire(now)));
    String encoded = all.encode();
    writer.execute(() -> map.put(memberId, encoded));
  }

  /** The key's cluster-wide load now. */
  Load load(String keyId, long now) {
    KeyStats mine = local.get(keyId);
    long f = 0;
    long r = 0;
    long t = 0;
    long e = 0;
    RateLimits limits = RateLimits.UNKNOWN;
    if (mine != null) {
      f = mine.inFlight.get();
      r = mine.requests.sum(now);
      t = mine.tokens.sum(now);
      e = mine.errors.sum(now);
      limits = mine.limits;
    }
    for (JsonObject member : others.values()) {
      JsonObject k = member.getJsonObject(keyId);
      if (k == null) {
        continue;
      }
      f += k.getLong("f", 0L);
      r += k.getLong("r", 0L);
      t += k.getLong("t", 0L);
      e += k.getLong("e", 0L);
      JsonObject l = k.getJsonObject("l");
      if (l != null && l.getLong("o", 0L) > limits.observedAt()) {
        limits = RateLimits.fromWire(l);
      }
    }
    return new Load(f, r, t, e, limits);
  }

  /** The newest rate-limit headers any node has seen for a key. */
  RateLimits limits(String keyId) {
    KeyStats mine = local.get(keyId);
    RateLimits best = mine == null ? RateLimits.UNKNOWN : mine.limits;
    for (JsonObject member : others.values()) {
      JsonObject k = member.getJsonObject(keyId);
      JsonObject l = k == null ? null : k.getJsonObject("l");
      if (l != null && l.getLong("o", 0L) > best.observedAt()) {
        best = RateLimits.fromWire(l);
      }
    }
    return best;
  }

  /** In-flight requests of a key: this node's exact count plus the others' latest. */
  long inFlight(String keyId) {
    KeyStats mine = local.get(keyId);
    long f = mine == null ? 0 : mine.inFlight.get();
    for (JsonObject member : others.values()) {
      JsonObject k = member.getJsonObject(keyId);
      if (k != null) {
        f += k.getLong("f", 0L);
      }
    }
    return f;
  }

  private void accept(String member, String value) {
    if (!member.equals(memberId) && value != null) {
      others.put(member, new JsonObject(value));
    }
  }
}
