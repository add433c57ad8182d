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

  private static String key(JsonObject created) {
    return created.getJsonObject("User").getString("SecretKey");
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
    String old = key(create(new JsonObject().put("Name", "px-import")));
    String imported = "sk-Xvszkap0gCd0mA8QlqgARLzutOHq0Pi7OZZnbfhTmxJ3zJsa";
    assertThat(info(1, old).statusCode()).isEqualTo(200);            // cached on node 1
    assertThat(info(1, imported).statusCode()).isEqualTo(401);       // unknown, remembered as such

    HttpResponse<String> r = root(0, c.adminKey, new JsonObject().put("name", "px-import").put("key", imported)
        .put("confirm", confirm()));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).as("a chosen key is never echoed").doesNotContain(imported.substring(3, 40));
    JsonObject answer = new JsonObject(r.body());
    assertThat(answer.getString("PartialKey")).isEqualTo("sk-...zJsa");
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
    String mine = key(create(new JsonObject().put("Name", "px-import-a")));
    String theirs = key(create(new JsonObject().put("Name", "px-import-b")));
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
    String mine = key(create(new JsonObject().put("Name", "px-import-bad")));
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
    String old = key(create(new JsonObject().put("Name", "px-root-gen")));
    HttpResponse<String> r = root(1, c.adminKey, new JsonObject().put("name", "px-root-gen").put("confirm", confirm()));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String fresh = new JsonObject(r.body()).getString("SecretKey");
    assertThat(fresh).startsWith("sk-").hasSize(51);
    assertThat(new JsonObject(r.body()).getJsonObject("rotate").getString("key")).isEqualTo(fresh);
    assertThat(info(0, fresh).statusCode()).isEqualTo(200);
    assertThat(info(0, old).statusCode()).isEqualTo(401);
  }
}
