package io.yugong.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.yugong.billing.Wallets;
import io.yugong.keypool.KeyPool;
import io.yugong.node.NodeStats;
import io.yugong.node.StoreHealth;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Gauges computed when scraped from the node's state: the key pool by level (read once per scrape,
 * by {@link #refresh}, from the local replica), requests in flight, uncovered charges, the
 * write-behind queue and Redis health. Nothing is counted on the request path here.
 */
final class StateGauges {

  private final MeterRegistry registry;
  private final Set<Integer> levelsSeen = ConcurrentHashMap.newKeySet();
  private KeyPool pool;
  private volatile Map<Integer, KeyPool.LevelState> levels = Map.of();
  private volatile int exclusions;

  StateGauges(MeterRegistry registry) {
    this.registry = registry;
  }

  void bind(KeyPool pool, Wallets wallets, NodeStats stats, StoreHealth store) {
    this.pool = pool;
    Gauge.builder("yugong_requests_in_flight", stats, NodeStats::inFlight)
        .description("Requests this node is answering now").register(registry);
    FunctionCounter.builder("yugong_settlements_beyond_hold", stats, NodeStats::beyondHold)
        .description("Settlements whose charge exceeded the request's hold (an upstream misreporting usage)")
        .register(registry);
    FunctionCounter.builder("yugong_beyond_hold_usd", stats, s -> s.beyondHoldNanos() / 1e9)
        .description("US dollars charged beyond holds, or left uncovered, in those settlements").baseUnit("usd")
        .register(registry);
    Gauge.builder("yugong_writebehind_pending_charges", wallets, Wallets::unflushed)
        .description("Charges settled on credit slices that Redis has not confirmed yet").register(registry);
    FunctionCounter.builder("yugong_writebehind_failed_flushes", wallets, Wallets::failedFlushes)
        .description("Write-behind flushes that failed (kept and retried)").register(registry);
    Gauge.builder("yugong_redis_up", store, s -> s.up() ? 1 : 0)
        .description("1 while Redis answers the health check's PINGs").register(registry);
    Gauge.builder("yugong_redis_waiting_calls", store, StoreHealth::waiting)
        .description("Request-path Redis calls waiting for an answer").register(registry);
    Gauge.builder("yugong_redis_ping", store, s -> s.lastPingNanos() < 0 ? Double.NaN : s.lastPingNanos() / 1e9)
        .description("Round trip of the health check's last answered PING").baseUnit("seconds").register(registry);
    Gauge.builder("yugong_keypool_model_exclusions", this, g -> g.exclusions).description("Key-model pairs excluded now (a key's project cannot use a model)").register(registry);
    refresh();
  }

  /**
   * Reads the pool once for a scrape, and registers the gauges of levels not seen before — before
   * the registry renders, never from inside a gauge.
   */
  void refresh() {
    List<KeyPool.LevelState> all = pool.levels();
    Map<Integer, KeyPool.LevelState> next = new HashMap<>();
    for (KeyPool.LevelState l : all) {
      next.put(l.level(), l);
    }
    levels = next;
    exclusions = pool.summary().getInteger("modelExclusions", 0);
    for (KeyPool.LevelState l : all) {
      if (levelsSeen.add(l.level())) {
        register(l.level());
      }
    }
  }

  private void register(int level) {
    String lv = Integer.toString(level);
    keys(level, lv, "usable", KeyPool.LevelState::usable);
    keys(level, lv, "cooling", KeyPool.LevelState::cooling);
    keys(level, lv, "disabled", KeyPool.LevelState::disabled);
    levelGauge("yugong_keypool_excluded_keys", "Usable keys excluded for at least one model", level, lv,
        KeyPool.LevelState::excluded);
    levelGauge("yugong_keypool_remaining_requests", "Requests left in the upstream rate-limit windows of the "
        + "usable keys, summed from their x-ratelimit-remaining-requests headers", level, lv,
        KeyPool.LevelState::remainingRequests);
    levelGauge("yugong_keypool_remaining_tokens", "Tokens left in the upstream rate-limit windows of the "
        + "usable keys, summed from their x-ratelimit-remaining-tokens headers", level, lv,
        KeyPool.LevelState::remainingTokens);
  }

  private void keys(int level, String lv, String state, ToDoubleFunction<KeyPool.LevelState> f) {
    Gauge.builder("yugong_keypool_keys", this, g -> g.at(level, f)).tag("level", lv).tag("state", state)
        .description("Upstream keys by level and state (usable, cooling, disabled)").register(registry);
  }

  private void levelGauge(String name, String description, int level, String lv,
      ToDoubleFunction<KeyPool.LevelState> f) {
    Gauge.builder(name, this, g -> g.at(level, f)).tag("level", lv).description(description).register(registry);
  }

  private double at(int level, ToDoubleFunction<KeyPool.LevelState> f) {
    KeyPool.LevelState l = levels.get(level);
    return l == null ? 0 : f.applyAsDouble(l);
  }
}
