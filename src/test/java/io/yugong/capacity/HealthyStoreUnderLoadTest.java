package io.yugong.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A loaded node with a healthy Redis answers every request: queueing on the node's event loops
 * or in the Redis client's queue is not an outage, so nobody is told the billing store is
 * unreachable. Runs with the product's defaults.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthyStoreUnderLoadTest {

  private static final int WAVES = 3;
  private static final int CONCURRENT = 300;

  private TestCluster c;
  private HttpClient http;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    c.addKey(0, "sk-load-one-1234567890", null);
    c.addKey(1, "sk-load-two-1234567890", null);
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  @Test
  void aBurstOnAFreshClusterWithAHealthyStoreGetsNo503() throws Exception {
    String key = CapacityKit.secret(CapacityKit.customer(c, "well-funded", 1000));
    Map<String, Integer> outcomes = new TreeMap<>();
    List<String> samples = new ArrayList<>();
    for (int wave = 0; wave < WAVES; wave++) {
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < CONCURRENT; i++) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(c.base(i % 2) + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(CapacityKit.chatBody("wave " + wave + " call " + i, 8,
                i % 3 == 0)))
            .build();
        calls.add(http.sendAsync(req, HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> call : calls) {
        HttpResponse<String> r = call.join();
        outcomes.merge(Integer.toString(r.statusCode()), 1, Integer::sum);
        if (r.statusCode() != 200 && samples.size() < 5) {
          samples.add(r.statusCode() + " " + r.body());
        }
      }
    }
    System.out.printf("%d waves of %d concurrent requests: %s%n", WAVES, CONCURRENT, outcomes);
    assertEquals(Map.of("200", WAVES * CONCURRENT), outcomes, () -> "non-2xx answers, e.g. " + samples);
  }
}
