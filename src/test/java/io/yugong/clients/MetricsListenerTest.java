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
      assertThat(r.body()).contains("yugong_redis_up 1.0", "yugong_client_connections", "netty_eventexecutor_tasks_pending");
      HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/admin/keys")).header("Authorization", "Bearer " + c.adminKey).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(other.statusCode()).isEqualTo(404);
      assertThat(new JsonObject(other.body()).getJsonObject("error").getString("code")).isEqualTo("not_found");
      // every node-wide series docs/operations.md lists exists from the start (per-level, per-model and
      // per-key series appear with their first level, model or key)
      for (String name : new String[] {"yugong_requests_in_flight", "yugong_settlements_beyond_hold_total",
          "yugong_beyond_hold_usd_total", "yugong_writebehind_pending_charges", "yugong_writebehind_failed_flushes_total",
          "yugong_redis_up", "yugong_redis_waiting_calls", "yugong_redis_ping_seconds", "yugong_keypool_model_exclusions",
          "yugong_holds_total", "yugong_upstream_answers_total", "yugong_upstream_attempts_total",
          "yugong_slice_takes_total", "yugong_writebehind_batch_charges_count", "yugong_writebehind_lag_seconds_bucket",
          "yugong_writebehind_flush_seconds_count", "yugong_redis_command_seconds_bucket",
          "yugong_event_loop_lag_seconds_bucket", "jvm_gc_", "jvm_threads_live_threads", "jvm_classes_loaded_classes",
          "system_cpu_count", "process_uptime_seconds", "netty_allocator_memory_used", "vertx_pool_"}) {
        assertThat(r.body()).as(name).contains("\n" + name);
      }
      // the node's own port still wants a key
      assertThat(c.call(0, "GET", "/metrics", null, null).statusCode()).isEqualTo(401);
    }
  }
}
