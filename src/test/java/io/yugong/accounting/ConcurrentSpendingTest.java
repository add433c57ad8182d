package io.yugong.accounting;

import io.yugong.testing.StoreReader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * One account, a balance worth about 100 requests, and 500 concurrent requests on two nodes: the
 * balance never goes negative, every served request is charged exactly once, and the money adds
 * up to the nano-dollar.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcurrentSpendingTest {

  private static final String PROMPT = "hello there";
  private static final int MAX_TOKENS = 10;
  private static final int REQUESTS = 500;
  private static final int THREADS = 48;

  private TestCluster c;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Kit.ENV);
    c.addKey(0, "sk-spend-one-1234567890", null);
    c.addKey(0, "sk-spend-two-1234567890", null);
    c.addKey(1, "sk-spend-three-1234567890", null);
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private record Outcome(int node, boolean streamed, int status, String requestId, String type,
      String code, long completionTokens) {
  }

  @Test
  void concurrentRequestsNeverOverdrawAndEveryServedRequestIsChargedExactlyOnce() throws Exception {
    long prompt = Kit.emulatorPromptTokens(PROMPT);
    long charge = prompt * Kit.MINI_INPUT_NANOS + MAX_TOKENS * Kit.MINI_OUTPUT_NANOS;
    long initial = 100 * charge;
    JsonObject created = c.createAccount(0, new JsonObject().put("Name", "spender")
        .put("CreditGranted", io.yugong.billing.Money.format(initial)));
    String key = Kit.secret(created);
    String id = Kit.id(created);

    OpenAIClient[] clients = {c.openai(0, key), c.openai(1, key)};
    ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
        .model("gpt-4o-mini").addUserMessage(PROMPT).maxCompletionTokens(MAX_TOKENS).build();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    List<Future<Outcome>> futures = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < REQUESTS; i++) {
      int node = i % 2;
      boolean stream = (i / 2) % 2 == 0;
      futures.add(pool.submit(() -> send(clients[node], node, stream, params)));
    }
    List<Outcome> outcomes = new ArrayList<>();
    for (Future<Outcome> f : futures) {
      outcomes.add(f.get(60, TimeUnit.SECONDS));
    }
    pool.shutdown();
    long ms = (System.nanoTime() - t0) / 1_000_000;

    List<Outcome> served = outcomes.stream().filter(o -> o.status == 200).toList();
    List<Outcome> refused = outcomes.stream().filter(o -> o.status != 200).toList();
    System.out.printf("500 requests in %d ms: %d served (%d streamed), %d refused; charge %d nano-USD each%n",
        ms, served.size(), served.stream().filter(Outcome::streamed).count(), refused.size(), charge);

    // Refusals are OpenAI's quota error, nothing else.
    for (Outcome o : refused) {
      assertEquals(429, o.status, () -> "unexpected outcome " + o);
      assertEquals("insufficient_quota", o.code, () -> "unexpected outcome " + o);
      assertEquals("insufficient_quota", o.type, () -> "unexpected outcome " + o);
    }
    assertTrue(served.size() >= 50 && served.size() <= 100, "served " + served.size());
    assertTrue(served.stream().anyMatch(o -> o.streamed) && served.stream().anyMatch(o -> !o.streamed));
    assertTrue(served.stream().anyMatch(o -> o.node == 0) && served.stream().anyMatch(o -> o.node == 1));
    served.forEach(o -> assertEquals(MAX_TOKENS, o.completionTokens, () -> "answer of " + o));

    // The ledger: one charge per served request, matched by request id, each exact.
    List<JsonObject> ledger = Kit.ledger(c, 0, key);
    List<JsonObject> charges = Kit.charges(ledger);
    assertEquals(served.size(), charges.size(), "ledger charges vs. served requests");
    Set<String> servedIds = new HashSet<>();
    served.forEach(o -> {
      assertNotNull(o.requestId, "x-yugong-request-id of " + o);
      assertTrue(servedIds.add(o.requestId), "duplicate request id " + o.requestId);
    });
    Set<String> chargedIds = new HashSet<>();
    for (JsonObject e : charges) {
      assertTrue(chargedIds.add(e.getString("request_id")), "charged twice: " + e);
      assertEquals(charge, e.getLong("cost_nanos"), () -> "cost of " + e);
      assertEquals(-charge, e.getLong("amount_nanos"), () -> "amount of " + e);
      assertEquals(prompt, e.getLong("prompt_tokens"));
      assertEquals(MAX_TOKENS, e.getLong("completion_tokens"));
    }
    assertEquals(servedIds, chargedIds, "ledger request ids vs. x-yugong-request-id of 2xx answers");

    // Straight from Redis: no balance ever negative, money adds up, nothing left held.
    try (StoreReader redis = new StoreReader(c)) {
      List<JsonObject> raw = redis.ledger(id);
      long sum = 0;
      for (JsonObject e : raw) {
        long after = Long.parseLong(e.getString("balanceAfter"));
        assertTrue(after >= 0, () -> "negative balance after " + e);
        assertEquals("0", e.getString("uncovered"), () -> "uncovered charge " + e);
        sum += Long.parseLong(e.getString("amount"));
      }
      long balance = redis.wallet(id, "balance");
      long charged = charges.stream().mapToLong(e -> e.getLong("cost_nanos")).sum();
      assertEquals(initial - balance, charged, "sum of charges = initial - final balance");
      assertEquals(balance, sum, "sum of ledger amounts = balance");
      assertEquals(0, redis.wallet(id, "held"), "held after every request finished");
      System.out.printf("left over: %d nano-USD%n", balance);
    }
    assertEquals(served.size(), c.mock.control().requests().size(), "requests the emulator saw");

    // A refusal, raw: OpenAI's error shape.
    HttpResponse<String> r = c.call(1, "POST", "/v1/chat/completions", key,
        Kit.chatBody("gpt-4o-mini", PROMPT, 2000, false).encode());
    assertEquals(429, r.statusCode());
    JsonObject err = Kit.error(r);
    assertEquals(Set.of("message", "type", "param", "code"), err.fieldNames());
    assertEquals("insufficient_quota", err.getString("type"));
    assertEquals("insufficient_quota", err.getString("code"));
    assertFalse(err.getString("message").isBlank());
  }

  private static Outcome send(OpenAIClient client, int node, boolean stream, ChatCompletionCreateParams p) {
    try {
      if (stream) {
        HttpResponseFor<StreamResponse<ChatCompletionChunk>> raw =
            client.chat().completions().withRawResponse().createStreaming(p);
        String rid = first(raw.headers().values("x-yugong-request-id"));
        long tokens;
        try (StreamResponse<ChatCompletionChunk> s = raw.parse()) {
          tokens = s.stream().filter(ch -> !ch.choices().isEmpty())
              .filter(ch -> ch.choices().get(0).delta().content().map(t -> !t.isEmpty()).orElse(false))
              .count();
        }
        return new Outcome(node, true, raw.statusCode(), rid, null, null, tokens);
      }
      HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(p);
      ChatCompletion cc = raw.parse();
      long tokens = cc.usage().map(u -> u.completionTokens()).orElse(-1L);
      return new Outcome(node, false, raw.statusCode(), first(raw.headers().values("x-yugong-request-id")),
          null, null, tokens);
    } catch (OpenAIServiceException e) {
      return new Outcome(node, stream, e.statusCode(), first(e.headers().values("x-yugong-request-id")),
          e.type().orElse(null), e.code().orElse(null), 0);
    }
  }

  private static String first(List<String> values) {
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
