package io.yugong.keypool;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
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
  private final HazelcastInstance hz;
  private final Executor writer;
  private final Map<String, KeyStats> local = new ConcurrentHashMap<>();
  /** Each other member's latest publication, parsed once when it arrives. */
  private final Map<String, Map<String, Load>> others = new ConcurrentHashMap<>();
  /** The sum over the other members, per key: what a request reads, with no parsing or looping. */
  private volatile Map<String, Load> remote = Map.of();
  private long timer = -1;

  /** Figures for one key; {@code limits} are the newest rate-limit headers among them. */
  record Load(long inFlight, long requests, long tokens, long errors, RateLimits limits) {

    static final Load NONE = new Load(0, 0, 0, 0, RateLimits.UNKNOWN);

    Load plus(Load o) {
      return new Load(inFlight + o.inFlight, requests + o.requests, tokens + o.tokens, errors + o.errors,
          newer(limits, o.limits));
    }

    static RateLimits newer(RateLimits a, RateLimits b) {
      return b.observedAt() > a.observedAt() ? b : a;
    }
  }

  LoadBoard(Vertx vertx, HazelcastInstance hz, Executor writer) {
    this.vertx = vertx;
    this.map = hz.getReplicatedMap(MAP);
    this.hz = hz;
    this.writer = writer;
  }

  void start() {
    map.addEntryListener(new MapFollower(this::accept, this::drop, () -> {
      others.clear();
      total();
    }));
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
    drop(member);
    writer.execute(() -> map.remove(member));
  }

  private void publish() {
    long now = System.currentTimeMillis();
    JsonObject all = new JsonObject();
    local.forEach((id, s) -> all.put(id, s.toWire(now)));
    String encoded = all.encode();
    writer.execute(() -> map.put(memberId(), encoded));
  }

  /** This member's id now: Hazelcast gives a member a new one when it merges back after a split. */
  private String memberId() {
    return hz.getCluster().getLocalMember().getUuid().toString();
  }

  /**
   * After a split: keeps the publications of current members only (dropping this node's own
   * under an id it no longer has), reads the others' afresh and publishes this node's again.
   * Blocks on Hazelcast: call it on the writer thread.
   */
  void heal() {
    java.util.Set<String> members = new java.util.HashSet<>();
    hz.getCluster().getMembers().forEach(m -> members.add(m.getUuid().toString()));
    others.keySet().retainAll(members);
    java.util.List<String> gone = new java.util.ArrayList<>();
    map.forEach((member, value) -> {
      if (members.contains(member)) {
        accept(member, value);
      } else {
        gone.add(member);
      }
    });
    gone.forEach(map::remove);
    total();
    publish();
  }

  /** The key's cluster-wide load now. */
  Load load(String keyId, long now) {
    KeyStats mine = local.get(keyId);
    Load mineNow = mine == null ? Load.NONE : new Load(mine.inFlight.get(), mine.requests.sum(now),
        mine.tokens.sum(now), mine.errors.sum(now), mine.limits);
    return mineNow.plus(remote.getOrDefault(keyId, Load.NONE));
  }

  /** The newest rate-limit headers any node has seen for a key. */
  RateLimits limits(String keyId) {
    KeyStats mine = local.get(keyId);
    RateLimits own = mine == null ? RateLimits.UNKNOWN : mine.limits;
    return Load.newer(own, remote.getOrDefault(keyId, Load.NONE).limits());
  }

  /** In-flight requests of a key: this node's exact count plus the others' latest. */
  long inFlight(String keyId) {
    KeyStats mine = local.get(keyId);
    return (mine == null ? 0 : mine.inFlight.get()) + remote.getOrDefault(keyId, Load.NONE).inFlight();
  }

  private void accept(String member, String value) {
    if (value == null || member.equals(memberId())) {
      return;
    }
    Map<String, Load> parsed = new HashMap<>();
    new JsonObject(value).forEach(e -> {
      JsonObject k = (JsonObject) e.getValue();
      JsonObject l = k.getJsonObject("l");
      parsed.put(e.getKey(), new Load(k.getLong("f", 0L), k.getLong("r", 0L), k.getLong("t", 0L),
          k.getLong("e", 0L), l == null ? RateLimits.UNKNOWN : RateLimits.fromWire(l)));
    });
    others.put(member, parsed);
    total();
  }

  private void drop(String member) {
    if (others.remove(member) != null) {
      total();
    }
  }

  /** Sums the other members' publications per key (every publication, not every request). */
  private synchronized void total() {
    Map<String, Load> sum = new HashMap<>();
    for (Map<String, Load> member : others.values()) {
      member.forEach((key, l) -> sum.merge(key, l, Load::plus));
    }
    remote = sum;
  }
}
