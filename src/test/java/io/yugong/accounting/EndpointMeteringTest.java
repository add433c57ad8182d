package io.yugong.accounting;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.models.audio.AudioModel;
import com.openai.models.audio.transcriptions.TranscriptionCreateParams;
import io.vertx.core.json.JsonObject;
import io.yugong.billing.PriceBook;
import io.yugong.billing.Pricing;
import io.yugong.billing.Rate;
import io.yugong.billing.Usage;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint is billed by what it is priced by: embeddings by upstream's token usage,
 * images per image by size and quality, speech by input characters, transcriptions by audio
 * duration (the model read from the multipart form), the Responses API from its stream's usage,
 * and models and moderations free — each with exactly one ledger entry.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndpointMeteringTest {

  private final PriceBook book = PriceBook.defaults();
  private TestCluster c;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new io.yugong.mock.MockOptions(), Kit.ENV);
    c.addKey(0, "sk-meter-one-1234567890", null);
  }

  @AfterAll
  void stop() throws Exception {
    c.close();
  }

  private String account(String name) throws Exception {
    return Kit.secret(c.createAccount(0, new JsonObject().put("Name", name).put("CreditGranted", 10)));
  }

  private long price(String model, Usage usage) {
    return Pricing.charge(book.find(model).orElseThrow(), usage, book.multiplier(), Rate.ONE);
  }

  /** The account's only ledger charge. */
  private JsonObject onlyCharge(String key) throws Exception {
    List<JsonObject> charges = Kit.charges(Kit.ledger(c, 1, key));
    assertThat(charges).hasSize(1);
    return charges.get(0);
  }

  private HttpResponse<String> post(String key, String path, JsonObject body) throws Exception {
    HttpResponse<String> r = c.call(0, "POST", path, key, body.encode());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r;
  }

  @Test
  void embeddingsAreBilledFromUpstreamsTokenUsage() throws Exception {
    String key = account("meter-embed");
    JsonObject answer = Kit.json(post(key, "/v1/embeddings",
        new JsonObject().put("model", "text-embedding-3-small").put("input", "one two three four")));
    long tokens = answer.getJsonObject("usage").getLong("prompt_tokens");
    JsonObject charge = onlyCharge(key);
    assertThat(charge.getLong("prompt_tokens")).isEqualTo(tokens);
    assertThat(charge.getLong("cost_nanos")).isEqualTo(price("text-embedding-3-small", Usage.tokens(tokens, 0, 0)));
  }

  @Test
  void imagesAreBilledPerImageBySizeAndQuality() throws Exception {
    String key = account("meter-images");
    post(key, "/v1/images/generations", new JsonObject().put("model", "dall-e-3").put("prompt", "a yak")
        .put("size", "1792x1024").put("quality", "hd"));
    assertThat(onlyCharge(key).getLong("cost_nanos")).isEqualTo(120_000_000L)
        .isEqualTo(price("dall-e-3", Usage.images(1, "1792x1024", "hd")));

    String two = account("meter-images-2");
    post(two, "/v1/images/generations", new JsonObject().put("model", "dall-e-2").put("prompt", "a yak")
        .put("n", 2).put("size", "512x512"));
    assertThat(onlyCharge(two).getLong("cost_nanos")).isEqualTo(2 * 18_000_000L);
  }

  @Test
  void speechIsBilledByInputCharacters() throws Exception {
    String key = account("meter-speech");
    String input = "Yugong moves mountains, one basket at a time.";
    post(key, "/v1/audio/speech", new JsonObject().put("model", "tts-1").put("input", input).put("voice", "alloy"));
    assertThat(onlyCharge(key).getLong("cost_nanos"))
        .isEqualTo(price("tts-1", Usage.characters(input.length())))
        .isEqualTo(input.length() * 15_000L);
  }

  @Test
  void transcriptionsAreBilledByAudioDurationUnderTheModelOfTheForm(@TempDir Path dir) throws Exception {
    String key = account("meter-audio");
    Path file = dir.resolve("speech.wav");
    Files.write(file, new byte[96_000]);
    OpenAIClient client = c.openai(0, key);
    client.audio().transcriptions().create(TranscriptionCreateParams.builder()
        .file(file).model(AudioModel.WHISPER_1).build());
    JsonObject charge = onlyCharge(key);
    assertThat(charge.getString("model")).isEqualTo("whisper-1");
    // 96,000 bytes are 3 s to the emulator: 3 s at $0.006 a minute.
    assertThat(charge.getLong("cost_nanos")).isEqualTo(300_000L)
        .isEqualTo(price("whisper-1", Usage.audioMillis(3000)));
  }

  @Test
  void theResponsesApiStreamIsBilledFromItsCompletedEvent() throws Exception {
    String key = account("meter-responses");
    HttpResponse<String> r = post(key, "/v1/responses", new JsonObject().put("model", "gpt-4o-mini")
        .put("input", "count these five words").put("stream", true));
    JsonObject usage = null;
    for (String line : r.body().split("\n")) {
      if (line.startsWith("data: ") && line.contains("\"response.completed\"")) {
        usage = new JsonObject(line.substring(6)).getJsonObject("response").getJsonObject("usage");
      }
    }
    assertThat(usage).as("the client gets the completed event with its usage").isNotNull();
    JsonObject charge = onlyCharge(key);
    long in = usage.getLong("input_tokens");
    long out = usage.getLong("output_tokens");
    assertThat(charge.getLong("prompt_tokens")).isEqualTo(in);
    assertThat(charge.getLong("completion_tokens")).isEqualTo(out);
    assertThat(charge.getLong("cost_nanos")).isEqualTo(price("gpt-4o-mini", Usage.tokens(in, 0, out)));
  }

  @Test
  void moderationsAreFreeButStillInTheLedgerAndTheModelListIsAnsweredHere() throws Exception {
    String key = account("meter-free");
    // the account's model list is Yugong's answer: nothing relayed, nothing in the ledger
    assertThat(c.call(0, "GET", "/v1/models", key, null).statusCode()).isEqualTo(200);
    post(key, "/v1/moderations", new JsonObject().put("model", "omni-moderation-latest").put("input", "hello"));
    List<JsonObject> charges = Kit.charges(Kit.ledger(c, 1, key));
    assertThat(charges).hasSize(1).allSatisfy(e -> assertThat(e.getLong("cost_nanos")).isZero());
    assertThat(Kit.info(c, 0, key).getValue("Balance").toString()).isEqualTo("10");
  }

  @Test
  void legacyCompletionsStreamHidesTheUsageChunkAndBillsFromIt() throws Exception {
    String key = account("meter-legacy");
    HttpResponse<String> r = post(key, "/v1/completions", new JsonObject().put("model", "gpt-3.5-turbo-instruct")
        .put("prompt", "Say three words").put("max_tokens", 5).put("stream", true));
    assertThat(r.body()).doesNotContain("usage").contains("data: [DONE]");
    JsonObject charge = onlyCharge(key);
    assertThat(charge.getLong("completion_tokens")).isEqualTo(5);
    assertThat(charge.getLong("cost_nanos")).isEqualTo(price("gpt-3.5-turbo-instruct",
        Usage.tokens(charge.getLong("prompt_tokens"), 0, 5)));
  }

}
