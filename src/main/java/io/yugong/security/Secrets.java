package io.yugong.security;

import java.security.SecureRandom;

/** Making and showing secrets: new customer keys, and the masked form that may be displayed. */
public final class Secrets {

  private static final char[] URL_SAFE =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {
  }

  /** A new customer key: {@code sk-} and 48 URL-safe random characters (288 bits). */
  public static String newAccountKey() {
    return "sk-" + randomUrlSafe(48);
  }

  /** Random URL-safe text of the given length. */
  public static String randomUrlSafe(int length) {
    char[] out = new char[length];
    for (int i = 0; i < length; i++) {
      out[i] = URL_SAFE[RANDOM.nextInt(URL_SAFE.length)];
    }
    return new String(out);
  }

  /** Random lowercase hex of the given length. */
  public static String randomHex(int length) {
    char[] hex = "0123456789abcdef".toCharArray();
    char[] out = new char[length];
    for (int i = 0; i < length; i++) {
      out[i] = hex[RANDOM.nextInt(16)];
    }
    return new String(out);
  }

  /** The displayable part of a key: its first 3 characters, "..." and its last 4. */
  public static String mask(String key) {
    if (key == null || key.length() < 16) {
      return "...";
    }
    return key.substring(0, 3) + "..." + key.substring(key.length() - 4);
  }
}
