package io.yugong.gateway;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.yugong.accounts.AccessRules;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The client's address: the connection's peer, unless that peer is a trusted proxy, in which case
 * the nearest untrusted address in {@code X-Forwarded-For} (read from the right).
 */
public final class ClientAddress {

  private final List<AccessRules.Cidr> trusted;

  public ClientAddress(List<String> trustedProxies) {
    this.trusted = AccessRules.cidrs(trustedProxies);
  }

  public InetAddress of(HttpServerRequest req) {
    InetAddress peer = parse(hostOf(req.remoteAddress()));
    if (peer == null || trusted.isEmpty() || !isTrusted(peer)) {
      return peer;
    }
    // every X-Forwarded-For line, in order: a proxy that adds its own line instead of appending
    // to the client's must not let the client's line speak for it
    java.util.List<String> lines = req.headers().getAll("X-Forwarded-For");
    if (lines.isEmpty()) {
      return peer;
    }
    String xff = String.join(",", lines);
    if (xff.isBlank() || xff.length() > 8192) {
      return xff.isBlank() ? peer : null;
    }
    String[] hops = xff.split(",");
    InetAddress candidate = peer;
    for (int i = hops.length - 1; i >= 0; i--) {
      InetAddress hop = parse(hops[i].trim());
      if (hop == null) {
        return candidate;
      }
      candidate = hop;
      if (!isTrusted(hop)) {
        return hop;
      }
    }
    return candidate;
  }

  private boolean isTrusted(InetAddress a) {
    for (AccessRules.Cidr c : trusted) {
      if (c.contains(a)) {
        return true;
      }
    }
    return false;
  }

  private static String hostOf(SocketAddress a) {
    return a == null ? null : a.hostAddress();
  }

  /** A literal IP address, or null; never a DNS lookup. */
  static InetAddress parse(String text) {
    if (text == null || text.isEmpty() || !text.matches("[0-9A-Fa-f:.%\\[\\]]+")) {
      return null;
    }
    String t = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    try {
      return InetAddress.getByName(t);
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
