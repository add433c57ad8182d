package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.Eventually;
import io.yugong.testing.TestCluster;
import io.yugong.testing.TestRedis;
import org.junit.jupiter.api.Assumptions;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * ProxyXAI's documented sub-account API is the contract (issue 9, point 9): scripts written for
 * ProxyXAI work unchanged against a two-node cluster, through raw HTTP as those scripts call it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyXaiContractTest {

  private TestCluster c;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    c.addKey(0, "sk-proxyxai-contract-1234567890", null);
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

  private HttpResponse<String> update(int node, String who, JsonObject fields) throws Exception {
    return c.call(node, "PUT", "/x-users/" + who, c.adminKey, fields.encode());
  }

  private JsonObject user(int node, String who) throws Exception {
    HttpResponse<String> r = c.call(node, "GET", "/x-users/" + who, c.adminKey, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  private HttpResponse<String> chat(int node, String key, String model) throws Exception {
    JsonObject body = new JsonObject().put("model", model).put("max_tokens", 5)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    return c.call(node, "POST", "/v1/chat/completions", key, body.encode());
  }

  private static JsonObject error(HttpResponse<String> r) {
    return new JsonObject(r.body()).getJsonObject("error");
  }

  // --- Status -------------------------------------------------------------------------------

  @Test
  void statusTakesABooleanAsWellAsAString() throws Exception {
    String key = TestCluster.secretOf(create(new JsonObject().put("Name", "px-status")));
    HttpResponse<String> off = update(0, "px-status", new JsonObject().put("Status", false));
    assertThat(off.statusCode()).as(off.body()).isEqualTo(200);
    assertThat(new JsonObject(off.body()).getJsonObject("User").getString("Status")).isEqualTo("disabled");
    HttpResponse<String> refused = chat(1, key, "gpt-4o-mini");
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(error(refused).getString("code")).isEqualTo("account_disabled");

    assertThat(update(1, "px-status", new JsonObject().put("Status", true)).statusCode()).isEqualTo(200);
    assertThat(chat(0, key, "gpt-4o-mini").statusCode()).isEqualTo(200);
    assertThat(update(0, "px-status", new JsonObject().put("Status", "disabled")).statusCode()).isEqualTo(200);
    assertThat(chat(1, key, "gpt-4o-mini").statusCode()).isEqualTo(403);
    assertThat(update(0, "px-status", new JsonObject().put("Status", "active")).statusCode()).isEqualTo(200);
    assertThat(chat(1, key, "gpt-4o-mini").statusCode()).isEqualTo(200);
  }

  @Test
  void aStatusThatIsNeitherIsRefusedNamingIt() throws Exception {
    create(new JsonObject().put("Name", "px-status-bad"));
    for (Object v : List.of("paused", 1, new JsonArray())) {
      HttpResponse<String> r = update(0, "px-status-bad", new JsonObject().put("Status", v));
      assertThat(r.statusCode()).as(v + ": " + r.body()).isEqualTo(400);
      assertThat(error(r).getString("param")).isEqualTo("Status");
    }
    HttpResponse<String> r = update(0, "px-status-bad", new JsonObject().put("Suspended", "yes"));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r).getString("param")).isEqualTo("Suspended");
    assertThat(user(1, "px-status-bad").getString("Status")).isEqualTo("active");
  }

  // --- removal forms ------------------------------------------------------------------------

  @Test
  void removingAModelFromTheAllowListKeepsTheOthersUsable() throws Exception {
    String key = TestCluster.secretOf(create(new JsonObject().put("Name", "px-rm-model").put("AllowModels", "gpt-4o-mini,gpt-3.5-turbo")));
    HttpResponse<String> r = update(0, "px-rm-model", new JsonObject().put("AllowModels", "-gpt-3.5-turbo"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getJsonObject("User").getString("AllowModels")).isEqualTo("gpt-4o-mini");
    assertThat(chat(1, key, "gpt-4o-mini").statusCode()).as("the account is not locked out").isEqualTo(200);
    HttpResponse<String> removed = chat(1, key, "gpt-3.5-turbo");
    assertThat(removed.statusCode()).isEqualTo(403);
    assertThat(error(removed).getString("code")).isEqualTo("model_not_allowed");

    HttpResponse<String> cleared = update(1, "px-rm-model", new JsonObject().put("AllowModels", "-*"));
    assertThat(cleared.statusCode()).as(cleared.body()).isEqualTo(200);
    assertThat(user(0, "px-rm-model").getString("AllowModels")).isEmpty();
    assertThat(chat(0, key, "gpt-3.5-turbo").statusCode()).as("-* lifts the allow list").isEqualTo(200);
  }

  @Test
  void removingTheLastAllowedModelIsRefusedRatherThanAllowingEveryModel() throws Exception {
    String key = TestCluster.secretOf(create(new JsonObject().put("Name", "px-rm-last").put("AllowModels", "gpt-4o-mini")));
    HttpResponse<String> r = update(0, "px-rm-last", new JsonObject().put("AllowModels", "-gpt-4o-mini"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(error(r).getString("param")).isEqualTo("AllowModels");
    assertThat(user(1, "px-rm-last").getString("AllowModels")).isEqualTo("gpt-4o-mini");
    assertThat(chat(1, key, "gpt-4o").statusCode()).isEqualTo(403);
  }

  @Test
  void signedEntriesAddAndRemoveFromDenyListsAndCannotBeMixedWithPlainOnes() throws Exception {
    String key = TestCluster.secretOf(create(new JsonObject().put("Name", "px-deny-edit").put("DenyModels", "gpt-4o")));
    assertThat(update(0, "px-deny-edit", new JsonObject().put("DenyModels", "+gpt-3.5-turbo")).statusCode())
        .isEqualTo(200);
    assertThat(user(1, "px-deny-edit").getString("DenyModels")).isEqualTo("gpt-4o,gpt-3.5-turbo");
    assertThat(chat(1, key, "gpt-3.5-turbo").statusCode()).isEqualTo(403);
    assertThat(update(1, "px-deny-edit", new JsonObject().put("DenyModels", "-gpt-4o")).statusCode()).isEqualTo(200);
    assertThat(chat(0, key, "gpt-4o").statusCode()).isEqualTo(200);
    HttpResponse<String> mixed = update(0, "px-deny-edit", new JsonObject().put("DenyModels", "o3,-gpt-3.5-turbo"));
    assertThat(mixed.statusCode()).isEqualTo(400);
    assertThat(error(mixed).getString("param")).isEqualTo("DenyModels");
    assertThat(user(0, "px-deny-edit").getString("DenyModels")).isEqualTo("gpt-3.5-turbo");
  }

  @Test
  void removingAnAddressFromAllowIpsKeepsTheOthers() throws Exception {
    String key = TestCluster.secretOf(create(new JsonObject().put("Name", "px-rm-ip").put("AllowIPs", "127.0.0.1,1.2.3.4,10.0.0.0/8")));
    HttpResponse<String> r = update(0, "px-rm-ip", new JsonObject().put("AllowIPs", "-1.2.3.4/32"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(user(1, "px-rm-ip").getString("AllowIPs")).isEqualTo("127.0.0.1,10.0.0.0/8");
    assertThat(chat(1, key, "gpt-4o-mini").statusCode()).isEqualTo(200);
    assertThat(update(1, "px-rm-ip", new JsonObject().put("AllowIPs", "-127.0.0.1")).statusCode()).isEqualTo(200);
    HttpResponse<String> refused = chat(0, key, "gpt-4o-mini");
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(error(refused).getString("code")).isEqualTo("ip_not_allowed");
    HttpResponse<String> bad = update(0, "px-rm-ip", new JsonObject().put("AllowIPs", "-not-an-ip"));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(error(bad).getString("param")).isEqualTo("AllowIPs");
    assertThat(update(0, "px-rm-ip", new JsonObject().put("AllowIPs", "-*")).statusCode()).isEqualTo(200);
    assertThat(chat(1, key, "gpt-4o-mini").statusCode()).isEqualTo(200);
  }

  // --- Days ---------------------------------------------------------------------------------

  @Test
  void fractionalDaysGrantCreditValidForThatLong() throws Exception {
    JsonObject created = create(new JsonObject().put("Name", "px-days").put("CreditGranted", 2).put("Days", 0.5));
    JsonObject grant = created.getJsonObject("User").getJsonArray("CreditBalance").getJsonObject(0);
    Duration valid = Duration.between(Instant.parse(grant.getString("granted_at")),
        Instant.parse(grant.getString("expires_at")));
    assertThat(valid).isBetween(Duration.ofHours(12).minusSeconds(5), Duration.ofHours(12).plusSeconds(5));
    assertThat(created.getJsonObject("User").getValue("Days").toString()).isEqualTo("0.5");

    HttpResponse<String> more = update(1, "px-days", new JsonObject().put("CreditGranted", 1).put("Days", "1.25"));
    assertThat(more.statusCode()).as(more.body()).isEqualTo(200);
    JsonArray grants = new JsonObject(more.body()).getJsonObject("User").getJsonArray("CreditBalance");
    assertThat(grants.stream().map(g -> Duration.between(Instant.parse(((JsonObject) g).getString("granted_at")),
        Instant.parse(((JsonObject) g).getString("expires_at"))).toMinutes()).toList()).contains(30L * 60 + 0, 12L * 60);
  }

  @Test
  void daysOutsideZeroToAYearAreRefused() throws Exception {
    for (Object v : List.of(0, -1, 365.5, 366, "1e9", "NaN", "a")) {
      HttpResponse<String> r = c.call(0, "POST", "/x-users", c.adminKey,
          new JsonObject().put("Name", "px-days-bad").put("CreditGranted", 1).put("Days", v).encode());
      assertThat(r.statusCode()).as(v + ": " + r.body()).isEqualTo(400);
      assertThat(error(r).getString("param")).isEqualTo("Days");
    }
    assertThat(c.call(1, "GET", "/x-users/px-days-bad", c.adminKey, null).statusCode()).isEqualTo(404);
  }

  // --- unknown fields -----------------------------------------------------------------------

  @Test
  void aFieldThisServiceDoesNotKnowIsRefusedByNameAndNothingChanges() throws Exception {
    create(new JsonObject().put("Name", "px-unknown"));
    HttpResponse<String> r = update(0, "px-unknown", new JsonObject().put("HardLimit", 5).put("MonthlyCap", 3));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(error(r).getString("param")).isEqualTo("MonthlyCap");
    assertThat(error(r).getString("message")).contains("MonthlyCap");
    assertThat(new BigDecimal(user(1, "px-unknown").getValue("HardLimit").toString())).isZero();

    HttpResponse<String> created = c.call(1, "POST", "/x-users", c.adminKey,
        new JsonObject().put("Name", "px-unknown-new").put("CreditGranted", 1).put("MaxTokens", 5).encode());
    assertThat(created.statusCode()).isEqualTo(400);
    assertThat(error(created).getString("param")).isEqualTo("MaxTokens");
    assertThat(c.call(0, "GET", "/x-users/px-unknown-new", c.adminKey, null).statusCode()).isEqualTo(404);
  }

  @Test
  void aProxyXaiFieldThisServiceDoesNotApplyIsRefusedAsUnsupported() throws Exception {
    create(new JsonObject().put("Name", "px-unsupported"));
    HttpResponse<String> r = update(0, "px-unsupported", new JsonObject().put("BillingEmail", "b@example.com"));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r).getString("param")).isEqualTo("BillingEmail");
    assertThat(error(r).getString("code")).isEqualTo("unsupported_field");
  }

  @Test
  void fieldNamesMatchIgnoringCaseAsProxyXaisDecoderDoes() throws Exception {
    create(new JsonObject().put("Name", "px-case"));
    HttpResponse<String> r = update(0, "px-case", new JsonObject().put("hardlimit", 7).put("rpm", 30));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonObject u = user(1, "px-case");
    assertThat(new BigDecimal(u.getValue("HardLimit").toString())).isEqualByComparingTo("7");
    assertThat(u.getInteger("RPM")).isEqualTo(30);
    HttpResponse<String> twice = update(0, "px-case", new JsonObject().put("RPM", 1).put("rpm", 2));
    assertThat(twice.statusCode()).isEqualTo(400);
  }

  // --- GET /x-users filters -----------------------------------------------------------------

  private JsonObject list(int node, String key, String query) throws Exception {
    HttpResponse<String> r = c.call(node, "GET", query, key, null);
    assertThat(r.statusCode()).as(query + ": " + r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  private static List<String> names(JsonObject page) {
    return page.getJsonArray("Users").stream().map(u -> ((JsonObject) u).getString("Name")).toList();
  }

  @Test
  void listsAreFilteredByIdNameEmailAndDna() throws Exception {
    JsonObject top = create(new JsonObject().put("Name", "px-list-top").put("CreditGranted", 5));
    String topKey = TestCluster.secretOf(top);
    String topId = top.getJsonObject("User").getString("ID");
    JsonObject a = new JsonObject(c.call(0, "POST", "/x-users", topKey, new JsonObject().put("Name", "px-list-a")
        .put("Email", "a@list.example").put("CreditGranted", 1).encode()).body());
    String aKey = TestCluster.secretOf(a);
    String aId = a.getJsonObject("User").getString("ID");
    c.call(0, "POST", "/x-users", topKey, new JsonObject().put("Name", "px-list-b").encode());
    c.call(1, "POST", "/x-users", aKey, new JsonObject().put("Name", "px-list-a1").encode());

    assertThat(names(list(1, topKey, "/x-users"))).containsExactly("px-list-a", "px-list-b");
    assertThat(names(list(1, topKey, "/x-users?name=px-list-b"))).containsExactly("px-list-b");
    assertThat(names(list(0, topKey, "/x-users?email=A@list.example"))).containsExactly("px-list-a");
    assertThat(names(list(0, topKey, "/x-users?id=" + aId))).containsExactly("px-list-a");
    assertThat(list(0, topKey, "/x-users?name=nobody").getInteger("Total")).isZero();
    assertThat(names(list(1, topKey, "/x-dna"))).containsExactly("px-list-a", "px-list-b", "px-list-a1");
    String dnaOfA = ".1." + topId + "." + aId + ".";
    assertThat(names(list(1, topKey, "/x-dna?dna=" + dnaOfA))).containsExactly("px-list-a1");
    JsonObject shown = list(0, topKey, "/x-users?name=px-list-a").getJsonArray("Users").getJsonObject(0);
    assertThat(shown.getString("DNA")).isEqualTo(".1." + topId + ".");
    assertThat(names(list(0, topKey, "/x-dna?name=px-list-a1&id=" + aId))).as("filters combine").isEmpty();
    // every account inherits its root's Level, 0: level=0 keeps all, another level none
    assertThat(shown.getInteger("Level")).isZero();
    assertThat(names(list(1, topKey, "/x-users?level=0"))).containsExactly("px-list-a", "px-list-b");
    assertThat(names(list(1, topKey, "/x-dna?level=0&name=px-list-a1"))).containsExactly("px-list-a1");
    assertThat(list(0, topKey, "/x-users?level=2").getInteger("Total")).isZero();
  }

  @Test
  void aPageHoldsUpToAThousandAccounts() throws Exception {
    String key = TestCluster.secretOf(create(new JsonObject().put("Name", "px-page").put("CreditGranted", 5)));
    for (int i = 0; i < 3; i++) {
      c.call(i % 2, "POST", "/x-users", key, new JsonObject().put("Name", "px-page-" + i).encode());
    }
    JsonObject big = list(0, key, "/x-users?size=1000");
    assertThat(big.getInteger("Size")).isEqualTo(1000);
    assertThat(big.getJsonArray("Users")).hasSize(3);
    assertThat(list(0, key, "/x-users?size=5000").getInteger("Size")).isEqualTo(1000);
    JsonObject second = list(1, key, "/x-users?size=2&page=2");
    assertThat(names(second)).containsExactly("px-page-2");
    assertThat(second.getInteger("Total")).isEqualTo(3);
  }

  @Test
  void aListParameterThisServiceDoesNotApplyIsRefusedNamingIt() throws Exception {
    for (String q : List.of("?level=-1", "?level=x", "?level=1000001", "?level=0&level=1", "?order=desc", "?page=0", "?size=x", "?id=abc", "?dna=1.2", "?colour=red",
        "?name=" + "n".repeat(64))) {
      HttpResponse<String> r = c.call(0, "GET", "/x-users" + q, c.adminKey, null);
      assertThat(r.statusCode()).as(q + ": " + r.body()).isEqualTo(400);
      assertThat(error(r).getString("message")).isNotBlank();
    }
  }

  // --- /healthz and INIT_KEYS ---------------------------------------------------------------

  @Test
  void healthzNeedsNoKeyAndSays503WhileRedisIsDown() throws Exception {
    HttpResponse<String> ok = c.call(1, "GET", "/healthz", null, null);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(ok.body()).getString("status")).isEqualTo("ok");
    TestRedis.RedisProcess redis = TestRedis.get().process();
    Assumptions.assumeTrue(redis != null, "Redis is not the tests' own process; it cannot be stopped");
    redis.stopKeepingData();
    try {
      Eventually.eventually(Duration.ofSeconds(10), () -> {
        HttpResponse<String> down = c.call(0, "GET", "/healthz", null, null);
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(new JsonObject(down.body()).getBoolean("redis")).isFalse();
      });
    } finally {
      redis.start();
    }
    Eventually.eventually(Duration.ofSeconds(20), () -> {
      assertThat(c.call(0, "GET", "/healthz", null, null).statusCode()).isEqualTo(200);
      assertThat(c.call(1, "GET", "/healthz", null, null).statusCode()).isEqualTo(200);
    });
  }
}
