package io.yugong.keypool;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.TrustOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings back keys that were taken out for transient reasons. Each such key is probed by exactly
 * one node (rendezvous hashing over the current members) with a cheap {@code GET /v1/models};
 * a pass re-enables it everywhere, a dead key is disabled for good, anything else backs off.
 */
final class Prober {

  private static final Logger LOG = LoggerFactory.getLogger(Prober.class);
  private static final long TICK_MS = 1000;
  private static final long MAX_BACKOFF_MS = 5 * 60_000;

  private final Vertx vertx;
  private final HazelcastInstance hz;
  private final KeyPool pool;
  private final HealthBoard health;
  private final Set<String> probing = ConcurrentHashMap.newKeySet();
  private final TrustOptions trust;
  private HttpClient client;
  private long timer = -1;

  Prober(Vertx vertx, HazelcastInstance hz, KeyPool pool, HealthBoard health, TrustOptions trust) {
    this.trust = trust;
    this.vertx = vertx;
    this.hz = hz;
    this.pool = pool;
    this.health = health;
  }

  void start() {
    HttpClientOptions options = new HttpClientOptions().setConnectTimeout(5000).setIdleTimeout(15);
    if (trust != null) {
      options.setTrustOptions(trust);
    }
    client = vertx.createHttpClient(options);
    timer = vertx.setPeriodic(TICK_MS, id -> tick());
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (client != null) {
      client.close();
    }
  }

  private void tick() {
    long now = System.currentTimeMillis();
    List<LiveKey> due = new ArrayList<>();
    for (LiveKey k : pool.live()) {
      Health h = health.get(k.record().id());
      if (k.record().enabled() && Health.DISABLED.equals(h.state()) && !h.permanent() && now >= h.until()
          && !probing.contains(k.record().id())) {
        due.add(k);
      }
    }
    if (due.isEmpty()) {
      return;
    }
    vertx.executeBlocking(() -> {
      List<String> members = new ArrayList<>();
      for (Member m : hz.getCluster().getMembers()) {
        members.add(m.getUuid().toString());
      }
      return members;
    }, false).onSuccess(members -> {
      String me = hz.getCluster().getLocalMember().getUuid().toString();
      for (LiveKey k : due) {
        if (owner(k.record().id(), members).equals(me)) {
          probe(k);
        }
      }
    });
  }

  static String owner(String keyId, List<String> members) {
    String best = null;
    int bestHash = 0;
    for (String m : members) {
      int h = (keyId + "|" + m).hashCode() * 0x9E3779B1;
      if (best == null || h > bestHash) {
        best = m;
        bestHash = h;
      }
    }
    return best;
  }

  private void probe(LiveKey k) {
    String id = k.record().id();
    probing.add(id);
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET)
        .setAbsoluteURI(k.record().baseUrl() + "/v1/models")
        .putHeader("Authorization", k.authorization())
        .setIdleTimeout(10_000);
    client.request(o)
        .compose(req -> req.send().compose(resp -> resp.body().map(body -> Verdict.of(resp.statusCode(),
            resp.headers(), body))))
        .otherwise(e -> Verdict.network(e.getClass().getSimpleName()))
        .onSuccess(v -> {
          probing.remove(id);
          long now = System.currentTimeMillis();
          Health h = health.get(id);
          if (v.kind() == Verdict.Kind.SERVED && v.status() < 400) {
            LOG.info("upstream key {} passed its probe; back in service", id);
            health.put(id, h.recovered());
          } else if (v.kind() == Verdict.Kind.KEY_DEAD) {
            pool.settle(k, v, 0, now);
          } else {
            health.put(id, h.probeFailed(now, MAX_BACKOFF_MS));
          }
        });
  }

}
