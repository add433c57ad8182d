package io.yugong.billing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class TokenCounterTest {

    private static JsonObject msg(String role, Object content) {
        return new JsonObject().put("role", role).put("content", content);
    }

    @Test
    void picksTheEncodingByModel() {
        for (String m : new String[] {"gpt-4o", "gpt-4o-mini-2024-07-18", "gpt-4.1", "gpt-4.5-preview", "gpt-5", "o1",
                "o3-mini", "o4-mini", "chatgpt-4o-latest", "ft:gpt-4o-mini:acme::x", "unknown-model", null}) {
            assertThat(TokenCounter.encodingName(m)).as(m).isEqualTo("o200k_base");
        }
        for (String m : new String[] {"gpt-4", "gpt-4-turbo", "gpt-4-0613", "gpt-3.5-turbo", "text-embedding-3-small",
                "text-embedding-ada-002", "ft:gpt-3.5-turbo:acme::x"}) {
            assertThat(TokenCounter.encodingName(m)).as(m).isEqualTo("cl100k_base");
        }
    }

    @Test
    void countsKnownText() {
        assertThat(TokenCounter.countText("gpt-4o", "hello world")).isEqualTo(2);
        assertThat(TokenCounter.countText("gpt-4", "hello world")).isEqualTo(2);
        assertThat(TokenCounter.countText("gpt-4o", "")).isZero();
        assertThat(TokenCounter.countText("gpt-4o", null)).isZero();
        // special-token text in user input is ordinary text, not an error
        assertThat(TokenCounter.countText("gpt-4o", "<|endoftext|>")).isPositive();
    }

    @Test
    void chatPromptAddsThreePerMessageAndThreeForTheReply() {
        JsonArray one = new JsonArray().add(msg("user", "hello world"));
        // 3 (message) + 1 ("user") + 2 ("hello world") + 3 (reply priming)
        assertThat(TokenCounter.countChatPrompt("gpt-4o", one, null)).isEqualTo(9);
        assertThat(TokenCounter.countChatPrompt("gpt-3.5-turbo", one, null)).isEqualTo(9);

        JsonArray two = one.copy().add(msg("assistant", "hello world"));
        int assistant = TokenCounter.countText("gpt-4o", "assistant");
        assertThat(TokenCounter.countChatPrompt("gpt-4o", two, null)).isEqualTo(9 + 3 + assistant + 2);

        assertThat(TokenCounter.countChatPrompt("gpt-4o", new JsonArray(), null)).isEqualTo(3);
    }

    @Test
    void namesCostOneExtraToken() {
        JsonArray named = new JsonArray().add(msg("user", "hello world").put("name", "bob"));
        int bob = TokenCounter.countText("gpt-4o", "bob");
        assertThat(TokenCounter.countChatPrompt("gpt-4o", named, null)).isEqualTo(9 + bob + 1);
    }

    @Test
    void contentPartsCountTextAndImages() {
        JsonArray parts = new JsonArray()
                .add(new JsonObject().put("type", "text").put("text", "hello world"))
                .add(new JsonObject().put("type", "image_url").put("image_url",
                        new JsonObject().put("url", "data:image/png;base64,AAAA").put("detail", "low")))
                .add(new JsonObject().put("type", "image_url").put("image_url",
                        new JsonObject().put("url", "https://example.com/cat.png")));
        JsonArray messages = new JsonArray().add(msg("user", parts));
        assertThat(TokenCounter.countChatPrompt("gpt-4o", messages, null))
                .isEqualTo(9 + TokenCounter.IMAGE_TOKENS_LOW + TokenCounter.IMAGE_TOKENS_DEFAULT);
    }

    @Test
    void toolCallsAndToolDefinitionsAreCounted() {
        String args = "{\"city\":\"Paris\"}";
        JsonObject call = new JsonObject().put("id", "call_1").put("type", "function")
                .put("function", new JsonObject().put("name", "get_weather").put("arguments", args));
        JsonArray messages = new JsonArray()
                .add(msg("user", "hello world"))
                .add(new JsonObject().put("role", "assistant").putNull("content").put("tool_calls", new JsonArray().add(call)));
        int calls = TokenCounter.countText("gpt-4o", "get_weather") + TokenCounter.countText("gpt-4o", args);
        int assistant = TokenCounter.countText("gpt-4o", "assistant");
        assertThat(TokenCounter.countChatPrompt("gpt-4o", messages, null)).isEqualTo(9 + 3 + assistant + calls);

        JsonObject tool = new JsonObject().put("type", "function").put("function", new JsonObject()
                .put("name", "get_weather").put("parameters", new JsonObject().put("type", "object")));
        JsonArray tools = new JsonArray().add(tool);
        assertThat(TokenCounter.countChatPrompt("gpt-4o", messages, tools))
                .isEqualTo(TokenCounter.countChatPrompt("gpt-4o", messages, null) + TokenCounter.countText("gpt-4o", tool.encode()));
    }

    @Test
    void completionCountsTextAndToolCalls() {
        assertThat(TokenCounter.countCompletion("gpt-4o", "hello world", null)).isEqualTo(2);
        assertThat(TokenCounter.countCompletion("gpt-4o", null, List.of())).isZero();
        String args = "{\"city\":\"Paris\"}";
        assertThat(TokenCounter.countCompletion("gpt-4o", "hello world", List.<String[]>of(new String[] {"get_weather", args})))
                .isEqualTo(2 + TokenCounter.countText("gpt-4o", "get_weather") + TokenCounter.countText("gpt-4o", args));
    }

    @Test
    void countsEmbeddingAndResponsesInputs() {
        String model = "text-embedding-3-small";
        assertThat(TokenCounter.countInput(model, "hello world")).isEqualTo(2);
        assertThat(TokenCounter.countInput(model, new JsonArray().add("hello world").add("hello world"))).isEqualTo(4);
        assertThat(TokenCounter.countInput(model, new JsonArray().add(1).add(2).add(3))).isEqualTo(3);
        assertThat(TokenCounter.countInput(model, new JsonArray().add(new JsonArray().add(1).add(2).add(3))
                .add(new JsonArray().add(4).add(5)))).isEqualTo(5);
        assertThat(TokenCounter.countInput(model, List.of("hello world"))).isEqualTo(2);
        assertThat(TokenCounter.countInput(model, null)).isZero();

        JsonArray responsesInput = new JsonArray().add(new JsonObject().put("type", "message").put("role", "user")
                .put("content", new JsonArray().add(new JsonObject().put("type", "input_text").put("text", "hello world"))));
        // 3 (message) + 1 ("user") + 2 ("hello world")
        assertThat(TokenCounter.countInput("gpt-4o", responsesInput)).isEqualTo(6);
    }

    @Test
    void isSafeToShareAcrossThreads() {
        String text = "The quick brown fox jumps over the lazy dog. ".repeat(50);
        int expected = TokenCounter.countText("gpt-4o", text);
        assertThat(IntStream.range(0, 64).parallel()
                .map(i -> TokenCounter.countText(i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini", text)).distinct().toArray())
                .containsExactly(expected);
    }

    @Test
    void theByteBoundHoldsArePricedByIsNeverBelowTheTokenizersCount() {
        List<String> texts = List.of("hello", "Say something short about benchmarks.", "愚公移山，子子孙孙无穷匮也。",
                "emoji 👩‍👩‍👧‍👦🚀 and \u0000 controls\t\n", "for (int i = 0; i < n; i++) { sum += a[i]; }",
                "Ünïcödé ñ ß ø", " ".repeat(200), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "1234567890".repeat(30));
        for (String t : texts) {
            JsonArray messages = new JsonArray().add(new JsonObject().put("role", "system").put("content", t))
                    .add(new JsonObject().put("role", "user").put("name", "x").put("content", new JsonArray()
                            .add(new JsonObject().put("type", "text").put("text", t))));
            for (String model : List.of("gpt-4o", "gpt-3.5-turbo")) {
                assertThat(TokenCounter.boundChatPrompt(messages, null)).as(t)
                        .isGreaterThanOrEqualTo(TokenCounter.countChatPrompt(model, messages, null));
                assertThat(TokenCounter.boundText(t)).as(t).isGreaterThanOrEqualTo(TokenCounter.countText(model, t))
                        .isEqualTo(t.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
                assertThat(TokenCounter.boundInput(new JsonArray().add(t).add(t)))
                        .isGreaterThanOrEqualTo(TokenCounter.countInput(model, new JsonArray().add(t).add(t)));
            }
        }
    }
}
