package io.yugong.billing;

import io.vertx.redis.client.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading Redis replies, whichever protocol (RESP2 flat arrays or RESP3 maps) the client speaks. */
final class Replies {

  private Replies() {}

  static String str(Response r) {
    return r == null ? "" : r.toString();
  }

  static long num(Response r) {
    String s = str(r);
    return s.isEmpty() ? 0 : Long.parseLong(s);
  }

  /** A hash or a field list as name → value, in reply order. */
  static Map<String, String> pairs(Response r) {
    Map<String, String> m = new LinkedHashMap<>();
    if (r == null) {
      return m;
    }
    if (r.isMap()) {
      for (String k : r.getKeys()) {
        m.put(k, str(r.get(k)));
      }
    } else {
      for (int i = 0; i + 1 < r.size(); i += 2) {
        m.put(str(r.get(i)), str(r.get(i + 1)));
      }
    }
    return m;
  }
}
