package io.yugong.hostile;

import static io.yugong.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.KeyBehaviour;
import io.yugong.mock.MockOptions;
import io.yugong.mock.OpenAiError;
import io.yugong.mock.ServedRequest;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One request can't hurt the pool: what upstream answers a hostile customer's request changes at
 * most the (key, model) pair it is about, and a client-caused error never cools or disables a key.
 * A two-node cluster over the emulator; each test has keys of its own, restricted to models of its
 * own (priced through the gpt-3.5-turbo prefix), so the tests share the cluster, not keys.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyPoolAbuseTest {

  private static final Duration SPREAD = Duration.ofSeconds(5);

  private TestCluster c;
  private String customer;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    customer = HostileKit.secret(HostileKit.customer(c, "pool-abuser", "1000"));
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  // ---------------------------------------------------------------- the rules

  @Test
  void aModelOneKeyCannotUseExcludesOnlyThatPairAndAnotherKeyServesIt() throws Exception {
    String model = "gpt-3.5-turbo-abuse-locked";
    String other = "gpt-3.5-turbo-abuse-open";
    String locked = secret("locked");
    String spare = secret("spare");
    c.mock.control().behave(locked, KeyBehaviour.noAccessTo(model));
    // the locked key is everyone's first choice: only its exclusion can steer requests away from it
    String lockedId = addKey(locked, List.of(model, other), 10);
    String spareId = addKey(spare, List.of(model), 1);

    HttpResponse<String> first = chat(0, model);
    assertEquals(200, first.statusCode(), first.body());
    assertEquals(403, seen(locked, model).get(0).status());

    // the exclusion learned on node 0 spreads to the cluster (asynchronously, within seconds)
    for (int node = 0; node < 2; node++) {
      int n = node;
      eventually(SPREAD, () -> {
        JsonObject v = keyView(n, lockedId);
        assertHealthy(v);
        JsonArray excluded = v.getJsonArray("excludedModels");
        assertEquals(1, excluded.size(), v::encodePrettily);
        assertEquals(model, excluded.getJsonObject(0).getString("model"));
        assertTrue(excluded.getJsonObject(0).getLong("until") > System.currentTimeMillis() + 30 * 60_000L,
            "an exclusion lasts an hour: " + excluded);
        assertTrue(keyView(n, spareId).getJsonArray("excludedModels").isEmpty());
      });
    }
    // once spread, no node asks the locked key for that model again
    for (int i = 1; i < 4; i++) {
      HttpResponse<String> r = chat(i % 2, model);
      assertEquals(200, r.statusCode(), r.body());
    }
    assertEquals(1, seen(locked, model).size(), "the locked key was asked once, then never again");
    assertEquals(4, seen(spare, model).size());

    // the key keeps serving every other model (it is the only key for this one)
    for (int i = 0; i < 4; i++) {
      assertEquals(200, chat(i % 2, other).statusCode());
    }
    assertEquals(4, seen(locked, other).stream().filter(s -> s.status() == 200).count());

    // an operator who fixed the project's access enables the key: its exclusions go, everywhere
    HttpResponse<String> enabled = c.call(1, "POST", "/admin/keys/" + lockedId + "/enable", c.adminKey, null);
    assertEquals(200, enabled.statusCode(), enabled.body());
    for (int node = 0; node < 2; node++) {
      int n = node;
      eventually(SPREAD, () -> assertTrue(keyView(n, lockedId).getJsonArray("excludedModels").isEmpty()));
    }
  }

  @Test
  void whenNoKeyCanServeAModelTheClientGetsModelNotFoundAndNoKeyIsHurt() throws Exception {
    String model = "gpt-3.5-turbo-abuse-nowhere";
    String fine = "gpt-3.5-turbo-abuse-fine";
    String a = secret("nowhere-a");
    String b = secret("nowhere-b");
    c.mock.control().behave(a, KeyBehaviour.noAccessTo(model));
    c.mock.control().behave(b, KeyBehaviour.hiding(model));
    String aId = addKey(a, List.of(model, fine), 1);
    String bId = addKey(b, List.of(model, fine), 1);

    HttpResponse<String> r = chat(0, model);
    assertModelNotFound(r, model);
    assertEquals(1, seen(a, model).size());
    assertEquals(1, seen(b, model).size());

    for (int node = 0; node < 2; node++) {
      int n = node;
      for (String id : List.of(aId, bId)) {
        eventually(SPREAD, () -> {
          JsonObject v = keyView(n, id);
          assertHealthy(v);
          assertEquals(model, v.getJsonArray("excludedModels").getJsonObject(0).getString("model"));
        });
      }
      // learned once for the cluster: the next requests are answered without asking upstream
      for (int i = 0; i < 3; i++) {
        assertModelNotFound(chat(node, model), model);
      }
      assertEquals(200, chat(node, fine).statusCode(), "the keys serve their other models");
    }
    assertEquals(1, seen(a, model).size());
    assertEquals(1, seen(b, model).size());
  }

  @Test
  void aMadeUpModelCostsAtMostTheRequestsAttemptsInUpstreamCalls() throws Exception {
    String model = "gpt-3.5-turbo-abuse-made-up";
    List<String> secrets = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String s = secret("made-up-" + i);
      c.mock.control().behave(s, KeyBehaviour.hiding(model));
      ids.add(addKey(s, List.of(model), 1));
      secrets.add(s);
    }
    // YUGONG_ATTEMPTS is 4 by default: one request asks at most four keys, then says what they said
    assertModelNotFound(chat(0, model), model);
    assertEquals(4, upstreamCalls(secrets, model));
    assertModelNotFound(chat(0, model), model);
    assertEquals(6, upstreamCalls(secrets, model), "the second request asks only the keys not asked yet");
    for (String id : ids) {
      eventually(SPREAD, () -> assertEquals(1, keyView(1, id).getJsonArray("excludedModels").size()));
    }
    for (int node = 0; node < 2; node++) {
      assertModelNotFound(chat(node, model), model);
      assertHealthy(keyView(node, ids.get(0)));
    }
    assertEquals(6, upstreamCalls(secrets, model), "then the cluster knows: no upstream call at all");
  }

  private long upstreamCalls(List<String> secrets, String model) {
    return secrets.stream().mapToLong(s -> seen(s, model).size()).sum();
  }

  @Test
  void aBurstOfClientErrorsLeavesEveryKeyActiveAndUncooled() throws Exception {
    String prefix = "gpt-3.5-turbo-burst-";
    Map<String, OpenAiError> answers = new LinkedHashMap<>();
    answers.put(prefix + "413", OpenAiError.TOO_LARGE);
    answers.put(prefix + "422", OpenAiError.UNPROCESSABLE);
    answers.put(prefix + "typo", OpenAiError.MODEL_NOT_FOUND);
    List<String> ids = new ArrayList<>();
    for (String label : List.of("burst-a", "burst-b")) {
      String s = secret(label);
      c.mock.control().behave(s, KeyBehaviour.byModel(answers));
      ids.add(addKey(s, List.of("gpt-3.5-turbo", prefix + "*"), 1));
    }
    String noMessages = new JsonObject().put("model", prefix + "ok").encode();
    String tooLong = HostileKit.chat("gpt-3.5-turbo", "word ".repeat(17_000), null).encode();
    Map<String, Integer> expected = new LinkedHashMap<>();
    expected.put(noMessages, 400);
    expected.put(tooLong, 400);
    expected.put(HostileKit.chat(prefix + "typo", "hi", null).encode(), 404);
    expected.put(HostileKit.chat(prefix + "413", "hi", null).encode(), 413);
    expected.put(HostileKit.chat(prefix + "422", "hi", null).encode(), 422);

    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int round = 0; round < 6; round++) {
        int node = round % 2;
        expected.forEach((body, status) -> results.add(pool.submit(() -> {
          HttpResponse<String> r = c.call(node, "POST", "/v1/chat/completions", customer, body);
          return r.statusCode() == status ? null : "expected " + status + ", got " + r.statusCode() + " " + r.body();
        })));
      }
      for (Future<String> f : results) {
        assertNull(f.get());
      }
    } finally {
      pool.shutdownNow();
    }
    assertTrue(c.mock.control().requests().stream().anyMatch(s -> s.status() == 400 && "gpt-3.5-turbo".equals(s.model())),
        "upstream itself refused the over-long prompt");

    for (int node = 0; node < 2; node++) {
      for (String id : ids) {
        JsonObject v = keyView(node, id);
        assertHealthy(v);
        JsonArray excluded = v.getJsonArray("excludedModels");
        assertTrue(excluded.isEmpty() || (excluded.size() == 1
            && (prefix + "typo").equals(excluded.getJsonObject(0).getString("model"))), v::encodePrettily);
      }
      assertEquals(200, chat(node, prefix + "ok").statusCode());
    }
  }

  /** Where each of upstream's answers leaves the key that got it (docs/keypool.md, "Failover"). */
  enum Outcome { CLIENT_ERROR, KEY_MODEL_EXCLUSION, KEY_DEAD, KEY_COOLDOWN, UPSTREAM_OUTAGE }

  static Outcome documented(OpenAiError row) {
    return switch (row) {
      case BAD_REQUEST, CONTEXT_LENGTH_EXCEEDED, FORBIDDEN, CONFLICT, TOO_LARGE, UNPROCESSABLE, LEGAL ->
          Outcome.CLIENT_ERROR;
      case MODEL_NO_ACCESS, MODEL_NOT_FOUND, ORGANIZATION_MUST_BE_VERIFIED, MISSING_SCOPE -> Outcome.KEY_MODEL_EXCLUSION;
      case INVALID_API_KEY, NO_ORGANIZATION, PAYMENT_REQUIRED, ACCOUNT_DEACTIVATED, INSUFFICIENT_QUOTA,
          BILLING_HARD_LIMIT_REACHED, BILLING_NOT_ACTIVE -> Outcome.KEY_DEAD;
      case RATE_LIMIT_EXCEEDED, ENGINE_OVERLOADED, SLOW_DOWN -> Outcome.KEY_COOLDOWN;
      case SERVER_ERROR, UNSUPPORTED_COUNTRY, IP_NOT_AUTHORIZED -> Outcome.UPSTREAM_OUTAGE;
    };
  }

  @ParameterizedTest
  @EnumSource(OpenAiError.class)
  void everyUpstreamAnswerLeavesTheKeyInItsDocumentedState(OpenAiError row) throws Exception {
    String model = "gpt-3.5-turbo-row-" + row.wireName().replace('_', '-');
    String judged = secret("row");
    String spare = secret("row-spare");
    c.mock.control().behave(judged, KeyBehaviour.answer(row));
    String id = addKey(judged, List.of(model), 10);
    addKey(spare, List.of(model), 1);
    Outcome outcome = documented(row);

    HttpResponse<String> r = chat(0, model);
    assertEquals(1, seen(judged, model).size(), "the first choice was the judged key");
    if (outcome == Outcome.CLIENT_ERROR) {
      assertEquals(row.status(), r.statusCode(), r.body());
      assertTrue(seen(spare, model).isEmpty(), "a client error is not retried");
    } else {
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(1, seen(spare, model).size(), "the request moved to the other key");
    }
    long askedAt = System.currentTimeMillis();
    for (int node = 0; node < 2; node++) {
      int n = node;
      eventually(SPREAD, () -> {
        JsonObject v = keyView(n, id);
        String what = row + " on node " + n + ": " + v.encodePrettily();
        switch (outcome) {
          case CLIENT_ERROR -> {
            assertHealthy(v);
            assertTrue(v.getJsonArray("excludedModels").isEmpty(), what);
          }
          case KEY_MODEL_EXCLUSION -> {
            assertHealthy(v);
            assertEquals(model, v.getJsonArray("excludedModels").getJsonObject(0).getString("model"), what);
          }
          case KEY_DEAD -> {
            assertFalse(v.getBoolean("enabled"), what);
            assertEquals("disabled", v.getString("status"), what);
          }
          case KEY_COOLDOWN -> {
            assertEquals("cooling", v.getString("status"), what);
            assertTrue(v.getLong("cooldownUntil") >= askedAt + 10_000, what);
            assertEquals(0, v.getInteger("consecutiveFailures"), "a cooldown is not a failure: " + what);
          }
          case UPSTREAM_OUTAGE -> {
            assertTrue(v.getBoolean("enabled"), what);
            assertEquals(1, v.getInteger("consecutiveFailures"), what);
            assertTrue(v.getJsonArray("excludedModels").isEmpty(), what);
          }
          default -> throw new AssertionError(outcome);
        }
      });
    }
  }

  // ---------------------------------------------------------------- helpers

  private static String secret(String label) {
    return "sk-" + label + "-" + TestCluster.randomHex(24);
  }

  /** Adds a key through node 0 serving only {@code models}; waits until node 1 has it. */
  private String addKey(String secret, List<String> models, int weight) throws Exception {
    String id = c.addKey(0, secret, new JsonObject().put("models", new JsonArray(models)).put("weight", weight));
    eventually(SPREAD, () -> keyView(1, id));
    return id;
  }

  private HttpResponse<String> chat(int node, String model) throws Exception {
    return c.call(node, "POST", "/v1/chat/completions", customer, HostileKit.chat(model, "hi", null).encode());
  }

  private JsonObject keyView(int node, String id) throws Exception {
    HttpResponse<String> r = c.call(node, "GET", "/admin/keys/" + id, c.adminKey, null);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  private List<ServedRequest> seen(String secret, String model) {
    return c.mock.control().requests(secret).stream().filter(s -> model.equals(s.model())).toList();
  }

  /** In service, never cooled, never failed. */
  private static void assertHealthy(JsonObject v) {
    assertTrue(v.getBoolean("enabled"), v::encodePrettily);
    assertEquals("active", v.getString("status"), v::encodePrettily);
    assertNull(v.getValue("cooldownUntil"), v::encodePrettily);
    assertEquals(0, v.getInteger("consecutiveFailures"), v::encodePrettily);
  }

  private static void assertModelNotFound(HttpResponse<String> r, String model) {
    assertEquals(404, r.statusCode(), r.body());
    JsonObject e = HostileKit.error(r);
    assertEquals("model_not_found", e.getString("code"));
    assertEquals("invalid_request_error", e.getString("type"));
    assertEquals("model", e.getString("param"));
    assertTrue(e.getString("message").contains(model), e.encode());
  }
}
