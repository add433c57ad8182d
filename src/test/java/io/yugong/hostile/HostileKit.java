package io.yugong.hostile;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What the hostile-customer tests share: a funded customer on a two-node cluster, and the calls a
 * customer makes. Each test class starts its own cluster; helpers particular to one class stay in
 * that class.
 */
final class HostileKit {

  private HostileKit() {
  }

  static JsonObject json(HttpResponse<String> r) {
    return new JsonObject(r.body());
  }

  /** The OpenAI-shaped error of a refused call. */
  static JsonObject error(HttpResponse<String> r) {
    return json(r).getJsonObject("error");
  }

  static JsonObject chat(String model, String text, Integer maxTokens) {
    JsonObject b = new JsonObject().put("model", model)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)));
    if (maxTokens != null) {
      b.put("max_tokens", maxTokens);
    }
    return b;
  }

  /** Creates a sub-account of the account behind {@code parentKey} through node {@code node}; expects 201. */
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

  /**
   * {@code /dashboard/x_user/info} of the account behind {@code key}, once the charges settled on
   * credit slices so far are written behind; expects 200.
   */
  static JsonObject info(TestCluster c, int node, String key) throws Exception {
    c.settled();
    HttpResponse<String> r = c.call(node, "GET", "/dashboard/x_user/info", key, null);
    assertEquals(200, r.statusCode(), r::body);
    return json(r);
  }

  /** A JSON dollar figure in nano-dollars, exactly. */
  static long nanos(Object dollars) {
    return new BigDecimal(String.valueOf(dollars)).movePointRight(9).longValueExact();
  }

  /** An account under root with {@code dollars} of credit; returns the create answer. */
  static JsonObject customer(TestCluster c, String name, String dollars) throws Exception {
    return c.createAccount(0, new JsonObject().put("Name", name).put("CreditGranted", dollars));
  }

  /** Runs the calls at the same time, each on its own thread; their results in order. */
  static <T> List<T> together(List<Callable<T>> calls) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, calls.size()));
    try {
      List<Future<T>> running = pool.invokeAll(calls);
      List<T> out = new ArrayList<>();
      for (Future<T> f : running) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
