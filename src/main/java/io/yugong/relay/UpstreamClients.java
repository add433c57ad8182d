package io.yugong.relay;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.Address;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TrustOptions;
import io.yugong.config.NodeConfig;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP clients one gateway instance speaks to upstream hosts with, and which one a request
 * takes ({@code YUGONG_UPSTREAM_HTTP2}). HTTP/2 carries many streams on one connection, so a node
 * holds tens of thousands of concurrent streams to a host in a few hundred sockets; HTTP/1.1 needs
 * one socket per stream. A TLS host is offered HTTP/2 by ALPN and may choose HTTP/1.1 (the pool
 * then keeps that connection as HTTP/1.1); a cleartext host gets HTTP/2 only once {@link H2cProbe}
 * has seen it speak HTTP/2, since a request sent with prior knowledge to an HTTP/1.1 server fails.
 *
 * <p>An HTTP/1.1 connection carries one response at a time, so the connection's idle time-out is
 * the longest silence inside a response (one idle handler per connection, no timer per request).
 * An HTTP/2 connection carries others that keep it busy, so an HTTP/2 answer keeps its own
 * ({@link AnswerIdle}).
 */
public final class UpstreamClients {

  private static final Logger LOG = LoggerFactory.getLogger(UpstreamClients.class);
  /** HTTP/2's CANCEL (RFC 9113 §7), for a stream Yugong gives up; over HTTP/1.1 a reset closes the connection. */
  static final long CANCEL = 0x8;

  private final HttpClientAgent http1;
  /** Null when HTTP/2 is off. */
  private final HttpClientAgent http2;
  /** Null unless cleartext hosts are probed (auto). */
  private final H2cProbe probe;

  private UpstreamClients(HttpClientAgent http1, HttpClientAgent http2, H2cProbe probe) {
    this.http1 = http1;
    this.http2 = http2;
    this.probe = probe;
  }

  /**
   * The clients of one gateway instance, on its event loop; {@code probe} is the node's (used when
   * the mode is auto), {@code onConnect} sees every new upstream connection.
   */
  public static UpstreamClients build(Vertx vertx, NodeConfig cfg, TrustOptions trust, H2cProbe probe,
      Handler<HttpConnection> onConnect) {
    Handler<HttpConnection> connected = conn -> {
      conn.exceptionHandler(new ConnectionFailures(conn));
      onConnect.handle(conn);
    };
    PoolOptions pool = new PoolOptions()
        .setHttp1MaxSize(cfg.upstreamPoolSize())
        .setHttp2MaxSize(cfg.upstreamHttp2PoolSize())
        .setMaxWaitQueueSize(-1);
    HttpClientAgent http1 = vertx.httpClientBuilder().with(options(cfg, trust)).with(pool)
        .withConnectHandler(connected).build();
    NodeConfig.UpstreamHttp2 mode = cfg.upstreamHttp2();
    if (mode == NodeConfig.UpstreamHttp2.OFF) {
      return new UpstreamClients(http1, null, null);
    }
    HttpClientOptions h2 = options(cfg, trust)
        .setProtocolVersion(HttpVersion.HTTP_2)
        .setUseAlpn(true)
        // cleartext: prior knowledge, never the h2c upgrade (only hosts the probe has heard speak it)
        .setHttp2ClearTextUpgrade(false)
        .setHttp2KeepAliveTimeout(30)
        // at most 100 streams on one connection, whatever the server allows, and room for all
        // their windows (64 KiB each) in the connection's: a stream whose client reads slowly
        // holds back only itself, and one lost connection cuts at most 100 streams
        .setHttp2MultiplexingLimit(100)
        .setHttp2ConnectionWindowSize(16 * 1024 * 1024);
    HttpClientAgent http2 = vertx.httpClientBuilder().with(h2).with(pool).withConnectHandler(connected).build();
    return new UpstreamClients(http1, http2, mode == NodeConfig.UpstreamHttp2.AUTO ? probe : null);
  }

  /**
   * What fails an upstream connection as a whole (an HTTP/2 GOAWAY, a protocol error): logged once
   * per connection, as upstream's fault. Each request it carried reports its own end.
   */
  private static final class ConnectionFailures implements Handler<Throwable> {
    private final HttpConnection conn;
    private boolean told;

    ConnectionFailures(HttpConnection conn) {
      this.conn = conn;
    }

    @Override
    public void handle(Throwable e) {
      if (!told) {
        told = true;
        LOG.warn("upstream connection to {} failed: {}", conn.remoteAddress(), e.toString());
      } else {
        LOG.debug("upstream connection to {} failed again: {}", conn.remoteAddress(), e.toString());
      }
    }
  }

  private static HttpClientOptions options(NodeConfig cfg, TrustOptions trust) {
    HttpClientOptions o = new HttpClientOptions()
        .setKeepAlive(true)
        .setKeepAliveTimeout(30)
        .setTcpNoDelay(true)
        .setDecompressionSupported(false)
        .setConnectTimeout(cfg.upstreamConnectTimeoutMs())
        .setIdleTimeout(cfg.idleTimeoutMs())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    if (trust != null) {
      o.setTrustOptions(trust);
    }
    return o;
  }

  /** The client for the request {@code options} describe. */
  HttpClientAgent choose(RequestOptions options) {
    if (http2 != null && (Boolean.TRUE.equals(options.isSsl()) || probe != null && probe.speaks(address(options)))) {
      return http2;
    }
    return http1;
  }

  /**
   * An attempt with {@code client} to the host of {@code options} failed with {@code cause}, while
   * getting its connection ({@code setup}) or afterwards. A cleartext host spoken to in HTTP/2 is
   * probed again (it may have become an HTTP/1.1 server) when its connection could not be set up
   * other than by a time-out (a loaded host is still an HTTP/2 host), or when a stream broke
   * HTTP/2's rules; a stream that was refused, reset or cut says nothing of the protocol.
   *
   * @return whether the host is no longer taken to speak HTTP/2
   */
  boolean failed(RequestOptions options, HttpClientAgent client, Throwable cause, boolean setup) {
    if (client != http2 || probe == null || Boolean.TRUE.equals(options.isSsl())) {
      return false;
    }
    if (setup ? !timedOut(cause) : protocolError(cause)) {
      probe.forget(address(options));
      return true;
    }
    return false;
  }

  private static boolean timedOut(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof java.util.concurrent.TimeoutException || t instanceof io.netty.channel.ConnectTimeoutException) {
        return true;
      }
    }
    return false;
  }

  private static boolean protocolError(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof Http2Exception h2 && h2.error() == Http2Error.PROTOCOL_ERROR) {
        return true;
      }
    }
    return false;
  }

  private static SocketAddress address(RequestOptions options) {
    Address server = options.getServer();
    return server instanceof SocketAddress s ? s : SocketAddress.inetSocketAddress(options.getPort(), options.getHost());
  }

  public Future<?> close() {
    return http2 == null ? http1.close() : Future.all(http1.close(), http2.close());
  }
}
