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

  /** Direct reads of the Redis the cluster uses. */
  static final class Store implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx();
    private final Redis redis;

    Store(String url) {
      redis = Redis.createClient(vertx, url);
    }

    Response send(String command, String... args) throws Exception {
      Request req = Request.cmd(Command.create(command));
      for (String a : args) {
        req.arg(a);
      }
      return TestCluster.await(redis.send(req));
    }

    long wallet(String accountId, String field) throws Exception {
      Response r = send("HGET", "yg:{a:" + accountId + "}:wallet", field);
      return r == null ? 0 : Long.parseLong(r.toString());
    }

    /** The account's ledger entries that are charges. */
    List<JsonObject> charges(String accountId) throws Exception {
      Response r = send("XRANGE", "yg:{a:" + accountId + "}:ledger", "-", "+");
      List<JsonObject> out = new ArrayList<>();
      for (Response entry : r) {
        Response fields = entry.get(1);
        JsonObject o = new JsonObject();
        for (int i = 0; i + 1 < fields.size(); i += 2) {
          o.put(fields.get(i).toString(), fields.get(i + 1).toString());
        }
        if ("charge".equals(o.getString("kind"))) {
          out.add(o);
        }
      }
      return out;
    }

    @Override
    public void close() throws Exception {
      redis.close();
      TestCluster.await(vertx.close());
    }
  }

  static void status(int expected, HttpResponse<String> r) {
    assertEquals(expected, r.statusCode(), r::body);
  }
}
