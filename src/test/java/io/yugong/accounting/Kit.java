package io.yugong.accounting;

import io.yugong.testing.Eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.yugong.testing.TestCluster;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small helpers shared by the accounting tests: accounts, ledger reads, Redis reads, polling. */
final class Kit {

  /** gpt-4o-mini's list price per token, in nano-dollars: input $0.15/1M, output $0.60/1M. */
  static final long MINI_INPUT_NANOS = 150;
  static final long MINI_OUTPUT_NANOS = 600;

  /**
   * Node settings for these tests: the product's defaults. (A loaded node no longer mistakes a
   * slow reply for an outage, so no test needs a longer Redis deadline.)
   */
  static final Map<String, String> ENV = Map.of();

  private Kit() {
  }

  /** Retries {@code check} until it passes or {@code within} has passed (then rethrows its failure). */
  static void eventually(Duration within, Eventually.Check check) throws Exception {
    Eventually.eventually(within, check);
  }

  /** The emulator's prompt tokens for one user message: its words + 4, plus 3. */
  static long emulatorPromptTokens(String userMessage) {
    return userMessage.trim().split("\\s+").length + 4 + 3;
  }

  static JsonObject chatBody(String model, String text, int maxCompletionTokens, boolean stream) {
    JsonObject b = new JsonObject().put("model", model)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)))
        .put("max_completion_tokens", maxCompletionTokens);
    if (stream) {
      b.put("stream", true);
    }
    return b;
  }

  static JsonObject json(HttpResponse<String> r) {
    return new JsonObject(r.body());
  }

  static JsonObject error(HttpResponse<String> r) {
    return json(r).getJsonObject("error");
  }

  /** Creates a sub-account of the account behind {@code parentKey}; expects 201. */
  static JsonObject create(TestCluster c, int node, String parentKey, JsonObject req) throws Exception {
    HttpResponse<String> r = c.call(node, "POST", "/x-users", parentKey, req.encode());
    assertEquals(201, r.statusCode(), () -> "create " + req + " -> " + r.body());
    return json(r);
  }

  static String secret(JsonObject created) {
    return io.yugong.testing.TestCluster.secretOf(created);
  }

  static String id(JsonObject created) {
    return created.getJsonObject("User").getString("ID");
  }

  /** The caller's account page, once the charges settled on credit slices so far are written behind. */
  static JsonObject info(TestCluster c, int node, String key) throws Exception {
    c.settled();
    HttpResponse<String> r = c.call(node, "GET", "/dashboard/x_user/info", key, null);
    assertEquals(200, r.statusCode(), r::body);
    return json(r);
  }

  /** The caller's ledger, newest first (up to 1000 entries). */
  static List<JsonObject> ledger(TestCluster c, int node, String key) throws Exception {
    c.settled();
    HttpResponse<String> r = c.call(node, "GET", "/dashboard/x_user/ledger?limit=1000", key, null);
    assertEquals(200, r.statusCode(), r::body);
    List<JsonObject> out = new ArrayList<>();
    json(r).getJsonArray("data").forEach(o -> out.add((JsonObject) o));
    return out;
  }

  static List<JsonObject> charges(List<JsonObject> ledger) {
    return ledger.stream().filter(e -> "charge".equals(e.getString("kind"))).toList();
  }

  /** A JSON dollar figure as an exact decimal (the routes print at most 9 decimals). */
  static BigDecimal dollars(Object v) {
    return new BigDecimal(String.valueOf(v));
  }

  static long nanos(Object dollars) {
    return dollars(dollars).movePointRight(9).longValueExact();
  }
}
