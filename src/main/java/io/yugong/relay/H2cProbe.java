package io.yugong.relay;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns which cleartext upstream hosts speak HTTP/2 with prior knowledge (RFC 9113 §3.3): one
 * probe per host, off the request path, while that host's requests go on over HTTP/1.1. The probe
 * sends the client preface and an empty SETTINGS frame on a connection of its own; a host that
 * answers with a SETTINGS frame speaks HTTP/2, one that answers anything else (an HTTP/1.1 server's
 * 400), closes, or says nothing within {@link #PROBE_TIMEOUT_MS} does not. An HTTP/1.1 host is
 * asked again after {@link #RECHECK_MS}, one that could not be reached after {@link #UNREACHED_MS};
 * an HTTP/2 host is asked again when an attempt to it fails ({@link #forget}). Thread-safe: one
 * per node.
 */
public final class H2cProbe {

  private static final Logger LOG = LoggerFactory.getLogger(H2cProbe.class);
  static final long PROBE_TIMEOUT_MS = 3_000;
  static final long RECHECK_MS = 10 * 60_000;
  static final long UNREACHED_MS = 10_000;
  private static final int MAX_HOSTS = 4096;
  /** The client connection preface, then a SETTINGS frame without settings (length 0, type 4, stream 0). */
  private static final Buffer PREFACE = Buffer.buffer("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII))
      .appendBytes(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
  private static final int FRAME_HEAD = 9;
  private static final byte SETTINGS = 4;

  /** What is known of one host: whether it speaks HTTP/2, and when to ask it again (ms since the epoch). */
  private record Known(boolean h2c, long askAgainAt) {
  }

  private static final Known PROBING = new Known(false, Long.MAX_VALUE);
  private static final Known SPEAKS = new Known(true, Long.MAX_VALUE);

  private final Vertx vertx;
  private final NetClient net;
  private final ConcurrentHashMap<SocketAddress, Known> hosts = new ConcurrentHashMap<>();

  /** The probe of one node: every gateway instance shares what it learns. */
  public H2cProbe(Vertx vertx) {
    this.vertx = vertx;
    this.net = vertx.createNetClient(new NetClientOptions().setConnectTimeout((int) PROBE_TIMEOUT_MS).setTcpNoDelay(true));
  }

  /** True when {@code host} is known to speak HTTP/2 in cleartext; otherwise false, and it is probed when due. */
  boolean speaks(SocketAddress host) {
    Known k = hosts.get(host);
    if (k == SPEAKS) {
      return true;
    }
    if (k == null || k != PROBING && System.currentTimeMillis() >= k.askAgainAt()) {
      probe(host, k);
    }
    return false;
  }

  /** An attempt to {@code host} over HTTP/2 failed: its requests go over HTTP/1.1 until it is probed again. */
  void forget(SocketAddress host) {
    hosts.remove(host, SPEAKS);
  }

  private void probe(SocketAddress host, Known seen) {
    boolean mine = seen == null ? hosts.putIfAbsent(host, PROBING) == null : hosts.replace(host, seen, PROBING);
    if (!mine) {
      return; // another request started it
    }
    if (hosts.size() > MAX_HOSTS) {
      // many base URLs: forget the HTTP/1.1 hosts (each is probed again when next used); if that
      // is not enough, start over
      hosts.values().removeIf(k -> !k.h2c() && k != PROBING);
      if (hosts.size() > MAX_HOSTS) {
        hosts.clear();
        hosts.put(host, PROBING);
      }
    }
    Answer answer = new Answer(host);
    answer.timer = vertx.setTimer(PROBE_TIMEOUT_MS, t -> answer.expire());
    net.connect(host).onComplete(ar -> {
      if (ar.failed()) {
        answer.unreached(ar.cause());
        return;
      }
      NetSocket socket = ar.result();
      if (!answer.connected(socket)) {
        socket.close(); // connected after the time was up
        return;
      }
      socket.handler(answer::read);
      socket.closeHandler(v -> answer.decide(false, "closed the connection"));
      socket.exceptionHandler(e -> answer.decide(false, e.getClass().getSimpleName()));
      socket.write(PREFACE);
    });
  }

  /**
   * One probe's answer: the first frame head the host sends. The timer and the connection may run
   * on different event loops, hence the lock.
   */
  private final class Answer {
    private final SocketAddress host;
    private final Buffer head = Buffer.buffer(FRAME_HEAD);
    private NetSocket socket;
    private volatile long timer;
    private boolean decided;

    Answer(SocketAddress host) {
      this.host = host;
    }

    synchronized boolean connected(NetSocket s) {
      if (decided) {
        return false;
      }
      socket = s;
      return true;
    }

    synchronized void expire() {
      if (socket == null) {
        unreached(new java.util.concurrent.TimeoutException("no connection in " + PROBE_TIMEOUT_MS + " ms"));
      } else {
        decide(false, "no answer in " + PROBE_TIMEOUT_MS + " ms");
      }
    }

    synchronized void read(Buffer b) {
      head.appendBuffer(b, 0, Math.min(b.length(), FRAME_HEAD - head.length()));
      if (head.length() == FRAME_HEAD) {
        boolean settings = head.getByte(3) == SETTINGS && (head.getInt(5) & 0x7fffffff) == 0;
        decide(settings, settings ? "answered with SETTINGS" : "answered something other than HTTP/2");
      }
    }

    synchronized void unreached(Throwable cause) {
      if (decided) {
        return;
      }
      decided = true;
      vertx.cancelTimer(timer);
      hosts.put(host, new Known(false, System.currentTimeMillis() + UNREACHED_MS));
      LOG.debug("HTTP/2 probe of {} could not connect ({}); asked again in {} s", host, cause.getMessage(),
          UNREACHED_MS / 1000);
    }

    synchronized void decide(boolean h2c, String why) {
      if (decided) {
        return;
      }
      decided = true;
      vertx.cancelTimer(timer);
      if (socket != null) {
        socket.close();
      }
      hosts.put(host, h2c ? SPEAKS : new Known(false, System.currentTimeMillis() + RECHECK_MS));
      LOG.info("upstream {} {}: {}", host, h2c ? "speaks HTTP/2 in cleartext; its requests use it" : "gets HTTP/1.1", why);
    }
  }
}
