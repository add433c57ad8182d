package io.yugong.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.yugong.billing.Endpoint;
import io.yugong.keypool.Verdict;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The request path's meters. Every meter is looked up once and cached (per endpoint and priced
 * model, per key id), so recording a request costs two map reads and a few atomic adds — no tags
 * built, no registry lookup. Thread-safe, never blocks.
 */
public final class RequestMetrics {

  /** How a request ended, as {@code yugong_requests_total}'s {@code outcome} says. */
  public enum Outcome {
    /** Upstream's answer was relayed and it succeeded (2xx). */
    SERVED,
    /** Upstream's answer was relayed and it was an error of the request's own (4xx passed on). */
    UPSTREAM_ERROR,
    /** Yugong refused it before anything went upstream (authentication aside): policy, limits, balance, body. */
    REFUSED,
    /** Every attempt failed, or no key could serve it: Yugong answered 503 or 404 after trying. */
    UNAVAILABLE,
    /** The client left before its answer's head. */
    CLIENT_LEFT,
    /** The answer began but did not end (the client or upstream cut it). */
    CUT;

    final String label = name().toLowerCase(Locale.ROOT);
  }

  private static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  private static final Duration[] FIRST_BYTE_BUCKETS = seconds(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60);
  private static final Duration[] DURATION_BUCKETS = seconds(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900);
  /** Verdict kinds as failover reasons (SERVED is no failover). */
  private static final String[] REASONS = new String[Verdict.Kind.values().length];
  private static final int OUTCOMES = Outcome.values().length;

  static {
    REASONS[Verdict.Kind.RATE_LIMITED.ordinal()] = "cooldown";
    REASONS[Verdict.Kind.MODEL_EXCLUDED.ordinal()] = "exclusion";
    REASONS[Verdict.Kind.KEY_DEAD.ordinal()] = "dead_key";
    REASONS[Verdict.Kind.UPSTREAM_FAILED.ordinal()] = "outage";
  }

  private final MeterRegistry registry;
  private final ModelNames models;
  @SuppressWarnings("unchecked")
  private final Map<String, Series>[] series = new Map[Endpoint.values().length];
  private final Counter[] attempts = new Counter[Endpoint.values().length];
  private final Map<String, Counter[]> failovers = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> charged = new ConcurrentHashMap<>();
  private final Counter sliceHolds;
  private final Counter exactHolds;
  private final Counter answerServed;
  private final Counter answerClientError;
  private final Counter answerAbandoned;
  private final Counter[] answerByKind = new Counter[Verdict.Kind.values().length];

  RequestMetrics(MeterRegistry registry, ModelNames models) {
    this.registry = registry;
    this.models = models;
    for (Endpoint e : Endpoint.values()) {
      series[e.ordinal()] = new ConcurrentHashMap<>();
      attempts[e.ordinal()] = Counter.builder("yugong_upstream_attempts").description(
          "Upstream calls made for requests (a failover is one more)").tag("endpoint", endpoint(e))
          .register(registry);
    }
    sliceHolds = holds("slice");
    exactHolds = holds("exact");
    answerServed = answer("served");
    answerClientError = answer("client_error");
    answerAbandoned = answer("abandoned");
    for (Verdict.Kind k : Verdict.Kind.values()) {
      if (REASONS[k.ordinal()] != null) {
        answerByKind[k.ordinal()] = answer(REASONS[k.ordinal()]);
      }
    }
  }

  /**
   * A {@code /v1} request is over. {@code model}: the upstream model asked for (any string; only
   * priced names become labels); {@code firstByteNanos}: when upstream's answer began, from the
   * request's start, or -1 when nothing came from upstream.
   */
  public void request(Endpoint endpoint, String model, int status, Outcome outcome, long firstByteNanos,
      long durationNanos, int upstreamAttempts) {
    Series s = series(endpoint, model);
    int cls = Math.max(0, Math.min(4, status / 100 - 1));
    s.count(cls, outcome).increment();
    s.duration.record(durationNanos, TimeUnit.NANOSECONDS);
    if (firstByteNanos >= 0) {
      s.firstByte.record(firstByteNanos, TimeUnit.NANOSECONDS);
    }
    if (upstreamAttempts > 0) {
      attempts[endpoint.ordinal()].increment(upstreamAttempts);
    }
  }

