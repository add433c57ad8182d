package io.yugong.accounts;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.yugong.billing.AccountGoneException;
import io.yugong.billing.InsufficientBalanceException;
import io.yugong.billing.RatesChangedException;
import io.yugong.billing.Money;
import io.yugong.billing.Rate;
import io.yugong.billing.WalletView;
import io.yugong.billing.Wallets;
import io.yugong.gateway.ApiError;
import io.yugong.security.Secrets;
import io.yugong.security.Vault;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The door to accounts: authentication from a bearer key (through a node-local cache that every
 * node drops entries from when an account changes anywhere), and the account tree of the
 * {@code /x-users} API — create, find, list, update, fund, delete, rotate keys — each account
 * managing only its own descendants.
 */
public final class Accounts {

  private static final long SWEEP_MS = 10_000;

  private final Vertx vertx;
  private final Vault vault;
  private final Wallets wallets;
  private final AccountStore store;
  private final ChangeFeed feed;
  private final KeyCache cache;
  private final int maxChildren;
  private final int maxDepth;
  private ChangeBroadcast broadcast;
  private String nodeId;
  private long sweeper = -1;

  /**
   * @param maxChildren how many direct children an account other than root may have (0 = no cap)
   * @param maxDepth how many levels below root the tree may have
   */
  public Accounts(Vertx vertx, Redis redis, Vault vault, Wallets wallets, int maxChildren, int maxDepth) {
    this(vertx, redis, redis, vault, wallets, maxChildren, maxDepth);
  }

  /**
   * @param feedRedis the client that follows the change stream: give it connections of its own,
   *     so that a burst queued on the request path cannot make the node stop trusting its cache
   *     (and send every request's key to Redis)
   */
  public Accounts(Vertx vertx, Redis redis, Redis feedRedis, Vault vault, Wallets wallets, int maxChildren,
      int maxDepth) {
    this.vertx = vertx;
    this.vault = vault;
    this.wallets = wallets;
    this.maxChildren = maxChildren;
    this.maxDepth = maxDepth;
    this.store = new AccountStore(redis);
    this.cache = new KeyCache(vault, store, this::following);
    this.feed = new ChangeFeed(vertx, feedRedis, ChangeFeed.STREAM, cache::forget, cache::forgetAll);
  }

  /**
   * Follows account changes made anywhere in the cluster (the event bus, answered per node, and
   * the Redis change stream as the backstop) and makes sure the root account holds the admin key.
   * {@code liveNodes} lists the node ids of the cluster's current members; it is called on a
   * worker thread.
   */
  public Future<Void> start(String adminKey, String nodeId, Supplier<Collection<String>> liveNodes) {
    this.nodeId = nodeId;
    broadcast = new ChangeBroadcast(vertx, nodeId, liveNodes, cache::forget);
    return broadcast.start()
        .compose(v -> feed.start(nodeId))
        .compose(v -> {
          sweeper = vertx.setPeriodic(SWEEP_MS, t -> cache.sweep());
          return ensureRoot(adminKey);
        });
  }

  /** Stops following changes. */
  public Future<Void> stop() {
    if (sweeper >= 0) {
      vertx.cancelTimer(sweeper);
    }
    Future<Void> left = broadcast == null ? Future.succeededFuture() : broadcast.stop();
    return Future.join(feed.stop(), left).mapEmpty();
  }

  private Future<Void> ensureRoot(String adminKey) {
    String hash = vault.hashKey(adminKey);
    return store.load(Account.ROOT_ID).compose(existing -> {
      if (existing != null && hash.equals(existing.keyHash())) {
        return Future.succeededFuture();
      }
      Map<String, String> h = new HashMap<>();
      h.put("id", Account.ROOT_ID);
      h.put("path", Account.ROOT_ID);
      h.put("name", "root");
      h.put("alias", "admin");
      h.put("status", "active");
      h.put("rates", "1");
      h.put("createdAt", Long.toString(System.currentTimeMillis()));
      Account base = existing != null ? existing : Account.fromHash(h);
      Account root = base.with(Map.of("keyHash", hash, "partialKey", Secrets.mask(adminKey)));
      return store.save(root, existing == null ? null : existing.keyHash())
          .compose(v -> announce(root, existing == null ? null : existing.keyHash()));
    });
  }

  /**
   * The account behind a bearer key, or null when the key is unknown. Served from the node's
   * cache when fresh; one or two Redis reads otherwise.
   */
  public Future<Account> authenticate(String bearerKey) {
    return cache.lookup(bearerKey);
  }

  public Future<Account> get(String id) {
    return store.load(id);
  }

