package io.yugong.hostile;

import io.yugong.testing.StoreReader;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A hold bounds the worst case: every choice and candidate, every image of an upload, every
 * content part; background work is refused; and usage an upstream reports beyond the hold is
 * charged up to the balance, recorded as uncovered, and counted — which an honest upstream (the
 * emulator, at its largest) never causes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorstCaseHoldTest {

  /** Per-token list prices in nano-dollars. */
  private static final long GPT4O_OUT = 10_000;
  private static final long GPT4O_IN = 2_500;
  private static final long MINI_IN = 150;
  private static final long INSTRUCT_OUT = 2_000;
  private static final long NANO_OUT = 400;

  private TestCluster c;
  private HoldsKit.FakeUpstream fake;
  private StoreReader store;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    fake = new HoldsKit.FakeUpstream();
    c.addKey(0, "sk-emulator-holds-0123456789", new JsonObject()
        .put("models", new JsonArray().add("gpt-4o*").add("gpt-3.5*").add("text-embedding*").add("dall-e-3")
            .add("tts-1").add("whisper-1")));
    c.addKey(0, "sk-fake-holds-0123456789", new JsonObject().put("baseUrl", fake.baseUrl())
        .put("models", new JsonArray().add("gpt-4.1-nano").add("dall-e-2")));
    store = new StoreReader(c);
  }

  @AfterAll
  void stop() throws Exception {
    store.close();
    c.close();
    fake.close();
  }

  private record Customer(String key, String id) {
  }

  private Customer customer(String name, String dollars) throws Exception {
    JsonObject created = HostileKit.customer(c, name, dollars);
    return new Customer(HostileKit.secret(created), HostileKit.id(created));
  }

  private HttpResponse<String> post(int node, String path, Customer who, JsonObject body) throws Exception {
    return c.call(node, "POST", path, who.key(), body.encode());
  }

  /** The hold a refused request would have placed (the refusal names it). */
  private long holdOf(Customer poor, String path, JsonObject body) throws Exception {
    HttpResponse<String> r = post(0, path, poor, body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
    assertThat(HostileKit.error(r).getString("code")).isEqualTo("insufficient_quota");
    return HoldsKit.heldIn(r.body());
  }

  private long beyondHoldOn(int node) throws Exception {
    HttpResponse<String> r = c.call(node, "GET", "/admin/cluster", c.adminKey, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    for (Object o : HostileKit.json(r).getJsonArray("nodes")) {
      JsonObject card = (JsonObject) o;
      if (card.getBoolean("self", false)) {
        return card.getLong("settlementsBeyondHold");
      }
    }
    throw new AssertionError("no card of its own: " + r.body());
  }

  @Test
  void maxTokensTimesNNeverWrapsToAPromptOnlyHold() throws Exception {
    Customer rich = customer("holds-wrap", "10");
    JsonObject wraps = HostileKit.chat("gpt-4o", "hello", Integer.MAX_VALUE).put("n", 2);
    assertThat(holdOf(rich, "/v1/chat/completions", wraps)).isGreaterThanOrEqualTo(2L * Integer.MAX_VALUE * GPT4O_OUT);
    JsonObject beyondAny = HostileKit.chat("gpt-4o", "hello", null).put("max_tokens", Long.MAX_VALUE)
        .put("n", Long.MAX_VALUE);
    HttpResponse<String> r = post(1, "/v1/chat/completions", rich, beyondAny);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
    assertThat(HostileKit.error(r).getString("code")).isEqualTo("insufficient_quota");
    assertThat(store.requestHolds(rich.id())).isZero();
    assertThat(store.charges(rich.id())).isEmpty();
  }

  @Test
  void everyChoiceIsHeldForItsMaxTokens() throws Exception {
    Customer small = customer("holds-n", "0.05");
    JsonObject eight = HostileKit.chat("gpt-4o", "hello", 1000).put("n", 8);
    assertThat(holdOf(small, "/v1/chat/completions", eight)).isGreaterThanOrEqualTo(8 * 1000 * GPT4O_OUT);
    HttpResponse<String> one = post(1, "/v1/chat/completions", small, HostileKit.chat("gpt-4o", "hello", 1000));
    assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
    // without a maximum, every choice is held for the model's output cap (16384 for gpt-4o)
    // where the balance covers it; where it does not, the choices share what it affords
    Customer poorer = customer("holds-n-uncapped", "0.05");
    JsonObject uncapped = HostileKit.chat("gpt-4o", "hello", null).put("n", 3);
    HttpResponse<String> shared = post(0, "/v1/chat/completions", poorer, uncapped);
    assertThat(shared.statusCode()).as(shared.body()).isEqualTo(200);
    long out = HostileKit.json(shared).getJsonObject("usage").getLong("completion_tokens");
    assertThat(out).isBetween(3 * 16L, 50_000_000L / GPT4O_OUT);
  }

  @Test
  void bestOfCandidatesAreHeldForEveryPrompt() throws Exception {
    Customer small = customer("holds-best-of", "0.03");
    JsonObject bestOf = new JsonObject().put("model", "gpt-3.5-turbo-instruct").put("prompt", "say hi")
        .put("max_tokens", 1000).put("best_of", 20).put("n", 2);
    assertThat(holdOf(small, "/v1/completions", bestOf)).isGreaterThanOrEqualTo(20 * 1000 * INSTRUCT_OUT);
    JsonObject batch = new JsonObject().put("model", "gpt-3.5-turbo-instruct")
        .put("prompt", new JsonArray().add("one").add("two").add("three")).put("max_tokens", 5000);
    assertThat(holdOf(small, "/v1/completions", batch)).isGreaterThanOrEqualTo(3 * 5000 * INSTRUCT_OUT);
    HttpResponse<String> plain = post(0, "/v1/completions", small, new JsonObject()
        .put("model", "gpt-3.5-turbo-instruct").put("prompt", "say hi").put("max_tokens", 100));
    assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
  }

  private HttpResponse<String> upload(int node, String path, Customer who, HoldsKit.Form form) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(c.base(node) + path))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + who.key())
        .header("Content-Type", form.contentType())
        .POST(HttpRequest.BodyPublishers.ofByteArray(form.bytes())).build();
    return http.send(req, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void imageEditsAndVariationsAreBilledForEveryImage() throws Exception {
    Customer who = customer("holds-images", "1");
    byte[] png = new byte[2048];
    HttpResponse<String> edit = upload(0, "/v1/images/edits", who, new HoldsKit.Form()
        .file("image", "a.png", png).field("model", "dall-e-2").field("prompt", "a cat")
        .field("n", "3").field("size", "256x256"));
    assertThat(edit.statusCode()).as(edit.body()).isEqualTo(200);
    assertThat(HostileKit.json(edit).getJsonArray("data")).hasSize(3);
    HttpResponse<String> variation = upload(1, "/v1/images/variations", who, new HoldsKit.Form()
        .field("model", "dall-e-2").field("n", "2").field("size", "512x512").file("image", "b.png", png));
    assertThat(variation.statusCode()).as(variation.body()).isEqualTo(200);
    List<JsonObject> charges = store.charges(who.id());
    // the two nodes flush their charges behind, each in its own batch: the ledger holds them in flush order
    assertThat(charges).extracting(e -> e.getString("cost")).containsExactlyInAnyOrder("48000000", "36000000");
    assertThat(charges).extracting(e -> e.getString("uncovered")).containsOnly("0");
    assertThat(store.requestHolds(who.id())).isZero();
  }

  @Test
  void aFormFieldSentTwiceWithDifferentValuesIsRefused() throws Exception {
    Customer who = customer("holds-twice", "1");
    HttpResponse<String> r = upload(0, "/v1/images/edits", who, new HoldsKit.Form()
        .field("model", "dall-e-2").field("n", "1").file("image", "a.png", new byte[64]).field("n", "10"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(HostileKit.error(r).getString("param")).isEqualTo("n");
    assertThat(store.charges(who.id())).isEmpty();
  }

  private static JsonObject withPart(String model, JsonObject part) {
    return new JsonObject().put("model", model).put("max_tokens", 10).put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", new JsonArray()
            .add(new JsonObject().put("type", "text").put("text", "what is this")).add(part))));
  }

  @Test
  void fileImageAndAudioPartsAreHeld() throws Exception {
    Customer poor = customer("holds-parts", "0.000001");
    JsonObject text = new JsonObject().put("type", "text").put("text", "nothing else");
    long baseline4o = holdOf(poor, "/v1/chat/completions", withPart("gpt-4o", text));
    long baselineMini = holdOf(poor, "/v1/chat/completions", withPart("gpt-4o-mini", text));

    String pdf = Base64.getEncoder().encodeToString(new byte[300_000]); // 400 KB of base64
    JsonObject file = new JsonObject().put("type", "file").put("file", new JsonObject()
        .put("filename", "report.pdf").put("file_data", "data:application/pdf;base64," + pdf));
    assertThat(holdOf(poor, "/v1/chat/completions", withPart("gpt-4o", file)) - baseline4o)
        .isGreaterThanOrEqualTo(300_000 * GPT4O_IN);

    JsonObject image = new JsonObject().put("type", "image_url").put("image_url", new JsonObject()
        .put("url", "https://example.com/cat.png").put("detail", "low"));
    assertThat(holdOf(poor, "/v1/chat/completions", withPart("gpt-4o-mini", image)) - baselineMini)
        .isGreaterThanOrEqualTo((2_833 + 8 * 5_667) * MINI_IN);

    String wav = Base64.getEncoder().encodeToString(new byte[160_000]); // 10 s of 16 kHz 8-bit audio
    JsonObject audio = new JsonObject().put("type", "input_audio").put("input_audio", new JsonObject()
        .put("data", wav).put("format", "wav"));
    assertThat(holdOf(poor, "/v1/chat/completions", withPart("gpt-4o", audio)) - baseline4o)
        .isGreaterThanOrEqualTo(10 * 10 * GPT4O_IN);

    JsonObject responsesFile = new JsonObject().put("model", "gpt-4o").put("max_output_tokens", 10)
        .put("input", new JsonArray().add(new JsonObject().put("role", "user").put("content", new JsonArray()
            .add(new JsonObject().put("type", "input_file").put("filename", "r.pdf")
                .put("file_data", "data:application/pdf;base64," + pdf)))));
    assertThat(holdOf(poor, "/v1/responses", responsesFile)).isGreaterThanOrEqualTo(300_000 * GPT4O_IN);

    // with the money for it, the same file part is served and settled
    Customer rich = customer("holds-parts-rich", "10");
    HttpResponse<String> served = post(1, "/v1/chat/completions", rich, withPart("gpt-4o", file));
    assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
    assertThat(store.requestHolds(rich.id())).isZero();
  }

  @Test
  void backgroundResponsesAreRefusedForMeteredAccounts() throws Exception {
    Customer who = customer("holds-background", "10");
    HttpResponse<String> r = post(0, "/v1/responses", who, new JsonObject().put("model", "gpt-4o")
        .put("input", "write a long essay").put("background", true));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonObject error = HostileKit.error(r);
    assertThat(error.getString("code")).isEqualTo("background_not_supported");
    assertThat(error.getString("param")).isEqualTo("background");
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(store.requestHolds(who.id())).isZero();
  }

  @Test
  void usageBeyondTheHoldIsChargedUpToTheBalanceRecordedAndCounted() throws Exception {
    long before = beyondHoldOn(0);
    String lie = "usage:{\"prompt_tokens\":10,\"completion_tokens\":10000000,\"total_tokens\":10000010}";
    Customer poor = customer("holds-lied-to", "1");
    HttpResponse<String> r = post(0, "/v1/chat/completions", poor, HostileKit.chat("gpt-4.1-nano", lie, 5));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonObject> charges = store.charges(poor.id());
    assertThat(charges).hasSize(1);
    JsonObject charge = charges.get(0);
    long due = Long.parseLong(charge.getString("cost"));
    assertThat(due).isGreaterThanOrEqualTo(10_000_000 * NANO_OUT);
    assertThat(Long.parseLong(charge.getString("amount"))).isEqualTo(-1_000_000_000L);
    assertThat(Long.parseLong(charge.getString("uncovered"))).isEqualTo(due - 1_000_000_000L);
    assertThat(store.wallet(poor.id(), "balance")).isZero();
    assertThat(store.requestHolds(poor.id())).isZero();

    Customer rich = customer("holds-lied-to-rich", "10");
    r = post(0, "/v1/chat/completions", rich, HostileKit.chat("gpt-4.1-nano", lie, 5));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonObject covered = store.charges(rich.id()).get(0);
    assertThat(covered.getString("uncovered")).isEqualTo("0");
    assertThat(-Long.parseLong(covered.getString("amount"))).isEqualTo(Long.parseLong(covered.getString("cost")));
    assertThat(beyondHoldOn(0)).isEqualTo(before + 2);
  }

  @Test
  void theEmulatorsLargestAnswersNeverExceedTheHold() throws Exception {
    long before = beyondHoldOn(0) + beyondHoldOn(1);
    Customer who = customer("holds-honest", "50");
    String words = "the quick brown fox jumps over the lazy dog ".repeat(200);
    List<String[]> calls = List.of(
        new String[] {"/v1/chat/completions", HostileKit.chat("gpt-4o", words, 4096).put("n", 2).encode()},
        new String[] {"/v1/chat/completions", HostileKit.chat("gpt-4o", words, 4096).put("stream", true).encode()},
        new String[] {"/v1/chat/completions", HostileKit.chat("gpt-4o-mini", words, null).encode()},
        new String[] {"/v1/chat/completions", new JsonObject().put("model", "gpt-4o").put("max_completion_tokens", 4096)
            .put("stream", true).put("stream_options", new JsonObject().put("include_usage", true))
            .put("messages", new JsonArray().add(new JsonObject().put("role", "system").put("content", words))
                .add(new JsonObject().put("role", "user").put("content", new JsonArray()
                    .add(new JsonObject().put("type", "text").put("text", words))))).encode()},
        new String[] {"/v1/completions", new JsonObject().put("model", "gpt-3.5-turbo-instruct")
            .put("prompt", new JsonArray().add(words).add("short")).put("max_tokens", 4096).put("best_of", 2).encode()},
        new String[] {"/v1/completions", new JsonObject().put("model", "gpt-3.5-turbo-instruct").put("prompt", words)
            .put("max_tokens", 4096).put("stream", true).encode()},
        new String[] {"/v1/responses", new JsonObject().put("model", "gpt-4o").put("input", words)
            .put("instructions", words).put("max_output_tokens", 4096).encode()},
        new String[] {"/v1/responses", new JsonObject().put("model", "gpt-4o").put("input", words)
            .put("max_output_tokens", 4096).put("stream", true).encode()},
        new String[] {"/v1/embeddings", new JsonObject().put("model", "text-embedding-3-small")
            .put("input", new JsonArray().add(words).add(words)).encode()},
        new String[] {"/v1/images/generations", new JsonObject().put("model", "dall-e-3").put("prompt", words)
            .put("n", 1).put("size", "1792x1024").put("quality", "hd").encode()},
        new String[] {"/v1/audio/speech", new JsonObject().put("model", "tts-1").put("voice", "alloy").put("input", words.substring(0, 4096)).encode()});
    int node = 0;
    for (String[] call : calls) {
      HttpResponse<String> r = c.call(node, "POST", call[0], who.key(), call[1]);
      assertThat(r.statusCode()).as(call[0] + " " + r.body()).isEqualTo(200);
      node = 1 - node;
    }
    assertThat(store.charges(who.id())).hasSize(calls.size())
        .extracting(e -> e.getString("uncovered")).containsOnly("0");
    assertThat(store.requestHolds(who.id())).isZero();
    assertThat(beyondHoldOn(0) + beyondHoldOn(1)).isEqualTo(before);
  }
}
