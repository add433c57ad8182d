package io.yugong.relay;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads JSON without Jackson's per-call setup, which costs more than the parse of the objects
 * on the hot path (a request body, an answer's {@code usage}, a stream's usage chunk). It reads
 * objects, arrays, strings (escapes and well-formed UTF-8 included), integers that fit a long,
 * decimals, true, false and null, nested at most {@link #MAX_DEPTH} deep. For anything else, or anything
 * malformed, it answers null and the caller parses with Jackson, so what it accepts it reads as
 * Jackson would: the same values of the same types (Integer when it fits, else Long; Double),
 * the last of duplicate names.
 */
final class QuickJson {

  /** Jackson's read limits as Vert.x configured them: past one, Jackson refuses, so it is asked. */
  private static final StreamReadConstraints LIMITS = jacksonLimits();
  static final int MAX_DEPTH = Math.min(32, LIMITS.getMaxNestingDepth());
  private static final int MAX_NAME = LIMITS.getMaxNameLength();
  private static final int MAX_NUMBER = LIMITS.getMaxNumberLength();
  private static final int MAX_STRING = LIMITS.getMaxStringLength();

  private static StreamReadConstraints jacksonLimits() {
    try (JsonParser p = JacksonCodec.createParser("{}")) {
      return p.streamReadConstraints();
    } catch (IOException | RuntimeException e) {
      return StreamReadConstraints.defaults();
    }
  }

  private final byte[] b;
  private final int to;
  private int i;

  private QuickJson(byte[] b, int from, int to) {
    this.b = b;
    this.i = from;
    this.to = to;
  }

  /** The object b[from, to) (JSON whitespace around it allowed); null: not read here. */
  static JsonObject object(byte[] b, int from, int to) {
    QuickJson p = new QuickJson(b, from, to);
    try {
      p.space();
      if (p.i >= to || b[p.i] != '{') {
        return null;
      }
      Map<String, Object> m = p.object(0);
      if (m == null) {
        return null;
      }
      p.space();
      return p.i == to ? new JsonObject(m) : null;
    } catch (ArrayIndexOutOfBoundsException e) {
      return null;
    }
  }

  private void space() {
    while (i < to) {
      byte c = b[i];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return;
      }
      i++;
    }
  }

  /** At '{'. */
  private Map<String, Object> object(int depth) {
    if (depth >= MAX_DEPTH) {
      return null;
    }
    i++;
    Map<String, Object> m = new LinkedHashMap<>();
    space();
    if (i < to && b[i] == '}') {
      i++;
      return m;
    }
    while (true) {
      space();
      if (i >= to || b[i] != '"') {
        return null;
      }
      int nameStart = i;
      String name = string();
      if (name == null || tooLong(name, i - nameStart)) {
        return null;
      }
      space();
      if (i >= to || b[i] != ':') {
        return null;
      }
      i++;
      space();
      Object v = value(depth);
      if (v == NOT_READ) {
        return null;
      }
      m.put(name, v);
      space();
      if (i >= to) {
        return null;
      }
      byte c = b[i++];
      if (c == '}') {
        return m;
      }
      if (c != ',') {
        return null;
      }
    }
  }

  /** At '['. */
  private List<Object> array(int depth) {
    if (depth >= MAX_DEPTH) {
      return null;
    }
    i++;
    List<Object> l = new ArrayList<>();
    space();
    if (i < to && b[i] == ']') {
      i++;
      return l;
    }
    while (true) {
      space();
      Object v = value(depth);
      if (v == NOT_READ) {
        return null;
      }
      l.add(v);
      space();
      if (i >= to) {
        return null;
      }
      byte c = b[i++];
      if (c == ']') {
        return l;
      }
      if (c != ',') {
        return null;
      }
    }
  }

  /** What {@link #value} answers for a value it does not read (null is a value it reads). */
  private static final Object NOT_READ = new Object();

  /** A value (possibly null), or {@link #NOT_READ}. */
  private Object value(int depth) {
    if (i >= to) {
      return NOT_READ;
    }
    byte c = b[i];
    switch (c) {
      case '{': {
        Map<String, Object> m = object(depth + 1);
        return m == null ? NOT_READ : new JsonObject(m);
      }
      case '[': {
        List<Object> l = array(depth + 1);
        return l == null ? NOT_READ : new JsonArray(l);
      }
      case '"': {
        String s = string();
        return s == null ? NOT_READ : s;
      }
      case 'n':
        return word("null") ? null : NOT_READ;
      case 't':
        return word("true") ? Boolean.TRUE : NOT_READ;
      case 'f':
        return word("false") ? Boolean.FALSE : NOT_READ;
      default: {
        Object n = number();
        return n == null ? NOT_READ : n;
      }
    }
  }

  private boolean word(String w) {
    if (i + w.length() > to) {
      return false;
    }
    for (int k = 0; k < w.length(); k++) {
      if (b[i + k] != w.charAt(k)) {
        return false;
      }
    }
    i += w.length();
    return true;
  }

  /**
   * True when a name is longer than Jackson allows. Jackson counts a body's names in UTF-8 bytes:
   * at most 3 per char here (a surrogate counts 3, more than its pair's share), and never fewer
   * than the name was written in. Over-counting only leaves more names to Jackson.
   */
  private static boolean tooLong(String name, int written) {
    if (written > MAX_NAME) {
      return true;
    }
    if (3L * name.length() <= MAX_NAME) {
      return false;
    }
    long bytes = 0;
    for (int k = 0; k < name.length(); k++) {
      char c = name.charAt(k);
      bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    }
    return bytes > MAX_NAME;
  }

  /** At '"': a string, or null for one not read here (see {@link #escaped}) or longer than Jackson allows. */
  private String string() {
    int token = i;
    String s = unbounded();
    // as written, the string is at least as long as in chars or in UTF-8 bytes, however Jackson counts
    return s != null && i - token > MAX_STRING ? null : s;
  }

  private String unbounded() {
    int start = ++i;
    while (i < to) {
      byte c = b[i];
      if (c == '"') {
        String s = new String(b, start, i - start, StandardCharsets.ISO_8859_1);
        i++;
        return s;
      }
      if (c == '\\' || c < 0x20) {
        // an escape, a control character or a byte beyond ASCII (negative as a Java byte)
        return c >= 0 && c < 0x20 ? null : escaped(start);
      }
      i++;
    }
    return null;
  }

  /**
   * The string that starts at {@code start}, read with its escapes and its UTF-8; null for a
   * control character, a malformed escape, or bytes that are not well-formed UTF-8 (their
   * decoding would hold U+FFFD, which Jackson reports as an error or reads otherwise): the caller
   * then asks Jackson.
   */
  private String escaped(int start) {
    StringBuilder sb = new StringBuilder(i - start + 16);
    i = start;
    while (i < to) {
      byte c = b[i];
      if (c == '"') {
        i++;
        return sb.toString();
      }
      if (c < 0) {
        int run = i;
        while (i < to && b[i] < 0) {
          i++;
        }
        String decoded = new String(b, run, i - run, StandardCharsets.UTF_8);
        if (decoded.indexOf('\uFFFD') >= 0) {
          return null;
        }
        sb.append(decoded);
        continue;
      }
      if (c < 0x20) {
        return null;
      }
      if (c != '\\') {
        sb.append((char) c);
        i++;
        continue;
      }
      if (i + 1 >= to) {
        return null;
      }
      byte e = b[i + 1];
      i += 2;
      switch (e) {
        case '"': sb.append('"'); break;
        case '\\': sb.append('\\'); break;
        case '/': sb.append('/'); break;
        case 'b': sb.append('\b'); break;
        case 'f': sb.append('\f'); break;
        case 'n': sb.append('\n'); break;
        case 'r': sb.append('\r'); break;
        case 't': sb.append('\t'); break;
        case 'u': {
          int code = i + 4 <= to ? hex4(i) : -1;
          if (code < 0) {
            return null;
          }
          sb.append((char) code); // a lone surrogate too, as Jackson reads it
          i += 4;
          break;
        }
        default:
          return null;
      }
    }
    return null;
  }

  /** The four hex digits at k as a number, or -1. */
  private int hex4(int k) {
    int v = 0;
    for (int end = k + 4; k < end; k++) {
      int d = Character.digit(b[k], 16);
      if (d < 0) {
        return -1;
      }
      v = v << 4 | d;
    }
    return v;
  }

  /** An integer (Integer when it fits, else Long) or a decimal (Double), as JSON writes them. */
  private Object number() {
    int start = i;
    if (i < to && b[i] == '-') {
      i++;
    }
    int digits = i;
    while (i < to && b[i] >= '0' && b[i] <= '9') {
      i++;
    }
    int intDigits = i - digits;
    if (intDigits == 0 || intDigits > 1 && b[digits] == '0') {
      return null;
    }
    boolean decimal = false;
    if (i < to && b[i] == '.') {
      decimal = true;
      i++;
      int f = i;
      while (i < to && b[i] >= '0' && b[i] <= '9') {
        i++;
      }
      if (i == f) {
        return null;
      }
    }
    if (i < to && (b[i] == 'e' || b[i] == 'E')) {
      decimal = true;
      i++;
      if (i < to && (b[i] == '+' || b[i] == '-')) {
        i++;
      }
      int e = i;
      while (i < to && b[i] >= '0' && b[i] <= '9') {
        i++;
      }
      if (i == e) {
        return null;
      }
    }
    if (i - start > MAX_NUMBER) {
      return null;
    }
    if (decimal) {
      return Double.parseDouble(new String(b, start, i - start, StandardCharsets.ISO_8859_1));
    }
    if (intDigits > 19) {
      return null; // does not fit a long: Jackson's BigInteger rules apply
    }
    if (intDigits == 19) {
      try {
        return Long.parseLong(new String(b, start, i - start, StandardCharsets.ISO_8859_1));
      } catch (NumberFormatException e) {
        return null;
      }
    }
    long v = 0;
    for (int k = digits; k < i; k++) {
      v = v * 10 + (b[k] - '0');
    }
    if (b[start] == '-') {
      v = -v;
    }
    return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE ? (Object) (int) v : (Object) v;
  }
}
