package io.yugong.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Per-account limits enforced across the cluster: RPM, model and IP allow/deny lists, and
 * X-Forwarded-For believed only from a trusted proxy (here 127.0.0.2; the tests' own requests
 * come from 127.0.0.1).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LimitsAndAccessRulesTest {

  private static final String PROXY = "127.0.0.2";

  private TestCluster c;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of("YUGONG_TRUSTED_PROXIES", PROXY + "/32"));
    c.addKey(0, "sk-limits-one-1234567890", null);
    c.addKey(1, "sk-limits-two-1234567890", null);
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private static String chat(String model) {
    return Kit.chatBody(model, "limits check", 3, false).encode();
  }

  @Test
  void rateLimitLetsExactlyItsNumberOfRequestsThroughAcrossBothNodes() throws Exception {
    String key = Kit.secret(c.createAccount(0, new JsonObject().put("Name", "rpm-60").put("CreditGranted", 5)
        .put("RateLimit", 60)));
    int before = c.mock.control().requests().size();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<Future<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      int node = i % 2;
      sent.add(pool.submit(() -> c.call(node, "POST", "/v1/chat/completions", key, chat("gpt-4o-mini"))));
    }
    int ok = 0;
    int limited = 0;
    for (Future<HttpResponse<String>> f : sent) {
      HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
      if (r.statusCode() == 200) {
        ok++;
        continue;
      }
      assertEquals(429, r.statusCode(), r::body);
      JsonObject err = Kit.error(r);
      assertEquals("rate_limit_exceeded", err.getString("code"), r::body);
      assertEquals("requests", err.getString("type"), r::body);
      long retryAfter = Long.parseLong(r.headers().firstValue("retry-after").orElseThrow());
      assertTrue(retryAfter >= 1 && retryAfter <= 60, "retry-after " + retryAfter);
      limited++;
    }
    pool.shutdown();
    assertEquals(60, ok, "requests served within the minute");
    assertEquals(40, limited);
    assertEquals(before + 60, c.mock.control().requests().size(), "forwarded upstream");
  }

  /** Sets fields of the account and waits until node 1 applies them too. */
  private void set(String id, JsonObject fields) throws Exception {
    HttpResponse<String> r = c.call(0, "PUT", "/x-users/" + id, c.adminKey, fields.encode());
    assertEquals(200, r.statusCode(), r::body);
  }

  /** 2xx answers seen by {@link #expect}: each was forwarded upstream, nothing else was. */
  private int served;

  private void expect(String key, String model, int status, String code) throws Exception {
    for (int node = 0; node < 2; node++) {
      int n = node;
      Kit.eventually(Duration.ofSeconds(2), () -> {
        HttpResponse<String> r = c.call(n, "POST", "/v1/chat/completions", key, chat(model));
        if (r.statusCode() == 200) {
          served++;
        }
        assertEquals(status, r.statusCode(), () -> "node " + n + " " + model + ": " + r.body());
        if (code != null) {
          assertEquals(code, Kit.error(r).getString("code"), r::body);
          assertEquals("permission_error", Kit.error(r).getString("type"), r::body);
        }
      });
    }
  }

  @Test
  void modelAllowAndDenyListsDecideWhichModelsAnAccountMayUse() throws Exception {
    JsonObject acct = c.createAccount(0, new JsonObject().put("Name", "models-acl").put("CreditGranted", 5)
        .put("AllowModels", "gpt-4o-mini"));
    String key = Kit.secret(acct);
    String id = Kit.id(acct);
    int forwarded = c.mock.control().requests().size();
    served = 0;
    expect(key, "gpt-4o-mini", 200, null);
    expect(key, "gpt-4o", 403, "model_not_allowed");

    set(id, new JsonObject().put("AllowModels", "*").put("DenyModels", "gpt-4o*"));
    expect(key, "gpt-4o-mini", 403, "model_not_allowed");
    expect(key, "gpt-4o", 403, "model_not_allowed");
    expect(key, "gpt-3.5-turbo", 200, null);

    set(id, new JsonObject().put("DenyModels", "*"));
    expect(key, "gpt-3.5-turbo", 403, "model_not_allowed");

    set(id, new JsonObject().put("DenyModels", ""));
    expect(key, "gpt-4o", 200, null);
    assertTrue(served >= 6);
    assertEquals(forwarded + served, c.mock.control().requests().size(), "refused requests are not forwarded");
  }

  @Test
  void ipAllowAndDenyListsApplyToTheClientAddress() throws Exception {
    JsonObject acct = c.createAccount(0, new JsonObject().put("Name", "ips-acl").put("CreditGranted", 5)
        .put("AllowIPs", "127.0.0.1/32"));
    String key = Kit.secret(acct);
    String id = Kit.id(acct);
    expect(key, "gpt-4o-mini", 200, null);

    set(id, new JsonObject().put("AllowIPs", "10.0.0.0/8"));
    expect(key, "gpt-4o-mini", 403, "ip_not_allowed");

    set(id, new JsonObject().put("AllowIPs", "*"));
    expect(key, "gpt-4o-mini", 200, null);

    set(id, new JsonObject().put("DenyIPs", "127.0.0.1"));
    expect(key, "gpt-4o-mini", 403, "ip_not_allowed");

    set(id, new JsonObject().put("DenyIPs", "10.0.0.0/8, 192.168.0.0/16"));
    expect(key, "gpt-4o-mini", 200, null);

    set(id, new JsonObject().put("DenyIPs", "*"));
    expect(key, "gpt-4o-mini", 403, "ip_not_allowed");

    HttpResponse<String> bad = c.call(0, "PUT", "/x-users/" + id, c.adminKey,
        new JsonObject().put("AllowIPs", "10.0.0.300/8").encode());
    assertEquals(400, bad.statusCode(), bad::body);
    assertEquals("AllowIPs", Kit.error(bad).getString("message").substring(0, 8));
  }

  @Test
  void forwardedForIsBelievedOnlyFromATrustedProxy() throws Exception {
    JsonObject acct = c.createAccount(0, new JsonObject().put("Name", "xff-acl").put("CreditGranted", 5)
        .put("AllowIPs", "10.0.0.0/8").put("DenyIPs", "10.6.6.6"));
    String key = Kit.secret(acct);
    for (int node = 0; node < 2; node++) {
      // From 127.0.0.1, an untrusted peer: the header is ignored.
      HttpResponse<String> r = c.call(node, "POST", "/v1/chat/completions", key, chat("gpt-4o-mini"));
      assertEquals(403, r.statusCode(), r::body);
      assertEquals(403, raw(node, "127.0.0.1", key, "10.1.2.3"), "XFF from an untrusted peer");
      // From the trusted proxy: the header names the client.
      assertEquals(200, raw(node, PROXY, key, "10.1.2.3"), "XFF from the trusted proxy");
      assertEquals(200, raw(node, PROXY, key, "203.0.113.9, 10.1.2.3"), "nearest untrusted hop wins");
      assertEquals(403, raw(node, PROXY, key, "10.1.2.3, 10.6.6.6"), "a denied client behind the proxy");
      assertEquals(403, raw(node, PROXY, key, null), "the proxy itself is not in 10.0.0.0/8");
    }
  }

  /** A raw HTTP/1.1 chat request from a chosen local address, with an optional X-Forwarded-For. */
  private int raw(int node, String from, String key, String xff) throws Exception {
    byte[] body = chat("gpt-4o-mini").getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      s.connect(new InetSocketAddress("127.0.0.1", c.nodes.get(node).port()), 5000);
      s.setSoTimeout(30_000);
      StringBuilder head = new StringBuilder()
          .append("POST /v1/chat/completions HTTP/1.1\r\n")
          .append("Host: 127.0.0.1\r\n")
          .append("Authorization: Bearer ").append(key).append("\r\n")
          .append("Content-Type: application/json\r\n")
          .append("Content-Length: ").append(body.length).append("\r\n")
          .append("Connection: close\r\n");
      if (xff != null) {
        head.append("X-Forwarded-For: ").append(xff).append("\r\n");
      }
      head.append("\r\n");
      OutputStream out = s.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String response = all.toString(StandardCharsets.UTF_8);
      return Integer.parseInt(response.substring(9, 12));
    }
  }
}
