package io.yugong.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/** Helpers of the capacity and store-health tests: accounts, bodies, direct Redis reads. */
final class CapacityKit {

  private CapacityKit() {
  }

  /** A customer of root with this much credit (dollars); returns its create response. */
  static JsonObject customer(TestCluster c, String name, double dollars) throws Exception {
    return c.createAccount(0, new JsonObject().put("Name", name).put("CreditGranted", dollars));
  }

  /**
   * A customer of root that stays on the exact path (a hold and a settle in Redis per request,
   * never a credit slice): its HardLimit, equal to its credit, asks for per-request enforcement.
   */
  static JsonObject exactCustomer(TestCluster c, String name, double dollars) throws Exception {
    return c.createAccount(0, new JsonObject().put("Name", name).put("CreditGranted", dollars)
        .put("HardLimit", dollars));
  }

  static String secret(JsonObject created) {
    return created.getJsonObject("User").getString("SecretKey");
  }

  static String id(JsonObject created) {
    return created.getJsonObject("User").getString("ID");
  }

  static String chatBody(String text, int maxTokens, boolean stream) {
    return new JsonObject().put("model", "gpt-4o-mini")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)))
        .put("max_completion_tokens", maxTokens).put("stream", stream).encode();
  }

  static JsonObject error(HttpResponse<String> r) {
    return new JsonObject(r.body()).getJsonObject("error");
  }

  /** The node's /ready document. */
  static JsonObject ready(TestCluster c, int node) throws Exception {
    return new JsonObject(c.call(node, "GET", "/ready", null, null).body());
  }


  static void status(int expected, HttpResponse<String> r) {
    assertEquals(expected, r.statusCode(), r::body);
  }
}
