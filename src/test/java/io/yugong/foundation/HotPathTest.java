package io.yugong.foundation;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.node.NodeStats;
import io.yugong.testing.Eventually;
import io.yugong.testing.TestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Most API requests never meet the router (gateway.HotPath takes a POST to a canonical /v1 path
 * first); the router serves the same request when its path must be rerouted first. A client cannot
 * tell the two apart: for each kind of request, its normal path (the hot path) and a spelling the
 * router reroutes to it get the same status, the same headers and the same answer, and each leaves
 * the node with nothing in flight.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HotPathTest {

  private static final String CHAT = "/v1/chat/completions";
  /** The same target, rerouted by the router before anything else runs. */
  private static final String REROUTED = "/v1/x/../chat/completions";
  private static final String ORIGIN = "https://app.example";
  /** Headers whose values are the request's own (ids, times), or upstream's per answer. */
  private static final Set<String> PER_ANSWER = Set.of("x-request-id", "x-yugong-request-id", "date",
      "content-length", "openai-processing-ms", "x-ratelimit-remaining-requests", "x-ratelimit-remaining-tokens",
      "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens");

  private TestCluster c;
  private String key;
  private String disabledKey;

  /** Whose key a request carries. */
  enum Who { CUSTOMER, DISABLED, NOBODY }

  /** One kind of request: its key, body and extra header lines. */
  record Kind(String name, Who who, String body, String... headers) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(1, new MockOptions(), java.util.Map.of());
    c.addKey(0, "sk-hot-path-emulator-1234567890", null);
    key = TestCluster.secretOf(c.createAccount(0, new JsonObject().put("Name", "hot").put("CreditGranted", 50)));
    JsonObject off = c.createAccount(0, new JsonObject().put("Name", "hot-off").put("CreditGranted", 5));
    disabledKey = TestCluster.secretOf(off);
    assertThat(c.call(0, "PUT", "/x-users/hot-off", c.adminKey,
        new JsonObject().put("Status", "disabled").encode()).statusCode()).isEqualTo(200);
    Eventually.eventually(Duration.ofSeconds(5), () -> assertThat(
        c.call(0, "POST", CHAT, disabledKey, chat(false)).statusCode()).isEqualTo(403));
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private static String chat(boolean stream) {
    return new JsonObject().put("model", "gpt-4o-mini").put("stream", stream).put("max_tokens", 16)
        .put("messages", new io.vertx.core.json.JsonArray().add(new JsonObject().put("role", "user")
            .put("content", "same either way"))).encode();
  }

  Stream<Kind> kinds() {
    return Stream.of(
        new Kind("a chat completion", Who.CUSTOMER, chat(false)),
        new Kind("a streamed chat completion", Who.CUSTOMER, chat(true)),
        new Kind("a browser's chat completion", Who.CUSTOMER, chat(false), "Origin: " + ORIGIN),
        new Kind("no key", Who.NOBODY, chat(false)),
        new Kind("no key, from a browser", Who.NOBODY, chat(false), "Origin: " + ORIGIN),
        new Kind("a disabled account", Who.DISABLED, chat(false)),
        new Kind("a body that is no JSON", Who.CUSTOMER, "{\"model\": \"gpt-4o-mini\", "),
        new Kind("a model nobody serves", Who.CUSTOMER, chat(false).replace("gpt-4o-mini", "gpt-made-up")),
        new Kind("a body over the limit", Who.CUSTOMER,
            "{\"model\":\"gpt-4o-mini\",\"pad\":\"" + "x".repeat(70_000) + "\"}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void theHotPathAnswersAsTheRouterDoes(Kind kind) throws Exception {
    RawHttp.Response hot = send(CHAT, kind);
    RawHttp.Response routed = send(REROUTED, kind);
    assertThat(hot.status()).as(hot.text()).isEqualTo(routed.status());
    assertThat(names(hot)).isEqualTo(names(routed));
    for (String name : names(hot)) {
      if (!PER_ANSWER.contains(name)) {
        assertThat(hot.values(name)).as(name).isEqualTo(routed.values(name));
      }
    }
    for (RawHttp.Response r : List.of(hot, routed)) {
      assertThat(r.header("x-yugong-request-id")).matches("req_[0-9a-f]{24}");
      assertThat(r.header("x-request-id")).isNotNull();
    }
    assertThat(hot.header("x-yugong-request-id")).isNotEqualTo(routed.header("x-yugong-request-id"));
    if (hot.status() >= 400) {
      assertThat(new JsonObject(hot.text()).getJsonObject("error"))
          .isEqualTo(new JsonObject(routed.text()).getJsonObject("error"));
    } else if (hot.text().startsWith("data:")) {
      assertThat(events(hot)).isEqualTo(events(routed)).isGreaterThan(2);
    } else {
      assertThat(new JsonObject(hot.text()).fieldNames()).isEqualTo(new JsonObject(routed.text()).fieldNames());
    }
    NodeStats stats = c.nodes.get(0).services().stats();
    Eventually.eventually(Duration.ofSeconds(5), () -> assertThat(stats.inFlight()).isZero());
  }

  @Test
  void aClientThatHangsUpMidStreamLeavesNothingInFlightOnEitherPath() throws Exception {
    NodeStats stats = c.nodes.get(0).services().stats();
    for (String target : List.of(CHAT, REROUTED)) {
      try (RawHttp raw = new RawHttp(c.nodes.get(0).port())) {
        raw.send(RawHttp.post(target, key, chat(true)));
        raw.readUntil("data:", 1);
      }
      Eventually.eventually(Duration.ofSeconds(5), () -> assertThat(stats.inFlight()).isZero());
    }
  }

  private RawHttp.Response send(String target, Kind kind) throws Exception {
    String k = switch (kind.who()) {
      case CUSTOMER -> key;
      case DISABLED -> disabledKey;
      case NOBODY -> null;
    };
    try (RawHttp raw = new RawHttp(c.nodes.get(0).port())) {
      String request = RawHttp.post(target, k, kind.body(), kind.headers());
      return raw.send(request).read();
    }
  }

  private static Set<String> names(RawHttp.Response r) {
    Set<String> names = new TreeSet<>();
    for (String[] h : r.headers()) {
      names.add(h[0].toLowerCase(Locale.ROOT));
    }
    return names;
  }

  private static long events(RawHttp.Response r) {
    return new String(r.body(), StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("data:")).count();
  }
}
