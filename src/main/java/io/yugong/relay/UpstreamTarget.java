package io.yugong.relay;

import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.MalformedURLException;
import java.net.URL;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A key's base URL parsed once (scheme, host, port, path, address) instead of on every request: the
 * request then only appends its origin form. Behaves as {@link RequestOptions#setAbsoluteURI}
 * on the concatenation; a base URL with a query or fragment is left to that method.
 */
final class UpstreamTarget {

  private static final int MAX_CACHED = 4096;
  private static final ConcurrentHashMap<String, UpstreamTarget> CACHE = new ConcurrentHashMap<>();

  private final String host;
  private final int port;
  private final boolean ssl;
  private final String path;
  /** Where the client connects (the address Vert.x would otherwise build from host and port per request). */
  private final SocketAddress server;

  private UpstreamTarget(String host, int port, boolean ssl, String path) {
    this.host = host;
    this.port = port;
    this.ssl = ssl;
    this.path = path;
    this.server = SocketAddress.inetSocketAddress(port, host);
  }

  /** Points {@code options} at {@code baseUrl + originForm}. */
  static RequestOptions apply(RequestOptions options, String baseUrl, String originForm) {
    UpstreamTarget t = CACHE.get(baseUrl);
    if (t == null) {
      t = parse(baseUrl);
      if (t == null) {
        return options.setAbsoluteURI(baseUrl + originForm);
      }
      if (CACHE.size() >= MAX_CACHED) {
        CACHE.clear();
      }
      CACHE.put(baseUrl, t);
    }
    return options.setServer(t.server).setHost(t.host).setPort(t.port).setSsl(t.ssl).setURI(t.path + originForm);
  }

  private static UpstreamTarget parse(String baseUrl) {
    URL url;
    try {
      url = new URL(baseUrl);
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("invalid upstream base URL", e);
    }
    if (url.getQuery() != null || url.getRef() != null || baseUrl.indexOf('#') >= 0 || baseUrl.indexOf('?') >= 0) {
      return null;
    }
    boolean ssl;
    switch (url.getProtocol()) {
      case "http" -> ssl = false;
      case "https" -> ssl = true;
      default -> throw new IllegalArgumentException("unsupported scheme " + url.getProtocol());
    }
    int port = url.getPort() >= 0 ? url.getPort() : ssl ? 443 : 80;
    return new UpstreamTarget(url.getHost(), port, ssl, url.getPath());
  }
}
