package io.yugong.accounts;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.billing.Money;
import io.yugong.billing.Rate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A create or update request of the {@code /x-users} API in ProxyXAI's field names, checked and
 * turned into stored fields. Unknown fields are ignored, as ProxyXAI does; malformed known ones
 * are refused with a message naming the field.
 */
final class AccountForm {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.@-]{0,62}");
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
  static final int DEFAULT_DAYS = 365;

  /** Stored fields that change (the Account hash's names). */
  final Map<String, String> changes = new HashMap<>();
  /** Credit to move to the account, in its own nano-dollars (may be negative; 0 = none). */
  long credit;
  /** Days the credit lasts. */
  int days = DEFAULT_DAYS;
  String name;
  String email;

  static AccountForm parse(JsonObject req, boolean creating) {
    AccountForm f = new AccountForm();
    f.name = text(req, "Name");
    if (f.name != null) {
      if (!NAME.matcher(f.name).matches() || f.name.chars().allMatch(Character::isDigit)) {
        throw bad("Name must be 1-63 letters, digits or _ . @ -, and not only digits");
      }
      f.changes.put("name", f.name);
    } else if (creating) {
      throw bad("Name is required");
    }
    f.email = text(req, "Email");
    if (f.email != null) {
      if (!EMAIL.matcher(f.email).matches() || f.email.length() > 254) {
        throw bad("Email is not a valid address");
      }
      f.email = f.email.toLowerCase();
      f.changes.put("email", f.email);
    }
    String alias = text(req, "Alias");
    if (alias != null) {
      f.changes.put("alias", alias);
    }
    if (req.containsKey("CreditGranted")) {
      f.credit = dollars(req.getValue("CreditGranted"), "CreditGranted", true);
    }
    if (req.containsKey("Days")) {
      f.days = whole(req.getValue("Days"), "Days");
      if (f.days < 1 || f.days > 3650) {
        throw bad("Days must be from 1 to 3650");
      }
      f.changes.put("days", Integer.toString(f.days));
    }
    if (req.containsKey("Rates")) {
      Rate r;
      try {
        r = Rate.fromJson(req.getValue("Rates"));
      } catch (RuntimeException e) {
        throw bad("Rates must be a positive number such as 1 or 1.5");
      }
      if (r.compareTo(Rate.ZERO) <= 0) {
        throw bad("Rates must be positive");
      }
      f.changes.put("rates", r.toString());
    }
    if (req.containsKey("HardLimit")) {
      f.changes.put("hardLimit", Long.toString(dollars(req.getValue("HardLimit"), "HardLimit", false)));
    }
    if (req.containsKey("SoftLimit")) {
      f.changes.put("softLimit", Long.toString(dollars(req.getValue("SoftLimit"), "SoftLimit", false)));
    }
    for (String field : new String[] {"RateLimit", "RPM"}) {
      if (req.containsKey(field)) {
        int rpm = whole(req.getValue(field), field);
        if (rpm < 0) {
          throw bad(field + " must not be negative (0 means no limit)");
        }
        f.changes.put("rateLimit", Integer.toString(rpm));
      }
    }
    ipList(req, "AllowIPs", "allowIps", f);
    ipList(req, "DenyIPs", "denyIps", f);
    modelList(req, "AllowModels", "allowModels", f);
    modelList(req, "DenyModels", "denyModels", f);
    String status = text(req, "Status");
    if (status != null) {
      String s = status.toLowerCase();
      if (!s.equals("active") && !s.equals("disabled")) {
        throw bad("Status must be 'active' or 'disabled'");
      }
      f.changes.put("status", s);
    }
    if (req.getValue("Suspended") instanceof Boolean b) {
      f.changes.put("status", b ? "disabled" : "active");
    }
    return f;
  }

  private static void ipList(JsonObject req, String field, String stored, AccountForm f) {
    if (!req.containsKey(field)) {
      return;
    }
    List<String> items = items(req.getValue(field), field);
    if (field.startsWith("Allow") && items.contains("*")) {
      items = List.of();
    }
    try {
      AccessRules.cidrs(items);
    } catch (IllegalArgumentException e) {
      throw bad(field + ": " + e.getMessage());
    }
    f.changes.put(stored, String.join(",", items));
  }

  private static void modelList(JsonObject req, String field, String stored, AccountForm f) {
    if (!req.containsKey(field)) {
      return;
    }
    List<String> items = items(req.getValue(field), field);
    if (field.startsWith("Allow") && items.contains("*")) {
      items = List.of();
    }
    if (items.contains("*")) {
      items = List.of("*");
    }
    f.changes.put(stored, String.join(",", items));
  }

  private static List<String> items(Object v, String field) {
    List<String> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (v instanceof JsonArray a) {
      for (Object o : a) {
        out.addAll(items(o, field));
      }
      return out;
    }
    if (!(v instanceof String s)) {
      throw bad(field + " must be a comma-separated string or a list of strings");
    }
    for (String item : s.split("[,\\s]+")) {
      if (!item.isBlank()) {
        if (item.contains(",")) {
          throw bad(field + " has a malformed entry");
        }
        out.add(item.trim());
      }
    }
    return out;
  }

  private static String text(JsonObject req, String field) {
    Object v = req.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw bad(field + " must be a string");
    }
    return s.isBlank() ? null : s.trim();
  }

  private static long dollars(Object v, String field, boolean signed) {
    long n;
    try {
      n = Money.fromJson(v);
    } catch (RuntimeException e) {
      throw bad(field + " must be a dollar amount with at most 9 decimals");
    }
    if (!signed && n < 0) {
      throw bad(field + " must not be negative");
    }
    return n;
  }

  private static int whole(Object v, String field) {
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.intValue();
    }
    if (v instanceof String s) {
      try {
        return Integer.parseInt(s.trim());
      } catch (NumberFormatException ignored) {
        // fall through
      }
    }
    throw bad(field + " must be a whole number");
  }

  private static IllegalArgumentException bad(String message) {
    return new IllegalArgumentException(message);
  }
}
