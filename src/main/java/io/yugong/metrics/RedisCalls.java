package io.yugong.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/** Latency of the request path's Redis calls (reserve, settle, authentication misses...). */
final class RedisCalls implements LongConsumer {

  private final Timer timer;

  RedisCalls(MeterRegistry registry) {
    timer = Timer.builder("yugong_redis_command").description(
        "Request-path Redis calls, from sending to the answer (queueing for a connection included)")
        .serviceLevelObjectives(Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
            Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1))
        .register(registry);
  }

  @Override
  public void accept(long nanos) {
    timer.record(nanos, TimeUnit.NANOSECONDS);
  }
}
