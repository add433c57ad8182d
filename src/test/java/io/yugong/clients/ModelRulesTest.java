package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.accounts.AccessRules;
import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Model rules (AllowModels / DenyModels, wherever a model is matched) cover a base name's dated
 * snapshots, not its siblings, and take {@code *} wildcards anywhere (issue 9, point 10).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelRulesTest {

  private TestCluster c;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    c.addKey(0, "sk-model-rules-1234567890", null);
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private static AccessRules allow(String... rules) {
    return new AccessRules(List.of(rules), List.of(), List.of(), List.of());
  }

  private static AccessRules deny(String... rules) {
    return new AccessRules(List.of(), List.of(rules), List.of(), List.of());
  }

  @Test
  void aBaseNameCoversItsDatedSnapshotsButNotItsSiblings() {
    AccessRules r = allow("gpt-4o");
    assertThat(r.allowsModel("gpt-4o")).isTrue();
    assertThat(r.allowsModel("gpt-4o-2024-08-06")).isTrue();
    assertThat(r.allowsModel("GPT-4o-2024-05-13")).isTrue();
    assertThat(r.allowsModel("gpt-4o-mini")).isFalse();
    assertThat(r.allowsModel("gpt-4o-mini-2024-07-18")).isFalse();
    assertThat(r.allowsModel("gpt-4o-audio-preview-2024-10-01")).isFalse();
    assertThat(allow("gpt-4").allowsModel("gpt-4-0613")).isTrue();
    assertThat(allow("gpt-3.5-turbo").allowsModel("gpt-3.5-turbo-0125")).isTrue();
    assertThat(allow("o1").allowsModel("o1-2024-12-17")).isTrue();
  }

  @Test
  void aShortNumberIsAVersionNotASnapshot() {
    assertThat(allow("dall-e").allowsModel("dall-e-3")).isFalse();
    assertThat(allow("gpt-4").allowsModel("gpt-4-32k")).isFalse();
    assertThat(deny("gpt-4").allowsModel("gpt-4.1")).isTrue();
  }

  @Test
  void wildcardsMatchAnywhereInTheName() {
    AccessRules minis = allow("*-mini");
    assertThat(minis.allowsModel("gpt-4o-mini")).isTrue();
    assertThat(minis.allowsModel("o3-mini")).isTrue();
    assertThat(minis.allowsModel("gpt-4o-mini-2024-07-18")).as("and their snapshots").isTrue();
    assertThat(minis.allowsModel("gpt-4o")).isFalse();
    assertThat(minis.allowsModel("gpt-4o-mini-tts")).isFalse();
    AccessRules four = allow("gpt-4*");
    assertThat(four.allowsModel("gpt-4")).isTrue();
    assertThat(four.allowsModel("gpt-4o-mini")).isTrue();
    assertThat(four.allowsModel("gpt-3.5-turbo")).isFalse();
    AccessRules middle = allow("o*-mini");
    assertThat(middle.allowsModel("o3-mini")).isTrue();
    assertThat(middle.allowsModel("o4-mini-2025-04-16")).isTrue();
    assertThat(middle.allowsModel("gpt-4o-mini")).isFalse();
    assertThat(allow("GPT-*").allowsModel("gpt-4o")).as("ignoring case").isTrue();
    assertThat(deny("*").allowsModel("anything")).isFalse();
  }

  @Test
  void aWildcardRuleCannotBeMadeSlowByItsInput() {
    AccessRules r = allow("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b");
    long t = System.nanoTime();
    assertThat(r.allowsModel("a".repeat(128))).isFalse();
    // a backtracking matcher would try C(128, 17) ways, far beyond any bound; a linear one takes
    // microseconds, so 2 s leaves room for a busy machine's pauses and still tells them apart
    assertThat((System.nanoTime() - t) / 1_000_000).isLessThan(2_000);
  }

  private HttpResponse<String> chat(int node, String key, String model) throws Exception {
    JsonObject body = new JsonObject().put("model", model).put("max_tokens", 5)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    return c.call(node, "POST", "/v1/chat/completions", key, body.encode());
  }

  @Test
  void anAccountAllowedOnlyMiniModelsIsServedThemAndTheirSnapshotsAndNothingElse() throws Exception {
    String key = c.createAccount(0, new JsonObject().put("Name", "rules-minis").put("CreditGranted", 1)
        .put("AllowModels", "*-mini")).getJsonObject("User").getString("SecretKey");
    assertThat(chat(1, key, "gpt-4o-mini").statusCode()).isEqualTo(200);
    assertThat(chat(0, key, "gpt-4o-mini-2024-07-18").statusCode()).isEqualTo(200);
    HttpResponse<String> refused = chat(1, key, "gpt-4o");
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("code")).isEqualTo("model_not_allowed");
    HttpResponse<String> listed = c.call(0, "GET", "/v1/models", key, null);
    List<String> ids = new JsonObject(listed.body()).getJsonArray("data").stream()
        .map(m -> ((JsonObject) m).getString("id")).toList();
    assertThat(ids).isNotEmpty().allMatch(id -> id.contains("-mini"), "only -mini models");
    assertThat(c.call(1, "GET", "/v1/models/gpt-4o-mini-2024-07-18", key, null).statusCode()).isEqualTo(200);
    assertThat(c.call(1, "GET", "/v1/models/gpt-4o", key, null).statusCode()).isEqualTo(404);
  }

  @Test
  void aParentsDenyWildcardBindsItsChildren() throws Exception {
    String parent = c.createAccount(0, new JsonObject().put("Name", "rules-parent").put("CreditGranted", 1)
        .put("DenyModels", "gpt-4*")).getJsonObject("User").getString("SecretKey");
    HttpResponse<String> made = c.call(0, "POST", "/x-users", parent,
        new JsonObject().put("Name", "rules-child").put("CreditGranted", "0.5")
            .put("AllowModels", "gpt-4o,gpt-3.5-turbo").encode());
    assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
    String child = new JsonObject(made.body()).getJsonObject("User").getString("SecretKey");
    assertThat(chat(1, child, "gpt-4o-2024-08-06").statusCode()).isEqualTo(403);
    assertThat(chat(1, child, "gpt-3.5-turbo").statusCode()).isEqualTo(200);
  }
}
