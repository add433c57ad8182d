package io.yugong.metrics;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.yugong.gateway.ApiError;

/**
 * The scraper's own listener ({@code YUGONG_METRICS_HOST:YUGONG_METRICS_PORT}): only
 * {@code GET /metrics}, without authentication — bind it to a private network.
 */
final class MetricsListener {

  private MetricsListener() {
  }

  static Future<HttpServer> open(Vertx vertx, String host, int port, Handler<RoutingContext> scrape) {
    Router router = Router.router(vertx);
    router.get("/metrics").handler(scrape);
    router.route().last().handler(ctx -> new ApiError(404, "Only GET /metrics is served on this port.",
        "invalid_request_error", null, "not_found").send(ctx.response()));
    return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setIdleTimeout(60))
        .requestHandler(router).listen();
  }
}
