package io.yugong.accounts;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.yugong.billing.Money;
import io.yugong.security.Secrets;
import io.yugong.security.Vault;
import java.math.BigDecimal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The door to accounts: authentication from a bearer key (through a node-local cache that every
 * node drops entries from when an account changes anywhere), and account management.
 */
public final class Accounts {

  static final String CHANGED_ADDRESS = "yugong.accounts.changed";
  private static final long CACHE_TTL_MS = 60_000;
  private static final long NEGATIVE_TTL_MS = 30_000;

  private final Vertx vertx;
  private final Vault vault;
  private final AccountStore store;
  private final Map<String, Cached> byKeyHash = new ConcurrentHashMap<>();
  private MessageConsumer<JsonObject> consumer;

  private record Cached(Account account, long at) {
  }

  public Accounts(Vertx vertx, Redis redis, Vault vault) {
    this.vertx = vertx;
    this.vault = vault;
    this.store = new AccountStore(redis);
  }

  /** Subscribes to cluster-wide change notices and makes sure the root account holds the admin key. */
  public Future<Void> start(String adminKey) {
    consumer = vertx.eventBus().consumer(CHANGED_ADDRESS, msg -> forget(msg.body()));
    return consumer.completion().compose(v -> ensureRoot(adminKey));
  }

  private Future<Void> ensureRoot(String adminKey) {
    String hash = vault.hashKey(adminKey);
    return store.load(Account.ROOT_ID).compose(existing -> {
      if (existing != null && hash.equals(existing.keyHash())) {
        return Future.succeededFuture();
      }
      Account root = new Account(Account.ROOT_ID, null, "root", null, "admin", "active", hash,
          Secrets.mask(adminKey), 0, existing == null ? System.currentTimeMillis() : existing.createdAt());
      return store.save(root, existing == null ? null : existing.keyHash())
          .compose(v -> announce(root, existing == null ? null : existing.keyHash()));
    });
  }

  /**
   * The account behind a bearer key, or null when the key is unknown. Served from the node's
   * cache when fresh; one or two Redis reads otherwise.
   */
  public Future<Account> authenticate(String bearerKey) {
    String hash = vault.hashKey(bearerKey);
    Cached c = byKeyHash.get(hash);
    long now = System.currentTimeMillis();
    if (c != null && now - c.at < (c.account == null ? NEGATIVE_TTL_MS : CACHE_TTL_MS)) {
      return Future.succeededFuture(c.account);
    }
    return store.idForKeyHash(hash)
        .compose(id -> id == null ? Future.succeededFuture(null) : store.load(id))
        .map(a -> {
          Account found = a != null && Vault.sameHash(a.keyHash(), hash) ? a : null;
          byKeyHash.put(hash, new Cached(found, now));
          return found;
        });
  }

  public Future<Account> get(String id) {
    return store.load(id);
  }

  /**
   * Creates a child of {@code parent} from a request in ProxyXAI's shape. Returns the account's
   * public JSON with its {@code SecretKey}, which is shown only this once.
   */
  public Future<JsonObject> create(Account parent, JsonObject req) {
    String name = trimmed(req.getString("Name"));
    String email = trimmed(req.getString("Email"));
    if (name == null) {
      return Future.failedFuture(new IllegalArgumentException("Name is required"));
    }
    long credit;
    try {
      Object raw = req.getValue("CreditGranted", 0);
      credit = Money.fromDollars(new BigDecimal(raw.toString()));
    } catch (RuntimeException e) {
      return Future.failedFuture(new IllegalArgumentException("CreditGranted must be a dollar amount"));
    }
    return store.idForName(name).compose(taken -> {
      if (taken != null) {
        return Future.failedFuture(new IllegalStateException("an account named '" + name + "' exists"));
      }
      return email == null ? Future.succeededFuture(null) : store.idForEmail(email);
    }).compose(taken -> {
      if (taken != null) {
        return Future.failedFuture(new IllegalStateException("an account with that Email exists"));
      }
      return store.nextId();
    }).compose(id -> {
      String key = Secrets.newAccountKey();
      Account a = new Account(id, parent.id(), name, email, trimmed(req.getString("Alias")), "active",
          vault.hashKey(key), Secrets.mask(key), credit, System.currentTimeMillis());
      return store.save(a, null).compose(v -> announce(a, null))
          .map(v -> a.toPublicJson().put("SecretKey", key));
    });
  }

  private static String trimmed(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  /** Tells every node (this one included) to drop what it cached about an account. */
  private Future<Void> announce(Account a, String oldKeyHash) {
    JsonArray hashes = new JsonArray().add(a.keyHash());
    if (oldKeyHash != null) {
      hashes.add(oldKeyHash);
    }
    JsonObject notice = new JsonObject().put("id", a.id()).put("hashes", hashes);
    forget(notice);
    vertx.eventBus().publish(CHANGED_ADDRESS, notice);
    return Future.succeededFuture();
  }

  private void forget(JsonObject notice) {
    String id = notice.getString("id");
    notice.getJsonArray("hashes", new JsonArray()).forEach(h -> byKeyHash.remove(h.toString()));
    byKeyHash.values().removeIf(c -> c.account != null && c.account.id().equals(id));
  }
}
