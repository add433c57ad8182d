package io.yugong.relay;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * Finds the {@code "usage"} object in a JSON response without parsing the whole body (an
 * embeddings answer can be megabytes of floats): the last {@code "usage":} key, then the object
 * after it, matched brace for brace outside strings.
 */
final class UsageScan {

  private static final byte[] KEY = "\"usage\"".getBytes(StandardCharsets.US_ASCII);

  private UsageScan() {
  }

  static JsonObject find(Buffer body) {
    byte[] b = body.getBytes();
    for (int at = lastIndexOf(b, KEY, b.length - KEY.length); at >= 0; at = lastIndexOf(b, KEY, at - 1)) {
      int i = at + KEY.length;
      while (i < b.length && (b[i] == ' ' || b[i] == ':' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
        i++;
      }
      if (i < b.length && b[i] == '{') {
        int end = matching(b, i);
        if (end > i) {
          try {
            JsonObject quick = QuickJson.object(b, i, end + 1);
            return quick != null ? quick : new JsonObject(body.slice(i, end + 1));
          } catch (RuntimeException ignored) {
            return null;
          }
        }
      }
    }
    return null;
  }

  /** A top-level number field of the body, such as "duration" (-1 when absent). */
  static double number(Buffer body, String field) {
    try {
      Object v = new JsonObject(body).getValue(field);
      return v instanceof Number n ? n.doubleValue() : -1;
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private static int lastIndexOf(byte[] b, byte[] key, int from) {
    for (int i = Math.min(from, b.length - key.length); i >= 0; i--) {
      int k = 0;
      while (k < key.length && b[i + k] == key[k]) {
        k++;
      }
      if (k == key.length) {
        return i;
      }
    }
    return -1;
  }

  private static int matching(byte[] b, int open) {
    int depth = 0;
    boolean inString = false;
    for (int i = open; i < b.length; i++) {
      byte c = b[i];
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{') {
        depth++;
      } else if (c == '}') {
        depth--;
        if (depth == 0) {
          return i;
        }
      }
    }
    return -1;
  }
}
