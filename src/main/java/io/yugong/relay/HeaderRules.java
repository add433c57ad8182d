package io.yugong.relay;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.Locale;
import java.util.Set;

/**
 * Which headers cross the relay. Hop-by-hop headers (RFC 9110 §7.6.1) never do; the client's
 * credentials and organisation never reach upstream; upstream's organisation and per-key rate
 * limits never reach the client (they describe Yugong's keys, not the client's account).
 */
final class HeaderRules {

  private static final Set<String> HOP_BY_HOP = Set.of(
      "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
      "te", "trailer", "transfer-encoding", "upgrade", "http2-settings");

  private static final Set<String> NOT_UPSTREAM = Set.of(
      "host", "authorization", "content-length", "accept-encoding", "openai-organization",
      "openai-project", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "forwarded",
      "x-real-ip", "cookie", "expect");

  private static final Set<String> NOT_DOWNSTREAM = Set.of(
      "openai-organization", "openai-project", "set-cookie", "content-length", "alt-svc",
      "cf-ray", "cf-cache-status", "strict-transport-security", "server");

  static final CharSequence BEARER_PREFIX = "Bearer ";

  private HeaderRules() {
  }

  /** Headers for the upstream request: the client's, filtered, with the upstream key. */
  static MultiMap upstream(MultiMap client, String upstreamSecret, String requestId) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    String connectionTokens = client.get(HttpHeaders.CONNECTION);
    client.forEach((name, value) -> {
      String n = name.toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(n) && !NOT_UPSTREAM.contains(n) && !listedIn(connectionTokens, n)) {
        out.add(name, value);
      }
    });
    out.set(HttpHeaders.AUTHORIZATION, "Bearer " + upstreamSecret);
    out.set("x-request-id", requestId);
    return out;
  }

  /** Copies upstream's response headers that may reach the client. */
  static void downstream(MultiMap upstream, MultiMap client) {
    String connectionTokens = upstream.get(HttpHeaders.CONNECTION);
    upstream.forEach((name, value) -> {
      String n = name.toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(n) && !NOT_DOWNSTREAM.contains(n) && !n.startsWith("x-ratelimit-")
          && !listedIn(connectionTokens, n)) {
        client.add(name, value);
      }
    });
  }

  private static boolean listedIn(String connectionTokens, String name) {
    if (connectionTokens == null) {
      return false;
    }
    for (String t : connectionTokens.split(",")) {
      if (t.trim().equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }
}
