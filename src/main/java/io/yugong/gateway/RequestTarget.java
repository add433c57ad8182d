package io.yugong.gateway;

/**
 * The one canonical form of a request path, worked out before anything reads it, so that
 * routing, classification, policy, pricing and forwarding all see the same path. Unreserved
 * characters ({@code ALPHA DIGIT - . _ ~}) written as percent escapes are decoded, other escapes
 * get upper-case hex digits, dot segments are removed (RFC 3986 §5.2.4), and a trailing slash is
 * dropped ({@code /v1/chat/completions/} is {@code /v1/chat/completions}). A path whose meaning
 * a server behind Yugong could read differently is refused instead: an encoded {@code /} or
 * {@code \}, a backslash, a control or non-ASCII character (encoded or not), an encoded {@code %}
 * (double encoding), a malformed escape, an empty segment ({@code //}), or a {@code ..} that would
 * climb above the root.
 */
final class RequestTarget {

  /** Why a path was refused; the message is meant for the client. */
  static final class Ambiguous extends Exception {
    Ambiguous(String message) {
      super(message, null, false, false);
    }
  }

  private RequestTarget() {
  }

  /**
   * The canonical form of {@code path} (no query): the same instance when it is canonical already,
   * which is the common case and allocates nothing.
   */
  static String canonical(String path) throws Ambiguous {
    int n = path.length();
    if (n == 0 || path.charAt(0) != '/') {
      throw new Ambiguous("The request path must start with '/'.");
    }
    boolean plain = true;
    for (int i = 0; i < n; i++) {
      char c = path.charAt(i);
      if (c <= 0x20 || c >= 0x7F) {
        throw new Ambiguous("The request path contains a control, space or non-ASCII character; "
            + "percent-encode it.");
      }
      if (c == '\\') {
        throw new Ambiguous("The request path contains a backslash.");
      }
      if (c == '%') {
        plain = false;
      } else if (c == '/' && i + 1 < n) {
        char next = path.charAt(i + 1);
        if (next == '/') {
          throw new Ambiguous("The request path contains an empty segment ('//').");
        }
        if (next == '.') {
          plain = false;
        }
      }
    }
    if (plain && (n == 1 || path.charAt(n - 1) != '/')) {
      return path;
    }
    String decoded = decodeUnreserved(path);
    String result = removeDotSegments(decoded);
    return result.equals(path) ? path : result;
  }

  private static String decodeUnreserved(String path) throws Ambiguous {
    if (path.indexOf('%') < 0) {
      return path;
    }
    int n = path.length();
    StringBuilder out = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      char c = path.charAt(i);
      if (c != '%') {
        out.append(c);
        continue;
      }
      int hi = i + 2 < n ? Character.digit(path.charAt(i + 1), 16) : -1;
      int lo = hi >= 0 ? Character.digit(path.charAt(i + 2), 16) : -1;
      if (lo < 0) {
        throw new Ambiguous("The request path contains a malformed percent escape.");
      }
      int v = hi << 4 | lo;
      if (v == '/' || v == '\\') {
        throw new Ambiguous("The request path contains an encoded '/' or '\\' (%2F, %5C).");
      }
      if (v == '%') {
        throw new Ambiguous("The request path contains an encoded '%' (%25): double encoding is refused.");
      }
      if (v < 0x20 || v == 0x7F) {
        throw new Ambiguous("The request path contains an encoded control character.");
      }
      if (unreserved(v)) {
        out.append((char) v);
      } else {
        out.append('%').append(HEX[hi]).append(HEX[lo]);
      }
      i += 2;
    }
    return out.toString();
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private static boolean unreserved(int c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
        || c == '-' || c == '.' || c == '_' || c == '~';
  }

  /**
   * RFC 3986 §5.2.4 for an absolute path with no empty segments: "." is dropped and ".." drops the
   * segment before it; then no trailing slash is kept (the root stays "/").
   */
  private static String removeDotSegments(String path) throws Ambiguous {
    int n = path.length();
    // kept segments as [start, end) pairs into path
    int[] kept = new int[n + 1];
    int depth = 0;
    int start = 1;
    while (start <= n) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = n;
      }
      int len = end - start;
      if (len == 0) {
        if (end != n) {
          throw new Ambiguous("The request path contains an empty segment ('//').");
        }
      } else if (len == 2 && path.charAt(start) == '.' && path.charAt(start + 1) == '.') {
        if (depth == 0) {
          throw new Ambiguous("The request path climbs above the root ('..').");
        }
        depth--;
      } else if (len != 1 || path.charAt(start) != '.') {
        kept[2 * depth] = start;
        kept[2 * depth + 1] = end;
        depth++;
      }
      start = end + 1;
    }
    StringBuilder out = new StringBuilder(n);
    for (int i = 0; i < depth; i++) {
      out.append('/').append(path, kept[2 * i], kept[2 * i + 1]);
    }
    if (depth == 0) {
      out.append('/');
    }
    return out.toString();
  }
}
