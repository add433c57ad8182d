package io.yugong.foundation;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A bare HTTP/1.1 connection: sends exactly the bytes a test writes (hop-by-hop headers
 * included), reads the status line and headers as they are on the wire, the body whole
 * (content-length or chunked), or just far enough to hang up mid-stream.
 */
final class RawHttp implements AutoCloseable {

  /** A response as seen on the wire: header names keep their case, the body is de-chunked. */
  record Response(int status, List<String[]> headers, byte[] body) {

    List<String> values(String name) {
      List<String> out = new ArrayList<>();
      for (String[] h : headers) {
        if (h[0].equalsIgnoreCase(name)) {
          out.add(h[1]);
        }
      }
      return out;
    }

    String header(String name) {
      List<String> v = values(name);
      return v.isEmpty() ? null : v.get(0);
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final ByteArrayOutputStream seen = new ByteArrayOutputStream();

  RawHttp(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(20_000);
    in = socket.getInputStream();
  }

  /** A POST with a JSON body; {@code extraHeaders} are full lines without CRLF. */
  static String post(String path, String key, String json, String... extraHeaders) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if (key != null) {
      sb.append("Authorization: Bearer ").append(key).append("\r\n");
    }
    for (String h : extraHeaders) {
      sb.append(h).append("\r\n");
    }
    sb.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n\r\n");
    return sb.append(json).toString();
  }

  RawHttp send(String request) throws IOException {
    socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
    socket.getOutputStream().flush();
    return this;
  }

  /** Reads until the given text has been received (status line and headers included). */
  String readUntil(String marker, int occurrences) throws IOException {
    byte[] buf = new byte[4096];
    while (count(seen.toString(StandardCharsets.UTF_8), marker) < occurrences) {
      int n = in.read(buf);
      if (n < 0) {
        throw new IOException("EOF before " + marker + ": " + seen.toString(StandardCharsets.UTF_8));
      }
      seen.write(buf, 0, n);
    }
    return seen.toString(StandardCharsets.UTF_8);
  }

  private static int count(String s, String marker) {
    int n = 0;
    for (int i = s.indexOf(marker); i >= 0; i = s.indexOf(marker, i + marker.length())) {
      n++;
    }
    return n;
  }

  /** Reads one whole response. */
  Response read() throws IOException {
    String head = readLine();
    int status = Integer.parseInt(head.split(" ")[1]);
    List<String[]> headers = new ArrayList<>();
    for (String line = readLine(); !line.isEmpty(); line = readLine()) {
      int colon = line.indexOf(':');
      headers.add(new String[] {line.substring(0, colon).trim(), line.substring(colon + 1).trim()});
    }
    Response bare = new Response(status, headers, new byte[0]);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String length = bare.header("content-length");
    String te = bare.header("transfer-encoding");
    if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
      while (true) {
        int size = Integer.parseInt(readLine().split(";")[0].trim(), 16);
        if (size == 0) {
          while (!readLine().isEmpty()) {
            // trailers
          }
          break;
        }
        body.write(in.readNBytes(size));
        readLine();
      }
    } else if (length != null) {
      body.write(in.readNBytes(Integer.parseInt(length)));
    } else {
      in.transferTo(body);
    }
    return new Response(status, headers, body.toByteArray());
  }

  /** True when the server closes the connection without sending anything more. */
  boolean atEof() throws IOException {
    return in.read() < 0;
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        break;
      }
      if (c != '\r') {
        line.write(c);
      }
    }
    if (c < 0 && line.size() == 0) {
      throw new IOException("connection closed");
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
