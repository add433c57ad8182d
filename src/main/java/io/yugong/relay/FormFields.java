package io.yugong.relay;

import io.vertx.core.buffer.Buffer;
import io.yugong.gateway.ApiError;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads the small form fields Yugong prices and polices by (model, n, size, quality,
 * response_format, and the fields that name stored objects, {@link ObjectRefs#namesObject}) out of a multipart/form-data body as it streams past, in one linear pass:
 * real parts only (after a delimiter line, never the preamble), names read from the
 * Content-Disposition parameters wherever they stand, file parts skipped. A priced field sent
 * twice with different values, a field value or a part's headers out of bounds, are refused:
 * what Yugong reads must be what upstream reads.
 */
final class FormFields {

  private static final Set<String> WANTED = Set.of("model", "response_format", "n", "size", "quality");
  private static final int MAX_HEADERS = 8 * 1024;
  private static final int MAX_VALUE = 256;
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] BLANK = {'\r', '\n', '\r', '\n'};

  private enum State { BODY, HEADERS, END }

  private final byte[] delimiter;
  private final Map<String, String> fields = new HashMap<>();
  private State state = State.BODY;
  private byte[] carry;
  private String collecting;
  private ByteArrayOutputStream value;

  private FormFields(String boundary) {
    this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    this.carry = CRLF.clone(); // the first delimiter needs no CRLF before it
  }

  /** A reader for a request of this Content-Type, or null when it is not a multipart form. */
  static FormFields of(String contentType) {
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
      return null;
    }
    for (String param : contentType.split(";")) {
      String p = param.trim();
      if (p.regionMatches(true, 0, "boundary=", 0, 9)) {
        String b = unquote(p.substring(9).trim());
        if (b.isEmpty() || b.length() > 200) {
          throw ApiError.invalidRequest("The multipart boundary is malformed.", null);
        }
        return new FormFields(b);
      }
    }
    throw ApiError.invalidRequest("A multipart/form-data body needs a boundary.", null);
  }

  Map<String, String> fields() {
    return fields;
  }

  /** Reads the next bytes of the body; throws an {@link ApiError} when the form is refused. */
  void feed(Buffer chunk) {
    if (state == State.END) {
      return;
    }
    byte[] in = chunk.getBytes();
    byte[] buf = new byte[carry.length + in.length];
    System.arraycopy(carry, 0, buf, 0, carry.length);
    System.arraycopy(in, 0, buf, carry.length, in.length);
    int p = 0;
    while (state != State.END) {
      if (state == State.BODY) {
        int at = indexOf(buf, delimiter, p);
        if (at < 0) {
          int keep = Math.max(p, buf.length - (delimiter.length - 1));
          collect(buf, p, keep);
          p = keep;
          break;
        }
        // a delimiter is the boundary line: "--" after it (the end), or only padding to the CRLF
        int after = at + delimiter.length;
        if (buf.length - after < 2) {
          collect(buf, p, at);
          p = at;
          break;
        }
        if (buf[after] == '-' && buf[after + 1] == '-') {
          collect(buf, p, at);
          endPart();
          state = State.END;
          p = buf.length;
          break;
        }
        int eol = indexOf(buf, CRLF, after);
        if (eol < 0) {
          if (buf.length - after > MAX_HEADERS) {
            throw ApiError.invalidRequest("A multipart delimiter line is too long.", null);
          }
          collect(buf, p, at);
          p = at;
          break;
        }
        if (!padding(buf, after, eol)) {
          // the boundary's text inside a part, not a delimiter: it is content
          collect(buf, p, at + 1);
          p = at + 1;
          continue;
        }
        collect(buf, p, at);
        endPart();
        p = eol + 2;
        state = State.HEADERS;
      } else {
        int end = buf.length - p >= 2 && buf[p] == '\r' && buf[p + 1] == '\n' ? p - 2 : indexOf(buf, BLANK, p);
        if (end < 0) {
          if (buf.length - p > MAX_HEADERS) {
            throw ApiError.invalidRequest("A multipart part's headers are too large.", null);
          }
          break;
        }
        if (end - p > MAX_HEADERS) {
          throw ApiError.invalidRequest("A multipart part's headers are too large.", null);
        }
        startPart(new String(buf, p, Math.max(0, end - p), StandardCharsets.ISO_8859_1));
        p = end + 4;
        state = State.BODY;
      }
    }
    carry = java.util.Arrays.copyOfRange(buf, p, buf.length);
  }

  private void startPart(String headers) {
    collecting = null;
    String name = null;
    boolean file = false;
    for (String line : headers.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon < 0 || !line.substring(0, colon).trim().equalsIgnoreCase("content-disposition")) {
        continue;
      }
      for (String param : line.substring(colon + 1).split(";")) {
        String p = param.trim();
        int eq = p.indexOf('=');
        if (eq < 0) {
          continue;
        }
        String key = p.substring(0, eq).trim().toLowerCase(Locale.ROOT);
        if (key.equals("name")) {
          name = unquote(p.substring(eq + 1).trim());
        } else if (key.startsWith("filename")) {
          file = true;
        }
      }
    }
    if (name != null && !file && (WANTED.contains(name) || ObjectRefs.namesObject(name))) {
      collecting = name;
      value = new ByteArrayOutputStream();
    }
  }

  private void collect(byte[] buf, int from, int to) {
    if (collecting == null || to <= from) {
      return;
    }
    if (value.size() + (to - from) > MAX_VALUE) {
      throw ApiError.invalidRequest("The form field '" + collecting + "' is too long.", collecting);
    }
    value.write(buf, from, to - from);
  }

  private void endPart() {
    if (collecting == null) {
      return;
    }
    String v = value.toString(StandardCharsets.ISO_8859_1).trim();
    String before = fields.putIfAbsent(collecting, v);
    if (before != null && !before.equals(v)) {
      throw ApiError.invalidRequest("The form field '" + collecting + "' is sent more than once with "
          + "different values; send it once.", collecting);
    }
    collecting = null;
  }

  private static boolean padding(byte[] buf, int from, int to) {
    for (int i = from; i < to; i++) {
      if (buf[i] != ' ' && buf[i] != '\t') {
        return false;
      }
    }
    return true;
  }

  private static String unquote(String s) {
    return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
  }

  private static int indexOf(byte[] hay, byte[] needle, int from) {
    outer:
    for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
      if (hay[i] != needle[0]) {
        continue;
      }
      for (int k = 1; k < needle.length; k++) {
        if (hay[i + k] != needle[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
