package io.yugong.mock;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The documented deterministic rules, without a server. */
class DeterministicRulesTest {

  @Test
  void openAiDurations() {
    assertThat(Durations.format(0)).isEqualTo("0s");
    assertThat(Durations.format(120)).isEqualTo("120ms");
    assertThat(Durations.format(1000)).isEqualTo("1s");
    assertThat(Durations.format(8640)).isEqualTo("8.64s");
    assertThat(Durations.format(360_000)).isEqualTo("6m0s");
    assertThat(Durations.format(90_500)).isEqualTo("1m30.5s");
    assertThat(Durations.format(1_005)).isEqualTo("1.005s");
  }

  @Test
  void completionTokensCycleThroughTheVocabulary() {
    assertThat(Tokens.text(3)).isEqualTo("Hello from the");
    assertThat(Tokens.token(Tokens.VOCABULARY.length)).isEqualTo(" Hello");
    assertThat(Tokens.words(Tokens.text(1000))).isEqualTo(1000);
  }

  @Test
  void promptTokens() {
    JsonArray messages = new JsonArray()
        .add(new JsonObject().put("role", "system").put("content", "be  brief"))
        .add(new JsonObject().put("role", "user").put("content", new JsonArray()
            .add(new JsonObject().put("type", "text").put("text", "one two three"))
            .add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject()))));
    assertThat(Tokens.chatPrompt(messages)).isEqualTo((2 + 4) + (3 + 4) + 3);
  }

  @Test
  void tokenBucketRefillsWithinAMinute() {
    long t = 1_000_000_000L;
    KeyState state = new KeyState("org-x", t);
    KeyState.RateSnapshot first = state.admit(t, 60, 6000, 100, true, true);
    assertThat(first.admitted()).isTrue();
    assertThat(first.remainingRequests()).isEqualTo(59);
    assertThat(first.remainingTokens()).isEqualTo(5900);
    assertThat(first.resetRequestsMs()).isEqualTo(1000);
    assertThat(first.resetTokensMs()).isEqualTo(1000);
    for (int i = 0; i < 59; i++) {
      assertThat(state.admit(t, 60, 6000, 1, true, true).admitted()).isTrue();
    }
    KeyState.RateSnapshot refused = state.admit(t, 60, 6000, 1, true, true);
    assertThat(refused.exceeded()).isEqualTo("requests");
    assertThat(refused.retryAfterMs()).isEqualTo(1000);
    assertThat(state.admit(t + 1_000_000_000L, 60, 6000, 1, true, true).admitted()).isTrue();
    KeyState.RateSnapshot later = state.admit(t + 120_000_000_000L, 60, 6000, 0, false, true);
    assertThat(later.remainingRequests()).isEqualTo(60);
    assertThat(later.resetRequestsMs()).isZero();
  }

  @Test
  void defaultBudgetsAreReportedButNotEnforced() {
    KeyState state = new KeyState("org-x", 0);
    KeyState.RateSnapshot last = null;
    for (int i = 0; i < 3; i++) {
      last = state.admit(0, 2, 100, 60, true, false);
      assertThat(last.admitted()).isTrue();
    }
    assertThat(last.remainingRequests()).isZero();
    assertThat(last.remainingTokens()).isZero();
    assertThat(last.resetRequestsMs()).isEqualTo(60_000);
  }

  @Test
  void speechBytes() {
    var mp3 = MockAudio.speechBytes("hello", "mp3");
    assertThat(mp3.length()).isEqualTo(5 * MockAudio.BYTES_PER_CHARACTER);
    assertThat(mp3.getString(0, 3)).isEqualTo("ID3");
    assertThat(MockAudio.speechBytes("hello", "mp3")).isEqualTo(mp3);
    assertThat(MockAudio.speechBytes("hellp", "mp3")).isNotEqualTo(mp3);
    assertThat(MockAudio.speechBytes("x".repeat(4096), "wav").length()).isEqualTo(MockAudio.MAX_BYTES);
    assertThat(MockAudio.speechBytes("hi", "opus").getString(0, 4)).isEqualTo("OggS");
    assertThat(MockAudio.speechBytes("hi", "flac").getString(0, 4)).isEqualTo("fLaC");
    assertThatThrownBy(() -> MockAudio.speechBytes("hi", "ogg")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void embeddingsAreUnitLengthAndDeterministic() {
    float[] a = EmbeddingsEndpoint.vector("abc", 1536);
    double norm = 0;
    for (float f : a) {
      norm += f * f;
    }
    assertThat(norm).isCloseTo(1.0, within(1e-5));
    assertThat(EmbeddingsEndpoint.vector("abc", 1536)).isEqualTo(a);
    assertThat(EmbeddingsEndpoint.vector("abd", 1536)).isNotEqualTo(a);
  }

  @Test
  void transcriptRules() {
    assertThat(TranscriptionEndpoint.text(false, 12345, "speech.wav")).isEqualTo("Transcribed 12345 bytes of speech.wav");
    assertThat(TranscriptionEndpoint.duration(64_000)).isEqualTo(2.0);
    assertThat(TranscriptionEndpoint.timestamp(3.125, ',')).isEqualTo("00:00:03,125");
  }

  @Test
  void behaviourJsonRoundTrip() {
    KeyBehaviour flaky = KeyBehaviour.fromJson(new JsonObject("{\"mode\":\"flaky\",\"probability\":0.3,\"seed\":9,"
        + "\"statuses\":[502,503]}"));
    assertThat(flaky.toJson().encode()).isEqualTo("{\"mode\":\"flaky\",\"probability\":0.3,\"seed\":9,"
        + "\"statuses\":[502,503]}");
    assertThat(KeyBehaviour.fromJson(new JsonObject("{\"mode\":\"limits\",\"rpm\":5,\"tpm\":100}")).toJson())
        .isEqualTo(KeyBehaviour.limits(5, 100).toJson());
    assertThatThrownBy(() -> KeyBehaviour.fromJson(new JsonObject("{\"mode\":\"status\"}")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void commandLine() {
    MockOptions options = MockUpstreamCommand.parse(new String[] {"--port", "8089", "--host", "0.0.0.0",
        "--token-rate", "25.5", "--first-byte-delay-ms", "40", "--completion-tokens", "64", "--instances", "3"});
    assertThat(options.port()).isEqualTo(8089);
    assertThat(options.host()).isEqualTo("0.0.0.0");
    assertThat(options.tokensPerSecond()).isEqualTo(25.5);
    assertThat(options.firstByteDelayMs()).isEqualTo(40);
    assertThat(options.completionTokens()).isEqualTo(64);
    assertThat(options.instances()).isEqualTo(3);
    assertThatThrownBy(() -> MockUpstreamCommand.parse(new String[] {"--port"}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MockUpstreamCommand.parse(new String[] {"--colour", "red"}))
        .hasMessageContaining("unknown flag");
  }

  @Test
  void keyMasking() {
    assertThat(Errors.mask("sk-abcdefghijklmnopxyz")).isEqualTo("sk-ab*************pxyz");
  }
}
