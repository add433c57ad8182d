package io.yugong.accounts;

import io.vertx.core.json.JsonObject;
import io.yugong.billing.Money;
import io.yugong.billing.Rate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Yugong account as stored in Redis (hash {@code yg:{a:ID}:account}). The key itself is never
 * stored: only its peppered hash and the displayable {@code partialKey}. {@code path} lists the
 * ids from the root down to this account, so subtree checks need no lookups.
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
    int days,
    List<String> allowIps,
    List<String> denyIps,
    List<String> allowModels,
    List<String> denyModels,
    long createdAt,
    AccessRules access) {

  public static final String ROOT_ID = "1";

  public boolean isRoot() {
    return ROOT_ID.equals(id);
  }

  public boolean active() {
    return "active".equals(status);
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
    h.put("days", Integer.toString(days));
    h.put("allowIps", String.join(",", allowIps));
    h.put("denyIps", String.join(",", denyIps));
    h.put("allowModels", String.join(",", allowModels));
    h.put("denyModels", String.join(",", denyModels));
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
    String id = h.get("id");
    String path = h.getOrDefault("path", id);
    return new Account(id, emptyToNull(h.get("parent")), path == null || path.isEmpty() ? id : path,
        emptyToNull(h.get("name")), emptyToNull(h.get("email")), emptyToNull(h.get("alias")),
        h.getOrDefault("status", "active"), h.get("keyHash"), h.get("partialKey"),
        Rate.of(h.getOrDefault("rates", "1").isEmpty() ? "1" : h.getOrDefault("rates", "1")),
        parseLong(h.get("hardLimit")), parseLong(h.get("softLimit")), (int) parseLong(h.get("rateLimit")),
        (int) parseLong(h.get("days")), allowIps, denyIps, allowModels, denyModels,
        parseLong(h.get("createdAt")), access);
  }

  /** A copy with changed fields; access rules are rebuilt. */
  Account with(Map<String, String> changes) {
    Map<String, String> h = toHash();
    h.putAll(changes);
    return fromHash(h);
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

  private static long parseLong(String s) {
    return s == null || s.isEmpty() ? 0 : Long.parseLong(s);
  }

  /** The ids of the accounts between root and this one, root excluded (from {@code path}). */
  public List<String> ancestorIds() {
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
        .put("ID", id).put("ParentID", parentId).put("Name", name).put("Email", email)
        .put("Alias", alias).put("Status", status).put("PartialKey", partialKey)
        .put("Rates", rates.value())
        .put("HardLimit", Money.toDollars(hardLimit)).put("SoftLimit", Money.toDollars(softLimit))
        .put("RateLimit", rateLimit).put("Days", days)
        .put("AllowIPs", String.join(",", allowIps)).put("DenyIPs", String.join(",", denyIps))
        .put("AllowModels", String.join(",", allowModels)).put("DenyModels", String.join(",", denyModels))
        .put("CreatedAt", createdAt / 1000);
  }
}
