package io.yugong.hostile;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.billing.Money;
import io.yugong.testing.TestCluster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the worst-case-hold and response-path tests share: an upstream of their own that reports
 * whatever usage a test asks for, direct reads of the store of money, multipart bodies, and a bare
 * keep-alive HTTP/1.1 connection.
 */
final class HoldsKit {

  private static final Pattern MAY_COST = Pattern.compile("may cost up to ([0-9.]+) USD");

  private HoldsKit() {
  }

  /** The hold a refusal for insufficient quota names, in nano-dollars. */
  static long heldIn(String refusalBody) {
    Matcher m = MAY_COST.matcher(refusalBody);
    if (!m.find()) {
      throw new AssertionError("no hold in " + refusalBody);
    }
    return Money.fromDollars(new BigDecimal(m.group(1)));
  }

  /**
   * An OpenAI-compatible upstream whose chat answers report the usage a test writes into the
   * last message as {@code usage:<json>} (raw JSON text, anything goes), streamed or not; image
   * edits and variations answer with as many images as the form's {@code n}.
   */
  static final class FakeUpstream implements AutoCloseable {
    private static final Pattern FORM_N = Pattern.compile("name=\"n\"\r\n\r\n(\\d+)\r\n");
    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    final AtomicInteger served = new AtomicInteger();

    FakeUpstream() throws Exception {
      server = TestCluster.await(vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1"));
    }

    String baseUrl() {
      return "http://127.0.0.1:" + server.actualPort();
    }

    private void handle(HttpServerRequest req) {
      req.body().onSuccess(body -> {
        served.incrementAndGet();
        String path = req.path();
        if (path.equals("/v1/models")) {
          json(req, new JsonObject().put("object", "list").put("data", new JsonArray()).encode());
        } else if (path.equals("/v1/chat/completions")) {
          chat(req, new JsonObject(body));
        } else if (path.startsWith("/v1/images/")) {
          Matcher m = FORM_N.matcher(body.toString(StandardCharsets.ISO_8859_1));
          int n = m.find() ? Integer.parseInt(m.group(1)) : 1;
          JsonArray data = new JsonArray();
          for (int i = 0; i < n; i++) {
            data.add(new JsonObject().put("url", "https://example.invalid/" + i + ".png"));
          }
          json(req, new JsonObject().put("created", 1).put("data", data).encode());
        } else {
          req.response().setStatusCode(404).putHeader("content-type", "application/json")
              .end("{\"error\":{\"message\":\"Invalid URL\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
        }
      });
    }

    private void chat(HttpServerRequest req, JsonObject body) {
      JsonArray messages = body.getJsonArray("messages");
      String last = messages.getJsonObject(messages.size() - 1).getString("content");
      String usage = last.startsWith("usage:") ? last.substring(6) : "{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}";
      String model = body.getString("model");
      if (Boolean.TRUE.equals(body.getValue("stream"))) {
        String head = "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\""
            + model + "\",\"choices\":";
        String sse = "data: " + head + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"fake answer\"},"
            + "\"finish_reason\":null}]}\n\n"
            + "data: " + head + "[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
            + "data: " + head + "[],\"usage\":" + usage + "}\n\n"
            + "data: [DONE]\n\n";
        req.response().putHeader("content-type", "text/event-stream").setChunked(true).end(sse);
        return;
      }
      json(req, "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"" + model
          + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"fake answer\"},"
          + "\"finish_reason\":\"stop\"}],\"usage\":" + usage + "}");
    }

    private static void json(HttpServerRequest req, String text) {
      req.response().putHeader("content-type", "application/json").end(text);
    }

    @Override
    public void close() throws Exception {
      TestCluster.await(server.close());
      TestCluster.await(vertx.close());
    }
  }


  /** A multipart/form-data body: text fields then one file part. */
  static final class Form {
    final String boundary = "----yugong" + TestCluster.randomHex(16);
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Form field(String name, String value) {
      write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n");
      return this;
    }

    Form file(String name, String filename, byte[] content) {
      write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename
          + "\"\r\nContent-Type: image/png\r\n\r\n");
      out.writeBytes(content);
      write("\r\n");
      return this;
    }

    byte[] bytes() {
      ByteArrayOutputStream copy = new ByteArrayOutputStream();
      copy.writeBytes(out.toByteArray());
      copy.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
      return copy.toByteArray();
    }

    String contentType() {
      return "multipart/form-data; boundary=" + boundary;
    }

    private void write(String s) {
      out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
    }
  }

  /** One bare HTTP/1.1 keep-alive connection: requests go one after another on the same socket. */
  static final class Connection implements AutoCloseable {
    record Answer(int status, String body) {
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream os;

    Connection(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(20_000);
      in = socket.getInputStream();
      os = socket.getOutputStream();
    }

    Answer post(String path, String key, String json) throws IOException {
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
          + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
      os.write(head.getBytes(StandardCharsets.ISO_8859_1));
      os.write(body);
      os.flush();
      return read();
    }

    private Answer read() throws IOException {
      String status = line();
      int code = Integer.parseInt(status.split(" ")[1]);
      long length = -1;
      boolean chunked = false;
      for (String h = line(); !h.isEmpty(); h = line()) {
        String lower = h.toLowerCase(Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Long.parseLong(h.substring(15).trim());
        } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
          chunked = true;
        }
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      if (chunked) {
        for (int size = Integer.parseInt(line().split(";")[0].trim(), 16); size > 0;
            size = Integer.parseInt(line().split(";")[0].trim(), 16)) {
          body.writeBytes(in.readNBytes(size));
          line();
        }
        line();
      } else if (length >= 0) {
        body.writeBytes(in.readNBytes((int) length));
      }
      return new Answer(code, body.toString(StandardCharsets.UTF_8));
    }

    private String line() throws IOException {
      StringBuilder sb = new StringBuilder();
      for (int c = in.read(); c != '\n'; c = in.read()) {
        if (c < 0) {
          throw new IOException("connection closed after: " + sb);
        }
        if (c != '\r') {
          sb.append((char) c);
        }
      }
      return sb.toString();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
