package io.yugong.relay;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which headers cross the relay. Hop-by-hop headers (RFC 9110 §7.6.1) never do; the client's
 * credentials and organisation never reach upstream; upstream's organisation and per-key rate
 * limits never reach the client (they describe Yugong's keys, not the client's account). CORS is
 * between the browser and Yugong: the page's Origin does not reach upstream (a server with an
 * origin list of its own might refuse it) and upstream's Access-Control-* headers do not reach
 * the client (Yugong's policy, gateway.CorsPolicy, answers for itself).
 */
final class HeaderRules {

  private static final NameSet HOP_BY_HOP = new NameSet(
      "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
      "te", "trailer", "transfer-encoding", "upgrade", "http2-settings");

  private static final NameSet NOT_UPSTREAM = new NameSet(
      "host", "authorization", "content-length", "accept-encoding", "openai-organization",
      "openai-project", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "forwarded",
      "x-real-ip", "cookie", "expect", "origin");

  private static final NameSet NOT_DOWNSTREAM = new NameSet(
      "openai-organization", "openai-project", "set-cookie", "content-length", "alt-svc",
      "cf-ray", "cf-cache-status", "strict-transport-security", "server");

  private static final String RATE_LIMIT_PREFIX = "x-ratelimit-";
  private static final String CORS_PREFIX = "access-control-";
  private static final CharSequence X_REQUEST_ID = HttpHeaders.createOptimized("x-request-id");

  private HeaderRules() {
  }

  /** Headers for the upstream request: the client's, filtered, with the upstream key's. */
  static MultiMap upstream(MultiMap client, String authorization, String requestId) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    Set<String> listed = connectionListed(client.get(HttpHeaders.CONNECTION));
    client.forEach((name, value) -> {
      if (!HOP_BY_HOP.contains(name) && !NOT_UPSTREAM.contains(name) && !listed(listed, name)) {
        out.add(name, value);
      }
    });
    out.set(HttpHeaders.AUTHORIZATION, authorization);
    out.set(X_REQUEST_ID, requestId);
    return out;
  }

  /** Copies upstream's response headers that may reach the client. */
  static void downstream(MultiMap upstream, MultiMap client) {
    Set<String> listed = connectionListed(upstream.get(HttpHeaders.CONNECTION));
    upstream.forEach((name, value) -> {
      if (!HOP_BY_HOP.contains(name) && !NOT_DOWNSTREAM.contains(name) && !listed(listed, name)
          && !startsWith(name, RATE_LIMIT_PREFIX) && !startsWith(name, CORS_PREFIX)) {
        client.add(name, value);
      }
    });
  }

  /** The header names a Connection header lists (they are hop-by-hop too), parsed once. */
  private static Set<String> connectionListed(String connection) {
    if (connection == null) {
      return Set.of();
    }
    if (connection.indexOf(',') < 0) {
      // one token, as nearly every peer sends ("keep-alive", "close")
      String one = lower(connection.trim());
      return HOP_BY_HOP.contains(one) || one.equals("close") ? Set.of() : Set.of(one);
    }
    Set<String> out = new HashSet<>();
    for (String t : connection.split(",")) {
      out.add(lower(t.trim()));
    }
    return out;
  }

  /** True when the Connection header listed {@code name} (the list is nearly always empty). */
  private static boolean listed(Set<String> listed, String name) {
    return !listed.isEmpty() && listed.contains(lower(name));
  }

  private static boolean startsWith(String name, String lowerPrefix) {
    return name.regionMatches(true, 0, lowerPrefix, 0, lowerPrefix.length());
  }

  /** The name in lower case; the same string (no copy) when it already is, as HTTP/2 and most clients send. */
  private static String lower(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c >= 'A' && c <= 'Z' || c > 0x7f) {
        return name.toLowerCase(Locale.ROOT);
      }
    }
    return name;
  }

  /**
   * Header names, looked up in any case without a lower-case copy of the name asked about (a
   * header name is looked up once per header, both ways, on every request): buckets by Netty's
   * case-insensitive ASCII hash.
   */
  private static final class NameSet {
    private final String[][] buckets;
    private final int mask;

    NameSet(String... lowerNames) {
      int size = Integer.highestOneBit(lowerNames.length * 4 - 1) << 1;
      mask = size - 1;
      List<List<String>> lists = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        lists.add(new ArrayList<>());
      }
      for (String n : lowerNames) {
        lists.get(AsciiString.hashCode(n) & mask).add(n);
      }
      buckets = new String[size][];
      for (int i = 0; i < size; i++) {
        buckets[i] = lists.get(i).toArray(new String[0]);
      }
    }

    /** Whether a listed name equals {@code name} regardless of ASCII case. */
    boolean contains(CharSequence name) {
      for (String n : buckets[AsciiString.hashCode(name) & mask]) {
        if (n.length() == name.length() && AsciiString.contentEqualsIgnoreCase(n, name)) {
          return true;
        }
      }
      return false;
    }
  }
}
