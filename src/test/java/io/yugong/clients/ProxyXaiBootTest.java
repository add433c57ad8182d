package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ProxyXAI's {@code INIT_KEYS}: upstream keys seeded at boot (issue 9, point 9). A class of its
 * own because it boots its own cluster (which starts from an empty Redis).
 */
class ProxyXaiBootTest {

  @Test
  void initKeysSeedThePoolOnceHoweverManyNodesBoot() throws Exception {
    String a = "sk-init-aaaa-" + TestCluster.randomHex(24);
    String b = "sk-init-bbbb-" + TestCluster.randomHex(24);
    try (TestCluster seeded = TestCluster.start(2, new MockOptions(), Map.of("INIT_KEYS", a + ", " + b + ",," + a))) {
      HttpResponse<String> keys = seeded.call(1, "GET", "/admin/keys", seeded.adminKey, null);
      assertThat(keys.statusCode()).as(keys.body()).isEqualTo(200);
      assertThat(keys.body()).doesNotContain(a).doesNotContain(b);
      JsonObject listed = new JsonObject(keys.body());
      JsonArray data = listed.getJsonArray("data", listed.getJsonArray("keys"));
      assertThat(data).as(keys.body()).hasSize(2);
      String child = seeded.createAccount(0, new JsonObject().put("Name", "init-user").put("CreditGranted", 1))
          .getJsonObject("User").getString("SecretKey");
      JsonObject body = new JsonObject().put("model", "gpt-4o-mini").put("max_tokens", 3)
          .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
      assertThat(seeded.call(0, "POST", "/v1/chat/completions", child, body.encode()).statusCode()).isEqualTo(200);
    }
  }
}
