package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.Eventually;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code /v1/models} lists what the calling account may use (its and its ancestors' allow and
 * deny lists, priced models, MODEL_MAPPER names), and {@code /v1/models/{id}} is 404
 * {@code model_not_found} for the rest (issue 9, point 6).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelListTest {

  private TestCluster c;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private String account(JsonObject fields) throws Exception {
    return c.createAccount(0, fields.put("CreditGranted", "1")).getJsonObject("User").getString("SecretKey");
  }

  private List<String> ids(int node, String key) throws Exception {
    HttpResponse<String> r = c.call(node, "GET", "/v1/models", key, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonObject list = new JsonObject(r.body());
    assertThat(list.getString("object")).isEqualTo("list");
    return list.getJsonArray("data").stream().map(m -> ((JsonObject) m).getString("id")).toList();
  }

  private int one(int node, String key, String id) throws Exception {
    return c.call(node, "GET", "/v1/models/" + id, key, null).statusCode();
  }

  @Test
  void anAllowListNarrowsTheListAndTheRestIsNotFound() throws Exception {
    String key = account(new JsonObject().put("Name", "models-allow").put("AllowModels", "gpt-4o-mini,whisper-1"));
    assertThat(ids(1, key)).containsExactly("gpt-4o-mini", "whisper-1");
    assertThat(one(1, key, "gpt-4o-mini")).isEqualTo(200);
    HttpResponse<String> other = c.call(0, "GET", "/v1/models/gpt-4o", key, null);
    assertThat(other.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(other.body()).getJsonObject("error").getString("code")).isEqualTo("model_not_found");
  }

  @Test
  void aDenyListAndAParentsRulesRemoveModels() throws Exception {
    String parent = account(new JsonObject().put("Name", "models-parent").put("DenyModels", "gpt-4o"));
    HttpResponse<String> created = c.call(0, "POST", "/x-users", parent, new JsonObject()
        .put("Name", "models-child").put("DenyModels", "whisper-1").encode());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String child = new JsonObject(created.body()).getJsonObject("User").getString("SecretKey");
    List<String> ids = ids(0, child);
    assertThat(ids).contains("gpt-4o-mini").doesNotContain("gpt-4o", "whisper-1");
    assertThat(one(0, child, "gpt-4o")).as("the parent's deny list holds for the child").isEqualTo(404);
    assertThat(one(0, child, "gpt-4o-2024-08-06")).as("and covers its snapshots").isEqualTo(404);
    assertThat(one(0, child, "no-such-model")).isEqualTo(404);
  }

  @Test
  void modelMapperNamesAreListedWhenWhatTheyLeadToIsPriced() throws Exception {
    String key = account(new JsonObject().put("Name", "models-alias"));
    HttpResponse<String> set = c.call(0, "PUT", "/admin/config/routing", c.adminKey,
        new JsonObject().put("MODEL_MAPPER", "house-chat=gpt-4o-mini,house-nothing=unpriced-model").encode());
    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    try {
      Eventually.eventually(Duration.ofSeconds(5), () -> {
        assertThat(ids(1, key)).contains("house-chat").doesNotContain("house-nothing");
        assertThat(one(1, key, "house-chat")).isEqualTo(200);
        assertThat(one(1, key, "house-nothing")).isEqualTo(404);
      });
    } finally {
      c.call(0, "PUT", "/admin/config/routing", c.adminKey, new JsonObject().put("MODEL_MAPPER", "").encode());
    }
  }
}
