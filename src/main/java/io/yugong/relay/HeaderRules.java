package io.yugong.relay;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

/**
 * Which headers cross the relay. Hop-by-hop headers (RFC 9110 §7.6.1) never do; the client's
 * credentials and organisation never reach upstream; upstream's organisation and per-key rate
 * limits never reach the client (they describe Yugong's keys, not the client's account). CORS is
 * between the browser and Yugong: the page's Origin does not reach upstream (a server with an
 * origin list of its own might refuse it) and upstream's Access-Control-* headers do not reach
 * the client (Yugong's policy, gateway.CorsPolicy, answers for itself).
 */
final class HeaderRules {

  private static final MultiMap HOP_BY_HOP = names(
      "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
      "te", "trailer", "transfer-encoding", "upgrade", "http2-settings");

  private static final MultiMap NOT_UPSTREAM = names(
      "host", "authorization", "content-length", "accept-encoding", "openai-organization",
      "openai-project", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "forwarded",
      "x-real-ip", "cookie", "expect", "origin");

  private static final MultiMap NOT_DOWNSTREAM = names(
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
    MultiMap listed = connectionListed(client.get(HttpHeaders.CONNECTION));
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
    MultiMap listed = connectionListed(upstream.get(HttpHeaders.CONNECTION));
    upstream.forEach((name, value) -> {
      if (!HOP_BY_HOP.contains(name) && !NOT_DOWNSTREAM.contains(name) && !listed(listed, name)
          && !startsWith(name, RATE_LIMIT_PREFIX) && !startsWith(name, CORS_PREFIX)) {
        client.add(name, value);
      }
    });
  }

  /**
   * The header names a Connection header lists (they are hop-by-hop too), parsed once into the
   * same case-insensitive map as the fixed rules; null when it lists none to drop, as nearly
   * every peer's "keep-alive" or "close".
   */
  private static MultiMap connectionListed(String connection) {
    if (connection == null) {
      return null;
    }
    MultiMap out = null;
    int from = 0;
    while (from <= connection.length()) {
      int comma = connection.indexOf(',', from);
      int to = comma < 0 ? connection.length() : comma;
      // a peer's token, unvalidated: the map takes it as a name to look up, never as a header sent
      String name = connection.substring(from, to).trim();
      if (!name.isEmpty() && !HOP_BY_HOP.contains(name) && !name.equalsIgnoreCase("close")) {
        out = out == null ? MultiMap.caseInsensitiveMultiMap() : out;
        out.add(name, "");
      }
      from = to + 1;
    }
    return out;
  }

  /** True when the Connection header listed {@code name}. */
  private static boolean listed(MultiMap listed, String name) {
    return listed != null && listed.contains(name);
  }

  private static boolean startsWith(String name, String lowerPrefix) {
    return name.regionMatches(true, 0, lowerPrefix, 0, lowerPrefix.length());
  }

  /**
   * Header names, looked up in any case without a lower-case copy of the name asked about (a
   * header name is looked up once per header, both ways, on every request): Vert.x's
   * case-insensitive headers map, hashed by Netty's case-insensitive ASCII hash; filled once, only
   * read after.
   */
  private static MultiMap names(String... lowerNames) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    for (String n : lowerNames) {
      m.add(n, "");
    }
    return m;
  }
}
