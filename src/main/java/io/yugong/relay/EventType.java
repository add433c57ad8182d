package io.yugong.relay;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * The top-level {@code "type"} of a Realtime event, read from its bytes without parsing it: the
 * scan follows strings and nesting only until the top-level {@code type} value is read, so an
 * audio delta (whose {@code type} comes first) costs a few dozen bytes whatever its size, and a
 * {@code "type"} inside a string or a nested object never counts.
 */
final class EventType {

  /** Type values longer than this are not an event type Yugong reads. */
  private static final int MAX_TYPE = 64;
  private static final byte[] TYPE = "type".getBytes(StandardCharsets.US_ASCII);

  private EventType() {
  }

  /** The event's top-level type, or null when it has none Yugong can read (not an object, too long, ...). */
  static String of(Buffer b) {
    int n = b.length();
    int depth = 0;
    int i = 0;
    // the top-level key just read, when it was "type" (so the next string is its value)
    boolean typeKey = false;
    boolean expectKey = false;
    while (i < n) {
      byte c = b.getByte(i);
      if (c == '"') {
        int end = stringEnd(b, i + 1, n);
        if (end < 0) {
          return null;
        }
        if (depth == 1) {
          if (typeKey) {
            int len = end - i - 1;
            return len <= MAX_TYPE ? b.getString(i + 1, end, "UTF-8") : null;
          }
          if (expectKey) {
            typeKey = isType(b, i + 1, end);
            expectKey = false;
          }
        }
        i = end + 1;
        continue;
      }
      switch (c) {
        case '{', '[' -> {
          depth++;
          if (depth == 1 && c == '{') {
            expectKey = true;
          } else if (depth == 1) {
            return null; // an array is not an event
          }
          if (depth == 2 && typeKey) {
            return null; // "type" is not a string
          }
        }
        case '}', ']' -> {
          depth--;
          if (depth <= 0) {
            return null;
          }
        }
        case ',' -> {
          if (depth == 1) {
            expectKey = true;
            typeKey = false;
          }
        }
        default -> {
          if (depth == 1 && typeKey && c != ':' && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            return null; // a number, true, null...
          }
        }
      }
      i++;
    }
    return null;
  }

  /** The index of the quote that closes the string whose content starts at {@code from}, or -1. */
  private static int stringEnd(Buffer b, int from, int n) {
    for (int i = from; i < n; i++) {
      byte c = b.getByte(i);
      if (c == '\\') {
        i++;
      } else if (c == '"') {
        return i;
      }
    }
    return -1;
  }

  private static boolean isType(Buffer b, int from, int end) {
    if (end - from != TYPE.length) {
      return false;
    }
    for (int k = 0; k < TYPE.length; k++) {
      if (b.getByte(from + k) != TYPE[k]) {
        return false;
      }
    }
    return true;
  }
}
