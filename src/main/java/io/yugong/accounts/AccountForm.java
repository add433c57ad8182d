package io.yugong.accounts;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.billing.Limits;
import io.yugong.billing.ModelLimits;
import io.yugong.billing.Money;
import io.yugong.billing.Rate;
import io.yugong.gateway.ApiError;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A create or update request of the {@code /x-users} API in ProxyXAI's field names, checked and
 * turned into stored fields. Field names match ignoring case (as ProxyXAI's decoder does). A field
 * this service does not apply is refused with a 400 naming it, before anything changes: a limit
 * that is sent must never look as if it were in force when it is not. Malformed known fields are
 * refused with a message naming the field.
 */
final class AccountForm {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.@-]{0,62}");
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
  static final BigDecimal DEFAULT_DAYS = BigDecimal.valueOf(365);
  private static final BigDecimal MAX_DAYS = BigDecimal.valueOf(365);
  private static final BigDecimal DAY_MS = BigDecimal.valueOf(86_400_000L);
  static final int MAX_EMAIL = 254;
  static final int MAX_ALIAS = 128;
  /** Longest string any field may be, checked before anything else is done with it. */
  private static final int MAX_TEXT = 16 * 1024;
  private static final int MAX_LIST_ITEMS = 256;
  private static final int MAX_LIST_ITEM = 128;
  /** Largest amount one request may move, set as a limit, or grant: 1,000,000 USD. */
  private static final long MAX_AMOUNT = 1_000_000L * Money.NANOS_PER_DOLLAR;
  private static final int MAX_RATE_LIMIT = 1_000_000;

  /** Stored fields that change (the Account hash's names). */
  final Map<String, String> changes = new HashMap<>();
  /** Credit to move to the account, in its own nano-dollars (may be negative; 0 = none). */
  long credit;
  /** How long the credit granted with this request lasts, in milliseconds. */
  long validityMs = DEFAULT_DAYS.multiply(DAY_MS).longValueExact();
  /** Edits of the allow and deny lists, by stored field, resolved against the account by {@link #resolve}. */
  private final Map<String, ListEdit> listEdits = new LinkedHashMap<>();
  String name;
  String email;

  static AccountForm parse(JsonObject sent, boolean creating) {
    JsonObject req = ProxyXaiFields.canonical(sent);
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
      if (f.email.length() > MAX_EMAIL || !EMAIL.matcher(f.email).matches()) {
        throw bad("Email is not a valid address");
      }
      f.email = f.email.toLowerCase();
      f.changes.put("email", f.email);
    }
    String alias = text(req, "Alias");
    if (alias != null) {
      if (alias.length() > MAX_ALIAS || alias.chars().anyMatch(Character::isISOControl)) {
        throw bad("Alias must be at most " + MAX_ALIAS + " characters, without control characters");
      }
      f.changes.put("alias", alias);
    }
    if (req.containsKey("CreditGranted")) {
      f.credit = dollars(req.getValue("CreditGranted"), "CreditGranted", true);
    }
    if (req.containsKey("Days")) {
      BigDecimal days = days(req.getValue("Days"));
      f.validityMs = days.multiply(DAY_MS).setScale(0, RoundingMode.HALF_UP).longValueExact();
      f.changes.put("days", days.stripTrailingZeros().toPlainString());
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
      if (r.value().scale() > Rate.ACCOUNT_DECIMALS || r.compareTo(Rate.of(Rate.ACCOUNT_MAX)) > 0) {
        throw bad("Rates must have at most " + Rate.ACCOUNT_DECIMALS + " decimals and be at most "
            + Rate.ACCOUNT_MAX);
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
        if (rpm < 0 || rpm > MAX_RATE_LIMIT) {
          throw bad(field + " must be from 0 (no limit) to " + MAX_RATE_LIMIT);
        }
        f.changes.put("rateLimit", Integer.toString(rpm));
      }
    }
    limit(req, "RPH", "rph", Limits.MAX_REQUESTS, f);
    limit(req, "RPD", "rpd", Limits.MAX_REQUESTS, f);
    limit(req, "TPM", "tpm", Limits.MAX_TOKENS, f);
    limit(req, "TPH", "tph", Limits.MAX_TOKENS, f);
    limit(req, "TPD", "tpd", Limits.MAX_TOKENS, f);
    if (req.containsKey("ModelLimits")) {
      try {
        f.changes.put("modelLimits", modelLimits(req.getValue("ModelLimits")).toStored());
      } catch (ApiError e) {
        throw e;
      } catch (IllegalArgumentException e) {
        throw bad(e.getMessage(), "ModelLimits");
      }
    }
    ipList(req, "AllowIPs", "allowIps", f);
    ipList(req, "DenyIPs", "denyIps", f);
    modelList(req, "AllowModels", "allowModels", f);
    modelList(req, "DenyModels", "denyModels", f);
    if (req.containsKey("Resources")) {
      ListEdit edit = ListEdit.of("Resources", items(req.getValue("Resources"), "Resources"));
      try {
        for (String e : edit.add()) {
          Resources.check(e);
        }
      } catch (IllegalArgumentException e) {
        throw bad("Resources: " + e.getMessage(), "Resources");
      }
      f.listEdits.put("resources", edit);
    }
    routing(req, f);
    String status = status(req.getValue("Status"), "Status", false);
    String suspended = status(req.getValue("Suspended"), "Suspended", true);
    if (status != null && suspended != null && !status.equals(suspended)) {
      throw bad("Status and Suspended disagree; send one of them", "Status");
    }
    if (status != null || suspended != null) {
      f.changes.put("status", status != null ? status : suspended);
    }
    return f;
  }

  /** Longest ModelMapper or LevelMapper (each rule is tried in turn on every request). */
  private static final int MAX_MAPPER = 4096;

  /** ModelMapper, LevelMapper ("source=target,..."; "" or null clears) and AllowLevels ("1,2" or [1, 2]). */
  private static void routing(JsonObject req, AccountForm f) {
    for (String[] m : new String[][] {{"ModelMapper", "modelMapper"}, {"LevelMapper", "levelMapper"}}) {
      if (!req.containsKey(m[0])) {
        continue;
      }
      Object v = req.getValue(m[0]);
      if (v != null && !(v instanceof String)) {
        throw bad(m[0] + " must be a string such as \"gpt-3.5-turbo=gpt-4o-mini,gpt-4*=2\"", m[0]);
      }
      String text = v == null ? "" : ((String) v).trim();
      if (text.length() > MAX_MAPPER || text.chars().anyMatch(Character::isISOControl)) {
        throw bad(m[0] + " must be at most " + MAX_MAPPER + " characters, without control characters", m[0]);
      }
      try {
        if (m[0].equals("ModelMapper")) {
          AccountRouting.parse(text, "", "");
        } else {
          AccountRouting.parse("", text, "");
        }
      } catch (IllegalArgumentException e) {
        throw bad(e.getMessage(), m[0]);
      }
      f.changes.put(m[1], text);
    }
    if (req.containsKey("AllowLevels")) {
      Object v = req.getValue("AllowLevels");
      String csv;
      if (v == null) {
        csv = "";
      } else if (v instanceof String s && s.length() <= MAX_MAPPER) {
        csv = s;
      } else if (v instanceof Number n && n.doubleValue() == n.longValue()) {
        csv = Long.toString(n.longValue());
      } else if (v instanceof JsonArray a && a.size() <= AccountRouting.MAX_LEVELS) {
        StringBuilder b = new StringBuilder();
        for (Object o : a) {
          if (!(o instanceof Integer || o instanceof Long || o instanceof String)) {
            throw bad("AllowLevels must be levels such as \"1,2\" or [1, 2]", "AllowLevels");
          }
          b.append(b.length() == 0 ? "" : ",").append(o);
        }
        csv = b.toString();
      } else {
        throw bad("AllowLevels must be levels such as \"1,2\" or [1, 2]", "AllowLevels");
      }
      List<Integer> levels;
      try {
        levels = AccountRouting.levels(csv);
      } catch (IllegalArgumentException e) {
        throw bad(e.getMessage(), "AllowLevels");
      }
      StringBuilder b = new StringBuilder();
      for (int l : levels) {
        b.append(b.length() == 0 ? "" : ",").append(l);
      }
      f.changes.put("allowLevels", b.toString());
    }
  }

  private static void limit(JsonObject req, String field, String stored, long max, AccountForm f) {
    if (req.containsKey(field)) {
      try {
        f.changes.put(stored, Long.toString(Limits.count(req.getValue(field), field, max)));
      } catch (IllegalArgumentException e) {
        throw bad(e.getMessage(), field);
      }
    }
  }

  /** ModelLimits as an object, or as its JSON text; null or "" clears them. */
  private static ModelLimits modelLimits(Object v) {
    if (v == null || v instanceof String s && s.isBlank()) {
      return ModelLimits.NONE;
    }
    JsonObject j;
    if (v instanceof JsonObject o) {
      j = o;
    } else if (v instanceof String s && s.length() <= MAX_TEXT) {
      try {
        j = new JsonObject(s);
      } catch (RuntimeException e) {
        throw bad("ModelLimits must be an object such as {\"gpt-4o\": {\"rpm\": 10, \"tpm\": 20000}}");
      }
    } else {
      throw bad("ModelLimits must be an object such as {\"gpt-4o\": {\"rpm\": 10, \"tpm\": 20000}}");
    }
    return ModelLimits.fromJson(j);
  }

  private static void ipList(JsonObject req, String field, String stored, AccountForm f) {
    if (!req.containsKey(field)) {
      return;
    }
    ListEdit edit = ListEdit.of(field, items(req.getValue(field), field));
    try {
      AccessRules.cidrs(edit.add());
      AccessRules.cidrs(edit.remove());
    } catch (IllegalArgumentException e) {
      throw bad(field + ": " + e.getMessage(), field);
    }
    f.listEdits.put(stored, edit);
  }

  private static void modelList(JsonObject req, String field, String stored, AccountForm f) {
    if (req.containsKey(field)) {
      f.listEdits.put(stored, ListEdit.of(field, items(req.getValue(field), field)));
    }
  }

  /**
   * Works out the allow and deny lists this form sets from what {@code current} has (null when
   * the account is being created) and puts them in {@link #changes}.
   */
  void resolve(Account current) {
    for (Map.Entry<String, ListEdit> e : listEdits.entrySet()) {
      String stored = e.getKey();
      boolean ips = stored.endsWith("Ips");
      boolean allow = stored.startsWith("allow") || stored.equals("resources");
      List<String> before = current == null ? List.of() : switch (stored) {
        case "allowIps" -> current.allowIps();
        case "denyIps" -> current.denyIps();
        case "allowModels" -> current.allowModels();
        case "resources" -> current.resources();
        default -> current.denyModels();
      };
      List<String> after = e.getValue().applyTo(before, allow, ips ? AccountForm::sameAddress
          : stored.equals("resources") ? AccountForm::sameEndpoint : String::equalsIgnoreCase);
      if (after.contains("*")) {
        after = allow ? List.of() : List.of("*");
      }
      changes.put(stored, String.join(",", after));
    }
  }

  private static boolean sameEndpoint(String a, String b) {
    try {
      return Resources.check(a).equals(Resources.check(b));
    } catch (IllegalArgumentException e) {
      return a.equals(b);
    }
  }

  private static boolean sameAddress(String a, String b) {
    if (a.equals("*") || b.equals("*")) {
      return a.equals(b);
    }
    AccessRules.Cidr x = AccessRules.Cidr.parse(a);
    AccessRules.Cidr y = AccessRules.Cidr.parse(b);
    return x.prefix() == y.prefix() && java.util.Arrays.equals(x.network(), y.network());
  }

  private static List<String> items(Object v, String field) {
    List<String> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (v instanceof JsonArray a) {
      if (a.size() > MAX_LIST_ITEMS) {
        throw bad(field + " may have at most " + MAX_LIST_ITEMS + " entries");
      }
      for (Object o : a) {
        out.addAll(items(o, field));
      }
    } else if (v instanceof String s) {
      if (s.length() > MAX_TEXT) {
        throw bad(field + " is too long");
      }
      for (String item : s.split("[,\\s]+")) {
        if (!item.isBlank()) {
          out.add(item.trim());
        }
      }
    } else {
      throw bad(field + " must be a comma-separated string or a list of strings");
    }
    if (out.size() > MAX_LIST_ITEMS) {
      throw bad(field + " may have at most " + MAX_LIST_ITEMS + " entries");
    }
    for (String item : out) {
      if (item.length() > MAX_LIST_ITEM || item.chars().anyMatch(Character::isISOControl)) {
        throw bad(field + " has an entry longer than " + MAX_LIST_ITEM + " characters or with control "
            + "characters");
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
    if (s.length() > MAX_TEXT) {
      throw bad(field + " is too long");
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
    if (Math.abs(n) > MAX_AMOUNT) {
      throw bad(field + " must be at most " + Money.format(MAX_AMOUNT) + " USD");
    }
    return n;
  }

  private static int whole(Object v, String field) {
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      double d = n.doubleValue();
      if (d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) {
        throw bad(field + " is out of range");
      }
      return (int) d;
    }
    if (v instanceof String s && s.length() <= 12) {
      try {
        return Integer.parseInt(s.trim());
      } catch (NumberFormatException ignored) {
        // fall through
      }
    }
    throw bad(field + " must be a whole number");
  }

  /** Status: "active" / "disabled", or a boolean (true = active); Suspended is the inverse boolean. */
  private static String status(Object v, String field, boolean inverse) {
    if (v == null) {
      return null;
    }
    Boolean on = null;
    if (v instanceof Boolean b) {
      on = inverse ? !b : b;
    } else if (v instanceof String s && s.length() <= 16) {
      String t = s.trim().toLowerCase();
      if (t.equals("true") || t.equals("false")) {
        on = t.equals("true") != inverse;
      } else if (!inverse && (t.equals("active") || t.equals("enabled"))) {
        on = true;
      } else if (!inverse && (t.equals("disabled") || t.equals("suspended"))) {
        on = false;
      }
    }
    if (on == null) {
      throw bad(inverse ? "Suspended must be true or false"
          : "Status must be true, false, 'active' or 'disabled'", field);
    }
    return on ? "active" : "disabled";
  }

  /** Days: a number of days, fractions allowed, more than 0 and at most 365. */
  private static BigDecimal days(Object v) {
    BigDecimal d = null;
    if (v instanceof Number n && !(v instanceof Double x && (x.isNaN() || x.isInfinite()))) {
      String text = n.toString();
      if (text.length() <= 32) {
        try {
          d = new BigDecimal(text);
        } catch (NumberFormatException ignored) {
          // refused below
        }
      }
    } else if (v instanceof String s && s.length() <= 32) {
      try {
        d = new BigDecimal(s.trim());
      } catch (NumberFormatException ignored) {
        // refused below
      }
    }
    if (d == null || d.signum() <= 0 || d.compareTo(MAX_DAYS) > 0 || d.scale() > 9
        || d.multiply(DAY_MS).setScale(0, RoundingMode.HALF_UP).signum() <= 0) {
      throw bad("Days must be a number of days above 0 and at most 365 (fractions allowed, e.g. 0.5)", "Days");
    }
    return d;
  }

  /** A 400 whose param is the field the message begins with. */
  private static ApiError bad(String message) {
    int end = 0;
    while (end < message.length() && Character.isLetter(message.charAt(end))) {
      end++;
    }
    String first = message.substring(0, end);
    return ApiError.invalidRequest(message, ProxyXaiFields.ACCEPTED.contains(first) ? first : null);
  }

  private static ApiError bad(String message, String field) {
    return ApiError.invalidRequest(message, field);
  }
}
