package io.yugong.mock;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The deterministic "model": completion tokens cycle through a fixed vocabulary and prompt tokens are counted
 * from whitespace-separated words. Every vocabulary entry is one word with a leading space, so an answer of K
 * tokens is exactly K words (the first without its leading space).
 */
final class Tokens {

  static final String[] VOCABULARY = {
      " Hello", " from", " the", " Yugong", " emulator", " this", " is", " a", " deterministic", " answer",
      " made", " of", " exactly", " counted", " tokens", " and", " nothing", " else"};

  private static final String FIRST = VOCABULARY[0].substring(1);
  private static final AtomicReferenceArray<String> TEXTS = new AtomicReferenceArray<>(MockOptions.MAX_COMPLETION_TOKENS + 1);

  private Tokens() {
  }

  /** The i-th (0-based) completion token. */
  static String token(int i) {
    return i == 0 ? FIRST : VOCABULARY[i % VOCABULARY.length];
  }

  /** The whole completion text of k tokens (cached). */
  static String text(int k) {
    if (k > MockOptions.MAX_COMPLETION_TOKENS) {
      return build(k);
    }
    String text = TEXTS.get(k);
    if (text == null) {
      text = build(k);
      TEXTS.set(k, text);
    }
    return text;
  }

  private static String build(int k) {
    StringBuilder sb = new StringBuilder(k * 8);
    for (int i = 0; i < k; i++) {
      sb.append(token(i));
    }
    return sb.toString();
  }

  /** Number of whitespace-separated words. */
  static int words(String s) {
    if (s == null) {
      return 0;
    }
    int count = 0;
    boolean inWord = false;
    for (int i = 0, n = s.length(); i < n; i++) {
      boolean space = Character.isWhitespace(s.charAt(i));
      if (!space && !inWord) {
        count++;
      }
      inWord = !space;
    }
    return count;
  }

  /** Words of a message content: a string, or an array of parts whose "text" fields count. */
  static int contentWords(Object content) {
    if (content instanceof String s) {
      return words(s);
    }
    int count = 0;
    if (content instanceof JsonArray parts) {
      for (Object part : parts) {
        if (part instanceof JsonObject p && p.getValue("text") instanceof String text) {
          count += words(text);
        } else if (part instanceof String s) {
          count += words(s);
        }
      }
    }
    return count;
  }

  /** Chat prompt tokens: sum over messages of (words of content + 4), plus 3. */
  static int chatPrompt(JsonArray messages) {
    int count = 3;
    for (Object m : messages) {
      count += 4;
      if (m instanceof JsonObject msg) {
        count += contentWords(msg.getValue("content"));
      }
    }
    return count;
  }

  /** The request's max_completion_tokens / max_tokens / max_output_tokens when it is a number. */
  static Long requestedMax(JsonObject json) {
    for (String field : MAX_FIELDS) {
      if (json.getValue(field) instanceof Number n) {
        return n.longValue();
      }
    }
    return null;
  }

  static final String[] MAX_FIELDS = {"max_completion_tokens", "max_tokens", "max_output_tokens"};

  /**
   * Resolves how many completion tokens to produce: exactly the requested maximum (capped at
   * {@link MockOptions#MAX_COMPLETION_TOKENS}), else the configured default. Sends a 400 and returns -1 when the
   * requested value is not a positive integer.
   */
  static int completionBudget(Exchange ex, String... fields) {
    for (String field : fields) {
      Object value = ex.json.getValue(field);
      if (value == null) {
        continue;
      }
      if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
        ex.invalid("Invalid type for '" + field + "': expected an integer, but got " + Validation.typeName(value)
            + " instead.", field, "invalid_type");
        return -1;
      }
      long v = n.longValue();
      if (v < 1) {
        ex.invalid("Invalid '" + field + "': integer below minimum value. Expected a value >= 1, but got " + v
            + " instead.", field, "integer_below_min_value");
        return -1;
      }
      return (int) Math.min(v, MockOptions.MAX_COMPLETION_TOKENS);
    }
    return ex.env.options().completionTokens();
  }

  static boolean hasAny(JsonObject json, String... fields) {
    for (String f : fields) {
      if (json.getValue(f) != null) {
        return true;
      }
    }
    return false;
  }
}
