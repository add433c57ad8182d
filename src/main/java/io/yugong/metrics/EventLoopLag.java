package io.yugong.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Event-loop lag: on every event loop a timer due every {@link #PERIOD_MS} records how late it
 * ran — the time a task queued on that loop waits behind the work ahead of it.
 */
final class EventLoopLag {

  private static final long PERIOD_MS = 250;

  private final Timer lag;

  EventLoopLag(MeterRegistry registry) {
    lag = Timer.builder("yugong_event_loop_lag").description(
        "How late a periodic task ran on the node's event loops (sampled every 250 ms on each)")
        .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1))
        .register(registry);
  }

  /** Deploys one probe per event loop (instances land on the loops round-robin). */
  Future<Void> start(Vertx vertx, int loops) {
    return vertx.deployVerticle(() -> new Probe(lag), new DeploymentOptions().setInstances(loops)).mapEmpty();
  }

  private static final class Probe extends VerticleBase {
    private final Timer lag;
    private long due;

    Probe(Timer lag) {
      this.lag = lag;
    }

    @Override
    public Future<?> start() {
      due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PERIOD_MS);
      vertx.setPeriodic(PERIOD_MS, PERIOD_MS, t -> {
        long now = System.nanoTime();
        lag.record(Math.max(0, now - due), TimeUnit.NANOSECONDS);
        due = now + TimeUnit.MILLISECONDS.toNanos(PERIOD_MS);
      });
      return Future.succeededFuture();
    }
  }
}
