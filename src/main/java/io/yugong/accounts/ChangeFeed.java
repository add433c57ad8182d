package io.yugong.accounts;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backstop of cache invalidation that needs no event bus: every account change is appended
 * to the Redis stream {@code yg:account-changes} before its API call answers, and every node
 * reads the stream from where it left off every {@value #POLL_MS} ms and drops what each entry
 * names. If the entry a node last read has been trimmed away, it may have missed some, so it
 * drops everything.
 *
 * <p>The node trusts its cache only while {@link #current()}: the last read that succeeded was
 * <em>sent</em> less than {@value #TRUST_MS} ms ago. A node that was frozen, partitioned or cut
 * off from Redis therefore looks accounts up in Redis until it has read the stream again, and
 * never serves a revoked key from memory, even on its first request after resuming.
 *
 * <p>Each read also registers the node, by Redis's clock, in the sorted set
 * {@code yg:account-changes:readers}, so that a change can learn which nodes follow the stream
 * without asking the cluster ({@link #readers()}).
 */
final class ChangeFeed {

  static final String STREAM = "yg:account-changes";
  static final long MAX_LEN = 10_000;
  static final long POLL_MS = 250;
  static final long TRUST_MS = 1500;
  private static final int BATCH = 1000;
  private static final long TRUST_NANOS = TRUST_MS * 1_000_000;
  /** For clocks that tick at slightly different rates on different machines. */
  private static final long MARGIN_MS = 100;
  /** A node that registered within this window may hold a trusted cache. */
  static final long READER_WINDOW_MS = 5000;
  private static final String REGISTER = "local t = redis.call('TIME') "
      + "redis.call('ZADD', KEYS[1], t[1] * 1000 + math.floor(t[2] / 1000), ARGV[1]) return 1";
  private static final String READERS = "local t = redis.call('TIME') "
      + "local now = t[1] * 1000 + math.floor(t[2] / 1000) "
      + "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 600000) "
      + "return redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[1]), '+inf')";

  private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);

  private final Vertx vertx;
  private final Redis redis;
  private final String stream;
  private final String readersKey;
  private final Consumer<List<JsonObject>> onChanges;
  private final Runnable onGap;
  /** System.nanoTime() until which cached accounts are trusted. */
  private volatile long trustedUntil = System.nanoTime() - 1;
  private String lastId = "0-0";
  private boolean lastIdIsEntry;
  private Future<Void> polling;
  private String nodeId;
  private boolean failing;
  private long timer = -1;

  /** Follows {@code stream} (normally {@link #STREAM}). */
  ChangeFeed(Vertx vertx, Redis redis, String stream, Consumer<List<JsonObject>> onChanges, Runnable onGap) {
    this.vertx = vertx;
    this.redis = redis;
    this.stream = stream;
    this.readersKey = stream + ":readers";
    this.onChanges = onChanges;
    this.onGap = onGap;
  }

  /**
   * Starts following the stream from its newest entry (the cache is empty at start) as node
   * {@code nodeId}. An empty stream gets a marker entry first, so that this node has an entry to
   * lose its place by.
   */
  Future<Void> start(String nodeId) {
    this.nodeId = nodeId;
    long sentAt = System.nanoTime();
    return register().compose(v -> newest()).compose(id -> id != null ? Future.succeededFuture(id)
            : append(new JsonObject().put("id", "").put("hashes", new JsonArray())).compose(v -> newest()))
        .map(id -> {
          lastId = id == null ? "0-0" : id;
          lastIdIsEntry = id != null;
          trust(sentAt);
          timer = vertx.setPeriodic(POLL_MS, t -> poll());
          return null;
        });
  }

  private Future<Void> register() {
    return redis.send(register(nodeId)).mapEmpty();
  }

  private Request register(String id) {
    return Request.cmd(Command.EVAL).arg(REGISTER).arg(1).arg(readersKey).arg(id);
  }

  /** The nodes that have read the stream within {@value #READER_WINDOW_MS} ms, by Redis's clock. */
  Future<Set<String>> readers() {
    return redis.send(Request.cmd(Command.EVAL).arg(READERS).arg(1).arg(readersKey).arg(READER_WINDOW_MS))
        .map(r -> {
          Set<String> out = new HashSet<>();
          if (r != null) {
            r.forEach(x -> out.add(x.toString()));
          }
          return out;
        });
  }

  private Future<String> newest() {
    return redis.send(Request.cmd(Command.XREVRANGE).arg(stream).arg("+").arg("-").arg("COUNT").arg(1))
        .map(r -> r != null && r.size() > 0 ? r.get(0).get(0).toString() : null);
  }

  /** Stops reading and leaves the register of readers (best effort). */
  Future<Void> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    return nodeId == null ? Future.succeededFuture()
        : redis.send(Request.cmd(Command.ZREM).arg(readersKey).arg(nodeId)).<Void>mapEmpty().otherwiseEmpty();
  }

  /** True while a read of the stream sent less than {@value #TRUST_MS} ms ago has succeeded. */
  boolean current() {
    return System.nanoTime() - trustedUntil < 0;
  }

  /** Appends a change notice ({@code {id, hashes}}) to the stream. */
  Future<Void> append(JsonObject notice) {
    List<String> hashes = new ArrayList<>();
    notice.getJsonArray("hashes", new JsonArray()).forEach(h -> hashes.add(String.valueOf(h)));
    return redis.send(Request.cmd(Command.XADD).arg(stream).arg("MAXLEN").arg("~").arg(MAX_LEN).arg("*")
        .arg("id").arg(notice.getString("id", "")).arg("hashes").arg(String.join(",", hashes)))
        .mapEmpty();
  }

  /**
   * Completes once no node can still trust a cache that predates an entry appended at
   * {@code appendedAt} (System.nanoTime() when the append answered): each node has read the
   * entry or, not having read the stream since, no longer trusts its cache.
   */
  Future<Void> outlived(long appendedAt) {
    long waitMs = (appendedAt + TRUST_NANOS - System.nanoTime()) / 1_000_000 + MARGIN_MS;
    if (waitMs <= 0) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    vertx.setTimer(waitMs, t -> done.complete());
    return done.future();
  }

  /** Reads everything appended since the last read; the read in flight if there is one. */
  Future<Void> poll() {
    if (polling != null) {
      return polling;
    }
    Future<Void> f = readToEnd().onComplete(ar -> {
      if (ar.failed() && !failing && timer >= 0) {
        failing = true;
        LOG.warn("cannot read the account change stream ({}); cached accounts are not trusted until "
            + "it is read again", ar.cause().toString());
      } else if (ar.succeeded() && failing) {
        failing = false;
        LOG.info("reading the account change stream again");
      }
    });
    polling = f;
    f.onComplete(ar -> {
      if (polling == f) {
        polling = null;
      }
    });
    return f;
  }

  /** Reads batches until the end of the stream; only then is the cache trusted again. */
  private Future<Void> readToEnd() {
    long sentAt = System.nanoTime();
    return redis.batch(List.of(
            Request.cmd(Command.XRANGE).arg(stream).arg("-").arg("+").arg("COUNT").arg(1),
            Request.cmd(Command.XRANGE).arg(stream).arg("(" + lastId).arg("+").arg("COUNT").arg(BATCH),
            register(nodeId)))
        .timeout(TRUST_MS, TimeUnit.MILLISECONDS)
        .compose(rs -> {
          if (read(rs.get(0), rs.get(1))) {
            return readToEnd();
          }
          trust(sentAt);
          return Future.succeededFuture();
        });
  }

  /** Applies one read; true when the batch was full and more may be waiting. */
  private boolean read(Response first, Response entries) {
    String firstId = first != null && first.size() > 0 ? first.get(0).get(0).toString() : null;
    if (lastIdIsEntry && (firstId == null || compare(firstId, lastId) > 0)) {
      LOG.info("the account change stream was trimmed past this node's place; dropping the whole cache");
      onGap.run();
      if (firstId == null) {
        lastId = "0-0";
        lastIdIsEntry = false;
        return false;
      }
    }
    if (entries == null || entries.size() == 0) {
      return false;
    }
    List<JsonObject> notices = new ArrayList<>(entries.size());
    for (Response e : entries) {
      lastId = e.get(0).toString();
      lastIdIsEntry = true;
      notices.add(notice(e.get(1)));
    }
    onChanges.accept(notices);
    return entries.size() >= BATCH;
  }

  private static JsonObject notice(Response fields) {
    JsonObject n = new JsonObject();
    JsonArray hashes = new JsonArray();
    for (int i = 0; fields != null && i + 1 < fields.size(); i += 2) {
      String k = fields.get(i).toString();
      String v = fields.get(i + 1).toString();
      if (k.equals("id")) {
        n.put("id", v);
      } else if (k.equals("hashes")) {
        for (String h : v.split(",")) {
          if (!h.isEmpty()) {
            hashes.add(h);
          }
        }
      }
    }
    return n.put("hashes", hashes);
  }

  private void trust(long sentAt) {
    long until = sentAt + TRUST_NANOS;
    if (until - trustedUntil > 0) {
      trustedUntil = until;
    }
  }

  /** Orders two stream ids ({@code ms-seq}). */
  static int compare(String a, String b) {
    int da = a.indexOf('-');
    int db = b.indexOf('-');
    int c = Long.compare(Long.parseLong(a.substring(0, da)), Long.parseLong(b.substring(0, db)));
    return c != 0 ? c : Long.compare(Long.parseLong(a.substring(da + 1)), Long.parseLong(b.substring(db + 1)));
  }
}
