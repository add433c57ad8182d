package io.yugong.relay;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.HashSet;
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

  private static final Set<String> HOP_BY_HOP = names(
      "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
      "te", "trailer", "transfer-encoding", "upgrade", "http2-settings");

  private static final Set<String> NOT_UPSTREAM = names(
      "host", "authorization", "content-length", "accept-encoding", "openai-organization",
      "openai-project", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "forwarded",
      "x-real-ip", "cookie", "expect", "origin");

  private static final Set<String> NOT_DOWNSTREAM = names(
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
      String lower = lower(name);
      if (!HOP_BY_HOP.contains(lower) && !NOT_UPSTREAM.contains(lower) && !listed.contains(lower)) {
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
      String lower = lower(name);
      if (!HOP_BY_HOP.contains(lower) && !NOT_DOWNSTREAM.contains(lower) && !listed.contains(lower)
          && !lower.startsWith(RATE_LIMIT_PREFIX) && !lower.startsWith(CORS_PREFIX)) {
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

  /** A hashed set of lower-case names (a header name is looked up once per header). */
  private static Set<String> names(String... names) {
    return Set.of(names);
  }
}