  /**
   * Finds a descendant of {@code caller} by id, name or email; null when there is none or it is
   * not below the caller (so another account's id is indistinguishable from a missing one).
   */
  public Future<Account> findBelow(Account caller, String identifier) {
    if (identifier.isEmpty() || identifier.length() > AccountForm.MAX_EMAIL) {
      return Future.succeededFuture(null);
    }
    Future<String> id = identifier.chars().allMatch(Character::isDigit)
        ? Future.succeededFuture(identifier) : store.idBelow(caller.id(), identifier);
    return id.compose(i -> i == null ? Future.succeededFuture(null) : store.load(i))
        .map(a -> a != null && !a.id().equals(caller.id()) && caller.owns(a) ? a : null);
  }

  /** Creates a child of {@code parent}; the answer carries the child's {@code SecretKey}, shown once. */
  public Future<JsonObject> create(Account parent, JsonObject req) {
    AccountForm form = AccountForm.parse(req, true);
    form.resolve(null);
    Rate rates = form.changes.containsKey("rates") ? Rate.of(form.changes.get("rates")) : parent.rates();
    if (rates.compareTo(parent.rates()) < 0) {
      throw new IllegalArgumentException("Rates may not be below the parent's (" + parent.rates() + ")");
    }
    if (form.credit < 0) {
      throw new IllegalArgumentException("CreditGranted must not be negative when creating an account");
    }
    if (!parent.isRoot() && depth(parent) >= maxDepth) {
      throw new ApiError(403, "Sub-accounts may be at most " + maxDepth + " levels below the root; this "
          + "account cannot have children.", "permission_error", null, "tree_too_deep");
    }
    String key = Secrets.newAccountKey();
    return store.nextId().compose(id -> {
      Map<String, String> h = new HashMap<>(form.changes);
      h.put("id", id);
      h.put("parent", parent.id());
      h.put("path", parent.path() + "/" + id);
      h.put("status", form.changes.getOrDefault("status", "active"));
      h.put("rates", rates.toString());
      h.putIfAbsent("days", AccountForm.DEFAULT_DAYS.toPlainString());
      h.put("keyHash", vault.hashKey(key));
      h.put("partialKey", Secrets.mask(key));
      h.put("createdAt", Long.toString(System.currentTimeMillis()));
      h.putIfAbsent("alias", form.name);
      Account child = Account.fromHash(h);
      return store.claimIdentity(child, null)
          .compose(v -> store.attach(child, parent.isRoot() ? 0 : maxChildren, Long.toString(rates.scaled()))
              .compose(attached -> switch (attached) {
                case OK -> fundNew(parent, child, form)
                    .compose(x -> "disabled".equals(child.status()) ? wallets.setDisabled(child.id(), true)
                        : Future.succeededFuture())
                    .recover(e -> store.delete(child).transform(x -> Future.failedFuture(e)));
                case TOO_MANY_CHILDREN -> Future.failedFuture(new ApiError(403, "This account already has "
                    + maxChildren + " sub-accounts, the most it may have.", "permission_error", null,
                    "too_many_children"));
                case NO_PARENT -> Future.failedFuture(new ApiError(404, "The parent account no longer "
                    + "exists.", "invalid_request_error", null, "account_deleted"));
                case ID_TAKEN -> Future.failedFuture(new IllegalStateException("Please retry."));
              })
              .recover(e -> store.releaseIdentity(child, null).otherwiseEmpty()
                  .transform(x -> Future.failedFuture(e))))
          .compose(v -> announce(child, null))
          .compose(v -> Future.all(describe(child), describe(parent)))
          .map(all -> new JsonObject().put("Action", "add")
              .put("User", ((JsonObject) all.resultAt(0)).put("SecretKey", key))
              .put("Parent", (JsonObject) all.resultAt(1)));
    });
  }

  private static int depth(Account a) {
    int d = 0;
    for (int i = 0; i < a.path().length(); i++) {
      if (a.path().charAt(i) == '/') {
        d++;
      }
    }
    return d;
  }

  private Future<Void> fundNew(Account parent, Account child, AccountForm form) {
    if (form.credit == 0) {
      return Future.succeededFuture();
    }
    return move(parent, child, form.credit, form.validityMs);
  }

