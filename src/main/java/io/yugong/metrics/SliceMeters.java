package io.yugong.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.yugong.billing.SliceMeter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Slice refills and write-behind flushes, as {@link io.yugong.billing.Slices} reports them. */
final class SliceMeters implements SliceMeter {

  private final Counter[] takes = new Counter[Take.values().length];
  private final DistributionSummary batches;
  private final Timer lag;
  private final Timer flushOk;
  private final Timer flushFailed;

  SliceMeters(MeterRegistry registry) {
    for (Take t : Take.values()) {
      takes[t.ordinal()] = Counter.builder("yugong_slice_takes").description(
          "Credit slice takes (first fills and refills) from Redis, by result")
          .tag("result", t.name().toLowerCase(java.util.Locale.ROOT)).register(registry);
    }
    batches = DistributionSummary.builder("yugong_writebehind_batch_charges")
        .description("Charges per write-behind flush").serviceLevelObjectives(1, 2, 5, 10, 20, 50, 100, 200, 500)
        .register(registry);
    lag = Timer.builder("yugong_writebehind_lag").description(
        "From a charge's settlement in memory to Redis confirming its flush (the oldest of each batch)")
        .serviceLevelObjectives(ms(10), ms(25), ms(50), ms(100), ms(250), ms(500), ms(1000), ms(5000), ms(30000))
        .register(registry);
    flushOk = flush(registry, "ok");
    flushFailed = flush(registry, "failed");
  }

  private static Timer flush(MeterRegistry registry, String result) {
    return Timer.builder("yugong_writebehind_flush").description("Write-behind flush calls to Redis")
        .tag("result", result)
        .serviceLevelObjectives(ms(1), ms(2), ms(5), ms(10), ms(25), ms(50), ms(100), ms(500), ms(1000))
        .register(registry);
  }

  private static Duration ms(long ms) {
    return Duration.ofMillis(ms);
  }

  @Override
  public void took(Take result) {
    takes[result.ordinal()].increment();
  }

  @Override
  public void flushed(int charges, long lagNanos, long callNanos, boolean ok) {
    (ok ? flushOk : flushFailed).record(callNanos, TimeUnit.NANOSECONDS);
    if (ok) {
      batches.record(charges);
      lag.record(lagNanos, TimeUnit.NANOSECONDS);
    }
  }
}
