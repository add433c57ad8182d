package io.yugong.node;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLSocketFactory;

/**
 * One blocking connection to Redis that only PINGs, for {@link StoreHealth}'s thread: it shares
 * neither the request path's connection pool nor its event loops, so a loaded node cannot make a
 * healthy Redis look down. Reconnects (AUTH included) after any failure. Not thread-safe.
 */
final class StorePing {

  private static final byte[] PING = "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII);

  private final String host;
  private final int port;
  private final boolean tls;
  private final String user;
  private final String password;
  private final int deadlineMs;
  private Socket socket;
  private InputStream in;
  private OutputStream out;
  private boolean outstanding;

  StorePing(String url, int deadlineMs) {
    URI u = URI.create(url);
    this.tls = "rediss".equalsIgnoreCase(u.getScheme());
    this.host = u.getHost() == null ? "localhost" : u.getHost();
    this.port = u.getPort() > 0 ? u.getPort() : 6379;
    String info = u.getRawUserInfo();
    String usr = null;
    String pwd = null;
    if (info != null && !info.isEmpty()) {
      int colon = info.indexOf(':');
      usr = colon < 0 ? null : decode(info.substring(0, colon));
      pwd = decode(colon < 0 ? info : info.substring(colon + 1));
      if (usr != null && usr.isEmpty()) {
        usr = null;
      }
    }
    this.user = usr;
    this.password = pwd;
    this.deadlineMs = deadlineMs;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /**
   * Sends PING and reads PONG within {@code waitMs}; throws on anything else. After a
   * {@link SocketTimeoutException} the PING stays outstanding: the next call waits for its PONG
   * instead of sending another (as if a second PING had been sent), so two calls in a row that
   * time out mean Redis has not answered for both waits together.
   */
  void ping(int waitMs) throws IOException {
    try {
      if (socket == null) {
        connect();
      }
      if (!outstanding) {
        out.write(PING);
        out.flush();
        outstanding = true;
      }
      socket.setSoTimeout(waitMs);
      String reply;
      reply = line();
      outstanding = false;
      if (!reply.equals("+PONG")) {
        throw new IOException("PING answered " + reply);
      }
    } catch (SocketTimeoutException e) {
      throw e; // still waiting for that PONG; the caller decides when to give up (close)
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private void connect() throws IOException {
    Socket s = tls ? SSLSocketFactory.getDefault().createSocket() : new Socket();
    try {
      s.setTcpNoDelay(true);
      s.setSoTimeout(deadlineMs);
      s.connect(new InetSocketAddress(host, port), deadlineMs);
      in = new BufferedInputStream(s.getInputStream());
      out = s.getOutputStream();
      socket = s;
      if (password != null) {
        out.write(auth());
        out.flush();
        String reply = line();
        if (!reply.startsWith("+OK")) {
          throw new IOException("AUTH was refused");
        }
      }
    } catch (IOException | RuntimeException e) {
      s.close();
      socket = null;
      throw e;
    }
  }

  private byte[] auth() {
    StringBuilder b = new StringBuilder();
    b.append('*').append(user == null ? 2 : 3).append("\r\n");
    bulk(b, "AUTH");
    if (user != null) {
      bulk(b, user);
    }
    bulk(b, password);
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void bulk(StringBuilder b, String s) {
    b.append('$').append(s.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(s).append("\r\n");
  }

  private String line() throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c; (c = in.read()) != '\n'; ) {
      if (c < 0) {
        throw new IOException("Redis closed the connection");
      }
      if (c != '\r') {
        b.append((char) c);
      }
      if (b.length() > 512) {
        throw new IOException("an overlong reply to PING");
      }
    }
    return b.toString();
  }

  void close() {
    Socket s = socket;
    socket = null;
    outstanding = false;
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing a broken connection
      }
    }
  }
}
