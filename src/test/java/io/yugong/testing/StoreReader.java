package io.yugong.testing;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Direct reads of the money in the Redis a {@link TestCluster} uses. Every read first waits for
 * the charges the nodes settled on credit slices to be written behind ({@link TestCluster#settled()}),
 * as a reader of the store sees them a flush interval after the answers.
 */
public final class StoreReader implements AutoCloseable {

  private final Vertx vertx = Vertx.vertx();
  private final Redis redis;
  private final TestCluster cluster;

  public StoreReader(TestCluster c) {
    this.cluster = c;
    this.redis = Redis.createClient(vertx, c.redis.url());
  }

  private void settled() throws Exception {
    cluster.settled();
  }

  /** Any command, e.g. {@code send("CLIENT", "PAUSE", "1000", "ALL")}; no waiting for flushes. */
  public Response send(String command, String... args) throws Exception {
    Request req = Request.cmd(Command.create(command));
    for (String a : args) {
      req.arg(a);
    }
    return TestCluster.await(redis.send(req));
  }

  public String hget(String key, String field) throws Exception {
    settled();
    Response r = TestCluster.await(redis.send(Request.cmd(Command.HGET).arg(key).arg(field)));
    return r == null ? null : r.toString();
  }

  /** A field of the account's wallet (balance, held, ...), 0 when absent. */
  public long wallet(String accountId, String field) throws Exception {
    String v = hget("yg:{a:" + accountId + "}:wallet", field);
    return v == null ? 0 : Long.parseLong(v);
  }

  /** The account's holds: request id (or slice:node) -> amount. */
  public Map<String, Long> holds(String accountId) throws Exception {
    settled();
    Response r = TestCluster.await(redis.send(Request.cmd(Command.HGETALL)
        .arg("yg:{a:" + accountId + "}:holds")));
    Map<String, Long> out = new TreeMap<>();
    if (r != null) {
      for (String k : r.getKeys()) {
        out.put(k, new JsonObject(r.get(k).toString()).getLong("amount"));
      }
    }
    return out;
  }

  /** What the account's requests hold, leaving out the nodes' credit slices. */
  public long requestHolds(String accountId) throws Exception {
    return holds(accountId).entrySet().stream().filter(e -> !e.getKey().startsWith("slice:"))
        .mapToLong(Map.Entry::getValue).sum();
  }

  /** How many ledger entries the account's stream holds (a write-behind batch counts its charges). */
  public long ledgerLength(String accountId) throws Exception {
    settled();
    Response r = TestCluster.await(redis.send(Request.cmd(Command.XRANGE)
        .arg("yg:{a:" + accountId + "}:ledger").arg("-").arg("+")));
    long n = 0;
    for (Response entry : r) {
      n += io.yugong.billing.LedgerEntry.count(fields(entry.get(1)));
    }
    return n;
  }

  /** Every ledger entry of an account, oldest first, as field maps. */
  public List<JsonObject> ledger(String accountId) throws Exception {
    settled();
    Response r = TestCluster.await(redis.send(Request.cmd(Command.XRANGE)
        .arg("yg:{a:" + accountId + "}:ledger").arg("-").arg("+")));
    List<JsonObject> out = new ArrayList<>();
    for (Response entry : r) {
      out.addAll(entries(entry.get(1), accountId));
    }
    return out;
  }

  /**
   * The ledger entries of one stream entry as the product reads them (a compact entry or a
   * batch written behind by a slice flush is expanded), by their full names, oldest first.
   */
  public static List<JsonObject> entries(Response fields, String accountId) {
    List<JsonObject> out = new ArrayList<>();
    for (io.yugong.billing.LedgerEntry e : io.yugong.billing.LedgerEntry.entries(fields(fields), accountId)) {
      JsonObject o = new JsonObject();
      e.toFields().forEach(o::put);
      out.add(o);
    }
    return out;
  }

  private static java.util.Map<String, String> fields(Response fields) {
    java.util.Map<String, String> raw = new java.util.LinkedHashMap<>();
    for (int i = 0; i + 1 < fields.size(); i += 2) {
      raw.put(fields.get(i).toString(), fields.get(i + 1).toString());
    }
    return raw;
  }

  /** The account's "charge" entries, oldest first. */
  public List<JsonObject> charges(String accountId) throws Exception {
    return ledger(accountId).stream().filter(e -> "charge".equals(e.getString("kind"))).toList();
  }

  @Override
  public void close() throws Exception {
    redis.close();
    TestCluster.await(vertx.close());
  }
}
