package io.yugong.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A node's metrics start without a warning and without a meter registered twice (the second of
 * which Micrometer ignores): an operator's log begins clean, and no gauge reads one thing for two.
 */
class MetricsStartTest {

  @Test
  void startingVertxWithTheNodesMetricsWarnsOfNothing() throws Exception {
    Logger micrometer = (Logger) LoggerFactory.getLogger("io.micrometer");
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    micrometer.addAppender(seen);
    // Micrometer warns of a meter registered twice once per JVM, and at DEBUG after that: read both
    Level level = micrometer.getLevel();
    micrometer.setLevel(Level.DEBUG);
    Vertx vertx = null;
    try {
      Metrics metrics = Metrics.create("start-" + UUID.randomUUID());
      VertxOptions options = metrics.vertxOptions(new VertxOptions(), false);
      vertx = Vertx.builder().with(options).withMetrics(metrics.factory()).build();
      // a server and a client bring their event loops and the acceptor into use
      var server = vertx.createHttpServer().requestHandler(r -> r.response().end("ok"))
          .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      String body = vertx.createHttpClient().request(io.vertx.core.http.HttpMethod.GET, server.actualPort(),
              "127.0.0.1", "/")
          .compose(req -> req.send().compose(resp -> resp.body()))
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).toString();
      assertThat(body).isEqualTo("ok");
    } finally {
      micrometer.detachAppender(seen);
      micrometer.setLevel(level);
      if (vertx != null) {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
    }
    List<String> warnings = seen.list.stream()
        .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN) || e.getFormattedMessage().contains("already registered"))
        .map(ILoggingEvent::getFormattedMessage).toList();
    assertThat(warnings).isEmpty();
  }
}
