package io.yugong.billing;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PricingTest {

    private static final PriceBook BOOK = PriceBook.defaults();

    private static ModelPrice price(String model) {
        return BOOK.find(model).orElseThrow();
    }

    private static long charge(String model, Usage usage) {
        return Pricing.charge(price(model), usage, Rate.ONE, Rate.ONE);
    }

    @Test
    void oneTokenAtFifteenCentsPerMillionIs150Nanos() {
        assertThat(charge("gpt-4o-mini", Usage.tokens(1, 0, 0))).isEqualTo(150);
    }

    @Test
    void multiplierAppliesBeforeTheSingleCeiling() {
        // 1 cached token of gpt-4o-mini: $0.075/1M = 75 nanos; × 0.25 = 18.75 → 19
        ModelPrice p = price("gpt-4o-mini");
        assertThat(Pricing.charge(p, Usage.tokens(1, 1, 0), Rate.of("0.25"), Rate.ONE)).isEqualTo(19);
        ModelPrice flat = ModelPrice.chat(75_000_000L, 75_000_000L, 0, 0);
        assertThat(Pricing.charge(flat, Usage.tokens(1, 0, 0), Rate.of("0.25"), Rate.ONE)).isEqualTo(19);
    }

    @Test
    void roundsUpOnceForTheWholeRequestNotPerPart() {
        // $0.0005 per 1M tokens = half a nano-dollar per token, for prompt and completion
        ModelPrice half = ModelPrice.chat(500_000L, 500_000L, 500_000L, 10);
        assertThat(Pricing.charge(half, Usage.tokens(1, 0, 1), Rate.ONE, Rate.ONE)).isEqualTo(1);
        assertThat(Pricing.charge(half, Usage.tokens(1, 0, 0), Rate.ONE, Rate.ONE)).isEqualTo(1);
        // 0.5 nano × 0.5 × 0.5 = 0.125, still one nano after one ceiling; 8 tokens → exactly 1
        assertThat(Pricing.charge(half, Usage.tokens(8, 0, 0), Rate.of("0.5"), Rate.of("0.5"))).isEqualTo(1);
        assertThat(Pricing.charge(half, Usage.tokens(9, 0, 0), Rate.of("0.5"), Rate.of("0.5"))).isEqualTo(2);
    }

    @Test
    void promptAndCompletionArePricedSeparately() {
        // gpt-4o: $2.50 in, $10 out per 1M → 2,500 and 10,000 nanos per token
        assertThat(charge("gpt-4o", Usage.tokens(1000, 0, 500))).isEqualTo(1000 * 2_500L + 500 * 10_000L);
    }

    @Test
    void accountRateTwoDoublesTheCharge() {
        ModelPrice p = price("gpt-4o");
        Usage u = Usage.tokens(1234, 0, 567);
        long base = Pricing.charge(p, u, Rate.ONE, Rate.ONE);
        assertThat(Pricing.charge(p, u, Rate.ONE, Rate.of("2"))).isEqualTo(2 * base);
        assertThat(Pricing.charge(p, u, Rate.of("0.5"), Rate.of("2"))).isEqualTo(base);
    }

    @Test
    void cachedTokensArePricedAtTheCachedPrice() {
        // gpt-4o: 600 uncached × 2,500 + 400 cached × 1,250
        assertThat(charge("gpt-4o", Usage.tokens(1000, 400, 0))).isEqualTo(600 * 2_500L + 400 * 1_250L);
        // a model without a cache discount charges cached tokens at the input price
        assertThat(charge("gpt-4-turbo", Usage.tokens(1000, 400, 0))).isEqualTo(charge("gpt-4-turbo", Usage.tokens(1000, 0, 0)));
        // more cached than prompt tokens (bad upstream data) is clamped, never negative
        assertThat(charge("gpt-4o", Usage.tokens(10, 50, 0))).isEqualTo(10 * 1_250L);
    }

    @Test
    void zeroUsageAndModerationCostNothing() {
        assertThat(charge("gpt-4o", Usage.none())).isZero();
        assertThat(charge("gpt-4o", Usage.tokens(0, 0, 0))).isZero();
        assertThat(charge("omni-moderation-latest", Usage.tokens(5000, 0, 0))).isZero();
    }

    @Test
    void imagesArePricedBySizeAndQuality() {
        assertThat(charge("dall-e-3", Usage.images(2, "1792x1024", "hd"))).isEqualTo(240_000_000L);
        assertThat(charge("dall-e-3", Usage.images(1, "1024x1024", null))).isEqualTo(40_000_000L);
        assertThat(charge("dall-e-3", Usage.images(1, null, "standard"))).isEqualTo(40_000_000L);
        assertThat(charge("dall-e-2", Usage.images(3, "256x256", null))).isEqualTo(48_000_000L);
        assertThat(charge("dall-e-2", Usage.images(1, "512x512", "standard"))).isEqualTo(18_000_000L);
        // an unknown combination is charged at the dearest known price, never less
        assertThat(charge("dall-e-3", Usage.images(1, "1024x1024", "ultra"))).isEqualTo(80_000_000L);
        assertThat(charge("dall-e-3", Usage.images(1, "4096x4096", "hd"))).isEqualTo(120_000_000L);
    }

    @Test
    void audioIsBilledPerStartedSecond() {
        // whisper-1: $0.006/min = 100,000 nanos per second
        assertThat(charge("whisper-1", Usage.audioMillis(60_000))).isEqualTo(6_000_000L);
        assertThat(charge("whisper-1", Usage.audioMillis(61_001))).isEqualTo(62 * 100_000L);
        assertThat(charge("whisper-1", Usage.audioMillis(1))).isEqualTo(100_000L);
        assertThat(charge("whisper-1", Usage.audioMillis(0))).isZero();
        // a per-minute price that does not divide by 60 is not rounded per second
        ModelPrice odd = ModelPrice.transcription(7L); // 7 nanos per minute
        assertThat(Pricing.charge(odd, Usage.audioMillis(60_000), Rate.ONE, Rate.ONE)).isEqualTo(7L);
        assertThat(Pricing.charge(odd, Usage.audioMillis(1_000), Rate.ONE, Rate.ONE)).isEqualTo(1L);
    }

    @Test
    void speechIsPricedPerCharacter() {
        // tts-1: $15 per 1M characters = 15,000 nanos per character
        assertThat(charge("tts-1", Usage.characters(1000))).isEqualTo(15_000_000L);
        assertThat(charge("tts-1-hd", Usage.characters(1000))).isEqualTo(30_000_000L);
    }

    @Test
    void overflowIsAnErrorNotAWrapAround() {
        ModelPrice p = ModelPrice.chat(Long.MAX_VALUE / 2, 0, Long.MAX_VALUE / 2, 0);
        assertThatThrownBy(() -> Pricing.charge(p, Usage.tokens(Long.MAX_VALUE / 2, 0, 0), Rate.ONE, Rate.of(1000)))
                .isInstanceOf(ArithmeticException.class);
    }

    @Test
    void worstCaseHoldCoversEveryActualChargeUpToMaxTokens() {
        Rate[] rates = {Rate.ONE, Rate.of("0.25"), Rate.of("2"), Rate.of("1.333333333")};
        for (String model : new String[] {"gpt-4o", "gpt-4o-mini", "o3", "gpt-4-turbo", "gpt-5"}) {
            ModelPrice p = price(model);
            for (Rate g : rates) {
                for (Rate a : rates) {
                    int prompt = 1234;
                    int max = 700;
                    long hold = Pricing.worstCase(p, prompt, max, g, a);
                    for (int completion : new int[] {0, 1, 350, 699, 700}) {
                        for (int cached : new int[] {0, 1, 1024, prompt}) {
                            assertThat(Pricing.charge(p, Usage.tokens(prompt, cached, completion), g, a))
                                    .as("%s g=%s a=%s c=%d cached=%d", model, g, a, completion, cached)
                                    .isLessThanOrEqualTo(hold);
                        }
                    }
                    assertThat(hold).isEqualTo(Pricing.charge(p, Usage.tokens(prompt, 0, max), g, a));
                }
            }
        }
    }

    @Test
    void worstCaseWithoutMaxTokensUsesTheModelsOutputCap() {
        ModelPrice p = price("gpt-4o");
        assertThat(Pricing.worstCase(p, 100, null, Rate.ONE, Rate.ONE))
                .isEqualTo(100 * 2_500L + 16_384 * 10_000L);
        // a price without an output cap falls back to a generous default
        ModelPrice noCap = ModelPrice.chat(1_000_000_000L, 0, 1_000_000_000L, 0);
        assertThat(Pricing.worstCase(noCap, 0, null, Rate.ONE, Rate.ONE))
                .isEqualTo(Pricing.FALLBACK_MAX_OUTPUT_TOKENS * 1_000L);
        // embeddings hold only the input
        assertThat(Pricing.worstCase(price("text-embedding-3-small"), 1000, null, Rate.ONE, Rate.ONE))
                .isEqualTo(1000 * 20L);
    }

    @Test
    void worstCaseHoldsForImagesSpeechAndTranscription() {
        ModelPrice dalle3 = price("dall-e-3");
        assertThat(Pricing.worstCaseImages(dalle3, 0, 2, "1792x1024", "hd", Rate.ONE, Rate.ONE))
                .isEqualTo(Pricing.charge(dalle3, Usage.images(2, "1792x1024", "hd"), Rate.ONE, Rate.ONE));
        assertThat(Pricing.worstCaseImages(dalle3, 0, 1, null, null, Rate.ONE, Rate.ONE)).isEqualTo(40_000_000L);
        // gpt-image-1 with quality "auto": the dearest price of that size
        assertThat(Pricing.worstCaseImages(price("gpt-image-1"), 0, 1, "1024x1024", "auto", Rate.ONE, Rate.ONE))
                .isEqualTo(167_000_000L);

        ModelPrice tts = price("tts-1");
        assertThat(Pricing.worstCaseSpeech(tts, 4096, Rate.ONE, Rate.of("2")))
                .isEqualTo(Pricing.charge(tts, Usage.characters(4096), Rate.ONE, Rate.of("2")));

        ModelPrice whisper = price("whisper-1");
        long hold = Pricing.worstCaseTranscription(whisper, 600, Rate.ONE, Rate.ONE);
        assertThat(hold).isEqualTo(60_000_000L);
        assertThat(Pricing.charge(whisper, Usage.audioMillis(599_001), Rate.ONE, Rate.ONE)).isLessThanOrEqualTo(hold);
    }

    @Test
    void imageLookupFallsBackSafely() {
        ModelPrice p = ModelPrice.images(Map.of("|256x256", 16_000_000L, "|1024x1024", 20_000_000L));
        assertThat(p.imagePrice("standard", "256x256")).isEqualTo(16_000_000L);
        assertThat(p.imagePrice(null, null)).isEqualTo(20_000_000L);
        assertThat(ModelPrice.free(ModelPrice.Kind.IMAGE).imagePrice("hd", "1024x1024")).isZero();
    }
}
