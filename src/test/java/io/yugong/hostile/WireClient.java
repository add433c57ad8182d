package io.yugong.hostile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A bare TCP connection that writes a request target and headers exactly as a test spells them
 * (no client library re-normalises anything), and reads answers as they are on the wire.
 */
final class WireClient implements AutoCloseable {

  /** One answer: status, headers (lower-case names, last one wins), body text. */
  record Answer(int status, Map<String, String> headers, String body) {
  }

  private final Socket socket;
  private final InputStream in;

  WireClient(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(20_000);
    socket.setTcpNoDelay(true);
    in = socket.getInputStream();
  }

  /** A request with a JSON body (or none when {@code json} is null) and the usual headers. */
  static String request(String method, String target, String key, String json) {
    StringBuilder sb = new StringBuilder(method).append(' ').append(target)
        .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if (key != null) {
      sb.append("Authorization: Bearer ").append(key).append("\r\n");
    }
    if (json != null) {
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      sb.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n\r\n")
          .append(json);
    } else {
      sb.append("\r\n");
    }
    return sb.toString();
  }

  WireClient send(String raw) throws IOException {
    socket.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
    return this;
  }

  /** Reads one whole answer. */
  Answer read() throws IOException {
    String statusLine = line();
    String[] parts = statusLine.split(" ", 3);
    int status = Integer.parseInt(parts[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String l = line(); !l.isEmpty(); l = line()) {
      int colon = l.indexOf(':');
      headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String te = headers.get("transfer-encoding");
    String length = headers.get("content-length");
    if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
      while (true) {
        int size = Integer.parseInt(line().split(";")[0].trim(), 16);
        if (size == 0) {
          while (!line().isEmpty()) {
            // trailers
          }
          break;
        }
        body.write(in.readNBytes(size));
        line();
      }
    } else if (length != null) {
      body.write(in.readNBytes(Integer.parseInt(length)));
    } else {
      in.transferTo(body);
    }
    return new Answer(status, headers, body.toString(StandardCharsets.UTF_8));
  }

  /**
   * True when the server closes the connection without sending another byte within
   * {@code withinMs}; false when the connection is still open then.
   */
  boolean closedWithin(long withinMs) throws IOException {
    int before = socket.getSoTimeout();
    socket.setSoTimeout((int) withinMs);
    try {
      int b = in.read();
      if (b >= 0) {
        throw new IOException("the server sent more: " + (char) b);
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      // a reset is a close too
      if (e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("reset")) {
        return true;
      }
      throw e;
    } finally {
      if (!socket.isClosed()) {
        socket.setSoTimeout(before);
      }
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream l = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (c != '\r') {
        l.write(c);
      }
    }
    if (c < 0 && l.size() == 0) {
      throw new IOException("the connection was closed");
    }
    return l.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
