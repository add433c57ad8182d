package io.yugong.billing;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PriceBookTest {

    private static final PriceBook BOOK = PriceBook.defaults();

    @Test
    void bundledBookCoversTheRequiredModelsAndNamesItsSource() {
        String[] required = {"gpt-4o", "gpt-4o-mini", "chatgpt-4o-latest", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano",
                "gpt-4.5-preview", "o1", "o1-mini", "o1-pro", "o3", "o3-mini", "o4-mini", "gpt-4-turbo",
                "gpt-4-vision-preview", "gpt-4", "gpt-4-32k", "gpt-3.5-turbo", "gpt-3.5-turbo-instruct", "gpt-5",
                "gpt-5-mini", "gpt-5-nano", "text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002",
                "whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe", "tts-1", "tts-1-hd", "dall-e-2", "dall-e-3",
                "omni-moderation-latest", "text-moderation-latest"};
        for (String m : required) {
            assertThat(BOOK.models()).as(m).containsKey(m);
        }
        assertThat(BOOK.meta().getString("source")).isEqualTo("https://openai.com/api/pricing/");
        assertThat(BOOK.meta().getString("as_of")).matches("\\d{4}-\\d{2}-\\d{2}");
        assertThat(BOOK.meta().getString("currency")).isEqualTo("USD");
        assertThat(BOOK.multiplier()).isEqualTo(Rate.ONE);
        for (var e : BOOK.models().entrySet()) {
            if (e.getValue().kind() == ModelPrice.Kind.CHAT) {
                assertThat(e.getValue().maxOutputTokens()).as(e.getKey()).isPositive();
            }
        }
    }

    @Test
    void bundledPricesAreTheOfficialOnes() {
        ModelPrice gpt4o = BOOK.find("gpt-4o").orElseThrow();
        assertThat(gpt4o.inputPerMillion()).isEqualTo(Money.parseDollars("2.50"));
        assertThat(gpt4o.cachedInputPerMillion()).isEqualTo(Money.parseDollars("1.25"));
        assertThat(gpt4o.outputPerMillion()).isEqualTo(Money.parseDollars("10"));
        assertThat(gpt4o.maxOutputTokens()).isEqualTo(16384);
        assertThat(BOOK.find("whisper-1").orElseThrow().perMinute()).isEqualTo(Money.parseDollars("0.006"));
        assertThat(BOOK.find("tts-1").orElseThrow().perMillionCharacters()).isEqualTo(Money.parseDollars("15"));
        assertThat(BOOK.find("dall-e-3").orElseThrow().imagePrice("hd", "1024x1792")).isEqualTo(Money.parseDollars("0.12"));
        assertThat(BOOK.find("omni-moderation-latest").orElseThrow().kind()).isEqualTo(ModelPrice.Kind.MODERATION);
    }

    @Test
    void datedSnapshotsResolveToTheirFamilyByLongestPrefix() {
        assertThat(BOOK.find("gpt-4o-2024-08-06")).contains(BOOK.models().get("gpt-4o"));
        assertThat(BOOK.find("gpt-4o-mini-2024-07-18")).contains(BOOK.models().get("gpt-4o-mini"));
        assertThat(BOOK.find("gpt-4.1-mini-2025-04-14")).contains(BOOK.models().get("gpt-4.1-mini"));
        assertThat(BOOK.find("o3-mini-2025-01-31")).contains(BOOK.models().get("o3-mini"));
        assertThat(BOOK.find("gpt-4-0613")).contains(BOOK.models().get("gpt-4"));
        assertThat(BOOK.find("tts-1-hd-1106")).contains(BOOK.models().get("tts-1-hd"));
        assertThat(BOOK.find("GPT-4o-2024-08-06")).contains(BOOK.models().get("gpt-4o"));
        // an exact snapshot entry with its own price wins over the family
        assertThat(BOOK.find("gpt-4o-2024-05-13").orElseThrow().inputPerMillion()).isEqualTo(Money.parseDollars("5"));
        assertThat(BOOK.find("gpt-4-0125-preview")).contains(BOOK.models().get("gpt-4-turbo-preview"));
    }

    @Test
    void prefixesOnlyMatchAtADashBoundary() {
        ModelPrice gpt4 = ModelPrice.chat(30_000_000_000L, 30_000_000_000L, 60_000_000_000L, 8192);
        PriceBook only4 = PriceBook.fromJson(new JsonObject().put("models", new JsonObject()))
                .withModel("gpt-4", gpt4);
        assertThat(only4.find("gpt-4-0613")).contains(gpt4);
        assertThat(only4.find("gpt-4o")).isEmpty();
        assertThat(only4.find("gpt-40")).isEmpty();
    }

    @Test
    void fineTunesUseTheirFineTunePriceElseTheBaseModel() {
        assertThat(BOOK.find("ft:gpt-4o-mini-2024-07-18:acme::abc123")).contains(BOOK.models().get("ft:gpt-4o-mini"));
        assertThat(BOOK.find("ft:gpt-4o-2024-08-06:acme:custom:xyz")).contains(BOOK.models().get("ft:gpt-4o"));
        PriceBook noFt = BOOK.withoutModel("ft:gpt-4o-mini").withoutModel("ft:gpt-4o");
        assertThat(noFt.find("ft:gpt-4o-mini-2024-07-18:acme::abc123")).contains(BOOK.models().get("gpt-4o-mini"));
        assertThat(noFt.find("ft:gpt-4o:acme::abc123")).contains(BOOK.models().get("gpt-4o"));
    }

    @Test
    void unknownModelsUseTheDefaultPriceOnlyIfConfigured() {
        assertThat(BOOK.find("some-new-model")).isEmpty();
        assertThat(BOOK.find(null)).isEmpty();
        JsonObject json = BOOK.toJson().put("default",
                new JsonObject().put("kind", "chat").put("input", "5").put("output", "15").put("max_output_tokens", 4096));
        PriceBook withDefault = PriceBook.fromJson(json);
        assertThat(withDefault.find("some-new-model").orElseThrow().inputPerMillion()).isEqualTo(5_000_000_000L);
        assertThat(withDefault.find("gpt-4o")).contains(BOOK.models().get("gpt-4o"));
        assertThat(withDefault.withDefault(null).find("some-new-model")).isEmpty();
    }

    @Test
    void jsonRoundTripsWithDollarStrings() {
        JsonObject json = BOOK.toJson();
        assertThat(json.getJsonObject("models").getJsonObject("gpt-4o").getString("input")).isEqualTo("2.5");
        assertThat(json.getJsonObject("models").getJsonObject("gpt-4o-mini").getString("cached_input")).isEqualTo("0.075");
        assertThat(json.getString("multiplier")).isEqualTo("1");
        assertThat(json.getString("as_of")).isEqualTo(BOOK.meta().getString("as_of"));
        PriceBook back = PriceBook.fromJson(json.encode());
        assertThat(back).isEqualTo(BOOK);
        assertThat(back.models().keySet()).containsExactlyElementsOf(BOOK.models().keySet());
        assertThat(back.toJson()).isEqualTo(json);
    }

    @Test
    void jsonNumbersAreAcceptedExactly() {
        PriceBook b = PriceBook.fromJson("{\"multiplier\": 0.25, \"models\": {\"m\": {\"input\": 2.5, \"cached_input\": 0.075,"
                + " \"output\": 10, \"max_output_tokens\": 100}}}");
        ModelPrice m = b.find("m").orElseThrow();
        assertThat(m.kind()).isEqualTo(ModelPrice.Kind.CHAT);
        assertThat(m.inputPerMillion()).isEqualTo(2_500_000_000L);
        assertThat(m.cachedInputPerMillion()).isEqualTo(75_000_000L);
        assertThat(m.outputPerMillion()).isEqualTo(10_000_000_000L);
        assertThat(b.multiplier()).isEqualTo(Rate.of("0.25"));
    }

    @Test
    void malformedPricesAreRejectedNamingTheModel() {
        assertThatThrownBy(() -> PriceBook.fromJson("{\"models\": {\"m\": {\"input\": \"1\", \"ouput\": \"2\"}}}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("m").hasMessageContaining("ouput");
        assertThatThrownBy(() -> PriceBook.fromJson("{\"models\": {\"m\": {\"input\": \"-1\"}}}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PriceBook.fromJson("{\"models\": {\"m\": {\"input\": \"0.0000000001\"}}}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PriceBook.fromJson("{\"models\": {\"m\": {\"kind\": \"video\"}}}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PriceBook.fromJson("{\"multiplier\": \"-2\", \"models\": {}}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PriceBook.fromJson("{}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PriceBook.fromJson("{\"models\": \"gpt-4o\"}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ModelPrice.fromJson(new JsonObject().put("kind", 3)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ModelPrice.fromJson(new JsonObject().put("max_output_tokens", 1.5)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void runtimeEditsReturnNewBooksAndLeaveTheOriginalAlone() {
        ModelPrice custom = ModelPrice.chat(1_000_000_000L, 500_000_000L, 2_000_000_000L, 1000);
        PriceBook edited = BOOK.withModel("my-model", custom).withMultiplier(Rate.of("1.5"));
        assertThat(edited.find("my-model")).contains(custom);
        assertThat(edited.find("my-model-2025-01-01")).contains(custom);
        assertThat(edited.multiplier()).isEqualTo(Rate.of("1.5"));
        assertThat(BOOK.find("my-model")).isEmpty();
        assertThat(BOOK.multiplier()).isEqualTo(Rate.ONE);
        assertThat(PriceBook.fromJson(edited.toJson())).isEqualTo(edited);
        assertThatThrownBy(() -> BOOK.models().put("x", custom)).isInstanceOf(UnsupportedOperationException.class);
    }
}
