package io.yugong.accounts;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Accounts in Redis. Per-account keys share the hash tag {@code {a:ID}}; the indexes from key
 * hash, name and email to id are global hashes, claimed with HSETNX so two nodes cannot give
 * the same name to two accounts.
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
    return redis.send(Request.cmd(Command.HGET).arg(IDX_KEY).arg(hash)).map(AccountStore::text);
  }

  Future<String> idForName(String name) {
    return redis.send(Request.cmd(Command.HGET).arg(IDX_NAME).arg(name)).map(AccountStore::text);
  }

  Future<String> idForEmail(String email) {
    return redis.send(Request.cmd(Command.HGET).arg(IDX_EMAIL).arg(email.toLowerCase())).map(AccountStore::text);
  }

  private static String text(Response r) {
    return r == null ? null : r.toString();
  }

  Future<Account> load(String id) {
    return redis.send(Request.cmd(Command.HGETALL).arg(accountKey(id))).map(AccountStore::toAccount);
  }

  /** Loads many accounts in one pipelined round trip, skipping missing ones. */
  Future<List<Account>> loadAll(List<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<Request> batch = new ArrayList<>();
    for (String id : ids) {
      batch.add(Request.cmd(Command.HGETALL).arg(accountKey(id)));
    }
    return redis.batch(batch).map(rs -> {
      List<Account> out = new ArrayList<>();
      for (Response r : rs) {
        Account a = toAccount(r);
        if (a != null) {
          out.add(a);
        }
      }
      return out;
    });
  }

  Future<List<String>> childIds(String id) {
    return redis.send(Request.cmd(Command.SMEMBERS).arg(childrenKey(id))).map(r -> {
      List<String> out = new ArrayList<>();
      if (r != null) {
        r.forEach(x -> out.add(x.toString()));
      }
      return out;
    });
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

  /** Claims a unique name or email for an account: false when another account holds it. */
  Future<Boolean> claim(String index, String value, String id) {
    return redis.send(Request.cmd(Command.HSETNX).arg(index).arg(value).arg(id)).compose(r -> {
      if (r.toInteger() == 1) {
        return Future.succeededFuture(true);
      }
      return redis.send(Request.cmd(Command.HGET).arg(index).arg(value)).map(owner -> owner != null
          && owner.toString().equals(id));
    });
  }

  Future<Void> release(String index, String value, String id) {
    String script = "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then "
        + "return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0";
    return redis.send(Request.cmd(Command.EVAL).arg(script).arg(1).arg(index).arg(value).arg(id)).mapEmpty();
  }

  /** Writes an account and its key and tree indexes (names and emails are claimed separately). */
  Future<Void> save(Account a, String oldKeyHash) {
    Request hset = Request.cmd(Command.HSET).arg(accountKey(a.id()));
    a.toHash().forEach((k, v) -> hset.arg(k).arg(v));
    List<Request> batch = new ArrayList<>();
    batch.add(hset);
    batch.add(Request.cmd(Command.HSET).arg(IDX_KEY).arg(a.keyHash()).arg(a.id()));
    if (oldKeyHash != null && !oldKeyHash.equals(a.keyHash())) {
      batch.add(Request.cmd(Command.HDEL).arg(IDX_KEY).arg(oldKeyHash));
    }
    if (a.parentId() != null) {
      batch.add(Request.cmd(Command.SADD).arg(childrenKey(a.parentId())).arg(a.id()));
    }
    return redis.batch(batch).mapEmpty();
  }

  /** The unique identities of an account: its name and its email, each with its index. */
  private static List<String[]> identities(Account a) {
    List<String[]> out = new ArrayList<>(2);
    if (a.name() != null) {
      out.add(new String[] {IDX_NAME, a.name(), "An account named '" + a.name() + "' exists."});
    }
    if (a.email() != null) {
      out.add(new String[] {IDX_EMAIL, a.email(), "An account with the Email '" + a.email() + "' exists."});
    }
    return out;
  }

  private static boolean has(Account a, String[] identity) {
    return a != null && identities(a).stream()
        .anyMatch(i -> i[0].equals(identity[0]) && i[1].equals(identity[1]));
  }

  /**
   * Claims the name and email of {@code a} that {@code before} (its previous version, or null)
   * did not hold; fails with IllegalStateException, claiming nothing, when another account has one.
   */
  Future<Void> claimIdentity(Account a, Account before) {
    Future<Void> chain = Future.succeededFuture();
    List<String[]> claimed = new ArrayList<>();
    for (String[] id : identities(a)) {
      if (has(before, id)) {
        continue;
      }
      chain = chain.compose(v -> claim(id[0], id[1], a.id()).compose(ok -> {
        if (!ok) {
          return Future.failedFuture(new IllegalStateException(id[2]));
        }
        claimed.add(id);
        return Future.succeededFuture();
      }));
    }
    return chain.recover(e -> {
      Future<Void> undo = Future.succeededFuture();
      for (String[] id : claimed) {
        undo = undo.compose(v -> release(id[0], id[1], a.id()));
      }
      return undo.transform(x -> Future.failedFuture(e));
    });
  }

  /** Releases the name and email {@code a} holds that {@code keep} (or null) does not. */
  Future<Void> releaseIdentity(Account a, Account keep) {
    Future<Void> chain = Future.succeededFuture();
    for (String[] id : identities(a)) {
      if (!has(keep, id)) {
        chain = chain.compose(v -> release(id[0], id[1], a.id()));
      }
    }
    return chain;
  }

  /** Removes an account record and every index pointing at it (its wallet and ledger stay). */
  Future<Void> delete(Account a) {
    List<Request> batch = new ArrayList<>();
    batch.add(Request.cmd(Command.DEL).arg(accountKey(a.id())));
    batch.add(Request.cmd(Command.HDEL).arg(IDX_KEY).arg(a.keyHash()));
    if (a.parentId() != null) {
      batch.add(Request.cmd(Command.SREM).arg(childrenKey(a.parentId())).arg(a.id()));
    }
    return redis.batch(batch).compose(r -> releaseIdentity(a, null));
  }
}
