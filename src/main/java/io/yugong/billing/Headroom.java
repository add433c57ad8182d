package io.yugong.billing;

/**
 * What an account's own limits leave, as its {@code x-ratelimit-*} headers show it: of its request
 * limits (RPM, RPH, RPD, the model's RPM) and of its token limits (TPM, TPH, TPD, the model's
 * TPM), the one with the least remaining. A part the account has no limit for is absent (limit
 * -1).
 */
public record Headroom(long requestLimit, long requestsRemaining, long requestsResetMs,
    long tokenLimit, long tokensRemaining, long tokensResetMs) {

  public boolean hasRequests() {
    return requestLimit >= 0;
  }

  public boolean hasTokens() {
    return tokenLimit >= 0;
  }

  /** The reserve script's six numbers; null for none (an account without limits of its own). */
  static Headroom parse(String s) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    String[] p = s.trim().split(" ");
    if (p.length != 6) {
      return null;
    }
    try {
      return new Headroom(Long.parseLong(p[0]), Long.parseLong(p[1]), Long.parseLong(p[2]),
          Long.parseLong(p[3]), Long.parseLong(p[4]), Long.parseLong(p[5]));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A duration as OpenAI writes its reset headers: {@code 20ms}, {@code 1s}, {@code 6m0s}, {@code 1h2m3.5s}. */
  public static String duration(long ms) {
    if (ms < 1000) {
      return Math.max(0, ms) + "ms";
    }
    long h = ms / 3_600_000;
    long m = ms / 60_000 % 60;
    long millis = ms % 60_000;
    String sec = millis % 1000 == 0 ? Long.toString(millis / 1000)
        : stripZeros(String.format(java.util.Locale.ROOT, "%d.%03d", millis / 1000, millis % 1000));
    if (h > 0) {
      return h + "h" + m + "m" + sec + "s";
    }
    return m > 0 ? m + "m" + sec + "s" : sec + "s";
  }

  private static String stripZeros(String s) {
    int end = s.length();
    while (s.charAt(end - 1) == '0') {
      end--;
    }
    return s.substring(0, end);
  }
}
