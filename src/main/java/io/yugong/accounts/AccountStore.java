package io.yugong.accounts;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Accounts in Redis. Per-account keys share the hash tag {@code {a:ID}}; the indexes from key
 * hash, name and email to id are global hashes.
 */
final class AccountStore {

  static final String IDX_KEY = "yg:idx:key";
  static final String IDX_NAME = "yg:idx:name";
  static final String IDX_EMAIL = "yg:idx:email";
  static final String SEQ = "yg:seq:account";

  private final Redis redis;

  AccountStore(Redis redis) {
    this.redis = redis;
  }

  static String accountKey(String id) {
    return "yg:{a:" + id + "}:account";
  }

  static String childrenKey(String id) {
    return "yg:{a:" + id + "}:children";
  }

  Future<String> idForKeyHash(String hash) {
    return redis.send(Request.cmd(Command.HGET).arg(IDX_KEY).arg(hash))
        .map(r -> r == null ? null : r.toString());
  }

  Future<Account> load(String id) {
    return redis.send(Request.cmd(Command.HGETALL).arg(accountKey(id))).map(AccountStore::toAccount);
  }

  static Account toAccount(Response r) {
    if (r == null || r.size() == 0) {
      return null;
    }
    Map<String, String> h = new HashMap<>();
    for (String k : r.getKeys()) {
      h.put(k, r.get(k).toString());
    }
    return Account.fromHash(h);
  }

  Future<String> nextId() {
    return redis.send(Request.cmd(Command.INCR).arg(SEQ)).map(r -> Long.toString(r.toLong() + 1));
  }

  /** Writes an account and its indexes; the caller has checked name and email are free. */
  Future<Void> save(Account a, String oldKeyHash) {
    Request hset = Request.cmd(Command.HSET).arg(accountKey(a.id()));
    a.toHash().forEach((k, v) -> hset.arg(k).arg(v));
    List<Request> batch = new java.util.ArrayList<>();
    batch.add(hset);
    batch.add(Request.cmd(Command.HSET).arg(IDX_KEY).arg(a.keyHash()).arg(a.id()));
    if (oldKeyHash != null && !oldKeyHash.equals(a.keyHash())) {
      batch.add(Request.cmd(Command.HDEL).arg(IDX_KEY).arg(oldKeyHash));
    }
    if (a.name() != null) {
      batch.add(Request.cmd(Command.HSET).arg(IDX_NAME).arg(a.name()).arg(a.id()));
    }
    if (a.email() != null) {
      batch.add(Request.cmd(Command.HSET).arg(IDX_EMAIL).arg(a.email().toLowerCase()).arg(a.id()));
    }
    if (a.parentId() != null) {
      batch.add(Request.cmd(Command.SADD).arg(childrenKey(a.parentId())).arg(a.id()));
    }
    return redis.batch(batch).mapEmpty();
  }

  Future<String> idForName(String name) {
    return redis.send(Request.cmd(Command.HGET).arg(IDX_NAME).arg(name)).map(r -> r == null ? null : r.toString());
  }

  Future<String> idForEmail(String email) {
    return redis.send(Request.cmd(Command.HGET).arg(IDX_EMAIL).arg(email.toLowerCase()))
        .map(r -> r == null ? null : r.toString());
  }
}