  /** Moves credit from a parent to its child (negative: back to the parent). */
  private Future<Void> move(Account parent, Account child, long amount, long validityMs) {
    if (parent.isRoot() && amount > 0) {
      return wallets.grant(child.id(), amount, validityMs, "granted by root").mapEmpty();
    }
    return wallets.fundFor(parent.id(), child.id(), amount, parent.rates().toString(),
        child.rates().toString(), validityMs).<Void>mapEmpty().recover(e -> {
          if (e instanceof InsufficientBalanceException ib) {
            return Future.failedFuture(new ApiError(402, "Not enough balance for this transfer: "
                + Money.format(ib.available()) + " USD available, " + Money.format(ib.needed())
                + " USD needed.", "invalid_request_error", "CreditGranted", "insufficient_quota"));
          }
          if (e instanceof AccountGoneException) {
            return Future.failedFuture(ApiError.notFound("The account is deleted."));
          }
          if (e instanceof RatesChangedException) {
            return Future.failedFuture(new ApiError(409, "The account's Rates changed during the transfer; "
                + "nothing was moved. Please retry.", "invalid_request_error", "CreditGranted", "conflict"));
          }
          return Future.failedFuture(e);
        });
  }

  /** Changes a descendant's settings and, from its direct parent only, moves credit. */
  public Future<JsonObject> update(Account caller, Account target, JsonObject req) {
    AccountForm form = AccountForm.parse(req, false);
    if (form.credit != 0 && !caller.id().equals(target.parentId())) {
      throw new ApiError(403, "Only an account's direct parent can move credit to or from it.",
          "permission_error", "CreditGranted", "not_parent");
    }
    // The stored record, not the caller's cached copy, is what the change applies to.
    return store.load(target.id()).compose(current -> {
      if (current == null || "deleted".equals(current.status())) {
        return Future.failedFuture(ApiError.notFound("No sub-account '" + target.id() + "' under this key."));
      }
      form.resolve(current);
      return store.load(current.parentId()).compose(parent -> apply(current, parent, form));
    });
  }

  private Future<JsonObject> apply(Account target, Account parent, AccountForm form) {
    Account next = target.with(form.changes);
    if (parent != null && next.rates().compareTo(parent.rates()) < 0) {
      return Future.failedFuture(new IllegalArgumentException(
          "Rates may not be below the parent's (" + parent.rates() + ")"));
    }
    boolean rescaling = !next.rates().equals(target.rates());
    if (rescaling && form.credit != 0) {
      return Future.failedFuture(new IllegalArgumentException("Change Rates and move credit "
          + "(CreditGranted) in separate requests."));
    }
    Future<Void> checkChildren = !rescaling ? Future.succeededFuture()
        : store.childIds(target.id()).compose(store::loadAll).compose(children -> {
          for (Account c : children) {
            if (c.rates().compareTo(next.rates()) < 0) {
              return Future.failedFuture(new IllegalStateException("Rates may not rise above a "
                  + "sub-account's (" + c.name() + " has " + c.rates() + ")"));
            }
          }
          return Future.succeededFuture();
        });
    return checkChildren
        .compose(v -> store.claimIdentity(next, target))
        // the wallet is re-expressed in the new Rates before the record says so: a request priced at
        // the old Rates in between is converted by the wallet scripts
        .compose(v -> rescaling ? wallets.rescale(target.id(), target.rates(), next.rates())
            .recover(e -> e instanceof RatesChangedException ? Future.failedFuture(new ApiError(409,
                "The account's Rates changed meanwhile; nothing was changed. Please retry.",
                "invalid_request_error", "Rates", "conflict")) : Future.failedFuture(e))
            : Future.succeededFuture())
        .compose(v -> form.credit == 0 ? Future.succeededFuture() : move(parent, next, form.credit, form.validityMs))
        .compose(v -> store.patch(next.id(), form.changes).compose(saved -> saved ? Future.<Void>succeededFuture()
            : Future.failedFuture(ApiError.notFound("No sub-account '" + target.id() + "' under this key."))))
        .compose(v -> store.releaseIdentity(target, next))
        .compose(v -> next.status().equals(target.status()) ? Future.succeededFuture()
            : wallets.setDisabled(next.id(), !next.active()))
        .compose(v -> announce(next, null))
        .compose(v -> describe(next))
        .map(user -> new JsonObject().put("Action", "update").put("User", user));
  }

  /**
   * Deletes a descendant that has no sub-accounts of its own. Its balance goes back to its
   * parent now; what its requests in flight do not spend, when they settle.
   */
  public Future<JsonObject> delete(Account caller, Account target) {
    return store.load(target.parentId()).compose(parent -> {
      Rate parentRates = parent == null ? Rate.ONE : parent.rates();
      return wallets.delete(target.id(), target.parentId(), parentRates, target.rates())
          .recover(e -> e instanceof AccountGoneException
              ? Future.failedFuture(ApiError.notFound("No sub-account '" + target.id() + "' under this key."))
              : Future.failedFuture(e))
          .compose(refunded -> store.delete(target).compose(v -> announce(target, null))
              .map(v -> new JsonObject().put("Action", "delete")
                  .put("User", new JsonObject().put("ID", target.id()).put("Name", target.name()))
                  .put("Refunded", Money.toDollars(refunded))));
    });
  }

