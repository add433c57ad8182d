package io.yugong.admin;

import io.vertx.core.MultiMap;
import io.yugong.accounts.Account;
import io.yugong.gateway.ApiError;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The query of {@code GET /x-users} and {@code GET /x-dna} in ProxyXAI's names: filters
 * {@code id}, {@code name}, {@code email}, {@code dna} (a DNA prefix: {@code .1.3.} is every
 * account below account 3), {@code level} (every account's Level is {@link Account#LEVEL}, as in
 * ProxyXAI an account inherits its root's, so {@code level=0} keeps all and any other level none),
 * and {@code page} / {@code size} (at most 1000). Every value is bounded;
 * a parameter this service does not apply is refused naming it, so a filtered list is never
 * mistaken for an unfiltered one.
 */
record AccountFilter(String id, String name, String email, String dna, Integer level, int page, int size) {

  private static final Set<String> KNOWN = Set.of("id", "name", "email", "dna", "level", "page", "size");
  private static final Map<String, String> UNSUPPORTED = Map.of("order", "lists are always in ID order");
  private static final int MAX_LEVEL = 1_000_000;
  private static final Pattern ID = Pattern.compile("[0-9]{1,19}");
  private static final Pattern DNA = Pattern.compile("\\.([0-9]{1,19}\\.){0,64}");
  private static final int MAX_PAGE_NUMBER = 1_000_000;

  static AccountFilter from(MultiMap q, int maxSize) {
    for (String p : q.names()) {
      if (UNSUPPORTED.containsKey(p)) {
        throw new ApiError(400, "The query parameter '" + p + "' is not supported: " + UNSUPPORTED.get(p) + ".",
            "invalid_request_error", p, "unsupported_parameter");
      }
      if (!KNOWN.contains(p)) {
        String shown = p.length() > 64 ? p.substring(0, 64) + "..." : p;
        throw new ApiError(400, "Unknown query parameter '" + shown.replaceAll("\\p{Cntrl}", "?") + "'.",
            "invalid_request_error", null, "unknown_parameter");
      }
      if (q.getAll(p).size() > 1) {
        throw ApiError.invalidRequest("The query parameter '" + p + "' is given more than once.", p);
      }
    }
    String id = q.get("id");
    if (id != null && !ID.matcher(id).matches()) {
      throw ApiError.invalidRequest("id must be an account ID (digits)", "id");
    }
    String name = bounded(q.get("name"), 63, "name");
    String email = bounded(q.get("email"), 254, "email");
    String dna = q.get("dna");
    if (dna != null && (dna.length() > 1300 || !DNA.matcher(dna).matches())) {
      throw ApiError.invalidRequest("dna must be a DNA such as .1.3. (account IDs between dots)", "dna");
    }
    Integer level = q.get("level") == null ? null : number(q.get("level"), 0, 0, MAX_LEVEL, "level");
    int page = number(q.get("page"), 1, 1, MAX_PAGE_NUMBER, "page");
    int size = Math.min(maxSize, number(q.get("size"), 20, 1, Integer.MAX_VALUE, "size"));
    return new AccountFilter(id, name, email, dna, level, page, size);
  }

  boolean matches(Account a) {
    return (id == null || id.equals(a.id()))
        && (name == null || name.equalsIgnoreCase(a.name()))
        && (email == null || email.equalsIgnoreCase(a.email()))
        && (dna == null || a.dna().startsWith(dna))
        && (level == null || level == Account.LEVEL);
  }

  private static String bounded(String v, int max, String param) {
    if (v != null && (v.isEmpty() || v.length() > max)) {
      throw ApiError.invalidRequest(param + " must be 1 to " + max + " characters", param);
    }
    return v;
  }

  private static int number(String v, int dflt, int min, int max, String param) {
    if (v == null) {
      return dflt;
    }
    if (!v.matches("[0-9]{1,9}")) {
      throw ApiError.invalidRequest(param + " must be a whole number", param);
    }
    int n = Integer.parseInt(v);
    if (n < min || n > max) {
      throw ApiError.invalidRequest(param + " must be from " + min + " to " + max, param);
    }
    return n;
  }
}
