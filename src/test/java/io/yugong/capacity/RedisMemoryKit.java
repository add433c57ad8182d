package io.yugong.capacity;

import io.yugong.testing.StoreReader;

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
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Reads of the Redis under a test cluster, for the tests of bounded Redis memory and the request log. */
final class RedisMemoryKit implements AutoCloseable {

  private final Vertx vertx = Vertx.vertx();
  private final Redis redis;
  private final io.yugong.testing.StoreReader store;

  RedisMemoryKit(TestCluster c) {
    redis = Redis.createClient(vertx, c.redis.url());
    store = new io.yugong.testing.StoreReader(c);
  }

  Response send(Request r) throws Exception {
    return TestCluster.await(redis.send(r));
  }

  /** Every key of an account. */
  List<String> keysOf(String accountId) throws Exception {
    List<String> out = new ArrayList<>();
    String cursor = "0";
    do {
      Response r = send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH")
          .arg("yg:{a:" + accountId + "}:*").arg("COUNT").arg(1000));
      cursor = r.get(0).toString();
      for (Response k : r.get(1)) {
        out.add(k.toString());
      }
    } while (!cursor.equals("0"));
    return out;
  }

  /** MEMORY USAGE of a key, in bytes (0 when it is gone). */
  long bytes(String key) throws Exception {
    Response r = send(Request.cmd(Command.MEMORY).arg("USAGE").arg(key).arg("SAMPLES").arg(0));
    return r == null ? 0 : r.toLong();
  }

  long pttl(String key) throws Exception {
    return send(Request.cmd(Command.PTTL).arg(key)).toLong();
  }

  long xlen(String key) throws Exception {
    return send(Request.cmd(Command.XLEN).arg(key)).toLong();
  }

  /** How many ledger entries each stream entry of the account's ledger holds, oldest first. */
  List<Integer> ledgerEntryCounts(String accountId) throws Exception {
    Response r = send(Request.cmd(Command.XRANGE).arg("yg:{a:" + accountId + "}:ledger")
        .arg("-").arg("+"));
    List<Integer> out = new ArrayList<>();
    for (Response e : r) {
      java.util.Map<String, String> f = new java.util.HashMap<>();
      for (int i = 0; i + 1 < e.get(1).size(); i += 2) {
        f.put(e.get(1).get(i).toString(), e.get(1).get(i + 1).toString());
      }
      out.add(io.yugong.billing.LedgerEntry.count(f));
    }
    return out;
  }

  /** The newest ledger entry's fields. */
  JsonObject newestLedgerEntry(String accountId) throws Exception {
    Response r = send(Request.cmd(Command.XREVRANGE).arg("yg:{a:" + accountId + "}:ledger")
        .arg("+").arg("-").arg("COUNT").arg(1));
    Response fields = r.get(0).get(1);
    List<JsonObject> in = StoreReader.entries(fields, accountId);
    return in.get(in.size() - 1);
  }

  /** The ledger entry of one request (null: none). */
  JsonObject ledgerEntry(String accountId, String requestId) throws Exception {
    return store.ledger(accountId).stream().filter(e -> requestId.equals(e.getString("requestId")))
        .findFirst().orElse(null);
  }

  /** used_memory from INFO memory. */
  long usedMemory() throws Exception {
    String info = send(Request.cmd(Command.INFO).arg("memory")).toString();
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("used_memory:")) {
        return Long.parseLong(line.substring("used_memory:".length()).trim());
      }
    }
    throw new IllegalStateException("no used_memory in INFO memory");
  }

  static JsonObject chat(String text, int maxTokens, boolean stream) {
    return new JsonObject().put("model", "gpt-4o-mini").put("max_tokens", maxTokens).put("stream", stream)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)));
  }

  /** Sends {@code n} chat completions through node 0, {@code threads} at a time; their statuses. */
  static List<Integer> chats(TestCluster c, String key, int n, int threads) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Callable<Integer>> calls = new ArrayList<>();
      String body = chat("hello", 5, false).encode();
      for (int i = 0; i < n; i++) {
        calls.add(() -> {
          HttpResponse<String> r = c.call(0, "POST", "/v1/chat/completions", key, body);
          return r.statusCode();
        });
      }
      List<Integer> out = new ArrayList<>();
      for (Future<Integer> f : pool.invokeAll(calls)) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  @Override
  public void close() throws Exception {
    store.close();
    redis.close();
    TestCluster.await(vertx.close());
  }
}
