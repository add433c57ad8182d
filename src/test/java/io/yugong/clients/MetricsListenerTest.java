package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import io.yugong.testing.TestRedis;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A scraper on a private network reads {@code /metrics} from the node's metrics listener, with no key. */
class MetricsListenerTest {

  @Test
  void aScraperOnTheMetricsPortNeedsNoKeyAndGetsNothingElse() throws Exception {
    int port = TestRedis.freePort();
    try (TestCluster c = TestCluster.start(1, new MockOptions(), Map.of("YUGONG_METRICS_HOST", "127.0.0.1",
        "YUGONG_METRICS_PORT", Integer.toString(port)))) {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("yugong_redis_up 1.0", "vertx_http_server_active_connections", "netty_eventexecutor_tasks_pending");
      HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/admin/keys")).header("Authorization", "Bearer " + c.adminKey).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(other.statusCode()).isEqualTo(404);
      assertThat(new JsonObject(other.body()).getJsonObject("error").getString("code")).isEqualTo("not_found");
      // the node's own port still wants a key
      assertThat(c.call(0, "GET", "/metrics", null, null).statusCode()).isEqualTo(401);
    }
  }
}
