package io.yugong.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A sub-account cannot escape the rules of the accounts above it: the rules that bind a key are
 * the intersection of its own and every ancestor's (models, client addresses, status), on both
 * nodes and on every route. The nodes listen on 127.0.0.1; a client socket bound to 127.0.0.2
 * presents another address.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SubAccountEscapeTest {

  private static final String HERE = "127.0.0.1";
  private static final String ELSEWHERE = "127.0.0.2";

  private TestCluster c;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    c.addKey(0, "sk-escape-one-1234567890", null);
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  @Test
  void aGrandchildCannotUseAModelItsParentMayNot() throws Exception {
    String ownerKey = HostileKit.secret(HostileKit.customer(c, "esc-model-owner", "20"));
    String childKey = HostileKit.secret(HostileKit.create(c, 0, ownerKey, new JsonObject()
        .put("Name", "esc-model-child").put("CreditGranted", 10).put("DenyModels", "gpt-4o")));
    String grandKey = HostileKit.secret(HostileKit.create(c, 1, childKey, new JsonObject()
        .put("Name", "esc-model-grand").put("CreditGranted", 5).put("AllowModels", "gpt-4o,gpt-4o-mini")));
    for (int node = 0; node < 2; node++) {
      // the denied name, spelled otherwise or as a dated snapshot, is the same model
      for (String model : new String[] {"gpt-4o", "GPT-4o", "gpt-4o-2024-08-06"}) {
        HttpResponse<String> refused = chat(node, grandKey, model);
        assertEquals(403, refused.statusCode(), () -> model + ": " + refused.body());
        assertEquals("model_not_allowed", HostileKit.error(refused).getString("code"));
      }
      assertEquals(200, chat(node, grandKey, "gpt-4o-mini").statusCode());
    }

    // A rule added to the child later binds the grandchild at once, on the other node too.
    HttpResponse<String> r = c.call(0, "PUT", "/x-users/esc-model-child", ownerKey,
        new JsonObject().put("AllowModels", "o3-mini").encode());
    assertEquals(200, r.statusCode(), r::body);
    HttpResponse<String> now = chat(1, grandKey, "gpt-4o-mini");
    assertEquals(403, now.statusCode(), now::body);
    assertEquals("model_not_allowed", HostileKit.error(now).getString("code"));
  }

  @Test
  void aGrandchildIsBoundByItsParentsIpRulesOnEveryRoute() throws Exception {
    String ownerKey = HostileKit.secret(HostileKit.customer(c, "esc-ip-owner", "20"));
    String childKey = HostileKit.secret(HostileKit.create(c, 0, ownerKey, new JsonObject()
        .put("Name", "esc-ip-child").put("CreditGranted", 10).put("AllowIPs", HERE)));
    String grandKey = HostileKit.secret(HostileKit.create(c, 1, childKey, new JsonObject()
        .put("Name", "esc-ip-grand").put("CreditGranted", 5)));
    String chat = HostileKit.chat("gpt-4o-mini", "where am I", 3).encode();
    for (int node = 0; node < 2; node++) {
      for (String[] route : new String[][] {
          {"POST", "/v1/chat/completions", chat}, {"GET", "/v1/models", null},
          {"GET", "/x-users", null}, {"GET", "/x-dna", null}, {"POST", "/x-self", null},
          {"GET", "/dashboard/x_user/info", null}, {"GET", "/v1/dashboard/billing/subscription", null}}) {
        Raw refused = raw(node, ELSEWHERE, route[0], route[1], grandKey, route[2]);
        assertEquals(403, refused.status, () -> route[1] + " from " + ELSEWHERE + " -> " + refused.body);
        assertEquals("ip_not_allowed", new JsonObject(refused.body).getJsonObject("error").getString("code"));
      }
      // The child's own key is refused there too; both are served from the allowed address.
      assertEquals(403, raw(node, ELSEWHERE, "GET", "/dashboard/x_user/info", childKey, null).status);
      for (String key : new String[] {grandKey, childKey}) {
        Raw served = raw(node, HERE, "GET", "/dashboard/x_user/info", key, null);
        assertEquals(200, served.status, served.body);
      }
      Raw chatted = raw(node, HERE, "POST", "/v1/chat/completions", grandKey, chat);
      assertEquals(200, chatted.status, chatted.body);
    }
  }

  @Test
  void disablingAnAccountStopsItsWholeSubtreeOnEveryNodeAtOnce() throws Exception {
    String ownerKey = HostileKit.secret(HostileKit.customer(c, "esc-off-owner", "20"));
    String childKey = HostileKit.secret(HostileKit.create(c, 0, ownerKey, new JsonObject()
        .put("Name", "esc-off-child").put("CreditGranted", 10)));
    String grandKey = HostileKit.secret(HostileKit.create(c, 0, childKey, new JsonObject()
        .put("Name", "esc-off-grand").put("CreditGranted", 5)));
    String greatKey = HostileKit.secret(HostileKit.create(c, 1, grandKey, new JsonObject()
        .put("Name", "esc-off-great").put("CreditGranted", 1)));
    for (int round = 0; round < 3; round++) {
      int here = round % 2;
      int there = 1 - here;
      // Warm the other node's cache with every key below the child.
      for (String key : new String[] {childKey, grandKey, greatKey}) {
        HostileKit.info(c, there, key);
      }
      assertEquals(200, chat(there, greatKey, "gpt-4o-mini").statusCode());

      HttpResponse<String> off = c.call(here, "PUT", "/x-users/esc-off-child", ownerKey,
          new JsonObject().put("Status", "disabled").encode());
      assertEquals(200, off.statusCode(), off::body);
      for (String key : new String[] {grandKey, greatKey}) {
        for (int node : new int[] {there, here}) {
          HttpResponse<String> info = c.call(node, "GET", "/dashboard/x_user/info", key, null);
          assertEquals(403, info.statusCode(), info::body);
          assertEquals("account_disabled", HostileKit.error(info).getString("code"));
          HttpResponse<String> served = chat(node, key, "gpt-4o-mini");
          assertEquals(403, served.statusCode(), served::body);
          HttpResponse<String> create = c.call(node, "POST", "/x-users", key,
              new JsonObject().put("Name", "esc-off-new-" + round).encode());
          assertEquals(403, create.statusCode(), create::body);
        }
      }

      HttpResponse<String> on = c.call(here, "PUT", "/x-users/esc-off-child", ownerKey,
          new JsonObject().put("Status", "active").encode());
      assertEquals(200, on.statusCode(), on::body);
      assertEquals(200, chat(there, greatKey, "gpt-4o-mini").statusCode());
      assertEquals(200, c.call(there, "GET", "/dashboard/x_user/info", grandKey, null).statusCode());
    }
  }

  private HttpResponse<String> chat(int node, String key, String model) throws Exception {
    return c.call(node, "POST", "/v1/chat/completions", key, HostileKit.chat(model, "escape", 3).encode());
  }

  private record Raw(int status, String body) {
  }

  /** One HTTP/1.1 request from a chosen local address. */
  private Raw raw(int node, String from, String method, String path, String key, String body) throws Exception {
    byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      s.connect(new InetSocketAddress("127.0.0.1", c.nodes.get(node).port()), 5000);
      s.setSoTimeout(30_000);
      String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
          + "\r\nContent-Type: application/json\r\nContent-Length: " + payload.length
          + "\r\nConnection: close\r\n\r\n";
      OutputStream out = s.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(payload);
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String response = all.toString(StandardCharsets.UTF_8);
      int split = response.indexOf("\r\n\r\n");
      String headers = response.substring(0, split).toLowerCase(Locale.ROOT);
      String rest = response.substring(split + 4);
      return new Raw(Integer.parseInt(response.substring(9, 12)),
          headers.contains("transfer-encoding: chunked") ? unchunk(rest) : rest);
    }
  }

  private static String unchunk(String chunked) {
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (true) {
      int eol = chunked.indexOf("\r\n", at);
      int size = Integer.parseInt(chunked.substring(at, eol).split(";")[0].trim(), 16);
      if (size == 0) {
        return out.toString();
      }
      out.append(chunked, eol + 2, eol + 2 + size);
      at = eol + 2 + size + 2;
    }
  }
}
