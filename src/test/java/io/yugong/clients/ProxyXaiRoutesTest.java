package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.Eventually;
import io.yugong.testing.LimitWindows;
import io.yugong.testing.StoreReader;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * ProxyXAI's operator routes (issue 9, point 9) against a two-node cluster, through raw HTTP as
 * ProxyXAI's scripts call them: {@code /x-root}, {@code /x-bill}, {@code Resources} and
 * {@code RESOURCES}, {@code /x-config}, {@code /x-keys}, the per-account mappers, {@code /x-gkey}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyXaiRoutesTest {

  private TestCluster c;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    c.addKey(0, "sk-proxyxai-routes-1234567890", null);
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private JsonObject create(JsonObject fields) throws Exception {
    return c.createAccount(0, fields.put("CreditGranted", fields.getValue("CreditGranted", "1")));
  }

  private HttpResponse<String> chat(int node, String key, String model) throws Exception {
    JsonObject body = new JsonObject().put("model", model).put("max_tokens", 5)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    return c.call(node, "POST", "/v1/chat/completions", key, body.encode());
  }

  private HttpResponse<String> info(int node, String key) throws Exception {
    return c.call(node, "GET", "/dashboard/x_user/info", key, null);
  }

  private HttpResponse<String> root(int node, String key, JsonObject body) throws Exception {
    return c.call(node, "POST", "/x-root", key, body.encode());
  }

  private static JsonObject error(HttpResponse<String> r) {
    return new JsonObject(r.body()).getJsonObject("error");
  }

  private static String confirm() {
    return LocalDate.now(ZoneOffset.UTC) + "-ROTATE-ROOT";
  }

  // --- POST /x-root --------------------------------------------------------------------------

  @Test
  void anImportedCustomerKeyWorksOnEveryNodeAndTheOldKeyStopsAtOnce() throws Exception {
    String old = TestCluster.secretOf(create(new JsonObject().put("Name", "px-import")));
    String imported = "sk-" + TestCluster.randomHex(48); // a customer key from elsewhere, made up here
    assertThat(info(1, old).statusCode()).isEqualTo(200);            // cached on node 1
    assertThat(info(1, imported).statusCode()).isEqualTo(401);       // unknown, remembered as such

    HttpResponse<String> r = root(0, c.adminKey, new JsonObject().put("name", "px-import").put("key", imported)
        .put("confirm", confirm()));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).as("a chosen key is never echoed").doesNotContain(imported.substring(3, 40));
    JsonObject answer = new JsonObject(r.body());
    assertThat(answer.getString("PartialKey")).isEqualTo("sk-..." + imported.substring(imported.length() - 4));
    assertThat(answer.getBoolean("success")).isTrue();

    assertThat(info(1, imported).statusCode()).as("the new key on the other node").isEqualTo(200);
    assertThat(info(1, old).statusCode()).as("the old key on the other node").isEqualTo(401);
    assertThat(chat(1, imported, "gpt-4o-mini").statusCode()).isEqualTo(200);
    assertThat(chat(0, old, "gpt-4o-mini").statusCode()).isEqualTo(401);
    String id = new JsonObject(r.body()).getString("ID");
    try (StoreReader store = new StoreReader(c)) {
      assertThat(store.send("HGETALL", "yg:{a:" + id + "}:account").toString() + store.send("HKEYS", "yg:idx:key"))
          .as("only a hash is stored").doesNotContain(imported.substring(3));
    }
  }

  @Test
  void aKeyAlreadyInUseIsRefusedWithAConflict() throws Exception {
    String mine = TestCluster.secretOf(create(new JsonObject().put("Name", "px-import-a")));
    String theirs = TestCluster.secretOf(create(new JsonObject().put("Name", "px-import-b")));
    HttpResponse<String> r = root(0, c.adminKey, new JsonObject().put("name", "px-import-a").put("key", theirs));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
    assertThat(error(r).getString("code")).isEqualTo("key_in_use");
    assertThat(r.body()).doesNotContain(theirs.substring(3));
    HttpResponse<String> admin = root(1, c.adminKey, new JsonObject().put("name", "px-import-a").put("key", c.adminKey));
    assertThat(admin.statusCode()).as(admin.body()).isIn(400, 409);
    assertThat(info(1, mine).statusCode()).as("nothing changed").isEqualTo(200);
    assertThat(info(0, theirs).statusCode()).isEqualTo(200);
  }

  @Test
  void malformedKeysAreRefusedNamingTheFieldWithoutRepeatingTheKey() throws Exception {
    String mine = TestCluster.secretOf(create(new JsonObject().put("Name", "px-import-bad")));
    for (String bad : List.of("pk-abcdefghijklmnopqrstuvwxyz0123", "sk-short", "sk-" + "a".repeat(200),
        "sk-abcdefghijklmnop qrstuvwxyz0123", "sk-abcdefghijklmnopqrstuvwxyz!0123")) {
      HttpResponse<String> r = root(0, c.adminKey, new JsonObject().put("name", "px-import-bad").put("key", bad));
      assertThat(r.statusCode()).as(bad + ": " + r.body()).isEqualTo(400);
      assertThat(error(r).getString("param")).isIn("key");
      assertThat(r.body()).doesNotContain(bad.substring(3, 8 + 3 > bad.length() ? bad.length() : 11));
    }
    HttpResponse<String> unknown = root(0, c.adminKey, new JsonObject().put("name", "px-import-bad").put("Level", 2));
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(error(unknown).getString("code")).isEqualTo("unknown_field");
    HttpResponse<String> late = root(0, c.adminKey, new JsonObject().put("name", "px-import-bad")
        .put("confirm", "2001-01-01-ROTATE-ROOT"));
    assertThat(late.statusCode()).isEqualTo(400);
    assertThat(error(late).getString("param")).isEqualTo("confirm");
    HttpResponse<String> notAdmin = root(0, mine, new JsonObject().put("name", "px-import-bad"));
    assertThat(notAdmin.statusCode()).isEqualTo(403);
    HttpResponse<String> rootItself = root(0, c.adminKey, new JsonObject().put("key", "sk-" + "b".repeat(40)));
    assertThat(rootItself.statusCode()).isEqualTo(400);
    assertThat(error(rootItself).getString("param")).isEqualTo("name");
    assertThat(info(1, mine).statusCode()).as("nothing changed").isEqualTo(200);
  }

  @Test
  void withoutAKeyANewOneIsGeneratedAndShownOnce() throws Exception {
    String old = TestCluster.secretOf(create(new JsonObject().put("Name", "px-root-gen")));
    HttpResponse<String> r = root(1, c.adminKey, new JsonObject().put("name", "px-root-gen").put("confirm", confirm()));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String fresh = new JsonObject(r.body()).getString("SecretKey");
    assertThat(fresh).startsWith("sk-").hasSize(51);
    assertThat(new JsonObject(r.body()).getJsonObject("rotate").getString("key")).isEqualTo(fresh);
    assertThat(info(0, fresh).statusCode()).isEqualTo(200);
    assertThat(info(0, old).statusCode()).isEqualTo(401);
  }

  // --- GET /x-bill ---------------------------------------------------------------------------

  private JsonObject child(String parentKey, String name) throws Exception {
    HttpResponse<String> r = c.call(0, "POST", "/x-users", parentKey,
        new JsonObject().put("Name", name).put("CreditGranted", 1).encode());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return new JsonObject(r.body());
  }

  private HttpResponse<String> bill(int node, String key, String query) throws Exception {
    return c.call(node, "GET", "/x-bill" + query, key, null);
  }

  @Test
  void theBillShowsEachSubAccountsUsagePerDayAndModel() throws Exception {
    String boss = TestCluster.secretOf(create(new JsonObject().put("Name", "px-bill").put("CreditGranted", 10)));
    String a = TestCluster.secretOf(child(boss, "px-bill-a"));
    String b = TestCluster.secretOf(child(boss, "px-bill-b"));
    // the usage and the bills asked below fall on one UTC day: "today" is the day spent on
    LimitWindows.awaitRoomIn(LimitWindows.DAY, 30_000);
    assertThat(chat(0, a, "gpt-4o-mini").statusCode()).isEqualTo(200);
    assertThat(chat(1, a, "gpt-4o-mini").statusCode()).isEqualTo(200);
    assertThat(chat(1, b, "gpt-4o").statusCode()).isEqualTo(200);
    String today = LocalDate.now(ZoneOffset.UTC).toString();

    Eventually.eventually(Duration.ofSeconds(10), () -> {
      HttpResponse<String> r = bill(1, boss, "");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonObject j = new JsonObject(r.body());
      assertThat(j.getJsonObject("total_usage").getLong("requests")).isEqualTo(3);
      JsonArray users = j.getJsonArray("usage_users");
      assertThat(users).hasSize(2);
      assertThat(users.getJsonObject(0).getString("name")).isEqualTo("px-bill-a");
      assertThat(users.getJsonObject(0).getLong("total_requests")).isEqualTo(2);
      assertThat(users.getJsonObject(0).getJsonObject("usage_analysis").getDouble("request_percentage"))
          .isEqualTo(66.67);
      assertThat(users.getJsonObject(1).getJsonObject("usage_details").getJsonObject("gpt-4o").getLong("requests"))
          .isEqualTo(1);
      JsonObject day = j.getJsonArray("data").getJsonObject(0);
      assertThat(day.getString("date")).isEqualTo(today);
      assertThat(day.getLong("n_requests")).isEqualTo(3);
      assertThat(day.getLong("n_context_tokens_total")).isPositive();
      assertThat(day.getLong("n_generated_tokens_total")).isPositive();
      assertThat(day.getJsonObject("usage_details").getJsonObject("gpt-4o-mini").getLong("requests")).isEqualTo(2);
      assertThat(j.getJsonObject("total_usage").getDouble("cost")).isPositive();
    });

    JsonObject one = new JsonObject(bill(0, boss, "?user=px-bill-b&start=" + today + "&end=" + today).body());
    assertThat(one.getJsonArray("usage_users")).hasSize(1);
    assertThat(one.getJsonObject("total_usage").getLong("requests")).isEqualTo(1);
    JsonObject paged = new JsonObject(bill(0, boss, "?days=30&page=2&size=1").body());
    assertThat(paged.getInteger("Total")).isEqualTo(2);
    assertThat(paged.getJsonArray("usage_users").getJsonObject(0).getString("name")).isEqualTo("px-bill-b");
    JsonObject yesterday = new JsonObject(bill(0, boss, "?date=" + LocalDate.now(ZoneOffset.UTC).minusDays(1)).body());
    assertThat(yesterday.getJsonObject("total_usage").getLong("requests")).isZero();
    assertThat(bill(0, a, "?user=px-bill-b").statusCode()).as("a sibling is not in a's subtree").isEqualTo(404);
  }

  @Test
  void theBillsRangeIsBoundedAndItsParametersChecked() throws Exception {
    String boss = TestCluster.secretOf(create(new JsonObject().put("Name", "px-bill-bounds").put("CreditGranted", 20)));
    for (String[] bad : List.of(new String[] {"?start=2024-01-01&end=2025-06-01", "start"},
        new String[] {"?days=367", "days"}, new String[] {"?start=2026-13-01", "start"},
        new String[] {"?start=2026-02-01&end=2026-01-01", "end"}, new String[] {"?size=x", "size"},
        new String[] {"?date=2026-01-01&days=2", "date"}, new String[] {"?level=2", "level"})) {
      HttpResponse<String> r = bill(0, boss, bad[0]);
      assertThat(r.statusCode()).as(bad[0] + ": " + r.body()).isEqualTo(400);
      assertThat(error(r).getString("param")).as(bad[0]).isEqualTo(bad[1]);
    }
    HttpResponse<String> level = bill(0, boss, "?user=L2");
    assertThat(level.statusCode()).isEqualTo(400);
    assertThat(error(level).getString("code")).isEqualTo("unsupported_parameter");
    assertThat(bill(0, boss, "?start=2025-06-01&end=2026-06-01").statusCode()).isEqualTo(200);
    // a year of 11 sub-accounts is 4,026 account-days to read: more than one call may cost Redis
    for (int i = 0; i < 11; i++) {
      child(boss, "px-bill-bounds-" + i);
    }
    HttpResponse<String> big = bill(1, boss, "?days=366");
    assertThat(big.statusCode()).as(big.body()).isEqualTo(400);
    assertThat(error(big).getString("code")).isEqualTo("report_too_large");
    assertThat(bill(1, boss, "?days=366&size=10").statusCode()).isEqualTo(200);
  }

  // --- Resources -----------------------------------------------------------------------------

  private HttpResponse<String> embed(int node, String key, String path) throws Exception {
    return c.call(node, "POST", path, key,
        new JsonObject().put("model", "text-embedding-3-small").put("input", "hi").encode());
  }

  private HttpResponse<String> update(int node, String key, String who, JsonObject fields) throws Exception {
    return c.call(node, "PUT", "/x-users/" + who, key, fields.encode());
  }

  @Test
  void resourcesLimitAKeyToTheListedEndpointsOnEveryNode() throws Exception {
    String key = TestCluster.secretOf(create(new JsonObject().put("Name", "px-res").put("Resources", "/v1/chat/completions")));
    assertThat(chat(1, key, "gpt-4o-mini").statusCode()).isEqualTo(200);
    HttpResponse<String> refused = embed(1, key, "/v1/embeddings");
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
    assertThat(error(refused).getString("code")).isEqualTo("endpoint_not_allowed");
    assertThat(error(refused).getString("type")).isEqualTo("permission_error");
    assertThat(c.call(0, "POST", "/v1/ch%61t/completions", key, new JsonObject().put("model", "gpt-4o-mini")
        .put("max_tokens", 5).put("messages", new JsonArray().add(new JsonObject().put("role", "user")
            .put("content", "hi"))).encode()).statusCode()).as("judged on the normalised path").isEqualTo(200);
    assertThat(embed(0, key, "/v1/chat/../embeddings").statusCode()).isEqualTo(403);

    HttpResponse<String> added = update(0, c.adminKey, "px-res", new JsonObject().put("Resources", "+/v1/embeddings"));
    assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
    assertThat(new JsonObject(added.body()).getJsonObject("User").getString("Resources"))
        .isEqualTo("/v1/chat/completions,/v1/embeddings");
    assertThat(embed(1, key, "/v1/embeddings").statusCode()).isEqualTo(200);
    assertThat(update(1, c.adminKey, "px-res", new JsonObject().put("Resources", "-/v1/embeddings")).statusCode())
        .isEqualTo(200);
    assertThat(embed(0, key, "/v1/embeddings").statusCode()).isEqualTo(403);
    HttpResponse<String> last = update(0, c.adminKey, "px-res", new JsonObject().put("Resources", "-/v1/chat/completions"));
    assertThat(last.statusCode()).as("removing the last entry would allow all").isEqualTo(400);
    assertThat(error(last).getString("param")).isEqualTo("Resources");
    assertThat(update(0, c.adminKey, "px-res", new JsonObject().put("Resources", "-*")).statusCode()).isEqualTo(200);
    assertThat(embed(1, key, "/v1/embeddings").statusCode()).isEqualTo(200);
  }

  @Test
  void aSubAccountsResourcesAreWithinItsParents() throws Exception {
    String parent = TestCluster.secretOf(create(new JsonObject().put("Name", "px-res-parent").put("CreditGranted", 5)
        .put("Resources", "/v1/chat/completions")));
    String kid = TestCluster.secretOf(child(parent, "px-res-kid"));
    assertThat(chat(1, kid, "gpt-4o-mini").statusCode()).isEqualTo(200);
    assertThat(embed(1, kid, "/v1/embeddings").statusCode()).as("the parent's list binds the child").isEqualTo(403);
    assertThat(update(0, parent, "px-res-kid", new JsonObject().put("Resources", "/v1/embeddings")).statusCode())
        .isEqualTo(200);
    assertThat(embed(1, kid, "/v1/embeddings").statusCode()).as("the child's own list cannot widen it").isEqualTo(403);
    assertThat(chat(1, kid, "gpt-4o-mini").statusCode()).isEqualTo(403);
  }

  @Test
  void resourcesThatAreNotEndpointPathsAreRefused() throws Exception {
    create(new JsonObject().put("Name", "px-res-bad"));
    for (String bad : List.of("v1/chat/completions", "/v1/../admin", "/v1/chat//completions", "/v1/chat%2Fx",
        "/v1/ch*at")) {
      HttpResponse<String> r = update(0, c.adminKey, "px-res-bad", new JsonObject().put("Resources", bad));
      assertThat(r.statusCode()).as(bad + ": " + r.body()).isEqualTo(400);
      assertThat(error(r).getString("param")).isEqualTo("Resources");
    }
  }

  // --- /x-config -----------------------------------------------------------------------------

  private HttpResponse<String> config(int node, String method, JsonObject body) throws Exception {
    return c.call(node, method, "/x-config", c.adminKey, body == null ? null : body.encode());
  }

  private JsonObject configs(int node) throws Exception {
    HttpResponse<String> r = config(node, "GET", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body()).getJsonObject("configs");
  }

  @Test
  void xConfigSetsTheGlobalMappersAndResourcesForEveryNode() throws Exception {
    String key = TestCluster.secretOf(create(new JsonObject().put("Name", "px-config")));
    try {
      HttpResponse<String> set = config(0, "POST", new JsonObject().put("MODEL_MAPPER", "px-alias=gpt-4o-mini")
          .put("RESOURCES", "/v1/chat/completions"));
      assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
      assertThat(new JsonObject(set.body()).getJsonObject("updated").getString("RESOURCES"))
          .isEqualTo("/v1/chat/completions");
      Eventually.eventually(Duration.ofSeconds(5), () -> {
        assertThat(configs(1).getString("MODEL_MAPPER")).isEqualTo("px-alias=gpt-4o-mini");
        assertThat(embed(1, key, "/v1/embeddings").statusCode()).isEqualTo(403);
      });
      HttpResponse<String> mapped = chat(1, key, "px-alias");
      assertThat(mapped.statusCode()).as(mapped.body()).isEqualTo(200);
      assertThat(configs(1).getString("RESOURCES")).isEqualTo("/v1/chat/completions");

      HttpResponse<String> reset = c.call(1, "DELETE", "/x-config", c.adminKey,
          new JsonObject().put("keys", new JsonArray().add("RESOURCES").add("model_mapper")).encode());
      assertThat(reset.statusCode()).as(reset.body()).isEqualTo(200);
      assertThat(new JsonObject(reset.body()).getJsonArray("deleted")).containsExactly("RESOURCES", "MODEL_MAPPER");
      Eventually.eventually(Duration.ofSeconds(5), () -> {
        assertThat(configs(0).getString("RESOURCES")).isEmpty();
        assertThat(embed(0, key, "/v1/embeddings").statusCode()).isEqualTo(200);
      });
    } finally {
      config(0, "DELETE", new JsonObject().put("keys", new JsonArray().add("RESOURCES").add("MODEL_MAPPER")));
      c.awaitSettings(); // no other test may meet node 1 still refusing all but chats
    }
  }

  @Test
  void badSettingsAreRefusedNamingThemAndNothingChanges() throws Exception {
    JsonObject before = configs(0);
    for (Object[] bad : List.of(new Object[] {"LEVEL_MAPPER", "gpt-4o=first", "LEVEL_MAPPER", null},
        new Object[] {"SWITCH_OVER", "1=0", "SWITCH_OVER", null},
        new Object[] {"MODEL_MAPPER", "gpt-4o", "MODEL_MAPPER", null},
        new Object[] {"RESOURCES", "chat", "RESOURCES", null},
        new Object[] {"RESOURCES", 5, "RESOURCES", null},
        new Object[] {"XAI_MAIL", "a@b.c", "XAI_MAIL", "unsupported_field"},
        new Object[] {"LOG_LEVEL", "x", "LOG_LEVEL", "unknown_field"})) {
      HttpResponse<String> r = config(0, "POST", new JsonObject().put("MODEL_MAPPER", "a=b").put((String) bad[0], bad[1]));
      assertThat(r.statusCode()).as(bad[0] + ": " + r.body()).isEqualTo(400);
      assertThat(error(r).getString("param")).isEqualTo(bad[2]);
      if (bad[3] != null) {
        assertThat(error(r).getString("code")).isEqualTo(bad[3]);
      }
    }
    assertThat(configs(1)).isEqualTo(before);
    String key = TestCluster.secretOf(create(new JsonObject().put("Name", "px-config-user")));
    assertThat(c.call(0, "GET", "/x-config", key, null).statusCode()).isEqualTo(403);
    assertThat(c.call(0, "POST", "/x-config", key, "{\"RESOURCES\":\"\"}").statusCode()).isEqualTo(403);
  }

  // --- /x-gkey -------------------------------------------------------------------------------

  @Test
  void xGkeyHandsOutAFreshKeyThatOnlyWorksOnceImported() throws Exception {
    String mine = TestCluster.secretOf(create(new JsonObject().put("Name", "px-gkey")));
    HttpResponse<String> r = c.call(1, "GET", "/x-gkey", mine, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String fresh = new JsonObject(r.body()).getString("SecretKey");
    assertThat(fresh).startsWith("sk-").hasSize(51);
    assertThat(info(0, fresh).statusCode()).as("bound to nothing").isEqualTo(401);
    assertThat(root(0, c.adminKey, new JsonObject().put("name", "px-gkey").put("key", fresh)).statusCode()).isEqualTo(200);
    assertThat(info(1, fresh).statusCode()).isEqualTo(200);
    assertThat(c.call(0, "GET", "/x-gkey", null, null).statusCode()).isEqualTo(401);
  }
}
