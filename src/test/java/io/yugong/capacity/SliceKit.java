package io.yugong.capacity;

import io.yugong.testing.StoreReader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Helpers of the credit-slice tests: concurrent chat requests and direct reads of the money in Redis. */
final class SliceKit {

  private SliceKit() {
  }

  record Outcome(int node, int status, String requestId, String code) {
  }

  static String chat(String model, int maxTokens) {
    return new JsonObject().put("model", model).put("max_completion_tokens", maxTokens)
        .put("messages", new io.vertx.core.json.JsonArray().add(new JsonObject().put("role", "user")
            .put("content", "hello there"))).encode();
  }

  /** {@code n} chat requests, alternating between the nodes, {@code threads} at a time. */
  static List<Outcome> burst(TestCluster c, String key, String body, int n, int threads)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Outcome>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int node = i % c.nodes.size();
        fs.add(pool.submit(() -> {
          HttpResponse<String> r = c.call(node, "POST", "/v1/chat/completions", key, body);
          String code = null;
          if (r.statusCode() != 200) {
            code = new JsonObject(r.body()).getJsonObject("error").getString("code");
          }
          return new Outcome(node, r.statusCode(), r.headers().firstValue("x-yugong-request-id")
              .orElse(null), code);
        }));
      }
      List<Outcome> out = new ArrayList<>();
      for (Future<Outcome> f : fs) {
        out.add(f.get(120, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdown();
    }
  }

  static List<Outcome> served(List<Outcome> all) {
    return all.stream().filter(o -> o.status == 200).toList();
  }

  /** Every outcome is a 200 or OpenAI's quota refusal. */
  static void onlyServedOrQuota(List<Outcome> all) {
    for (Outcome o : all) {
      assertTrue(o.status == 200 || o.status == 429 && "insufficient_quota".equals(o.code),
          () -> "unexpected outcome " + o);
    }
  }

  /**
   * The account's ledger in Redis explains it: one charge per served request (by request id), no
   * balance ever negative, nothing uncovered, the charges = the balance's fall, the amounts = the
   * balance. Returns the charges.
   */
  static List<JsonObject> assertLedgerExact(StoreReader redis, String id, long initial,
      List<Outcome> served) throws Exception {
    List<JsonObject> raw = redis.ledger(id);
    List<JsonObject> charges = raw.stream().filter(e -> "charge".equals(e.getString("kind"))).toList();
    Set<String> chargedIds = new HashSet<>();
    long sum = 0;
    long charged = 0;
    for (JsonObject e : raw) {
      assertTrue(Long.parseLong(e.getString("balanceAfter")) >= 0, () -> "negative balance after " + e);
      assertEquals("0", e.getString("uncovered"), () -> "uncovered charge " + e);
      sum += Long.parseLong(e.getString("amount"));
    }
    for (JsonObject e : charges) {
      assertTrue(chargedIds.add(e.getString("requestId")), () -> "charged twice: " + e);
      charged += Long.parseLong(e.getString("cost"));
    }
    Set<String> servedIds = new HashSet<>();
    served.forEach(o -> servedIds.add(o.requestId()));
    assertEquals(servedIds, chargedIds, "ledger request ids vs. served requests");
    long balance = redis.wallet(id, "balance");
    assertTrue(balance >= 0, "balance " + balance);
    assertEquals(initial - balance, charged, "sum of charges = initial - final balance");
    assertEquals(balance, sum, "sum of ledger amounts = balance");
    return charges;
  }
}
