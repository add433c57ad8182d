package io.yugong.mock;

/** A stable, realistic looking {@code openai-organization} derived from the API key. */
final class Organizations {

  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

  private Organizations() {
  }

  static String of(String apiKey) {
    long h = Hashes.fnv64(apiKey);
    char[] out = new char[24];
    for (int i = 0; i < out.length; i++) {
      h = Hashes.mix(h + i);
      out[i] = ALPHABET[(int) Long.remainderUnsigned(h, ALPHABET.length)];
    }
    return "org-" + new String(out);
  }
}
