package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.KeyBehaviour;
import io.yugong.mock.MockControl;
import io.yugong.mock.MockOptions;
import io.yugong.testing.Eventually;
import io.yugong.testing.TestCluster;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Realtime API through Yugong (issue 9, point 8), with the JDK's WebSocket client against a
 * two-node cluster and the emulator: frames both ways, a charge per response.done at realtime
 * prices, the session's end when the balance runs out, both close directions, failover at the
 * handshake, and the browser's subprotocol key.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealtimeTest {

  private static final String MODEL = "gpt-realtime";
  /** gpt-realtime's prices per token in nano-dollars: text $4 / $0.40 cached / $16 out; audio $32 / $0.40 / $64. */
  private static final long TEXT_IN = 4_000;
  private static final long TEXT_CACHED = 400;
  private static final long TEXT_OUT = 16_000;
  private static final long AUDIO_IN = 32_000;
  private static final long AUDIO_CACHED = 400;
  private static final long AUDIO_OUT = 64_000;
  /**
   * One response's hold (docs/billing.md, "Realtime"): its 32,000-token context at the dearest input
   * price ($32/1M) and its 4,096 output tokens at the dearest output price ($64/1M).
   */
  private static final long HOLD = 32_000L * AUDIO_IN + 4_096L * AUDIO_OUT;

  private static final long MAX_SESSION_MS = 10_000;

  private TestCluster c;
  private final List<String> poolKeys = List.of("sk-realtime-pool-a-1234567890", "sk-realtime-pool-b-1234567890");
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start() throws Exception {
    // sessions end after 10 s here (default: min(YUGONG_HOLD_TTL_MS - 60 s, 30 min)), so that
    // the end at the maximum duration can be seen; every other session here is shorter
    c = TestCluster.start(2, new MockOptions(), Map.of("YUGONG_REALTIME_MAX_SESSION_MS", Long.toString(MAX_SESSION_MS)));
    for (String k : poolKeys) {
      c.addKey(0, k, null);
    }
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private String customer(String name, String dollars) throws Exception {
    return c.createAccount(0, new JsonObject().put("Name", name).put("CreditGranted", dollars))
        .getJsonObject("User").getString("SecretKey");
  }

  /** A client's end of a Realtime session: every text message it got, and how it was closed. */
  private static final class Client implements WebSocket.Listener {
    final LinkedBlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
    final CompletableFuture<String> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    WebSocket ws;

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(Long.MAX_VALUE);
    }

    @Override
    public java.util.concurrent.CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        events.add(new JsonObject(partial.toString()));
        partial.setLength(0);
      }
      return null;
    }

    @Override
    public java.util.concurrent.CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(statusCode + " " + reason);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed.completeExceptionally(error);
    }

    /** The next event of that type (earlier ones of other types are skipped and returned in {@code seen}). */
    JsonObject next(String type, List<JsonObject> seen) throws Exception {
      while (true) {
        JsonObject e = events.poll(30, TimeUnit.SECONDS);
        assertThat(e).as("an event " + type + " within 30 s (seen " + seen + ")").isNotNull();
        if (type.equals(e.getString("type"))) {
          return e;
        }
        seen.add(e);
      }
    }

    JsonObject next(String type) throws Exception {
      return next(type, new ArrayList<>());
    }

    void send(JsonObject event) {
      ws.sendText(event.encode(), true).join();
    }
  }

  private URI uri(int node) {
    return URI.create("ws://127.0.0.1:" + c.nodes.get(node).port() + "/v1/realtime?model=" + MODEL);
  }

  private Client open(int node, String key) {
    Client client = new Client();
    client.ws = http.newWebSocketBuilder().header("Authorization", "Bearer " + key)
        .header("OpenAI-Beta", "realtime=v1").buildAsync(uri(node), client).join();
    return client;
  }

  private static JsonObject userText(String text) {
    return new JsonObject().put("type", "conversation.item.create").put("item", new JsonObject()
        .put("type", "message").put("role", "user").put("content", new JsonArray()
            .add(new JsonObject().put("type", "input_text").put("text", text))));
  }

  private static final JsonObject RESPONSE_CREATE = new JsonObject().put("type", "response.create");

  /** The price of a response.done's usage at gpt-realtime's prices, in nano-dollars (exact: whole nanos per token). */
  private static long price(JsonObject usage) {
    JsonObject in = usage.getJsonObject("input_token_details");
    JsonObject cached = in.getJsonObject("cached_tokens_details");
    JsonObject out = usage.getJsonObject("output_token_details");
    long cachedText = cached.getLong("text_tokens");
    long cachedAudio = cached.getLong("audio_tokens");
    return (in.getLong("text_tokens") - cachedText) * TEXT_IN + cachedText * TEXT_CACHED
        + (in.getLong("audio_tokens") - cachedAudio) * AUDIO_IN + cachedAudio * AUDIO_CACHED
        + out.getLong("text_tokens") * TEXT_OUT + out.getLong("audio_tokens") * AUDIO_OUT;
  }

  private List<MockControl.RealtimeSocket> upstreamSockets() {
    List<MockControl.RealtimeSocket> all = new ArrayList<>();
    for (String k : poolKeys) {
      all.addAll(c.mock.control().realtimeSockets(k));
    }
    return all;
  }

  /** The upstream sockets opened since {@code before} (a snapshot of {@link #upstreamSockets}). */
  private List<MockControl.RealtimeSocket> since(List<MockControl.RealtimeSocket> before) {
    List<MockControl.RealtimeSocket> now = upstreamSockets();
    now.removeAll(before);
    return now;
  }

  private List<JsonObject> charges(int node, String key) throws Exception {
    c.settled();
    HttpResponse<String> r = c.call(node, "GET", "/dashboard/x_user/ledger?limit=1000", key, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonObject> out = new ArrayList<>();
    new JsonObject(r.body()).getJsonArray("data").forEach(o -> {
      if ("charge".equals(((JsonObject) o).getString("kind"))) {
        out.add((JsonObject) o);
      }
    });
    return out;
  }

  private long balanceNanos(int node, String key) throws Exception {
    c.settled();
    HttpResponse<String> r = c.call(node, "GET", "/dashboard/x_user/info", key, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new BigDecimal(String.valueOf(new JsonObject(r.body()).getValue("Balance"))).movePointRight(9)
        .longValueExact();
  }

  @Test
  void aRealtimeSessionRelaysFramesBothWays() throws Exception {
    String key = customer("rt-relay", "10");
    List<MockControl.RealtimeSocket> before = upstreamSockets();
    Client client = open(0, key);
    JsonObject created = client.next("session.created");
    assertThat(created.getJsonObject("session").getString("model")).isEqualTo(MODEL);

    client.send(userText("hello from the browser"));
    JsonObject item = client.next("conversation.item.created").getJsonObject("item");
    assertThat(item.getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("hello from the browser");

    // a large audio frame (300 KB of PCM16, about 6 s) goes up whole
    String audio = Base64.getEncoder().encodeToString(new byte[300 * 1024]);
    client.send(new JsonObject().put("type", "input_audio_buffer.append").put("audio", audio));
    client.send(new JsonObject().put("type", "input_audio_buffer.commit"));
    client.next("input_audio_buffer.committed");

    client.send(RESPONSE_CREATE);
    List<JsonObject> seen = new ArrayList<>();
    JsonObject done = client.next("response.done", seen);
    assertThat(seen).extracting(e -> e.getString("type")).contains("response.created",
        "response.audio_transcript.delta", "response.audio.delta");
    assertThat(done.getJsonObject("response").getJsonObject("usage").getJsonObject("input_token_details")
        .getLong("audio_tokens")).as("the audio the emulator received").isEqualTo((300 * 1024 + 4799) / 4800);

    // upstream saw a pool key (never the customer's) and the client's OpenAI-Beta header
    List<MockControl.RealtimeSocket> sockets = since(before);
    assertThat(sockets).hasSize(1);
    assertThat(poolKeys).contains(sockets.get(0).apiKey());
    client.ws.sendClose(1000, "done").join();
    assertThat(client.closed.get(10, TimeUnit.SECONDS)).startsWith("1000");
  }

  @Test
  void eachResponseDoneIsChargedAtRealtimePrices() throws Exception {
    String key = customer("rt-charges", "10");
    Client client = open(1, key);
    client.next("session.created");
    client.send(userText("tell me a story about a mountain"));
    client.next("conversation.item.created");
    List<Long> prices = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      client.send(RESPONSE_CREATE);
      prices.add(price(client.next("response.done").getJsonObject("response").getJsonObject("usage")));
    }
    client.ws.sendClose(1000, "bye").join();
    client.closed.get(10, TimeUnit.SECONDS);

    // one ledger entry per response.done, at its exact price; the later ones read cached input
    Eventually.eventually(Duration.ofSeconds(5), () -> assertThat(charges(0, key)).hasSize(3));
    List<JsonObject> charges = charges(0, key);
    List<Long> charged = new ArrayList<>();
    for (int i = charges.size() - 1; i >= 0; i--) {
      charged.add(charges.get(i).getLong("cost_nanos"));
      assertThat(charges.get(i).getString("model")).isEqualTo(MODEL);
    }
    assertThat(charged).isEqualTo(prices);
    assertThat(prices.get(1)).as("the second response pays less per cached token").isPositive();
    long total = prices.stream().mapToLong(Long::longValue).sum();
    // the balance is down by exactly what was charged: the last response's hold went back
    assertThat(balanceNanos(0, key)).isEqualTo(10_000_000_000L - total);
    assertThat(balanceNanos(1, key)).isEqualTo(10_000_000_000L - total);
  }

  @Test
  void theSessionEndsWhenTheBalanceCannotCoverTheNextResponse() throws Exception {
    // the emulator's first response: 3 text tokens in, 12 text and 24 audio tokens out
    long first = 3 * TEXT_IN + 12 * TEXT_OUT + 24 * AUDIO_OUT;
    // covers the first response's hold, not the spare for the one after it: the session ends as the
    // first response begins, and that response is charged what upstream reports for it
    long funded = HOLD + first / 2;
    String key = customer("rt-broke", new BigDecimal(funded).movePointLeft(9).toPlainString());
    Client client = open(0, key);
    client.next("session.created");
    client.send(RESPONSE_CREATE);
    // the response begins: its hold is the one placed at the upgrade, and the next one cannot be placed
    JsonObject error = client.next("error").getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("insufficient_quota");
    assertThat(error.getString("type")).isEqualTo("insufficient_quota");
    assertThat(client.closed.get(10, TimeUnit.SECONDS)).startsWith("1008");

    assertThat(charges(0, key)).singleElement().satisfies(e -> assertThat(e.getLong("cost_nanos")).isEqualTo(first));
    assertThat(balanceNanos(1, key)).isEqualTo(funded - first);
    // and a new session is refused before any upgrade
    assertThatThrownBy(() -> open(1, key)).isInstanceOf(CompletionException.class)
        .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
            e -> assertThat(e.getResponse().statusCode()).isEqualTo(429));
  }

  @Test
  void aClientCloseClosesUpstreamAndUpstreamCloseClosesTheClient() throws Exception {
    String key = customer("rt-close", "10");
    List<MockControl.RealtimeSocket> before = upstreamSockets();
    Client a = open(0, key);
    a.next("session.created");
    MockControl.RealtimeSocket upA = since(before).get(0);
    a.ws.sendClose(4000, "the user hung up").join();
    upA.closed().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(upA.closeCode()).isEqualTo((short) 4000);
    assertThat(upA.closeReason()).isEqualTo("the user hung up");

    before = upstreamSockets();
    Client b = open(1, key);
    b.next("session.created");
    MockControl.RealtimeSocket upB = since(before).get(0);
    upB.close(4001, "session expired");
    assertThat(b.closed.get(10, TimeUnit.SECONDS)).isEqualTo("4001 session expired");
    // a closed session is no longer a request in flight on its node
    Eventually.eventually(Duration.ofSeconds(5), () -> {
      assertThat(c.nodes.get(0).services().stats().inFlight()).isZero();
      assertThat(c.nodes.get(1).services().stats().inFlight()).isZero();
    });
  }

  @Test
  void aRateLimitedKeyIsSkippedAtTheHandshake() throws Exception {
    String limited = poolKeys.get(0);
    c.mock.control().behave(limited, KeyBehaviour.rateLimited(30));
    int limitedBefore = c.mock.control().realtimeSockets(limited).size();
    try {
      String key = customer("rt-failover", "20");
      List<Client> open = new ArrayList<>();
      // sessions stay open, so the least loaded key (the limited one) is chosen soon
      for (int i = 0; i < 4 && c.mock.control().requests(limited).stream()
          .noneMatch(r -> r.path().equals("/v1/realtime") && r.status() == 429); i++) {
        Client client = open(i % 2, key);
        client.next("session.created");
        open.add(client);
      }
      assertThat(c.mock.control().requests(limited)).as("the limited key answered the handshake")
          .anyMatch(r -> r.path().equals("/v1/realtime") && r.status() == 429);
      assertThat(c.mock.control().realtimeSockets(limited)).as("no session on the limited key")
          .hasSize(limitedBefore);
      for (Client client : open) {
        client.ws.sendClose(1000, "").join();
      }
    } finally {
      c.mock.control().behave(limited, null);
    }
  }

  @Test
  void theKeyInTheSubprotocolIsAcceptedAndNeverEchoed() throws Exception {
    String key = customer("rt-browser", "10");
    // a browser's offer: new WebSocket(url, ["realtime", "openai-insecure-api-key." + key, "openai-beta.realtime-v1"])
    Client client = new Client();
    client.ws = http.newWebSocketBuilder()
        .subprotocols("realtime", "openai-insecure-api-key." + key, "openai-beta.realtime-v1")
        .buildAsync(uri(0), client).join();
    assertThat(client.ws.getSubprotocol()).isEqualTo("realtime");
    client.next("session.created");
    client.ws.sendClose(1000, "").join();

    // the raw answer to an offer of the key alone: 101, and the key nowhere in it
    String head = rawUpgrade(0, "Sec-WebSocket-Protocol: openai-insecure-api-key." + key + "\r\n");
    assertThat(head).startsWith("HTTP/1.1 101");
    assertThat(head).doesNotContain(key).doesNotContainIgnoringCase("openai-insecure-api-key");
    // upstream never saw it either
    assertThat(upstreamSockets()).allSatisfy(s -> assertThat(poolKeys).contains(s.apiKey()));
  }

  @Test
  void anUnknownKeyGets401BeforeAnyUpgrade() throws Exception {
    int before = upstreamSockets().size();
    assertThatThrownBy(() -> open(0, "sk-not-a-yugong-key-0000000000000000")).isInstanceOf(CompletionException.class)
        .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
            e -> assertThat(e.getResponse().statusCode()).isEqualTo(401));
    String head = rawUpgrade(1, "Authorization: Bearer sk-not-a-yugong-key-0000000000000000\r\n");
    assertThat(head).startsWith("HTTP/1.1 401");
    assertThat(head).contains("\"code\":\"invalid_api_key\"");
    assertThat(rawUpgrade(1, "")).startsWith("HTTP/1.1 401");
    assertThat(upstreamSockets()).hasSize(before);
  }

  @Test
  void anEphemeralClientSecretIsRefusedBecauseItsUseCouldNotBeBilled() throws Exception {
    String key = customer("rt-secrets", "10");
    for (String path : List.of("/v1/realtime/sessions", "/v1/realtime/client_secrets")) {
      HttpResponse<String> r = c.call(0, "POST", path, key, new JsonObject().put("model", MODEL).encode());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
      JsonObject error = new JsonObject(r.body()).getJsonObject("error");
      assertThat(error.getString("code")).isEqualTo("endpoint_not_allowed");
      assertThat(error.getString("message")).contains("unbilled").contains("/v1/realtime");
      assertThat(c.mock.control().requests()).noneMatch(q -> q.path().equals(path));
    }
  }

  private static String dollars(long nanos) {
    return new BigDecimal(nanos).movePointLeft(9).toPlainString();
  }

  private static JsonObject slowResponse(int tokens, boolean outOfBand) {
    JsonObject r = new JsonObject().put("max_output_tokens", tokens);
    if (outOfBand) {
      r.put("conversation", "none");
    }
    return new JsonObject().put("type", "response.create").put("response", r);
  }

  /** The price of a response of the emulator's with {@code inText} text tokens in, and k text + 2k audio tokens out. */
  private static long priceOf(long inText, long k) {
    return inText * TEXT_IN + k * TEXT_OUT + 2 * k * AUDIO_OUT;
  }

  @Test
  void aClientThatClosesMidResponseIsChargedForWhatUpstreamReports() throws Exception {
    String key = customer("rt-mid-close", "10");
    c.mock.control().realtimeDeltaDelay(50);
    try {
      List<MockControl.RealtimeSocket> before = upstreamSockets();
      Client client = open(0, key);
      client.next("session.created");
      MockControl.RealtimeSocket up = since(before).get(0);
      client.send(slowResponse(400, false));
      client.next("response.created");
      client.next("response.audio_transcript.delta");
      client.next("response.audio_transcript.delta");
      client.ws.sendClose(1000, "the user hung up").join();

      // upstream was asked to stop, reported the cancelled response's usage, and only then was closed
      up.closed().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(up.receivedTypes()).contains("response.cancel");
      assertThat(up.closeCode()).isEqualTo((short) 1000);
      Eventually.eventually(Duration.ofSeconds(5), () -> assertThat(charges(0, key)).hasSize(1));
      long cost = charges(1, key).get(0).getLong("cost_nanos");
      // 3 text tokens in; out: k text and 2k audio tokens for the k deltas sent before the cancel
      long k = (cost - 3 * TEXT_IN) / (TEXT_OUT + 2 * AUDIO_OUT);
      assertThat(k).isBetween(2L, 399L);
      assertThat(cost).isEqualTo(priceOf(3, k));
      assertThat(balanceNanos(1, key)).isEqualTo(10_000_000_000L - cost);
    } finally {
      c.mock.control().realtimeDeltaDelay(0);
    }
  }

  @Test
  void concurrentResponsesAreEachHeldAndCharged() throws Exception {
    c.mock.control().realtimeDeltaDelay(20);
    try {
      // a balance for all ten at once (and the spare): each is held, and charged at its usage
      long funded = 12 * HOLD;
      String key = customer("rt-concurrent", dollars(funded));
      Client client = open(0, key);
      client.next("session.created");
      for (int i = 0; i < 10; i++) {
        client.send(slowResponse(10, true));
      }
      long total = 0;
      for (int i = 0; i < 10; i++) {
        total += price(client.next("response.done").getJsonObject("response").getJsonObject("usage"));
      }
      assertThat(total).isEqualTo(10 * priceOf(3, 10));
      client.ws.sendClose(1000, "").join();
      client.closed.get(10, TimeUnit.SECONDS);
      Eventually.eventually(Duration.ofSeconds(5), () -> assertThat(charges(0, key)).hasSize(10));
      assertThat(charges(1, key)).allSatisfy(e -> assertThat(e.getLong("cost_nanos")).isEqualTo(priceOf(3, 10)));
      assertThat(balanceNanos(1, key)).isEqualTo(funded - total);

      // a balance for three holds: the third response's next hold cannot be placed, so the session
      // ends; the three under way are still charged (at what upstream reports once they are cancelled)
      long small = 3 * HOLD + HOLD / 2;
      String poor = customer("rt-concurrent-poor", dollars(small));
      Client p = open(1, poor);
      p.next("session.created");
      for (int i = 0; i < 10; i++) {
        p.send(slowResponse(10, true));
      }
      JsonObject error = p.next("error").getJsonObject("error");
      assertThat(error.getString("code")).isEqualTo("insufficient_quota");
      assertThat(p.closed.get(10, TimeUnit.SECONDS)).startsWith("1008");
      Eventually.eventually(Duration.ofSeconds(10), () -> assertThat(charges(0, poor)).hasSize(3));
      List<JsonObject> charged = charges(0, poor);
      long sum = 0;
      for (JsonObject e : charged) {
        long cost = e.getLong("cost_nanos");
        long k = (cost - 3 * TEXT_IN) / (TEXT_OUT + 2 * AUDIO_OUT);
        assertThat(cost).as("charged at its reported usage").isEqualTo(priceOf(3, k));
        sum += cost;
      }
      assertThat(balanceNanos(1, poor)).isEqualTo(small - sum).isNotNegative();
    } finally {
      c.mock.control().realtimeDeltaDelay(0);
    }
  }

  @Test
  void anUpstreamCloseMidResponseChargesTheHold() throws Exception {
    String key = customer("rt-upstream-close", "10");
    c.mock.control().realtimeDeltaDelay(50);
    try {
      List<MockControl.RealtimeSocket> before = upstreamSockets();
      Client client = open(1, key);
      client.next("session.created");
      MockControl.RealtimeSocket up = since(before).get(0);
      client.send(slowResponse(400, false));
      client.next("response.audio_transcript.delta");
      up.close(4002, "upstream went away");
      assertThat(client.closed.get(10, TimeUnit.SECONDS)).isEqualTo("4002 upstream went away");
      // the response was never reported done: it costs its whole hold, once
      Eventually.eventually(Duration.ofSeconds(5), () -> assertThat(charges(0, key)).hasSize(1));
      assertThat(charges(0, key).get(0).getLong("cost_nanos")).isEqualTo(HOLD);
      assertThat(balanceNanos(0, key)).isEqualTo(10_000_000_000L - HOLD);
    } finally {
      c.mock.control().realtimeDeltaDelay(0);
    }
  }

  @Test
  void aSubAccountsModelAndResourceRulesApplyToRealtime() throws Exception {
    String minis = c.createAccount(0, new JsonObject().put("Name", "rt-minis").put("CreditGranted", "10")
        .put("AllowModels", "gpt-4o-mini")).getJsonObject("User").getString("SecretKey");
    String chatOnly = c.createAccount(0, new JsonObject().put("Name", "rt-chat-only").put("CreditGranted", "10")
        .put("Resources", "/v1/chat/completions")).getJsonObject("User").getString("SecretKey");
    String parent = customer("rt-parent", "10");
    HttpResponse<String> made = c.call(0, "POST", "/x-users", parent, new JsonObject().put("Name", "rt-child")
        .put("CreditGranted", "5").put("DenyModels", "gpt-realtime*").encode());
    assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
    String child = new JsonObject(made.body()).getJsonObject("User").getString("SecretKey");
    int sockets = upstreamSockets().size();
    for (String k : List.of(minis, chatOnly, child)) {
      String head = rawUpgrade(1, "Authorization: Bearer " + k + "\r\n");
      assertThat(head).startsWith("HTTP/1.1 403");
      assertThat(head).containsAnyOf("\"code\":\"model_not_allowed\"", "\"code\":\"endpoint_not_allowed\"");
    }
    assertThat(upstreamSockets()).hasSize(sockets);
    assertThat(charges(0, minis)).isEmpty();
  }

  @Test
  void inputTranscriptionIsRefusedBecauseItCannotBeBilled() throws Exception {
    String key = customer("rt-transcription", "10");
    List<MockControl.RealtimeSocket> before = upstreamSockets();
    Client client = new Client();
    client.ws = http.newWebSocketBuilder().header("Authorization", "Bearer " + key)
        .buildAsync(URI.create(uri(0) + "&intent=transcription"), client).join();
    client.next("session.created");
    MockControl.RealtimeSocket up = since(before).get(0);
    assertThat(up.uri()).as("only the model goes upstream").doesNotContain("intent");

    client.send(new JsonObject().put("type", "session.update").put("event_id", "ev_1").put("session",
        new JsonObject().put("input_audio_transcription", new JsonObject().put("model", "whisper-1"))));
    JsonObject error = client.next("error").getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("transcription_not_supported");
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(error.getString("event_id")).isEqualTo("ev_1");
    assertThat(error.getString("message")).contains("cannot be billed");
    // the GA shape too
    client.send(new JsonObject().put("type", "session.update").put("session", new JsonObject()
        .put("audio", new JsonObject().put("input", new JsonObject()
            .put("transcription", new JsonObject().put("model", "gpt-4o-transcribe"))))));
    assertThat(client.next("error").getJsonObject("error").getString("code")).isEqualTo("transcription_not_supported");
    client.send(new JsonObject().put("type", "transcription_session.update").put("session", new JsonObject()
        .put("input_audio_transcription", new JsonObject().put("model", "gpt-4o-transcribe"))));
    assertThat(client.next("error").getJsonObject("error").getString("code")).isEqualTo("transcription_not_supported");

    // an update without transcription (or turning it off) goes up as usual
    client.send(new JsonObject().put("type", "session.update").put("session", new JsonObject()
        .put("modalities", new JsonArray().add("text")).put("input_audio_transcription", (Object) null)));
    client.next("session.updated");
    assertThat(up.receivedTypes()).containsExactly("session.update");
    client.send(RESPONSE_CREATE);
    client.next("response.done");
    client.ws.sendClose(1000, "").join();
    client.closed.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aSessionEndsAtItsMaximumDurationBeforeItsHoldCouldExpire() throws Exception {
    String key = customer("rt-expiry", "10");
    long opened = System.nanoTime();
    Client client = open(0, key);
    client.next("session.created");
    client.send(RESPONSE_CREATE);
    long first = price(client.next("response.done").getJsonObject("response").getJsonObject("usage"));
    JsonObject error = client.next("error").getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("session_expired");
    assertThat(client.closed.get(10, TimeUnit.SECONDS)).startsWith("1000");
    assertThat((System.nanoTime() - opened) / 1_000_000L).isGreaterThanOrEqualTo(MAX_SESSION_MS - 1_000);
    Eventually.eventually(Duration.ofSeconds(5), () -> assertThat(charges(0, key)).hasSize(1));
    assertThat(charges(1, key).get(0).getLong("cost_nanos")).isEqualTo(first);
    assertThat(balanceNanos(1, key)).isEqualTo(10_000_000_000L - first);
  }

  /** A WebSocket upgrade by hand; returns what the node answered up to the first 4 KiB. */
  private String rawUpgrade(int node, String extraHeaders) throws Exception {
    try (Socket s = new Socket("127.0.0.1", c.nodes.get(node).port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET /v1/realtime?model=" + MODEL + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
          + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + extraHeaders + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[4096];
      StringBuilder sb = new StringBuilder();
      while (sb.length() < 4096) {
        int n = in.read(buf);
        if (n < 0) {
          break;
        }
        sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        int end = sb.indexOf("\r\n\r\n");
        if (end >= 0 && (sb.toString().startsWith("HTTP/1.1 101") || sb.indexOf("}}") > end)) {
          break;
        }
      }
      return sb.toString();
    }
  }
}
