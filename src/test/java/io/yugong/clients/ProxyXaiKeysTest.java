package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.Eventually;
import io.yugong.testing.StoreReader;
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
 * ProxyXAI's {@code /x-keys} (issue 9, point 9) against a two-node cluster, through raw HTTP as
 * ProxyXAI's scripts call it: add ({@code SecretKey}, {@code Name}, {@code Level},
 * {@code Provider}, {@code Status}), list with {@code ?level=} and {@code ?provider=}, get, update,
 * delete — the same pool as {@code /admin/keys}, the secret never answered.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyXaiKeysTest {

  /** Only the key of {@link #aKeyAddedOnOneNodeServesThroughTheOther} has this level. */
  private static final int SERVING_LEVEL = 5;
  private static final String SERVING_MODEL = "gpt-4.1-nano";
  private TestCluster c;
  private String mockUrl;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    mockUrl = "http://127.0.0.1:" + c.mock.port();
    c.configure(0, new JsonObject().put("LEVEL_MAPPER", SERVING_MODEL + "=" + SERVING_LEVEL));
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private HttpResponse<String> keys(int node, String method, String path, JsonObject body) throws Exception {
    return c.call(node, method, "/x-keys" + path, c.adminKey, body == null ? null : body.encode());
  }

  private JsonObject add(JsonObject fields) throws Exception {
    HttpResponse<String> r = keys(0, "POST", "", fields);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).as("the secret is never answered")
        .doesNotContain(fields.getString("SecretKey").substring(3, 20));
    return new JsonObject(r.body()).getJsonObject("Key");
  }

  private static String secret(String tag) {
    return "sk-xkeys-" + tag + "-" + TestCluster.randomHex(32);
  }

  private static JsonObject error(HttpResponse<String> r) {
    return new JsonObject(r.body()).getJsonObject("error");
  }

  private JsonArray list(int node, String query) throws Exception {
    HttpResponse<String> r = keys(node, "GET", query, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body()).getJsonArray("data");
  }

  @Test
  void aKeyAddedOnOneNodeServesThroughTheOther() throws Exception {
    String s = secret("serve");
    JsonObject k = add(new JsonObject().put("SecretKey", s).put("Name", "Production Key")
        .put("Level", SERVING_LEVEL).put("Provider", mockUrl + "/v1").put("Status", true));
    String id = k.getString("ID");
    assertThat(k.getString("Name")).isEqualTo("Production Key");
    assertThat(k.getInteger("Level")).isEqualTo(SERVING_LEVEL);
    assertThat(k.getString("Provider")).as("stored without /v1").isEqualTo(mockUrl);
    assertThat(k.getBoolean("Status")).isTrue();
    assertThat(k.getString("PartialKey")).isEqualTo("sk-..." + s.substring(s.length() - 4));

    Eventually.eventually(Duration.ofSeconds(10), () -> {
      HttpResponse<String> r = keys(1, "GET", "/" + id, null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(new JsonObject(r.body()).getString("PartialKey")).isEqualTo(k.getString("PartialKey"));
    });
    HttpResponse<String> admin = c.call(1, "GET", "/admin/keys/" + id, c.adminKey, null);
    assertThat(new JsonObject(admin.body()).getInteger("level")).as("the same pool as /admin/keys")
        .isEqualTo(SERVING_LEVEL);

    String customer = c.createAccount(0, new JsonObject().put("Name", "xkeys-customer").put("CreditGranted", "1"))
        .getJsonObject("User").getString("SecretKey");
    HttpResponse<String> chat = c.call(1, "POST", "/v1/chat/completions", customer, new JsonObject()
        .put("model", SERVING_MODEL).put("max_tokens", 5).put("messages", new JsonArray()
            .add(new JsonObject().put("role", "user").put("content", "hi"))).encode());
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    assertThat(c.mock.control().requests(s)).as("served with the added key").isNotEmpty();

    try (StoreReader store = new StoreReader(c)) {
      assertThat(store.send("HGETALL", "yg:keys").toString()).as("sealed in Redis").doesNotContain(s.substring(3));
    }
  }

  @Test
  void theSameSecretIsAddedOnceAndASecondAddIsAConflictNamingTheKey() throws Exception {
    String s = secret("twice");
    String id = add(new JsonObject().put("SecretKey", s).put("Level", 9)).getString("ID");
    Eventually.eventually(Duration.ofSeconds(10), () ->
        assertThat(keys(1, "GET", "/" + id, null).statusCode()).isEqualTo(200));
    for (int node = 0; node < 2; node++) {
      HttpResponse<String> again = c.call(node, "POST", "/x-keys", c.adminKey,
          new JsonObject().put("SecretKey", " " + s + " ").encode());
      assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
      assertThat(error(again).getString("code")).isEqualTo("key_exists");
      assertThat(error(again).getString("message")).contains(id);
      assertThat(again.body()).doesNotContain(s.substring(3, 20));
    }
  }

  @Test
  void keysAreListedByLevelAndByProviderAsProxyXaiFiltersThem() throws Exception {
    String a = add(new JsonObject().put("SecretKey", secret("l2a")).put("Level", 12)
        .put("Provider", "https://api.openai.com")).getString("ID");
    String b = add(new JsonObject().put("SecretKey", secret("l2b")).put("Level", "12")
        .put("Provider", "https://other.example/v1/")).getString("ID");
    String d = add(new JsonObject().put("SecretKey", secret("l3")).put("Level", 13)
        .put("Provider", "https://other.example")).getString("ID");
    Eventually.eventually(Duration.ofSeconds(10), () -> {
      assertThat(list(1, "?level=12").stream().map(o -> ((JsonObject) o).getString("ID")))
          .containsExactlyInAnyOrder(a, b);
      assertThat(list(1, "?provider=https://other.example/v1").stream().map(o -> ((JsonObject) o).getString("ID")))
          .containsExactlyInAnyOrder(b, d);
      assertThat(list(1, "?level=13&provider=https://other.example").stream()
          .map(o -> ((JsonObject) o).getString("ID"))).containsExactly(d);
      assertThat(list(1, "").stream().map(o -> ((JsonObject) o).getString("ID"))).contains(a, b, d);
    });
    HttpResponse<String> all = keys(0, "GET", "", null);
    assertThat(new JsonObject(all.body()).getInteger("Total")).isEqualTo(list(0, "").size());
    assertThat(all.body()).doesNotContain("sealed").doesNotContain("sk-xkeys-");

    for (String[] bad : List.of(new String[] {"?level=x", "level"}, new String[] {"?level=0", "level"},
        new String[] {"?provider=ftp://x", "provider"}, new String[] {"?name=x", "name"},
        new String[] {"?level=1&level=2", "level"})) {
      HttpResponse<String> r = keys(0, "GET", bad[0], null);
      assertThat(r.statusCode()).as(bad[0] + " " + r.body()).isEqualTo(400);
      assertThat(error(r).getString("param")).as(bad[0]).isEqualToIgnoringCase(bad[1]);
    }
  }

  @Test
  void anUpdateChangesNameLevelProviderAndStatusOnEveryNode() throws Exception {
    String id = add(new JsonObject().put("SecretKey", secret("upd")).put("Name", "before").put("Level", 9))
        .getString("ID");
    HttpResponse<String> r = keys(0, "PUT", "/" + id, new JsonObject().put("Name", "Updated Name").put("Level", 8)
        .put("Status", false).put("Provider", "https://api.anthropic.com"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    Eventually.eventually(Duration.ofSeconds(10), () -> {
      JsonObject k = new JsonObject(keys(1, "GET", "/" + id, null).body());
      assertThat(k.getString("Name")).isEqualTo("Updated Name");
      assertThat(k.getInteger("Level")).isEqualTo(8);
      assertThat(k.getString("Provider")).isEqualTo("https://api.anthropic.com");
      assertThat(k.getBoolean("Status")).isFalse();
      assertThat(k.getString("State")).isEqualTo("disabled");
    });
    HttpResponse<String> on = keys(1, "PUT", "/" + id, new JsonObject().put("Status", "active"));
    assertThat(on.statusCode()).as(on.body()).isEqualTo(200);
    assertThat(new JsonObject(on.body()).getJsonObject("Key").getBoolean("Status")).isTrue();
    HttpResponse<String> off = keys(1, "POST", "/" + id, new JsonObject().put("status", false));
    assertThat(new JsonObject(off.body()).getJsonObject("Key").getBoolean("Status")).as("POST, any case").isFalse();

    HttpResponse<String> secretChange = keys(0, "PUT", "/" + id, new JsonObject().put("SecretKey", "sk-new-secret-123456"));
    assertThat(secretChange.statusCode()).isEqualTo(400);
    assertThat(error(secretChange).getString("code")).isEqualTo("unsupported_field");
    assertThat(secretChange.body()).doesNotContain("new-secret");
    HttpResponse<String> missing = keys(0, "PUT", "/key_nothere", new JsonObject().put("Name", "x"));
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(error(missing).getString("type")).isEqualTo("invalid_request_error");
  }

  @Test
  void badFieldsAreRefusedNamingThemAndNothingIsAdded() throws Exception {
    int before = list(0, "").size();
    for (Object[] bad : List.of(
        new Object[] {new JsonObject().put("Name", "no secret"), "SecretKey", "invalid_request_error"},
        new Object[] {new JsonObject().put("SecretKey", ""), "SecretKey", null},
        new Object[] {new JsonObject().put("SecretKey", "sk-has space-12345678"), "SecretKey", null},
        new Object[] {new JsonObject().put("SecretKey", secret("bad")).put("Level", 0), "Level", null},
        new Object[] {new JsonObject().put("SecretKey", secret("bad")).put("Level", 1.5), "Level", null},
        new Object[] {new JsonObject().put("SecretKey", secret("bad")).put("Provider", "ftp://x"), "Provider", null},
        new Object[] {new JsonObject().put("SecretKey", secret("bad")).put("Status", "maybe"), "Status", null},
        new Object[] {new JsonObject().put("SecretKey", secret("bad")).put("Name", "x".repeat(101)), "Name", null},
        new Object[] {new JsonObject().put("SecretKey", secret("bad")).put("Org", "org-1"), "Org", "unknown_field"})) {
      JsonObject body = (JsonObject) bad[0];
      HttpResponse<String> r = keys(0, "POST", "", body);
      assertThat(r.statusCode()).as(body.encode() + " -> " + r.body()).isEqualTo(400);
      assertThat(error(r).getString("param")).isEqualTo(bad[1]);
      if ("unknown_field".equals(bad[2])) {
        assertThat(error(r).getString("code")).isEqualTo("unknown_field");
      }
      if (body.getString("SecretKey") != null && body.getString("SecretKey").length() > 20) {
        assertThat(r.body()).doesNotContain(body.getString("SecretKey").substring(3));
      }
    }
    HttpResponse<String> notJson = c.call(0, "POST", "/x-keys", c.adminKey, "[1,2");
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(list(0, "")).hasSize(before);
  }

  @Test
  void aDeletedKeyIsGoneFromEveryNode() throws Exception {
    String id = add(new JsonObject().put("SecretKey", secret("del")).put("Level", 9)).getString("ID");
    Eventually.eventually(Duration.ofSeconds(10), () ->
        assertThat(keys(1, "GET", "/" + id, null).statusCode()).isEqualTo(200));
    HttpResponse<String> r = keys(1, "DELETE", "/" + id, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getBoolean("success")).isTrue();
    Eventually.eventually(Duration.ofSeconds(10), () ->
        assertThat(keys(0, "GET", "/" + id, null).statusCode()).isEqualTo(404));
    assertThat(keys(0, "DELETE", "/" + id, null).statusCode()).isEqualTo(404);
  }

  @Test
  void onlyTheAdminKeyMayManageKeys() throws Exception {
    String customer = c.createAccount(0, new JsonObject().put("Name", "xkeys-not-admin").put("CreditGranted", "1"))
        .getJsonObject("User").getString("SecretKey");
    for (String[] call : List.of(new String[] {"GET", "/x-keys"}, new String[] {"POST", "/x-keys"},
        new String[] {"DELETE", "/x-keys/key_x"})) {
      HttpResponse<String> r = c.call(0, call[0], call[1], customer,
          "POST".equals(call[0]) ? new JsonObject().put("SecretKey", secret("na")).encode() : null);
      assertThat(r.statusCode()).as(call[0] + " " + call[1]).isIn(401, 403);
      assertThat(new JsonObject(r.body()).containsKey("error")).isTrue();
    }
  }
}