  /** A page of the caller's direct children, or of all its descendants, that pass {@code filter}. */
  public Future<JsonObject> list(Account caller, boolean descendants, Predicate<Account> filter, int page,
      int size) {
    Future<List<Account>> all = descendants ? descendantsOf(caller)
        : store.childIds(caller.id()).compose(store::loadAll);
    return all.compose(accounts -> {
      List<Account> sorted = new ArrayList<>();
      for (Account a : accounts) {
        if (filter.test(a)) {
          sorted.add(a);
        }
      }
      sorted.sort(Comparator.comparingLong(a -> Long.parseLong(a.id())));
      int from = (int) Math.min(sorted.size(), Math.max(0L, (page - 1L) * size));
      int to = Math.min(sorted.size(), from + size);
      List<Future<JsonObject>> views = new ArrayList<>();
      for (Account a : sorted.subList(from, to)) {
        views.add(describe(a));
      }
      return Future.all(views).map(v -> {
        JsonArray users = new JsonArray();
        views.forEach(f -> users.add(f.result()));
        return new JsonObject().put("Total", sorted.size()).put("Page", page).put("Size", size)
            .put("Users", users);
      });
    });
  }

  /** Every descendant of {@code top} (not itself), in ID order. */
  public Future<List<Account>> subtree(Account top) {
    return descendantsOf(top).map(all -> {
      List<Account> sorted = new ArrayList<>(all);
      sorted.sort(Comparator.comparingLong(a -> Long.parseLong(a.id())));
      return sorted;
    });
  }

  private Future<List<Account>> descendantsOf(Account root) {
    List<Account> out = new ArrayList<>();
    return expand(List.of(root.id()), out).map(v -> out);
  }