  /** A request was charged {@code nanos} nano-USD for {@code model}. */
  public void charged(String model, long nanos) {
    if (nanos <= 0) {
      return;
    }
    String label = models.label(model);
    LongAdder sum = charged.get(label);
    if (sum == null) {
      sum = charged.computeIfAbsent(label, m -> {
        LongAdder a = new LongAdder();
        FunctionCounter.builder("yugong_charged_usd", a, x -> x.sum() / 1e9)
            .description("US dollars charged to accounts, by model").baseUnit("usd").tag("model", m)
            .register(registry);
        return a;
      });
    }
    sum.add(nanos);
  }

  /** A request's hold was placed: on the node's credit slice, or exactly in Redis. */
  public void hold(boolean exact) {
    (exact ? exactHolds : sliceHolds).increment();
  }

  /** An upstream answer was judged (every lease's end); a retryable one is a failover. */
  void verdict(String keyId, Verdict v) {
    int k = v.kind().ordinal();
    if (v.kind() == Verdict.Kind.SERVED) {
      (v.status() == 0 ? answerAbandoned : v.status() >= 400 ? answerClientError : answerServed).increment();
      return;
    }
    answerByKind[k].increment();
    Counter[] byReason = failovers.get(keyId);
    if (byReason == null) {
      byReason = failovers.computeIfAbsent(keyId, id -> {
        Counter[] c = new Counter[REASONS.length];
        for (int i = 0; i < REASONS.length; i++) {
          if (REASONS[i] != null) {
            c[i] = Counter.builder("yugong_upstream_failovers").description(
                "Attempts that failed in a way that moves a request to another key, by reason and key id")
                .tag("reason", REASONS[i]).tag("key", id).register(registry);
          }
        }
        return c;
      });
    }
    byReason[k].increment();
  }

  private Series series(Endpoint endpoint, String model) {
    String label = models.label(model);
    Map<String, Series> m = series[endpoint.ordinal()];
    Series s = m.get(label);
    return s != null ? s : m.computeIfAbsent(label, l -> new Series(endpoint(endpoint), l));
  }

  private Counter holds(String kind) {
    return Counter.builder("yugong_holds").description("Holds placed, on a credit slice or exactly in Redis")
        .tag("kind", kind).register(registry);
  }

  private Counter answer(String classification) {
    return Counter.builder("yugong_upstream_answers").description(
        "Upstream answers by how Yugong judged them").tag("classification", classification).register(registry);
  }

  static String endpoint(Endpoint e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  private static Duration[] seconds(double... s) {
    Duration[] d = new Duration[s.length];
    for (int i = 0; i < s.length; i++) {
      d[i] = Duration.ofNanos(Math.round(s[i] * 1e9));
    }
    return d;
  }

  /** The meters of one endpoint and model. */
  private final class Series {
    private final String endpoint;
    private final String model;
    private final AtomicReferenceArray<Counter> counts = new AtomicReferenceArray<>(STATUS_CLASSES.length * OUTCOMES);
    final Timer firstByte;
    final Timer duration;

    Series(String endpoint, String model) {
      this.endpoint = endpoint;
      this.model = model;
      this.firstByte = Timer.builder("yugong_request_first_byte").description(
          "Time from a request's arrival to the head of upstream's answer").tag("endpoint", endpoint)
          .tag("model", model).serviceLevelObjectives(FIRST_BYTE_BUCKETS).register(registry);
      this.duration = Timer.builder("yugong_request_duration").description(
          "Time from a request's arrival to the end of its answer (and its settlement)")
          .tag("endpoint", endpoint).tag("model", model).serviceLevelObjectives(DURATION_BUCKETS)
          .register(registry);
    }

    Counter count(int statusClass, Outcome o) {
      int i = statusClass * OUTCOMES + o.ordinal();
      Counter c = counts.get(i);
      if (c == null) {
        c = Counter.builder("yugong_requests").description("/v1 requests by endpoint, model, status class and outcome")
            .tag("endpoint", endpoint).tag("model", model).tag("status", STATUS_CLASSES[statusClass])
            .tag("outcome", o.label).register(registry);
        counts.set(i, c);
      }
      return c;
    }
  }
}
