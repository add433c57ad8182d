package io.yugong.accounts;

import io.vertx.core.json.JsonObject;
import io.yugong.billing.Limits;
import io.yugong.billing.ModelLimits;
import io.yugong.billing.Money;
import io.yugong.billing.Rate;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Yugong account as stored in Redis (hash {@code yg:{a:ID}:account}). The key itself is never
 * stored: only its peppered hash and the displayable {@code partialKey}. {@code path} lists the
 * ids from the root down to this account, so subtree checks need no lookups.
 *
 * <p>{@code ancestors} are the accounts on that path above this one, root first and parent last,
 * as authentication loaded them (not stored in the hash; empty for an account loaded alone). The
 * rules that bind an account are the intersection of its own and every ancestor's: see
 * {@link #usable()}, {@link #allowsModel(String)} and {@link #allowsIp(InetAddress)}.
 */
public record Account(
    String id,
    String parentId,
    String path,
    String name,
    String email,
    String alias,
    String status,
    String keyHash,
    String partialKey,
    Rate rates,
    long hardLimit,
    long softLimit,
    int rateLimit,
    Limits limits,
    BigDecimal days,
    List<String> allowIps,
    List<String> denyIps,
    List<String> allowModels,
    List<String> denyModels,
    List<String> resources,
    Resources endpoints,
    AccountRouting routing,
    long createdAt,
    AccessRules access,
    List<Account> ancestors) {

  public Account {
    ancestors = List.copyOf(ancestors);
    limits = (limits == null ? Limits.NONE : limits).withRpm(rateLimit);
    routing = routing == null ? AccountRouting.NONE : routing;
  }

  public static final String ROOT_ID = "1";

  /**
   * ProxyXAI's account {@code Level}, which an account inherits from its parent and cannot change:
   * the same for every account here, as all descend from one root. Which upstream key levels serve
   * an account is its {@code LevelMapper} and {@code AllowLevels}, not this.
   */
  public static final int LEVEL = 0;

  public boolean isRoot() {
    return ROOT_ID.equals(id);
  }

  public boolean active() {
    return "active".equals(status);
  }

  /** A copy that knows its ancestors (root first, parent last). */
  public Account withAncestors(List<Account> chain) {
    return new Account(id, parentId, path, name, email, alias, status, keyHash, partialKey, rates,
        hardLimit, softLimit, rateLimit, limits, days, allowIps, denyIps, allowModels, denyModels, resources,
        endpoints, routing, createdAt, access, chain);
  }

  /** The ids on {@code path} above this account, root first. */
  List<String> ancestorIds() {
    String[] ids = path.split("/");
    return List.of(ids).subList(0, Math.max(0, ids.length - 1));
  }

  /**
   * True when {@code ancestors} holds exactly the accounts named by {@code path}: read in place
   * (this is asked on every request).
   */
  boolean ancestryComplete() {
    int at = 0;
    for (Account ancestor : ancestors) {
      String id = ancestor.id();
      int end = at + id.length();
      if (end >= path.length() || path.charAt(end) != '/' || !path.startsWith(id, at)) {
        return false;
      }
      at = end + 1;
    }
    return path.indexOf('/', at) < 0;
  }

  /** True for the root and for the accounts directly below it (no customer account above them). */
  public boolean belowNoCustomer() {
    int first = path.indexOf('/');
    return first < 0 || path.indexOf('/', first + 1) < 0;
  }

  /**
   * True when the account may be used: it is active, every ancestor but the root (always active)
   * is active, and none of them is missing. Disabling an account stops its whole subtree.
   */
  public boolean usable() {
    if (!active() && !isRoot()) {
      return false;
    }
    if (!ancestryComplete()) {
      return false;
    }
    for (Account a : ancestors) {
      if (!a.isRoot() && !a.active()) {
        return false;
      }
    }
    return true;
  }

  /** True when the account itself is active but an account above it is not. */
  public boolean disabledAbove() {
    return active() && !usable();
  }

  /** True when the model is allowed by this account's rules and by every ancestor's. */
  public boolean allowsModel(String model) {
    if (!access.allowsModel(model)) {
      return false;
    }
    for (Account a : ancestors) {
      if (!a.access().allowsModel(model)) {
        return false;
      }
    }
    return true;
  }

  /**
   * True when the canonical API path is in this account's {@code Resources} and in every
   * ancestor's (an empty list allows every endpoint).
   */
  public boolean allowsEndpoint(String path) {
    if (!endpoints().allows(path)) {
      return false;
    }
    for (Account a : ancestors) {
      if (!a.endpoints().allows(path)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The model to send upstream for the one the client named: the {@code ModelMapper} of this
   * account, else of the nearest ancestor whose ModelMapper has a rule for it, else the global
   * {@code MODEL_MAPPER}; one step only (a mapped name is not mapped again).
   */
  public String upstreamModel(String model, io.yugong.keypool.RoutingRules global) {
    String mine = accountMappedModel(model);
    return mine != null ? mine : global.upstreamModel(model);
  }

  /** The model an account's ModelMapper (this one's or the nearest ancestor's) maps to, or null. */
  public String accountMappedModel(String model) {
    if (model == null) {
      return null;
    }
    String m = routing.rules().mappedModel(model);
    for (int i = ancestors.size() - 1; m == null && i >= 0; i--) {
      m = ancestors.get(i).routing().rules().mappedModel(model);
    }
    return m;
  }

  /** The names the ModelMapper of this account and of its ancestors map by exact name. */
  public List<String> modelAliases() {
    List<String> out = new ArrayList<>(routing.rules().aliases());
    for (Account a : ancestors) {
      out.addAll(a.routing().rules().aliases());
    }
    return out;
  }

  /**
   * The key level that serves an upstream model for this account: its {@code LevelMapper}'s, else
   * the nearest ancestor's with a rule for it, else the global {@code LEVEL_MAPPER}'s (1 by default).
   */
  public int keyLevel(String upstreamModel, io.yugong.keypool.RoutingRules global) {
    int l = routing.rules().mappedLevel(upstreamModel);
    for (int i = ancestors.size() - 1; l < 0 && i >= 0; i--) {
      l = ancestors.get(i).routing().rules().mappedLevel(upstreamModel);
    }
    return l > 0 ? l : global.levelOf(upstreamModel);
  }

  /**
   * The key levels that may serve this account: the intersection of its {@code AllowLevels} and
   * every ancestor's that has one; null when none has (any level). An empty set: no level.
   */
  public java.util.Set<Integer> allowedLevels() {
    java.util.Set<Integer> out = null;
    for (int i = -1; i < ancestors.size(); i++) {
      List<Integer> own = (i < 0 ? this : ancestors.get(i)).routing().allowLevels();
      if (own.isEmpty()) {
        continue;
      }
      if (out == null) {
        out = new java.util.HashSet<>(own);
      } else {
        out.retainAll(own);
      }
    }
    return out;
  }

  /** An account's Resources, read once when it is loaded. */
  private static Resources endpoints(List<String> resources) {
    try {
      return resources.isEmpty() ? Resources.ALL : Resources.of(resources);
    } catch (IllegalArgumentException e) {
      return Resources.of(List.of("/-")); // an unreadable stored list allows nothing
    }
  }

  /** True when this account's rules or an ancestor's could refuse some client address. */
  public boolean restrictsIps() {
    if (access.restrictsIps()) {
      return true;
    }
    for (Account a : ancestors) {
      if (a.access().restrictsIps()) {
        return true;
      }
    }
    return false;
  }

  /** True when a request from {@code ip} passes this account's IP rules and every ancestor's. */
  public boolean allowsIp(InetAddress ip) {
    if (!access.allowsIp(ip)) {
      return false;
    }
    for (Account a : ancestors) {
      if (!a.access().allowsIp(ip)) {
        return false;
      }
    }
    return true;
  }

  /**
   * True when a request or token limit of this account or of an account above it applies (the
   * exact per-request reserve path counts them; global ModelLimits are the caller's to add).
   */
  public boolean rateLimited() {
    if (limits.any()) {
      return true;
    }
    for (Account a : ancestors) {
      if (a.limits().any()) {
        return true;
      }
    }
    return false;
  }

  /**
   * ProxyXAI's DNA: the ids from the root down to the parent, each between dots ({@code .1.3.12.}
   * for an account whose parent is 12 under 3 under the root); the root's is {@code .}.
   */
  public String dna() {
    List<String> ids = ancestorIds();
    return ids.isEmpty() ? "." : "." + String.join(".", ids) + ".";
  }

  /** True when {@code other} is this account or one of its descendants. */
  public boolean owns(Account other) {
    return other.id.equals(id) || other.path.startsWith(path + "/");
  }

  Map<String, String> toHash() {
    Map<String, String> h = new HashMap<>();
    h.put("id", id);
    h.put("parent", orEmpty(parentId));
    h.put("path", path);
    h.put("name", orEmpty(name));
    h.put("email", orEmpty(email));
    h.put("alias", orEmpty(alias));
    h.put("status", status);
    h.put("keyHash", keyHash);
    h.put("partialKey", partialKey);
    h.put("rates", rates.toString());
    h.put("hardLimit", Long.toString(hardLimit));
    h.put("softLimit", Long.toString(softLimit));
    h.put("rateLimit", Integer.toString(rateLimit));
    h.put("rph", Integer.toString(limits.rph()));
    h.put("rpd", Integer.toString(limits.rpd()));
    h.put("tpm", Long.toString(limits.tpm()));
    h.put("tph", Long.toString(limits.tph()));
    h.put("tpd", Long.toString(limits.tpd()));
    h.put("modelLimits", limits.models().toStored());
    h.put("days", days.toPlainString());
    h.put("allowIps", String.join(",", allowIps));
    h.put("denyIps", String.join(",", denyIps));
    h.put("allowModels", String.join(",", allowModels));
    h.put("denyModels", String.join(",", denyModels));
    h.put("resources", String.join(",", resources));
    h.put("modelMapper", routing.modelMapper());
    h.put("levelMapper", routing.levelMapper());
    h.put("allowLevels", routing.allowLevelsText());
    h.put("createdAt", Long.toString(createdAt));
    return h;
  }

  static Account fromHash(Map<String, String> h) {
    List<String> allowIps = list(h.get("allowIps"));
    List<String> denyIps = list(h.get("denyIps"));
    List<String> allowModels = list(h.get("allowModels"));
    List<String> denyModels = list(h.get("denyModels"));
    AccessRules access;
    try {
      access = new AccessRules(allowModels, denyModels, allowIps, denyIps);
    } catch (IllegalArgumentException e) {
      access = new AccessRules(List.of(), List.of("*"), List.of(), List.of("*"));
    }
    List<String> resources = list(h.get("resources"));
    String id = h.get("id");
    String path = h.getOrDefault("path", id);
    return new Account(id, emptyToNull(h.get("parent")), path == null || path.isEmpty() ? id : path,
        emptyToNull(h.get("name")), emptyToNull(h.get("email")), emptyToNull(h.get("alias")),
        h.getOrDefault("status", "active"), h.get("keyHash"), h.get("partialKey"),
        Rate.of(h.getOrDefault("rates", "1").isEmpty() ? "1" : h.getOrDefault("rates", "1")),
        parseLong(h.get("hardLimit")), parseLong(h.get("softLimit")), (int) parseLong(h.get("rateLimit")),
        new Limits(0, (int) parseLong(h.get("rph")), (int) parseLong(h.get("rpd")), parseLong(h.get("tpm")),
            parseLong(h.get("tph")), parseLong(h.get("tpd")), ModelLimits.fromStored(h.get("modelLimits"))),
        days(h.get("days")), allowIps, denyIps, allowModels, denyModels, resources,
        endpoints(resources), routing(h), parseLong(h.get("createdAt")), access, List.of());
  }

  private static AccountRouting routing(Map<String, String> h) {
    try {
      return AccountRouting.parse(h.get("modelMapper"), h.get("levelMapper"), h.get("allowLevels"));
    } catch (RuntimeException e) {
      return AccountRouting.UNREADABLE;
    }
  }

  /** A copy with changed fields; access rules are rebuilt, ancestors kept. */
  Account with(Map<String, String> changes) {
    Map<String, String> h = toHash();
    h.putAll(changes);
    return fromHash(h).withAncestors(ancestors);
  }

  static List<String> list(String csv) {
    List<String> out = new ArrayList<>();
    if (csv != null) {
      for (String s : csv.split(",")) {
        if (!s.isBlank()) {
          out.add(s.trim());
        }
      }
    }
    return out;
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /** The stored Days: a decimal; absent or unreadable is ProxyXAI's default, 365. */
  private static BigDecimal days(String s) {
    if (s == null || s.isEmpty() || s.length() > 32) {
      return AccountForm.DEFAULT_DAYS;
    }
    try {
      return new BigDecimal(s);
    } catch (NumberFormatException e) {
      return AccountForm.DEFAULT_DAYS;
    }
  }

  private static long parseLong(String s) {
    return s == null || s.isEmpty() ? 0 : Long.parseLong(s);
  }

  /** The ids of the accounts between root and this one, root excluded (from {@code path}). */
  public List<String> ancestorIdsBelowRoot() {
    String[] ids = path.split("/");
    List<String> out = new ArrayList<>(Math.max(0, ids.length - 2));
    for (int i = 1; i < ids.length - 1; i++) {
      out.add(ids[i]);
    }
    return out;
  }

  /** The account's settings in ProxyXAI's field names (no money figures, no key). */
  public JsonObject toPublicJson() {
    return new JsonObject()
        .put("ID", id).put("ParentID", parentId).put("DNA", dna()).put("Name", name).put("Email", email)
        .put("Alias", alias).put("Status", status).put("PartialKey", partialKey).put("Level", LEVEL)
        .put("Rates", rates.value())
        .put("HardLimit", Money.toDollars(hardLimit)).put("SoftLimit", Money.toDollars(softLimit))
        .put("RateLimit", rateLimit).put("RPM", rateLimit).put("RPH", limits.rph()).put("RPD", limits.rpd())
        .put("TPM", limits.tpm()).put("TPH", limits.tph()).put("TPD", limits.tpd())
        .put("ModelLimits", limits.models().toJson()).put("Days", days)
        .put("AllowIPs", String.join(",", allowIps)).put("DenyIPs", String.join(",", denyIps))
        .put("AllowModels", String.join(",", allowModels)).put("DenyModels", String.join(",", denyModels))
        .put("Resources", String.join(",", resources))
        .put("ModelMapper", routing.modelMapper()).put("LevelMapper", routing.levelMapper())
        .put("AllowLevels", routing.allowLevelsText())
        .put("CreatedAt", createdAt / 1000);
  }
}
