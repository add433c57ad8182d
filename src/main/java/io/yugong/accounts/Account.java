package io.yugong.accounts;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * A Yugong account as stored in Redis (hash {@code yg:{a:ID}:account}). The key itself is never
 * stored: only its peppered hash and the displayable {@code partialKey}.
 */
public record Account(
    String id,
    String parentId,
    String name,
    String email,
    String alias,
    String status,
    String keyHash,
    String partialKey,
    long creditGranted,
    long createdAt) {

  public static final String ROOT_ID = "1";

  public boolean isRoot() {
    return ROOT_ID.equals(id);
  }

  public boolean active() {
    return "active".equals(status);
  }

  Map<String, String> toHash() {
    Map<String, String> h = new HashMap<>();
    h.put("id", id);
    h.put("parent", parentId == null ? "" : parentId);
    h.put("name", name == null ? "" : name);
    h.put("email", email == null ? "" : email);
    h.put("alias", alias == null ? "" : alias);
    h.put("status", status);
    h.put("keyHash", keyHash);
    h.put("partialKey", partialKey);
    h.put("creditGranted", Long.toString(creditGranted));
    h.put("createdAt", Long.toString(createdAt));
    return h;
  }

  static Account fromHash(Map<String, String> h) {
    return new Account(h.get("id"), emptyToNull(h.get("parent")), emptyToNull(h.get("name")),
        emptyToNull(h.get("email")), emptyToNull(h.get("alias")), h.getOrDefault("status", "active"),
        h.get("keyHash"), h.get("partialKey"), parseLong(h.get("creditGranted")),
        parseLong(h.get("createdAt")));
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static long parseLong(String s) {
    return s == null || s.isEmpty() ? 0 : Long.parseLong(s);
  }

  /** What the account's owner (or its parent) may see. */
  public JsonObject toPublicJson() {
    return new JsonObject()
        .put("ID", id).put("ParentID", parentId).put("Name", name).put("Email", email)
        .put("Alias", alias).put("Status", status).put("PartialKey", partialKey)
        .put("CreditGranted", io.yugong.billing.Money.toDollars(creditGranted))
        .put("CreatedAt", createdAt / 1000);
  }
}
