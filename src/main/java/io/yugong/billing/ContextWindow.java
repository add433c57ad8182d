package io.yugong.billing;

import java.util.Locale;

/**
 * The most prompt tokens a model accepts, by model family — used to bound what a request can
 * cost when it refers to content Yugong cannot see (an uploaded file, a stored response). Errs
 * high: a family not listed gets {@value #LARGEST}.
 */
final class ContextWindow {

  /** The largest context window of any model: gpt-4.1's, rounded up. */
  static final long LARGEST = 1_048_576;

  private ContextWindow() {
  }

  static long of(String model) {
    String m = model == null ? "" : model.toLowerCase(Locale.ROOT);
    if (m.startsWith("ft:")) {
      m = m.substring(3);
    }
    if (m.contains("realtime")) {
      // gpt-realtime, gpt-4o(-mini)-realtime-preview: 32,000 (16,000 for the mini preview);
      // gpt-realtime-2 and later: 128,000
      return m.startsWith("gpt-realtime-") && !m.startsWith("gpt-realtime-mini")
          && !m.matches("gpt-realtime-\\d{4}-.*") ? 128_000 : 32_000;
    }
    if (m.startsWith("gpt-4o") || m.startsWith("chatgpt-4o") || m.startsWith("gpt-4-turbo")
        || m.startsWith("gpt-4.5") || m.startsWith("gpt-4-1106") || m.startsWith("gpt-4-0125")
        || m.startsWith("gpt-4-vision")) {
      return 128_000;
    }
    if (m.startsWith("gpt-5")) {
      return 400_000;
    }
    if (m.startsWith("o1") || m.startsWith("o3") || m.startsWith("o4") || m.startsWith("codex-mini")) {
      return 200_000;
    }
    if (m.startsWith("gpt-3.5")) {
      return 16_385;
    }
    return LARGEST;
  }
}
