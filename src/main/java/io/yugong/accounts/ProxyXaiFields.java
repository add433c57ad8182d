package io.yugong.accounts;

import io.vertx.core.json.JsonObject;
import io.yugong.gateway.ApiError;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The field names of an {@code /x-users} create or update. ProxyXAI's decoder matches names
 * ignoring case, so scripts written for it may send {@code "creditGranted"}; here each name is
 * put in its canonical spelling. A name this service does not apply — ProxyXAI's own ones it does
 * not support, or one nobody knows — is refused with a 400 naming it, so that no caller believes
 * a setting is in force when it is not. Two spellings of one field are refused too.
 */
final class ProxyXaiFields {

  /** Every field a create or update applies. */
  static final Set<String> ACCEPTED = Set.of(
      "Name", "Email", "Alias", "CreditGranted", "Days", "Rates", "HardLimit", "SoftLimit",
      "RateLimit", "RPM", "RPH", "RPD", "TPM", "TPH", "TPD", "ModelLimits",
      "AllowIPs", "DenyIPs", "AllowModels", "DenyModels", "Status", "Suspended", "Resources",
      "ModelMapper", "LevelMapper", "AllowLevels");

  /** ProxyXAI's documented fields that Yugong does not apply (see docs/api.md). */
  static final Set<String> NOT_SUPPORTED = Set.of(
      "BillingEmail", "QRCode", "Level", "ChildLimit", "SecretKey");

  private static final int MAX_FIELDS = 64;
  private static final int MAX_NAME = 64;
  private static final Map<String, String> BY_LOWER = new TreeMap<>();

  static {
    for (String f : ACCEPTED) {
      BY_LOWER.put(f.toLowerCase(Locale.ROOT), f);
    }
    for (String f : NOT_SUPPORTED) {
      BY_LOWER.put(f.toLowerCase(Locale.ROOT), f);
    }
  }

  private ProxyXaiFields() {
  }

  /** The request with every field under its canonical name; throws a 400 for any other. */
  static JsonObject canonical(JsonObject sent) {
    if (sent.size() > MAX_FIELDS) {
      throw ApiError.invalidRequest("The request has more than " + MAX_FIELDS + " fields.", null);
    }
    JsonObject out = new JsonObject();
    for (Map.Entry<String, Object> e : sent) {
      String name = e.getKey();
      String shown = name.length() > MAX_NAME ? name.substring(0, MAX_NAME) + "..." : name;
      String canonical = name.length() > MAX_NAME ? null : BY_LOWER.get(name.toLowerCase(Locale.ROOT));
      if (canonical == null) {
        throw new ApiError(400, "Unknown field '" + clean(shown) + "': this service does not know it, so "
            + "nothing was changed. See docs/api.md for the fields of /x-users.", "invalid_request_error",
            clean(shown), "unknown_field");
      }
      if (NOT_SUPPORTED.contains(canonical)) {
        throw new ApiError(400, "The field '" + canonical + "' is not supported by this service, so "
            + "nothing was changed.", "invalid_request_error", canonical, "unsupported_field");
      }
      if (out.containsKey(canonical)) {
        throw ApiError.invalidRequest("The field '" + canonical + "' is sent twice (names match ignoring "
            + "case).", canonical);
      }
      out.put(canonical, e.getValue());
    }
    return out;
  }

  /** A name as it may appear in a message: printable characters only. */
  private static String clean(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return b.toString();
  }
}
