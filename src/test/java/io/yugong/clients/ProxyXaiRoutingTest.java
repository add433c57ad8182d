package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.mock.ServedRequest;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * ProxyXAI's per-account routing fields (issue 9, point 9) against a two-node cluster, through raw
 * HTTP: {@code ModelMapper} and {@code LevelMapper} override the global {@code MODEL_MAPPER} and
 * {@code LEVEL_MAPPER} for an account and its subtree (the nearest account's rule wins), and
 * {@code AllowLevels} limits the key levels that may serve it (intersected along the tree). A
 * mapping never reaches a model the tree denies.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyXaiRoutingTest {

  private static final String LEVEL1 = "sk-routing-level-one-1234567890";
  private static final String LEVEL2 = "sk-routing-level-two-1234567890";
  private TestCluster c;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    c.addKey(0, LEVEL1, null);
    c.addKey(0, LEVEL2, new JsonObject().put("level", 2));
    c.configure(0, new JsonObject().put("MODEL_MAPPER", "gpt-4.1=gpt-4.1-mini"));
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private JsonObject create(JsonObject fields) throws Exception {
    return c.createAccount(0, fields.put("CreditGranted", fields.getValue("CreditGranted", "2")));
  }

  private JsonObject child(String parentKey, JsonObject fields) throws Exception {
    HttpResponse<String> r = c.call(0, "POST", "/x-users", parentKey, fields.put("CreditGranted", 1).encode());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return new JsonObject(r.body());
  }

  private HttpResponse<String> chat(int node, String key, String model) throws Exception {
    JsonObject body = new JsonObject().put("model", model).put("max_tokens", 5)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    return c.call(node, "POST", "/v1/chat/completions", key, body.encode());
  }

  /** The upstream request a chat completion became: its model and the key that served it. */
  private ServedRequest served(int node, String key, String model) throws Exception {
    int before = c.mock.control().requests().size();
    HttpResponse<String> r = chat(node, key, model);
    assertThat(r.statusCode()).as(model + " -> " + r.body()).isEqualTo(200);
    List<ServedRequest> all = c.mock.control().requests();
    assertThat(all).hasSize(before + 1);
    return all.get(all.size() - 1);
  }

  private static JsonObject error(HttpResponse<String> r) {
    return new JsonObject(r.body()).getJsonObject("error");
  }

  @Test
  void anAccountsModelMapperOverridesTheGlobalOneOnEveryNode() throws Exception {
    JsonObject mine = create(new JsonObject().put("Name", "route-mapper")
        .put("ModelMapper", "gpt-4.1=gpt-4.1-nano,gpt-4o=gpt-4o-mini"));
    assertThat(mine.getJsonObject("User").getString("ModelMapper")).isEqualTo("gpt-4.1=gpt-4.1-nano,gpt-4o=gpt-4o-mini");
    String other = TestCluster.secretOf(create(new JsonObject().put("Name", "route-global")));
    assertThat(served(1, TestCluster.secretOf(mine), "gpt-4.1").model()).isEqualTo("gpt-4.1-nano");
    assertThat(served(0, TestCluster.secretOf(mine), "gpt-4o").model()).isEqualTo("gpt-4o-mini");
    assertThat(served(1, other, "gpt-4.1").model()).as("the global MODEL_MAPPER").isEqualTo("gpt-4.1-mini");
    assertThat(served(1, other, "gpt-4o").model()).isEqualTo("gpt-4o");

    c.settled(); // the charges on the node's credit slice are written behind
    JsonObject ledger = new JsonObject(c.call(1, "GET", "/dashboard/x_user/ledger", TestCluster.secretOf(mine), null).body());
    assertThat(ledger.encode()).as("charged as the model served").contains("gpt-4.1-nano").doesNotContain("\"gpt-4.1\"");

    HttpResponse<String> cleared = c.call(0, "PUT", "/x-users/route-mapper", c.adminKey,
        new JsonObject().put("ModelMapper", "").encode());
    assertThat(cleared.statusCode()).as(cleared.body()).isEqualTo(200);
    assertThat(served(1, TestCluster.secretOf(mine), "gpt-4.1").model()).as("cleared: the global one again, on the other node")
        .isEqualTo("gpt-4.1-mini");
  }

  @Test
  void anAccountsAliasesAreItsModelsAndOnlyItsOwn() throws Exception {
    String mine = TestCluster.secretOf(create(new JsonObject().put("Name", "route-alias").put("ModelMapper", "team-fast=gpt-4o-mini")));
    String other = TestCluster.secretOf(create(new JsonObject().put("Name", "route-no-alias")));
    HttpResponse<String> list = c.call(1, "GET", "/v1/models", mine, null);
    assertThat(list.body()).contains("\"team-fast\"");
    assertThat(c.call(0, "GET", "/v1/models/team-fast", mine, null).statusCode()).isEqualTo(200);
    assertThat(served(1, mine, "team-fast").model()).isEqualTo("gpt-4o-mini");
    assertThat(c.call(1, "GET", "/v1/models", other, null).body()).doesNotContain("team-fast");
    assertThat(c.call(0, "GET", "/v1/models/team-fast", other, null).statusCode()).isEqualTo(404);
  }

  @Test
  void aSubAccountInheritsItsParentsMapperAndItsOwnRuleWins() throws Exception {
    String parent = TestCluster.secretOf(create(new JsonObject().put("Name", "route-parent").put("CreditGranted", 5)
        .put("ModelMapper", "o3-mini=o4-mini")));
    String plain = TestCluster.secretOf(child(parent, new JsonObject().put("Name", "route-heir")));
    String own = TestCluster.secretOf(child(parent, new JsonObject().put("Name", "route-own").put("ModelMapper", "o3-mini=gpt-4.1-nano")));
    assertThat(served(0, plain, "o3-mini").model()).isEqualTo("o4-mini");
    assertThat(served(1, own, "o3-mini").model()).isEqualTo("gpt-4.1-nano");
    assertThat(served(1, parent, "o3-mini").model()).isEqualTo("o4-mini");
  }

  @Test
  void aMappingCannotReachAModelTheTreeDenies() throws Exception {
    String parent = TestCluster.secretOf(create(new JsonObject().put("Name", "route-strict").put("CreditGranted", 5)
        .put("DenyModels", "gpt-4o")));
    String sneaky = TestCluster.secretOf(child(parent, new JsonObject().put("Name", "route-sneaky").put("ModelMapper", "gpt-4o-mini=gpt-4o")));
    int before = c.mock.control().requests().size();
    HttpResponse<String> r = chat(1, sneaky, "gpt-4o-mini");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
    assertThat(error(r).getString("code")).isEqualTo("model_not_allowed");
    assertThat(error(r).getString("message")).contains("gpt-4o");
    assertThat(c.mock.control().requests()).as("nothing went upstream").hasSize(before);
    assertThat(c.call(0, "GET", "/v1/models/gpt-4o-mini", sneaky, null).statusCode())
        .as("not listed as usable either").isEqualTo(404);
  }

  @Test
  void aLevelMapperChoosesTheKeysAndAllowLevelsLimitsThem() throws Exception {
    String premium = TestCluster.secretOf(create(new JsonObject().put("Name", "route-level2").put("LevelMapper", "gpt-4o-mini=2")));
    assertThat(served(1, premium, "gpt-4o-mini").apiKey()).isEqualTo(LEVEL2);
    String plain = TestCluster.secretOf(create(new JsonObject().put("Name", "route-level1")));
    assertThat(served(1, plain, "gpt-4o-mini").apiKey()).isEqualTo(LEVEL1);

    String onlyTwo = TestCluster.secretOf(create(new JsonObject().put("Name", "route-only2").put("AllowLevels", "2")
        .put("LevelMapper", "*=2")));
    assertThat(served(0, onlyTwo, "gpt-4o").apiKey()).isEqualTo(LEVEL2);
    HttpResponse<String> update = c.call(0, "PUT", "/x-users/route-only2", c.adminKey,
        new JsonObject().put("LevelMapper", "").encode());
    assertThat(update.statusCode()).as(update.body()).isEqualTo(200);
    HttpResponse<String> refused = chat(1, onlyTwo, "gpt-4o");
    assertThat(refused.statusCode()).as("level 1 is not allowed: " + refused.body()).isEqualTo(403);
    assertThat(error(refused).getString("code")).isEqualTo("level_not_allowed");

    // along the tree: the child's AllowLevels cannot widen its parent's
    String parent = TestCluster.secretOf(create(new JsonObject().put("Name", "route-lv-parent").put("CreditGranted", 5)
        .put("AllowLevels", List.of(1))));
    String wider = TestCluster.secretOf(child(parent, new JsonObject().put("Name", "route-lv-wider").put("AllowLevels", "1,2")
        .put("LevelMapper", "*=2")));
    HttpResponse<String> r = chat(1, wider, "gpt-4o-mini");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
    assertThat(error(r).getString("code")).isEqualTo("level_not_allowed");
    String none = TestCluster.secretOf(child(parent, new JsonObject().put("Name", "route-lv-none").put("AllowLevels", "2")));
    HttpResponse<String> n = chat(0, none, "gpt-4o-mini");
    assertThat(n.statusCode()).as(n.body()).isEqualTo(403);
    assertThat(error(n).getString("code")).isEqualTo("level_not_allowed");
    String inherits = TestCluster.secretOf(child(parent, new JsonObject().put("Name", "route-lv-heir")));
    assertThat(served(1, inherits, "gpt-4o-mini").apiKey()).isEqualTo(LEVEL1);
  }

  @Test
  void badRoutingFieldsAreRefusedNamingThemAndNothingChanges() throws Exception {
    create(new JsonObject().put("Name", "route-bad").put("AllowLevels", "1"));
    for (Object[] bad : List.of(new Object[] {"ModelMapper", "gpt-4o"}, new Object[] {"ModelMapper", 5},
        new Object[] {"LevelMapper", "gpt-4o=x"}, new Object[] {"LevelMapper", "gpt-4o=0"},
        new Object[] {"AllowLevels", "0"}, new Object[] {"AllowLevels", "a,b"}, new Object[] {"AllowLevels", 1.5},
        new Object[] {"LevelMapper", "gpt-4o=99999999999"}, new Object[] {"ModelMapper", "a=b,".repeat(2000)})) {
      HttpResponse<String> r = c.call(1, "PUT", "/x-users/route-bad", c.adminKey,
          new JsonObject().put((String) bad[0], bad[1]).put("AllowLevels", "AllowLevels".equals(bad[0]) ? bad[1] : "2")
              .encode());
      assertThat(r.statusCode()).as(bad[0] + "=" + bad[1] + " -> " + r.body()).isEqualTo(400);
      assertThat(error(r).getString("param")).isEqualTo(bad[0]);
    }
    JsonObject now = new JsonObject(c.call(0, "GET", "/x-users/route-bad", c.adminKey, null).body());
    JsonObject user = now.containsKey("User") ? now.getJsonObject("User") : now;
    assertThat(user.encode()).as(now.encode()).contains("\"AllowLevels\":\"1\"");
    HttpResponse<String> ok = c.call(1, "PUT", "/x-users/route-bad", c.adminKey,
        new JsonObject().put("allowlevels", new JsonArray().add(3).add(2).add(3)).put("levelMapper", "gpt-4*=3").encode());
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(ok.body()).contains("\"AllowLevels\":\"2,3\"").contains("\"LevelMapper\":\"gpt-4*=3\"");
  }
}
