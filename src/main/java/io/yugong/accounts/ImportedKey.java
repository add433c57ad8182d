package io.yugong.accounts;

import io.yugong.gateway.ApiError;

/**
 * A customer key an operator brings from elsewhere ({@code POST /x-root}): {@code sk-} and 24 to
 * 125 URL-safe characters ({@code A-Z a-z 0-9 - _}), as ProxyXAI's and Yugong's own keys are. The
 * refusals never repeat the key.
 */
final class ImportedKey {

  static final int MIN_BODY = 24;
  static final int MAX_LENGTH = 128;

  private ImportedKey() {
  }

  /** The key, checked; throws a 400 (param {@code key}) that does not contain it. */
  static String check(String key) {
    if (key.length() > MAX_LENGTH || key.length() < 3 + MIN_BODY || !key.startsWith("sk-")) {
      throw ApiError.invalidRequest("key must be 'sk-' followed by " + MIN_BODY + " to " + (MAX_LENGTH - 3)
          + " letters, digits, '-' or '_'.", "key");
    }
    for (int i = 3; i < key.length(); i++) {
      char c = key.charAt(i);
      boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) {
        throw ApiError.invalidRequest("key may hold only letters, digits, '-' or '_' after 'sk-'.", "key");
      }
    }
    return key;
  }
}
