package io.yugong.metrics;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.yugong.billing.Tariff;
import io.yugong.billing.Wallets;
import io.yugong.config.NodeConfig;
import io.yugong.keypool.KeyPool;
import io.yugong.node.NodeStats;
import io.yugong.node.StoreHealth;
import java.util.EnumSet;
import java.util.List;

/**
 * One node's metrics, in Prometheus text at {@code /metrics} (docs/operations.md lists them all).
 * A registry of its own per node (several nodes may share a JVM in tests), fed by Vert.x's own
 * HTTP, pool and Netty metrics, the JVM binders, the event-loop lag probe, {@link RequestMetrics}
 * on the request path, and gauges that read the key pool, the slices and Redis health when
 * scraped.
 *
 * <p>Labels are bounded: Vert.x's HTTP metrics carry method and status code only (no path, no
 * remote address); Yugong's carry endpoint, priced model (else {@code other}), status class,
 * outcome, reason, key id and level; never an account, a key or a request id.
 */
public final class Metrics {

  private static final String UNTAGGED_WORKERS = "netty.eventexecutor.workers";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final String registryName;
  private final List<MeterBinder> jvm = List.of(new JvmMemoryMetrics(), new JvmGcMetrics(), new JvmThreadMetrics(),
      new ClassLoaderMetrics(), new ProcessorMetrics(), new UptimeMetrics());
  private RequestMetrics requests;
  private Vertx vertx;
  private HttpServer listener;
  private EventLoopLag lag;
  private StateGauges state;
  private Connections connections;

  private Metrics(String nodeId) {
    this.registryName = "yugong-" + nodeId;
    // Micrometer's Netty binder gives each event-loop group a workers gauge of the same name and no
    // tags: Vert.x binds more than one group, so every one after the first is ignored with a WARN
    // at every start, and the gauge kept counts one group only. The count is the number of
    // netty_eventexecutor_tasks_pending series, one per executor.
    registry.config().meterFilter(MeterFilter.deny(id -> UNTAGGED_WORKERS.equals(id.getName())));
  }

  /** The metrics of node {@code nodeId}; call {@link #vertxOptions} and {@link #factory} before Vert.x starts. */
  public static Metrics create(String nodeId) {
    return new Metrics(nodeId);
  }

  /**
   * Turns on Vert.x's metrics with bounded labels (method and status code; no path, no remote
   * address). Its per-request HTTP server and client meters only when {@code httpMetrics}
   * (YUGONG_VERTX_HTTP_METRICS): they cost about 9 % of the node's CPU under load, and Yugong's
   * own request meters and {@link Connections} say what they would.
   */
  public VertxOptions vertxOptions(VertxOptions options, boolean httpMetrics) {
    MicrometerMetricsOptions m = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setRegistryName(registryName)
        .setJvmMetricsEnabled(false) // bound below, so that closing the node unbinds them
        .setNettyMetricsEnabled(true)
        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE, Label.POOL_NAME))
        // event-bus handler metrics would name every address, reply addresses included
        .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)
        .addDisabledMetricsCategory(MetricsDomain.DATAGRAM_SOCKET)
        .addDisabledMetricsCategory(MetricsDomain.VERTICLES);
    if (!httpMetrics) {
      m.addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER).addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT);
    }
    return options.setMetricsOptions(m);
  }

  /** The factory that makes Vert.x report into this node's registry. */
  public VertxMetricsFactory factory() {
    return new MicrometerMetricsFactory(registry);
  }

  /**
   * Binds what needs the node's services: the request meters, and the gauges read at scrape time
   * (key pool, slices, uncovered charges, Redis health). Call once, before the HTTP verticles start.
   */
  public void bind(Vertx vertx, KeyPool pool, Wallets wallets, Tariff tariff, NodeStats stats, StoreHealth store) {
    this.vertx = vertx;
    jvm.forEach(b -> b.bindTo(registry));
    requests = new RequestMetrics(registry, new ModelNames(tariff));
    connections = new Connections(registry);
    pool.onVerdict(requests::verdict);
    state = new StateGauges(registry);
    state.bind(pool, wallets, stats, store);
    wallets.sliceMeter(new SliceMeters(registry));
    store.observeCalls(new RedisCalls(registry));
    lag = new EventLoopLag(registry);
  }

  /** Starts the event-loop lag probe (one timer per event loop). */
  public Future<Void> start(VertxOptions options) {
    return lag.start(vertx, options.getEventLoopPoolSize());
  }

  /** The open-connection gauges. */
  public Connections connections() {
    return connections;
  }

  /** The request path's meters. */
  public RequestMetrics requests() {
    return requests;
  }

  /** The exposition in Prometheus text (0.0.4), off the event loop. */
  public Future<String> scrape() {
    return vertx.executeBlocking(() -> {
      state.refresh();
      return registry.scrape();
    }, false);
  }

  /**
   * The handler of {@code GET /metrics} on the node's port: passes the metrics token
   * ({@code YUGONG_METRICS_TOKEN}, when set) to the next handler, and hands anything else to
   * {@code adminAuth}, which lets only the admin key through.
   */
  public Handler<RoutingContext> access(NodeConfig cfg, Handler<RoutingContext> adminAuth) {
    return new MetricsAccess(cfg.metricsToken(), adminAuth);
  }

  /** Answers a scrape. */
  public Handler<RoutingContext> handler() {
    return ctx -> scrape().onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
            .putHeader("cache-control", "no-store").end(ar.result());
      } else {
        ctx.fail(ar.cause());
      }
    });
  }

  /**
   * Opens the scraper's own listener at {@code YUGONG_METRICS_HOST:YUGONG_METRICS_PORT} when a port
   * is set: {@code GET /metrics} without authentication, for a private network.
   */
  public Future<Void> listen(NodeConfig cfg) {
    if (cfg.metricsPort() <= 0) {
      return Future.succeededFuture();
    }
    return MetricsListener.open(vertx, cfg.metricsHost(), cfg.metricsPort(), handler()).map(s -> {
      listener = s;
      return null;
    });
  }

  /** Closes the listener and unbinds the JVM binders (the registry closes with Vert.x). */
  public Future<Void> close() {
    for (MeterBinder b : jvm) {
      if (b instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception ignored) {
          // nothing to do at shutdown
        }
      }
    }
    return listener == null ? Future.succeededFuture() : listener.close();
  }
}
