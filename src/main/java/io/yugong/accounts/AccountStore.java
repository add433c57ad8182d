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
 * Accounts in Redis. Per-account keys share the hash tag {@code {a:ID}}; the index from key hash
 * to id is a global hash. Names and emails are unique among the children of one parent (hashes
 * {@code yg:{a:PARENT}:names|emails}, claimed with HSETNX so two nodes cannot give one name to
 * two siblings): a customer learns nothing about names outside its own subtree.
 */
final class AccountStore {

  static final String IDX_KEY = "yg:idx:key";
  static final String SEQ = "yg:seq:account";
  /** How many accounts a search by name or email visits at most. */
  private static final int MAX_SEARCH = 20_000;

  private final Redis redis;
  private final String attachScript;

  AccountStore(Redis redis) {
    this.redis = redis;
    try (java.io.InputStream in = AccountStore.class.getResourceAsStream("attach.lua")) {
      this.attachScript = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException | NullPointerException e) {
      throw new IllegalStateException("missing resource attach.lua", e);
    }
  }

  static String namesKey(String parentId) {
    return "yg:{a:" + parentId + "}:names";
  }

  static String emailsKey(String parentId) {
    return "yg:{a:" + parentId + "}:emails";
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

  /**
   * The id of the account below {@code top} with this name (or email, when it holds an @):
   * children first, then grandchildren, and so on. Null when there is none; fails with
   * IllegalStateException when two accounts at the same depth have it (ask by id).
   */
  Future<String> idBelow(String top, String nameOrEmail) {
    boolean email = nameOrEmail.contains("@");
    String value = email ? nameOrEmail.toLowerCase() : nameOrEmail;
    return searchLevel(List.of(top), value, email, 0);
  }

  private Future<String> searchLevel(List<String> parents, String value, boolean email, int visited) {
    if (parents.isEmpty() || visited > MAX_SEARCH) {
      return Future.succeededFuture(null);
    }
    List<Request> lookups = new ArrayList<>();
    for (String p : parents) {
      lookups.add(Request.cmd(Command.HGET).arg(email ? emailsKey(p) : namesKey(p)).arg(value));
    }
    return redis.batch(lookups).compose(found -> {
      List<String> hits = new ArrayList<>();
      for (Response r : found) {
        if (r != null) {
          hits.add(r.toString());
        }
      }
      if (hits.size() > 1) {
        return Future.failedFuture(new IllegalStateException("More than one account below this key is "
            + "called '" + value + "'; name it by its ID."));
      }
      if (hits.size() == 1) {
        return Future.succeededFuture(hits.get(0));
      }
      List<Request> kids = new ArrayList<>();
      for (String p : parents) {
        kids.add(Request.cmd(Command.SMEMBERS).arg(childrenKey(p)));
      }
      return redis.batch(kids).compose(sets -> {
        List<String> next = new ArrayList<>();
        for (Response set : sets) {
          if (set != null) {
            set.forEach(x -> next.add(x.toString()));
          }
        }
        return searchLevel(next, value, email, visited + next.size());
      });
    });
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

  /** What {@link #attach} answered. */
  enum Attached { OK, NO_PARENT, TOO_MANY_CHILDREN, ID_TAKEN }

  /**
   * Writes a new account and hangs it under its parent in one script: refused when the parent is
   * gone or being deleted, or already has {@code maxChildren} children (0 = no cap).
   */
  Future<Attached> attach(Account a, int maxChildren, String walletRate) {
    Request r = Request.cmd(Command.EVAL).arg(attachScript).arg(5)
        .arg(accountKey(a.parentId())).arg(childrenKey(a.parentId())).arg(accountKey(a.id()))
        .arg(IDX_KEY).arg("yg:{a:" + a.id() + "}:wallet")
        .arg(a.id()).arg(maxChildren).arg(a.keyHash()).arg(walletRate);
    a.toHash().forEach((k, v) -> r.arg(k).arg(v));
    return redis.send(r).map(res -> switch (res.toInteger()) {
      case 1 -> Attached.OK;
      case -1 -> Attached.TOO_MANY_CHILDREN;
      case -2 -> Attached.ID_TAKEN;
      default -> Attached.NO_PARENT;
    });
  }

  private static final String PATCH = "local st = redis.call('HGET', KEYS[1], 'status') "
      + "if not st or st == 'deleted' then return 0 end "
      + "redis.call('HSET', KEYS[1], unpack(ARGV)) return 1";

  private static final String ROTATE = "local h = redis.call('HMGET', KEYS[1], 'keyHash', 'status') "
      + "if not h[1] or h[2] == 'deleted' then return 0 end "
      + "if h[1] ~= ARGV[1] then return -1 end "
      + "if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return -2 end "
      + "redis.call('HSET', KEYS[1], 'keyHash', ARGV[2], 'partialKey', ARGV[3]) "
      + "redis.call('HDEL', KEYS[2], ARGV[1]) redis.call('HSET', KEYS[2], ARGV[2], ARGV[4]) return 1";

  /**
   * Writes only the changed fields of an account, and only while it exists and is not deleted (a
   * whole-record write racing a delete or a key rotation would bring back what they removed).
   * Completes with false when the account is gone.
   */
  Future<Boolean> patch(String id, Map<String, String> fields) {
    if (fields.isEmpty()) {
      return Future.succeededFuture(true);
    }
    Request r = Request.cmd(Command.EVAL).arg(PATCH).arg(1).arg(accountKey(id));
    fields.forEach((k, v) -> r.arg(k).arg(v));
    return redis.send(r).map(res -> res.toInteger() == 1);
  }

  /**
   * Replaces an account's key hash, only if it still has {@code oldHash} and is not deleted.
   * Completes with 1 (done), 0 (gone), -1 (its key changed meanwhile) or -2 (the new key is
   * already some account's key).
   */
  Future<Integer> rotate(String id, String oldHash, String newHash, String partialKey) {
    return redis.send(Request.cmd(Command.EVAL).arg(ROTATE).arg(2).arg(accountKey(id)).arg(IDX_KEY)
        .arg(oldHash).arg(newHash).arg(partialKey).arg(id)).map(Response::toInteger);
  }

  /** The unique identities of an account: its name and its email, each with its parent's index. */
  private static List<String[]> identities(Account a) {
    List<String[]> out = new ArrayList<>(2);
    if (a.parentId() == null) {
      return out;
    }
    if (a.name() != null) {
      out.add(new String[] {namesKey(a.parentId()), a.name(), "You already have a sub-account named '"
          + a.name() + "'."});
    }
    if (a.email() != null) {
      out.add(new String[] {emailsKey(a.parentId()), a.email(), "You already have a sub-account with the "
          + "Email '" + a.email() + "'."});
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

  /** How many direct children an account has. */
  Future<Integer> childCount(String id) {
    return redis.send(Request.cmd(Command.SCARD).arg(childrenKey(id))).map(Response::toInteger);
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
