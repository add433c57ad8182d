package io.yugong.accounting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.mock.ServedRequest;
import io.yugong.testing.LimitWindows;
import io.yugong.testing.TestCluster;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Metering from upstream's usage, exact prices and multipliers, unpriced models, legacy billing routes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MeteringAndPricesTest {

  private TestCluster c;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Kit.ENV);
    c.addKey(0, "sk-meter-one-1234567890", null);
    c.addKey(1, "sk-meter-two-1234567890", null);
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private JsonObject chargeFor(String key, String requestId) throws Exception {
    return Kit.charges(Kit.ledger(c, 0, key)).stream()
        .filter(e -> requestId.equals(e.getString("request_id"))).findFirst()
        .orElseThrow(() -> new AssertionError("no ledger charge for " + requestId));
  }

  private static List<String> dataLines(String sse) {
    List<String> out = new ArrayList<>();
    for (String line : sse.split("\n")) {
      if (line.startsWith("data: ")) {
        out.add(line.substring(6));
      }
    }
    return out;
  }

  @Test
  void streamedChatHidesTheUsageChunkNotAskedForAndIsBilledFromUpstreamUsage() throws Exception {
    String key = Kit.secret(c.createAccount(0, new JsonObject().put("Name", "streamer").put("CreditGranted", 1)));
    String prompt = "count my tokens exactly please";
    int max = 17;
    long promptTokens = Kit.emulatorPromptTokens(prompt);
    for (int node = 0; node < 2; node++) {
      HttpResponse<String> r = c.call(node, "POST", "/v1/chat/completions", key,
          Kit.chatBody("gpt-4o-mini", prompt, max, true).encode());
      assertEquals(200, r.statusCode(), r::body);
      assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
      String bytes = r.body();
      assertFalse(bytes.contains("usage"), "the client did not ask for usage: " + bytes);
      List<String> data = dataLines(bytes);
      assertEquals("[DONE]", data.get(data.size() - 1));
      long tokenChunks = 0;
      for (String d : data.subList(0, data.size() - 1)) {
        JsonArray choices = new JsonObject(d).getJsonArray("choices");
        assertEquals(1, choices.size(), "every chunk has its choice: " + d);
        String content = choices.getJsonObject(0).getJsonObject("delta").getString("content");
        if (content != null && !content.isEmpty()) {
          tokenChunks++;
        }
      }
      assertEquals(max, tokenChunks);
      String rid = r.headers().firstValue("x-yugong-request-id").orElseThrow();
      JsonObject charge = chargeFor(key, rid);
      assertEquals(promptTokens, charge.getLong("prompt_tokens"));
      assertEquals(max, charge.getLong("completion_tokens"));
      assertEquals(promptTokens * Kit.MINI_INPUT_NANOS + max * Kit.MINI_OUTPUT_NANOS, charge.getLong("cost_nanos"));
    }
    // Yugong asked upstream for the usage chunk it hid.
    List<ServedRequest> upstream = c.mock.control().requests();
    assertTrue(upstream.stream().filter(ServedRequest::stream).allMatch(ServedRequest::includeUsage));
  }

  @Test
  void aClientThatAsksForUsageGetsExactlyOneUsageChunk() throws Exception {
    String key = Kit.secret(c.createAccount(0, new JsonObject().put("Name", "usage-asker").put("CreditGranted", 1)));
    String prompt = "give me the usage too";
    OpenAIClient client = c.openai(1, key);
    ChatCompletionCreateParams p = ChatCompletionCreateParams.builder().model("gpt-4o-mini")
        .addUserMessage(prompt).maxCompletionTokens(9)
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    List<ChatCompletionChunk> chunks;
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(p)) {
      chunks = s.stream().toList();
    }
    List<ChatCompletionChunk> withUsage = chunks.stream().filter(ch -> ch.usage().isPresent()).toList();
    assertEquals(1, withUsage.size());
    assertTrue(withUsage.get(0).choices().isEmpty());
    assertEquals(Kit.emulatorPromptTokens(prompt), withUsage.get(0).usage().get().promptTokens());
    assertEquals(9, withUsage.get(0).usage().get().completionTokens());
    JsonObject last = Kit.charges(Kit.ledger(c, 1, key)).get(0);
    assertEquals(Kit.emulatorPromptTokens(prompt), last.getLong("prompt_tokens"));
    assertEquals(9, last.getLong("completion_tokens"));
  }

  @Test
  void aModelWithoutAPriceIsRefusedUntilTheOperatorPricesIt() throws Exception {
    String model = "house-model-unpriced";
    String key = Kit.secret(c.createAccount(0, new JsonObject().put("Name", "unpriced").put("CreditGranted", 1)));
    for (int node = 0; node < 2; node++) {
      HttpResponse<String> r = c.call(node, "POST", "/v1/chat/completions", key,
          Kit.chatBody(model, "hello", 5, false).encode());
      assertEquals(404, r.statusCode(), r::body); // as OpenAI answers a model a key cannot use
      JsonObject err = Kit.error(r);
      assertEquals("model_not_found", err.getString("code"));
      assertEquals("invalid_request_error", err.getString("type"));
      assertEquals("model", err.getString("param"));
      assertTrue(err.getString("message").contains(model), err::encode);
    }
    assertTrue(c.mock.control().requests().stream().noneMatch(s -> model.equals(s.model())), "nothing forwarded");

    HttpResponse<String> patch = c.call(0, "PATCH", "/admin/config/prices", c.adminKey, new JsonObject()
        .put("models", new JsonObject().put(model, new JsonObject().put("kind", "chat").put("input", "1.00")
            .put("output", "2.00"))).encode());
    assertEquals(200, patch.statusCode(), patch::body);
    for (int node = 0; node < 2; node++) {
      int n = node;
      Kit.eventually(Duration.ofSeconds(5), () -> {
        HttpResponse<String> r = c.call(n, "POST", "/v1/chat/completions", key,
            Kit.chatBody(model, "hello", 5, false).encode());
        assertEquals(200, r.statusCode(), r::body);
      });
    }
    // $1/1M in, $2/1M out: 1000 and 2000 nano-USD per token.
    JsonObject charge = Kit.charges(Kit.ledger(c, 0, key)).get(0);
    assertEquals(model, charge.getString("model"));
    assertEquals(Kit.emulatorPromptTokens("hello") * 1000 + 5 * 2000, charge.getLong("cost_nanos"));
  }

  @Test
  void aChargeIsUsageTimesPriceTimesMultiplierTimesRatesRoundedUpOnce() throws Exception {
    String model = "house-model-fractional";
    // 123,000 and 457,000 nano-USD per 1M tokens: fractions of a nano-dollar per token.
    HttpResponse<String> patch = c.call(1, "PATCH", "/admin/config/prices", c.adminKey, new JsonObject()
        .put("multiplier", "0.25")
        .put("models", new JsonObject().put(model, new JsonObject().put("kind", "chat")
            .put("input", "0.000123").put("output", "0.000457"))).encode());
    assertEquals(200, patch.statusCode(), patch::body);
    try {
      String key = Kit.secret(c.createAccount(0, new JsonObject().put("Name", "rates-two").put("Rates", 2)
          .put("CreditGranted", 1)));
      String prompt = "price me to the nano dollar";
      int max = 100;
      long prompt0 = Kit.emulatorPromptTokens(prompt);
      BigDecimal exact = BigDecimal.valueOf(prompt0 * 123_000L + max * 457_000L)
          .divide(BigDecimal.valueOf(1_000_000))
          .multiply(new BigDecimal("0.25")).multiply(new BigDecimal("2"));
      long expected = exact.setScale(0, RoundingMode.CEILING).longValueExact();
      assertTrue(exact.stripTrailingZeros().scale() > 0, "the exact price has a fraction: " + exact);
      for (int node = 0; node < 2; node++) {
        int n = node;
        Kit.eventually(Duration.ofSeconds(5), () -> {
          HttpResponse<String> r = c.call(n, "POST", "/v1/chat/completions", key,
              Kit.chatBody(model, prompt, max, false).encode());
          assertEquals(200, r.statusCode(), r::body);
          JsonObject charge = chargeFor(key, r.headers().firstValue("x-yugong-request-id").orElseThrow());
          assertEquals(prompt0, charge.getLong("prompt_tokens"));
          assertEquals(max, charge.getLong("completion_tokens"));
          assertEquals(expected, charge.getLong("cost_nanos"), "exact " + exact);
        });
      }
      // A listed model too: gpt-4o-mini at 150/600 nano-USD per token × 0.25 × 2.
      HttpResponse<String> r = c.call(0, "POST", "/v1/chat/completions", key,
          Kit.chatBody("gpt-4o-mini", "odd", 7, false).encode());
      assertEquals(200, r.statusCode(), r::body);
      long mini = BigDecimal.valueOf(Kit.emulatorPromptTokens("odd") * 150 + 7 * 600)
          .multiply(new BigDecimal("0.5")).setScale(0, RoundingMode.CEILING).longValueExact();
      assertEquals(mini, chargeFor(key, r.headers().firstValue("x-yugong-request-id").orElseThrow())
          .getLong("cost_nanos"));
    } finally {
      HttpResponse<String> reset = c.call(0, "PATCH", "/admin/config/prices", c.adminKey,
          new JsonObject().put("multiplier", "1").encode());
      assertEquals(200, reset.statusCode(), reset::body);
      c.awaitSettings(); // node 1 must not price another test's request at the old multiplier
    }
  }

  @Test
  void legacyBillingRoutesAnswerInOpenAisShapesAndAddUpToTheLedger() throws Exception {
    String key = Kit.secret(c.createAccount(0, new JsonObject().put("Name", "legacy").put("CreditGranted", 5)
        .put("Email", "legacy@billing.example")));
    // the spend and its reports fall on one UTC day (and month): "today" below is the day spent on
    LimitWindows.awaitRoomIn(LimitWindows.DAY);
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = c.call(i % 2, "POST", "/v1/chat/completions", key,
          Kit.chatBody(i % 2 == 0 ? "gpt-4o-mini" : "gpt-4o", "legacy usage " + i, 3 + i, i == 3).encode());
      assertEquals(200, r.statusCode(), r::body);
    }
    long spent = Kit.charges(Kit.ledger(c, 0, key)).stream().mapToLong(e -> e.getLong("cost_nanos")).sum();
    assertTrue(spent > 0);
    BigDecimal spentCents = BigDecimal.valueOf(spent).movePointLeft(7);

    for (String prefix : List.of("/v1/dashboard/billing", "/dashboard/billing")) {
      HttpResponse<String> r = c.call(1, "GET", prefix + "/subscription", key, null);
      assertEquals(200, r.statusCode(), r::body);
      JsonObject sub = Kit.json(r);
      assertEquals("billing_subscription", sub.getString("object"));
      assertTrue(sub.getBoolean("has_payment_method"));
      for (String f : List.of("hard_limit_usd", "soft_limit_usd", "system_hard_limit_usd", "access_until")) {
        assertNotNull(sub.getValue(f), f);
      }
      // What can still be spent plus this month's spend: the 5 USD granted.
      assertEquals(0, Kit.dollars(sub.getValue("hard_limit_usd")).compareTo(BigDecimal.valueOf(5)), sub::encode);
      assertEquals("legacy", sub.getString("account_name"));
      assertEquals("legacy@billing.example", sub.getString("billing_email"));

      LocalDate today = LocalDate.now(ZoneOffset.UTC);
      for (String query : List.of("?start_date=" + today + "&end_date=" + today.plusDays(1), "")) {
        r = c.call(0, "GET", prefix + "/usage" + query, key, null);
        assertEquals(200, r.statusCode(), r::body);
        JsonObject usage = Kit.json(r);
        assertEquals("list", usage.getString("object"));
        assertEquals(0, Kit.dollars(usage.getValue("total_usage")).compareTo(spentCents),
            () -> "total_usage in cents vs. ledger " + spentCents + ": " + usage.encode());
        JsonArray daily = usage.getJsonArray("daily_costs");
        JsonObject todays = daily.getJsonObject(daily.size() - 1);
        assertEquals(today.atStartOfDay(ZoneOffset.UTC).toEpochSecond(), todays.getLong("timestamp"));
        BigDecimal items = BigDecimal.ZERO;
        Set<String> names = new java.util.HashSet<>();
        for (Object o : todays.getJsonArray("line_items")) {
          JsonObject item = (JsonObject) o;
          names.add(item.getString("name"));
          items = items.add(Kit.dollars(item.getValue("cost")));
        }
        assertEquals(Set.of("gpt-4o-mini", "gpt-4o"), names);
        assertEquals(0, items.compareTo(spentCents));
      }
    }
    HttpResponse<String> bad = c.call(0, "GET", "/v1/dashboard/billing/usage?start_date=yesterday", key, null);
    assertEquals(400, bad.statusCode());
    assertEquals("invalid_request_error", Kit.error(bad).getString("type"));
  }
}
