package io.yugong.mock;

import java.util.concurrent.ThreadLocalRandom;

/** Random identifiers in OpenAI's shapes. */
final class Ids {

  private static final char[] BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Ids() {
  }

  /** {@code req_} + 32 hex digits. */
  static String requestId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    char[] out = new char[36];
    out[0] = 'r';
    out[1] = 'e';
    out[2] = 'q';
    out[3] = '_';
    long a = r.nextLong();
    long b = r.nextLong();
    for (int i = 0; i < 16; i++) {
      out[4 + i] = HEX[(int) (a >>> (60 - 4 * i)) & 0xf];
      out[20 + i] = HEX[(int) (b >>> (60 - 4 * i)) & 0xf];
    }
    return new String(out);
  }

  /** prefix + random base62 characters. */
  static String random(String prefix, int length) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    StringBuilder sb = new StringBuilder(prefix.length() + length).append(prefix);
    for (int i = 0; i < length; i++) {
      sb.append(BASE62[r.nextInt(BASE62.length)]);
    }
    return sb.toString();
  }

  /** prefix + random hex characters. */
  static String hex(String prefix, int length) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    StringBuilder sb = new StringBuilder(prefix.length() + length).append(prefix);
    for (int i = 0; i < length; i++) {
      sb.append(HEX[r.nextInt(16)]);
    }
    return sb.toString();
  }
}
