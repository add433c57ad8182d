package io.yugong.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.Eventually;
import io.yugong.testing.TestCluster;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The per-node request log, with the product's defaults (YUGONG_REQUEST_LOG=logs): one JSON line
 * per request, with what it was, who asked, which key served it, what it cost, and no key.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestLogTest {

  private static final String UPSTREAM_SECRET = "sk-upstream-" + TestCluster.randomHex(32);

  private TestCluster c;
  private RedisMemoryKit redis;
  private String keyId;
  private String accountId;
  private String accountKey;
  private Path file;

  @BeforeAll
  void start() throws Exception {
    // the emulator streams 40 tokens/s, so a client can leave in the middle of an answer
    c = TestCluster.start(1, new MockOptions().tokensPerSecond(40), Map.of());
    keyId = c.addKey(0, UPSTREAM_SECRET, null);
    redis = new RedisMemoryKit(c);
    JsonObject created = c.createAccount(0, new JsonObject().put("Name", "logged").put("CreditGranted", "5"));
    accountId = created.getJsonObject("User").getString("ID");
    accountKey = created.getJsonObject("User").getString("SecretKey");
    file = Path.of("logs", "requests-" + c.nodes.get(0).port() + ".jsonl");
  }

  @AfterAll
  void stop() throws Exception {
    if (redis != null) {
      redis.close();
    }
    if (c != null) {
      c.close();
    }
  }

  /** The lines of one request, once the log has written at least one. */
  private List<JsonObject> linesOf(String requestId) throws Exception {
    List<JsonObject> out = new ArrayList<>();
    Eventually.eventually(Duration.ofSeconds(10), () -> {
      out.clear();
      for (String line : Files.readAllLines(file)) {
        JsonObject j = new JsonObject(line);
        if (requestId.equals(j.getString("requestId"))) {
          out.add(j);
        }
      }
      assertFalse(out.isEmpty(), "no line for " + requestId + " in " + file);
    });
    return out;
  }

  private HttpResponse<String> chat(String key, boolean stream) throws Exception {
    return c.call(0, "POST", "/v1/chat/completions", key, RedisMemoryKit.chat("hello log", 7, stream).encode());
  }

  private static String requestId(HttpResponse<String> r) {
    return r.headers().firstValue("x-yugong-request-id").orElseThrow();
  }

  private void assertLineMatchesLedger(JsonObject line, String requestId, int status) throws Exception {
    JsonObject charge = redis.ledgerEntry(accountId, requestId);
    assertNotNull(charge, "no ledger entry for " + requestId);
    assertNotNull(Instant.parse(line.getString("time")));
    assertEquals(accountId, line.getString("accountId"));
    assertEquals("gpt-4o-mini", line.getString("model"));
    assertEquals(keyId, line.getString("upstreamKeyId"));
    assertEquals(c.nodes.get(0).nodeId(), line.getString("node"));
    assertEquals(status, line.getInteger("status"));
    assertEquals(1, line.getInteger("attempts"));
    assertEquals(Long.parseLong(charge.getString("promptTokens")), line.getLong("promptTokens"));
    assertEquals(Long.parseLong(charge.getString("cachedTokens")), line.getLong("cachedTokens"));
    assertEquals(Long.parseLong(charge.getString("completionTokens")), line.getLong("completionTokens"));
    assertEquals(Long.parseLong(charge.getString("cost")), line.getLong("cost"));
    assertTrue(line.getLong("cost") > 0 && line.getLong("completionTokens") > 0, line::encode);
    assertTrue(line.getLong("firstByteMs") >= 0 && line.getLong("firstByteMs") <= line.getLong("durationMs"),
        line::encode);
  }

  @Test
  void aServedRequestLeavesExactlyOneLineThatAgreesWithItsLedgerEntry() throws Exception {
    HttpResponse<String> r = chat(accountKey, false);
    assertEquals(200, r.statusCode(), r.body());
    List<JsonObject> lines = linesOf(requestId(r));
    assertEquals(1, lines.size(), () -> "lines: " + lines);
    assertLineMatchesLedger(lines.get(0), requestId(r), 200);
  }

  @Test
  void aStreamedAnswerIsLoggedWithTheUsageItWasChargedFor() throws Exception {
    HttpResponse<String> r = chat(accountKey, true);
    assertEquals(200, r.statusCode(), r.body());
    List<JsonObject> lines = linesOf(requestId(r));
    assertEquals(1, lines.size(), () -> "lines: " + lines);
    assertLineMatchesLedger(lines.get(0), requestId(r), 200);
  }

  @Test
  void aRefusedRequestIsLoggedWithItsStatusAndNoCost() throws Exception {
    JsonObject broke = c.createAccount(0, new JsonObject().put("Name", "broke").put("CreditGranted", "0"));
    HttpResponse<String> r = chat(broke.getJsonObject("User").getString("SecretKey"), false);
    assertEquals(429, r.statusCode(), r.body());
    List<JsonObject> lines = linesOf(requestId(r));
    assertEquals(1, lines.size(), () -> "lines: " + lines);
    JsonObject line = lines.get(0);
    assertEquals(429, line.getInteger("status"));
    assertEquals(0, line.getInteger("attempts"));
    assertEquals(0L, line.getLong("cost"));
    assertEquals("", line.getString("upstreamKeyId"));
  }

  @Test
  void aClientThatLeavesMidStreamIsLoggedOnceWithWhatItWasCharged() throws Exception {
    byte[] payload = RedisMemoryKit.chat("tell me a long story", 30, true).encode()
        .getBytes(StandardCharsets.UTF_8);
    String requestId = null;
    try (Socket s = new Socket("127.0.0.1", c.nodes.get(0).port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + accountKey
          + "\r\nContent-Type: application/json\r\nContent-Length: " + payload.length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.write(payload);
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      int events = 0;
      for (String line = in.readLine(); line != null && events < 3; line = in.readLine()) {
        if (line.toLowerCase().startsWith("x-yugong-request-id:")) {
          requestId = line.substring(line.indexOf(':') + 1).trim();
        } else if (line.startsWith("data: ")) {
          events++;
        }
      }
    }
    assertNotNull(requestId, "no x-yugong-request-id in the answer's head");
    String id = requestId;
    Eventually.eventually(Duration.ofSeconds(10),
        () -> assertNotNull(redis.ledgerEntry(accountId, id), "not settled yet"));
    List<JsonObject> lines = linesOf(id);
    assertEquals(1, lines.size(), () -> "lines: " + lines);
    JsonObject line = lines.get(0);
    JsonObject charge = redis.ledgerEntry(accountId, id);
    assertEquals(Long.parseLong(charge.getString("cost")), line.getLong("cost"));
    assertEquals(Long.parseLong(charge.getString("completionTokens")), line.getLong("completionTokens"));
    assertTrue(line.getLong("completionTokens") >= 1 && line.getLong("completionTokens") < 30, line::encode);
  }

  @Test
  void theLogHoldsNoKeyMaterial() throws Exception {
    HttpResponse<String> r = chat(accountKey, false);
    assertEquals(200, r.statusCode(), r.body());
    linesOf(requestId(r));
    String all = Files.readString(file);
    assertFalse(all.contains(accountKey), "the account's key is in the request log");
    assertFalse(all.contains(UPSTREAM_SECRET), "the upstream key is in the request log");
    assertFalse(all.contains(UPSTREAM_SECRET.substring(3, 20)), "part of the upstream key is in the request log");
    assertFalse(all.contains(c.adminKey), "the admin key is in the request log");
  }
}
