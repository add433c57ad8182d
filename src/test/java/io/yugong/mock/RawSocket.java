package io.yugong.mock;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A bare HTTP/1.1 connection, to see exactly what goes over the wire and to hang up mid-answer. */
final class RawSocket implements AutoCloseable {

  private final Socket socket;
  private final InputStream in;
  private final ByteArrayOutputStream seen = new ByteArrayOutputStream();

  RawSocket(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    in = socket.getInputStream();
  }

  static String postRequest(String path, String key, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n" + json;
  }

  RawSocket send(String request) throws IOException {
    socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
    socket.getOutputStream().flush();
    return this;
  }

  /** Reads until the text has been seen. */
  String readUntil(String marker) throws IOException {
    byte[] buf = new byte[4096];
    while (!seen.toString(StandardCharsets.UTF_8).contains(marker)) {
      int n = in.read(buf);
      if (n < 0) {
        throw new IOException("EOF before " + marker + ": " + seen.toString(StandardCharsets.UTF_8));
      }
      seen.write(buf, 0, n);
    }
    return seen.toString(StandardCharsets.UTF_8);
  }

  /** Reads until the server closes the connection. */
  byte[] readToEof() throws IOException {
    in.transferTo(seen);
    return seen.toByteArray();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
