package io.yugong.keypool;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Per-key operational counters of this node (the key-pool issue makes these cluster-wide). */
final class KeyHealth {

  private final Map<String, Counters> counters = new ConcurrentHashMap<>();

  KeyHealth(Vertx vertx, HazelcastInstance hz, String nodeId) {
  }

  Future<Void> start() {
    return Future.succeededFuture();
  }

  void record(String keyId, int status, long tokens) {
    Counters c = counters.computeIfAbsent(keyId, k -> new Counters());
    c.requests.increment();
    c.tokens.add(tokens);
    if (status == 0 || status >= 400) {
      c.errors.increment();
    }
  }

  JsonObject view(String keyId) {
    Counters c = counters.get(keyId);
    return new JsonObject()
        .put("requests", c == null ? 0 : c.requests.sum())
        .put("tokens", c == null ? 0 : c.tokens.sum())
        .put("errors", c == null ? 0 : c.errors.sum());
  }

  private static final class Counters {
    final LongAdder requests = new LongAdder();
    final LongAdder tokens = new LongAdder();
    final LongAdder errors = new LongAdder();
  }
}
