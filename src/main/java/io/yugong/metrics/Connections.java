package io.yugong.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpConnection;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Open HTTP connections: clients' to the node ({@code yugong_client_connections}) and the node's
 * to upstream ({@code yugong_upstream_connections}). Counted when a connection opens and closes,
 * never per request: Vert.x's own HTTP metrics, which record every request into tagged meters,
 * took 9 % of the node's CPU samples under load and are off unless YUGONG_VERTX_HTTP_METRICS.
 */
public final class Connections {

  private final AtomicLong clients = new AtomicLong();
  private final AtomicLong upstream = new AtomicLong();

  Connections(MeterRegistry registry) {
    Gauge.builder("yugong_client_connections", clients, AtomicLong::get)
        .description("HTTP connections clients hold open to this node").register(registry);
    Gauge.builder("yugong_upstream_connections", upstream, AtomicLong::get)
        .description("HTTP connections this node holds open to upstream hosts").register(registry);
  }

  /** Counts a client's connection until it closes. */
  public void client(HttpConnection conn) {
    track(conn, clients);
  }

  /** Counts a connection to upstream until it closes. */
  public void upstream(HttpConnection conn) {
    track(conn, upstream);
  }

  private static void track(HttpConnection conn, AtomicLong open) {
    open.incrementAndGet();
    conn.closeHandler(v -> open.decrementAndGet());
  }
}
