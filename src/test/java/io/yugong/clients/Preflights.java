package io.yugong.clients;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What the CORS tests send: preflights and browser-like requests, some on a bare socket. */
final class Preflights {

  /** A response head as it came off the wire (names lower-cased). */
  record Head(int status, List<String[]> headers) {

    String header(String name) {
      for (String[] h : headers) {
        if (h[0].equals(name.toLowerCase(Locale.ROOT))) {
          return h[1];
        }
      }
      return null;
    }

    List<String> values(String name) {
      List<String> out = new ArrayList<>();
      for (String[] h : headers) {
        if (h[0].equals(name.toLowerCase(Locale.ROOT))) {
          out.add(h[1]);
        }
      }
      return out;
    }

    /** Every Access-Control-* header, name to value. */
    Map<String, String> cors() {
      Map<String, String> out = new LinkedHashMap<>();
      for (String[] h : headers) {
        if (h[0].startsWith("access-control-")) {
          out.put(h[0], h[1]);
        }
      }
      return out;
    }
  }

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Preflights() {
  }

  /** A preflight as a browser sends it, from {@code origin}, asking for {@code requestHeaders} (may be null). */
  static Head preflight(int port, String path, String origin, String method, String requestHeaders)
      throws IOException {
    StringBuilder sb = new StringBuilder("OPTIONS ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .append("Origin: ").append(origin).append("\r\n")
        .append("Access-Control-Request-Method: ").append(method).append("\r\n");
    if (requestHeaders != null) {
      sb.append("Access-Control-Request-Headers: ").append(requestHeaders).append("\r\n");
    }
    return raw(port, sb.append("Connection: close\r\n\r\n").toString());
  }

  /**
   * Sends exactly these characters as ISO-8859-1 bytes (control characters and obs-text
   * included) and reads the response head.
   */
  static Head raw(int port, String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return readHead(s.getInputStream());
    }
  }

  private static Head readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int last4 = 0;
    while (last4 != 0x0d0a0d0a) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed inside the response head: " + head);
      }
      head.write(b);
      last4 = last4 << 8 | b;
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    List<String[]> headers = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.add(new String[] {lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).trim()});
      }
    }
    return new Head(status, headers);
  }

  /** A request as a page's fetch() makes it: with an Origin (null: none), a key (null: none), a JSON body. */
  static HttpResponse<String> fetch(int port, String method, String path, String origin, String key, String json)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (origin != null) {
      b.header("Origin", origin);
    }
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The names an Access-Control-Expose-Headers value lists, lower-cased. */
  static List<String> names(String list) {
    List<String> out = new ArrayList<>();
    if (list != null) {
      for (String n : list.split(",")) {
        if (!n.isBlank()) {
          out.add(n.trim().toLowerCase(Locale.ROOT));
        }
      }
    }
    return out;
  }

  /** The headers Yugong's answers must let a page's script read. */
  static final List<String> EXPOSED = List.of("x-request-id", "x-yugong-request-id",
      "x-ratelimit-limit-requests", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-requests",
      "x-ratelimit-remaining-tokens", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens",
      "openai-processing-ms", "openai-version", "retry-after", "x-should-retry");
}