  private Future<Void> expand(List<String> frontier, List<Account> out) {
    if (frontier.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Future<List<String>>> kids = new ArrayList<>();
    for (String id : frontier) {
      kids.add(store.childIds(id));
    }
    return Future.all(kids).compose(v -> {
      List<String> next = new ArrayList<>();
      kids.forEach(f -> next.addAll(f.result()));
      return store.loadAll(next);
    }).compose(accounts -> {
      out.addAll(accounts);
      return expand(accounts.stream().map(Account::id).toList(), out);
    });
  }

  /** Gives an account a new key; the old one stops working on every node at once. */
  public Future<JsonObject> rotate(Account self) {
    String key = Secrets.newAccountKey();
    Account next = self.with(Map.of("keyHash", vault.hashKey(key), "partialKey", Secrets.mask(key)));
    return store.rotate(self.id(), self.keyHash(), next.keyHash(), next.partialKey()).compose(done -> switch (done) {
      case 1 -> announce(next, self.keyHash())
          .map(v -> new JsonObject().put("Action", "rotate").put("ID", next.id())
              .put("SecretKey", key).put("PartialKey", next.partialKey()));
      case -1 -> Future.failedFuture(new ApiError(409, "This key was rotated meanwhile; nothing was changed.",
          "invalid_request_error", null, "conflict"));
      case -2 -> Future.failedFuture(new IllegalStateException("Please retry."));
      default -> Future.failedFuture(ApiError.invalidKey());
    });
  }

  /**
   * Gives a descendant of root a key of the operator's choosing (an existing customer key being
   * imported), or a new one when {@code chosen} is null; the old key stops working on every node
   * before this completes. Only the key's hash is stored; the answer carries the key only when it
   * was generated here (shown once), else its masked form. The chosen key is never logged.
   */
  public Future<JsonObject> assignKey(Account target, String chosen) {
    if (target.isRoot()) {
      throw ApiError.invalidRequest("The admin key is YUGONG_ADMIN_KEY of the nodes' configuration; it is "
          + "not set through the API. Name a sub-account.", "name");
    }
    String key = chosen == null ? Secrets.newAccountKey() : ImportedKey.check(chosen);
    String hash = vault.hashKey(key);
    return store.load(target.id()).compose(current -> {
      if (current == null || "deleted".equals(current.status())) {
        return Future.failedFuture(ApiError.notFound("No account '" + target.id() + "'."));
      }
      if (hash.equals(current.keyHash())) {
        return Future.succeededFuture(assigned(current, chosen == null ? key : null));
      }
      Account next = current.with(Map.of("keyHash", hash, "partialKey", Secrets.mask(key)));
      return store.rotate(current.id(), current.keyHash(), hash, next.partialKey()).compose(done -> switch (done) {
        case 1 -> announce(next, current.keyHash()).map(v -> assigned(next, chosen == null ? key : null));
        case -1 -> Future.failedFuture(new ApiError(409, "The account's key changed meanwhile; nothing was "
            + "changed. Please retry.", "invalid_request_error", null, "conflict"));
        case -2 -> Future.failedFuture(new ApiError(409, "This key is already in use by another account; "
            + "nothing was changed.", "invalid_request_error", "key", "key_in_use"));
        default -> Future.failedFuture(ApiError.notFound("No account '" + target.id() + "'."));
      });
    });
  }

  private static JsonObject assigned(Account a, String generated) {
    String shown = generated != null ? generated : a.partialKey();
    JsonObject out = new JsonObject().put("Action", "rotate").put("ID", a.id()).put("Name", a.name())
        .put("PartialKey", a.partialKey());
    if (generated != null) {
      out.put("SecretKey", generated);
    }
    return out.put("success", true)
        .put("message", generated != null ? "Key rotated; the new key is shown once." : "Key set.")
        .put("rotate", new JsonObject().put("action", "rotate_root").put("id", a.id()).put("name", a.name())
            .put("key", shown).put("timestamp", Instant.now().toString()));
  }


  /** An account's settings with its balance, grants and this month's usage, in ProxyXAI's names. */
  public Future<JsonObject> describe(Account a) {
    return wallets.view(a.id()).map(w -> a.toPublicJson()
        .put("CreditBalance", grants(w))
        .put("Balance", Money.toDollars(w.balance()))
        .put("Held", Money.toDollars(w.held()))
        .put("Available", Money.toDollars(w.available()))
        .put("Usage", new JsonObject()
            .put("Month", Money.toDollars(w.monthCost()))
            .put("Requests", w.monthRequests())
            .put("PromptTokens", w.monthPromptTokens())
            .put("CachedTokens", w.monthCachedTokens())
            .put("CompletionTokens", w.monthCompletionTokens())
            .put("RequestsLastMinute", a.rateLimit() > 0 ? w.rpmUsed() : null))
        .put("SoftLimitReached", a.softLimit() > 0 && w.monthCost() >= a.softLimit()));
  }

  private static JsonArray grants(WalletView w) {
    JsonArray out = new JsonArray();
    for (WalletView.Grant g : w.grants()) {
      out.add(new JsonObject()
          .put("amount", Money.toDollars(g.amount()))
          .put("balance", Money.toDollars(g.balance()))
          .put("granted_at", Instant.ofEpochMilli(g.grantedAt()).toString())
          .put("expires_at", Instant.ofEpochMilli(g.expiresAt()).toString()));
    }
    return out;
  }

  /**
   * Makes every node (this one included) drop what it cached about an account and its subtree
   * before the change's API call answers. The change is appended to the Redis change stream and,
   * at the same time, each other live node is asked to forget and confirm (at most 1 s). If a
   * node that reads the stream (by the stream's own register of readers, which needs no
   * cluster) did not confirm, the call also waits until that node has either read the entry or
   * stopped trusting its cache (1.6 s after the append): so even a frozen or partitioned node
   * cannot serve the old state once the call has answered.
   */
  private Future<Void> announce(Account a, String oldKeyHash) {
    JsonArray hashes = new JsonArray().add(a.keyHash());
    if (oldKeyHash != null) {
      hashes.add(oldKeyHash);
    }
    JsonObject notice = new JsonObject().put("id", a.id()).put("hashes", hashes);
    forget(notice);
    Future<Set<String>> told = broadcast == null ? Future.succeededFuture(Set.of()) : broadcast.tell(notice);
    return feed.append(notice).transform(appended -> {
      long appendedAt = System.nanoTime();
      if (appended.failed()) {
        return told.transform(x -> Future.failedFuture(ApiError.unavailable("The change to account "
            + a.id() + " is saved, but it could not be announced to every node; repeat the call.",
            "store_unavailable", 1)));
      }
      Future<Set<String>> readers = feed.readers();
      return Future.join(told, readers).transform(x -> {
        if (readers.succeeded()) {
          Set<String> silent = new HashSet<>(readers.result());
          silent.remove(nodeId);
          silent.removeAll(told.result());
          if (silent.isEmpty()) {
            return Future.<Void>succeededFuture();
          }
        }
        return feed.outlived(appendedAt);
      });
    });
  }

  private void forget(JsonObject notice) {
    cache.forget(notice);
  }

  /** True while this node reads the change stream, so its cache may be trusted. */
  private boolean following() {
    return feed.current();
  }
}
