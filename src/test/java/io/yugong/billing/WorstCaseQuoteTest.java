package io.yugong.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * The hold covers everything a request can cost: every choice, every generated candidate, every
 * content part and stored context — in arithmetic that saturates instead of wrapping.
 */
class WorstCaseQuoteTest {

  private final Tariff tariff = new Tariff();
  private final ModelPrice gpt4o = PriceBook.defaults().find("gpt-4o").orElseThrow();

  private static JsonObject chat(String text) {
    return new JsonObject().put("model", "gpt-4o").put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", text)));
  }

  private static JsonObject chatWithPart(JsonObject part) {
    return new JsonObject().put("model", "gpt-4o").put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", new JsonArray()
            .add(new JsonObject().put("type", "text").put("text", "look")).add(part))));
  }

  private Quote quote(Endpoint e, String model, JsonObject body) {
    return tariff.quote(e, model, body, 0, Rate.ONE);
  }

  private long outputPart(long tokens) {
    return Pricing.worstCase(gpt4o, 0, tokens, Rate.ONE, Rate.ONE);
  }

  @Test
  void maxTokensTimesNIsHeldInFullWithoutWrapping() {
    Quote q = quote(Endpoint.CHAT, "gpt-4o", chat("hi").put("max_tokens", Integer.MAX_VALUE).put("n", 2));
    assertThat(q.hold()).isGreaterThanOrEqualTo(outputPart(2L * Integer.MAX_VALUE));
    assertThat(q.coverable()).isTrue();
  }

  @Test
  void aWorstCaseNoBalanceCoversIsNotCoverable() {
    Quote q = quote(Endpoint.CHAT, "gpt-4o", chat("hi").put("max_tokens", Long.MAX_VALUE).put("n", Long.MAX_VALUE));
    assertThat(q.hold()).isEqualTo(Long.MAX_VALUE);
    assertThat(q.coverable()).isFalse();
    Quote big = quote(Endpoint.CHAT, "gpt-4o", chat("hi").put("max_tokens", 10_000_000_000L).put("n", 128));
    assertThat(big.coverable()).isFalse();
  }

  @Test
  void aMissingMaximumHoldsTheModelsOutputCapForEveryChoice() {
    Quote q = quote(Endpoint.CHAT, "gpt-4o", chat("hi").put("n", 3));
    assertThat(q.hold()).isGreaterThanOrEqualTo(outputPart(3L * 16_384));
  }

  @Test
  void theLargerOfMaxTokensAndMaxCompletionTokensIsHeld() {
    Quote q = quote(Endpoint.CHAT, "gpt-4o", chat("hi").put("max_tokens", 10).put("max_completion_tokens", 5000));
    assertThat(q.hold()).isGreaterThanOrEqualTo(outputPart(5000));
  }

  @Test
  void countsSentAsNumericStringsOrFractionsAreHeldAsNumbers() {
    Quote q = quote(Endpoint.CHAT, "gpt-4o", chat("hi").put("max_tokens", "1000").put("n", "4"));
    assertThat(q.hold()).isGreaterThanOrEqualTo(outputPart(4000));
    Quote f = quote(Endpoint.CHAT, "gpt-4o", chat("hi").put("max_tokens", 999.5).put("n", 2));
    assertThat(f.hold()).isGreaterThanOrEqualTo(outputPart(2000));
    assertThat(Tariff.count("1e400")).isEqualTo(Long.MAX_VALUE);
    assertThat(Tariff.count("9".repeat(100))).isNull();
    assertThat(Tariff.count(-5)).isZero();
  }

  @Test
  void legacyCompletionsHoldBestOfCandidatesForEveryPrompt() {
    JsonObject body = new JsonObject().put("model", "gpt-4o").put("prompt", new JsonArray().add("a").add("b").add("c"))
        .put("max_tokens", 100).put("n", 2).put("best_of", 5);
    Quote q = quote(Endpoint.COMPLETION, "gpt-4o", body);
    assertThat(q.hold()).isGreaterThanOrEqualTo(outputPart(100L * 5 * 3));
    // token-id prompts are one prompt
    Quote ids = quote(Endpoint.COMPLETION, "gpt-4o", new JsonObject().put("prompt", new JsonArray().add(1).add(2))
        .put("max_tokens", 100).put("n", 3));
    assertThat(ids.hold()).isGreaterThanOrEqualTo(outputPart(300)).isLessThan(outputPart(600));
  }

  @Test
  void imagePartsAreHeldAtTheLargestTileCount() {
    long text = quote(Endpoint.CHAT, "gpt-4o", chatWithPart(new JsonObject().put("type", "text").put("text", "x")))
        .hold();
    JsonObject image = new JsonObject().put("type", "image_url")
        .put("image_url", new JsonObject().put("url", "https://example.com/a.png").put("detail", "low"));
    long held = quote(Endpoint.CHAT, "gpt-4o", chatWithPart(image)).hold();
    assertThat(held - text).isGreaterThanOrEqualTo(Pricing.worstCase(gpt4o, PartBounds.IMAGE_TOKENS, 0L,
        Rate.ONE, Rate.ONE) - 100);
    assertThat(PartBounds.image("gpt-4o-mini")).isEqualTo(48_169);
  }

  @Test
  void audioAndFilePartsAreHeldByTheirSize() {
    String audio = Base64.getEncoder().encodeToString(new byte[100_000]);
    JsonObject audioPart = new JsonObject().put("type", "input_audio")
        .put("input_audio", new JsonObject().put("data", audio).put("format", "wav"));
    assertThat(PartBounds.of("gpt-4o", new JsonArray().add(audioPart))).isGreaterThanOrEqualTo(100 * 20);
    String pdf = Base64.getEncoder().encodeToString(new byte[400_000]);
    JsonObject filePart = new JsonObject().put("type", "file")
        .put("file", new JsonObject().put("filename", "a.pdf").put("file_data", "data:application/pdf;base64," + pdf));
    long bound = PartBounds.of("gpt-4o", new JsonArray().add(new JsonObject().put("role", "user")
        .put("content", new JsonArray().add(filePart))));
    assertThat(bound).isGreaterThanOrEqualTo(400_000 + 100 * PartBounds.IMAGE_TOKENS);
    Quote q = quote(Endpoint.CHAT, "gpt-4o", chatWithPart(filePart).put("max_tokens", 1));
    assertThat(q.hold()).isGreaterThanOrEqualTo(Pricing.worstCase(gpt4o, bound, 1L, Rate.ONE, Rate.ONE));
  }

  @Test
  void partsOfUnknownTypesAreHeldByTheirBytes() {
    JsonObject odd = new JsonObject().put("type", "hologram").put("payload", "z".repeat(50_000));
    assertThat(PartBounds.of("gpt-4o", new JsonArray().add(odd))).isGreaterThanOrEqualTo(50_000);
  }

  @Test
  void contentStoredUpstreamIsHeldAsAWholeContextWindow() {
    JsonObject byId = new JsonObject().put("type", "input_file").put("file_id", "file-abc");
    assertThat(PartBounds.of("gpt-4o", new JsonArray().add(byId))).isEqualTo(128_000);
    Quote chained = quote(Endpoint.RESPONSES, "gpt-4o", new JsonObject().put("input", "more")
        .put("previous_response_id", "resp_1").put("max_output_tokens", 10));
    assertThat(chained.hold()).isGreaterThanOrEqualTo(Pricing.worstCase(gpt4o, 128_000, 10L, Rate.ONE, Rate.ONE));
    Quote hosted = quote(Endpoint.RESPONSES, "gpt-4o", new JsonObject().put("input", "more")
        .put("tools", new JsonArray().add(new JsonObject().put("type", "web_search"))).put("max_output_tokens", 10));
    assertThat(hosted.hold()).isGreaterThanOrEqualTo(Pricing.worstCase(gpt4o, 128_000, 10L, Rate.ONE, Rate.ONE));
  }

  @Test
  void backgroundResponsesAreRefused() {
    assertThatThrownBy(() -> quote(Endpoint.RESPONSES, "gpt-4o", new JsonObject().put("input", "x")
        .put("background", true)))
        .isInstanceOfSatisfying(Tariff.Refused.class, r -> {
          assertThat(r.param()).isEqualTo("background");
          assertThat(r.code()).isEqualTo("background_not_supported");
        });
  }

  @Test
  void serviceTiersBilledAboveStandardPricesAreRefused() {
    assertThatThrownBy(() -> quote(Endpoint.CHAT, "gpt-4o", chat("hi").put("service_tier", "priority")))
        .isInstanceOfSatisfying(Tariff.Refused.class, r -> assertThat(r.code()).isEqualTo("service_tier_not_supported"));
    assertThat(quote(Endpoint.CHAT, "gpt-4o", chat("hi").put("service_tier", "flex")).coverable()).isTrue();
  }

  @Test
  void transcriptionsAreHeldForTheLowestBitrate() {
    ModelPrice whisper = PriceBook.defaults().find("whisper-1").orElseThrow();
    Quote q = tariff.quote(Endpoint.TRANSCRIPTION, "whisper-1", null, 750 * 600, Rate.ONE);
    assertThat(q.hold()).isEqualTo(Pricing.worstCaseTranscription(whisper, 600, Rate.ONE, Rate.ONE));
  }

  @Test
  void imagesHoldEveryImageAndTheDearestPriceForAnUnknownSize() {
    ModelPrice dalle2 = PriceBook.defaults().find("dall-e-2").orElseThrow();
    Quote q = quote(Endpoint.IMAGES, "dall-e-2", new JsonObject().put("n", "7").put("size", "256x256"));
    assertThat(q.hold()).isEqualTo(7 * dalle2.imagePrice(null, "256x256"));
    assertThat(q.images()).isEqualTo(7);
    Quote odd = quote(Endpoint.IMAGES, "dall-e-2", new JsonObject().put("size", new JsonArray()));
    assertThat(odd.hold()).isEqualTo(20_000_000L);
    Quote huge = quote(Endpoint.IMAGES, "dall-e-2", new JsonObject().put("n", Long.MAX_VALUE));
    assertThat(huge.coverable()).isFalse();
  }

  @Test
  void usageThatCannotBeBelievedIsNotRead() {
    assertThat(Tariff.tokensFrom(new JsonObject().put("prompt_tokens", -5).put("completion_tokens", 3))).isNull();
    assertThat(Tariff.tokensFrom(new JsonObject().put("prompt_tokens", 1L << 60))).isNull();
    assertThat(Tariff.tokensFrom(new JsonObject().put("prompt_tokens", "12"))).isNull();
    assertThat(Tariff.tokensFrom(new JsonObject().put("prompt_tokens", new JsonObject()))).isNull();
    assertThat(Tariff.tokensFrom(new JsonObject().put("prompt_tokens", 1.5))).isNull();
    assertThat(Tariff.tokensFrom(new JsonObject())).isNull();
    assertThat(Tariff.tokensFrom(new JsonObject().put("input_tokens", 7).put("output_tokens", 2.0)
        .put("input_tokens_details", new JsonObject().put("cached_tokens", -1))))
        .isEqualTo(Usage.tokens(7, 0, 2));
  }

  @Test
  void saturatingArithmeticSticksAtTheLimits() {
    assertThat(Money.saturatingAdd(Long.MAX_VALUE, 1)).isEqualTo(Long.MAX_VALUE);
    assertThat(Money.saturatingAdd(Long.MIN_VALUE, -1)).isEqualTo(Long.MIN_VALUE);
    assertThat(Money.saturatingAdd(2, 3)).isEqualTo(5);
    assertThat(Money.saturatingMultiply(Integer.MAX_VALUE, 2)).isEqualTo(2L * Integer.MAX_VALUE);
    assertThat(Money.saturatingMultiply(Long.MAX_VALUE / 2, 3)).isEqualTo(Long.MAX_VALUE);
    assertThat(Money.saturatingMultiply(-Long.MAX_VALUE / 2, 3)).isEqualTo(Long.MIN_VALUE);
    assertThat(Money.saturatingMultiply(0, Long.MAX_VALUE)).isZero();
  }
}
