package io.yugong.mock;

/** OpenAI's duration notation used by x-ratelimit-reset-*: "120ms", "1s", "8.64s", "6m0s". */
final class Durations {

  private Durations() {
  }

  static String format(long millis) {
    if (millis <= 0) {
      return "0s";
    }
    if (millis < 1000) {
      return millis + "ms";
    }
    long minutes = millis / 60_000;
    long rest = millis % 60_000;
    String seconds = seconds(rest);
    return minutes == 0 ? seconds : minutes + "m" + seconds;
  }

  private static String seconds(long millis) {
    long whole = millis / 1000;
    long frac = millis % 1000;
    if (frac == 0) {
      return whole + "s";
    }
    String f = frac < 10 ? "00" + frac : frac < 100 ? "0" + frac : Long.toString(frac);
    int end = f.length();
    while (f.charAt(end - 1) == '0') {
      end--;
    }
    return whole + "." + f.substring(0, end) + "s";
  }
}
