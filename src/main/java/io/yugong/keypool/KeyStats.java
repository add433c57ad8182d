package io.yugong.keypool;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;

/** What this node has seen of one key: in flight, last-minute counts, latest rate-limit headers. */
final class KeyStats {

  final AtomicInteger inFlight = new AtomicInteger();
  final MinuteCounter requests = new MinuteCounter();
  final MinuteCounter tokens = new MinuteCounter();
  final MinuteCounter errors = new MinuteCounter();
  volatile RateLimits limits = RateLimits.UNKNOWN;

  /** The compact form this node publishes to the others. */
  JsonObject toWire(long now) {
    JsonObject j = new JsonObject().put("f", inFlight.get()).put("r", requests.sum(now))
        .put("t", tokens.sum(now)).put("e", errors.sum(now));
    if (limits.observedAt() > 0) {
      j.put("l", limits.toWire());
    }
    return j;
  }
}
