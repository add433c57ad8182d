package io.yugong.foundation;

import io.yugong.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.core.http.HttpResponse;
import com.openai.core.http.StreamResponse;
import com.openai.models.audio.AudioModel;
import com.openai.models.audio.AudioResponseFormat;
import com.openai.models.audio.speech.SpeechCreateParams;
import com.openai.models.audio.transcriptions.Transcription;
import com.openai.models.audio.transcriptions.TranscriptionCreateParams;
import com.openai.models.audio.transcriptions.TranscriptionVerbose;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.images.ImageGenerateParams;
import com.openai.models.images.ImageModel;
import com.openai.models.images.ImagesResponse;
import com.openai.models.models.Model;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockAudio;
import io.yugong.mock.ServedRequest;
import io.yugong.testing.TestCluster;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAI API through a two-node Yugong cluster, driven by the official openai-java SDK:
 * answers are the emulator's deterministic ones, whichever node the client talks to.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiApiTest {

  private static final String KEY_A = "sk-foundation-api-a-" + TestCluster.randomHex(16);
  private static final String KEY_B = "sk-foundation-api-b-" + TestCluster.randomHex(16);
  /** The emulator's 12-token answer. */
  private static final String ANSWER = "Hello from the Yugong emulator this is a deterministic answer made of";

  private TestCluster cluster;
  private String customerKey;
  private List<OpenAIClient> clients;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  void startCluster() throws Exception {
    cluster = TestCluster.start(2);
    cluster.addKey(0, KEY_A, null);
    cluster.addKey(1, KEY_B, null);
    customerKey = cluster.createAccount(0, new JsonObject().put("Name", "api-user").put("CreditGranted", 50))
        .getJsonObject("User").getString("SecretKey");
    clients = List.of(cluster.openai(0, customerKey), cluster.openai(1, customerKey));
    // Both nodes must see both keys before the tests start.
    Eventually.eventually(Duration.ofSeconds(10), () -> {
      for (int i = 0; i < 2; i++) {
        assertThat(new JsonObject(cluster.call(i, "GET", "/admin/keys", cluster.adminKey, null).body())
            .getJsonArray("data")).hasSize(2);
      }
    });
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (clients != null) {
      clients.forEach(OpenAIClient::close);
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private static ChatCompletionCreateParams.Builder chat(String prompt) {
    return ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage(prompt);
  }

  @Test
  void chatCompletionOnEitherNodeIsTheEmulatorsDeterministicAnswer() {
    for (OpenAIClient client : clients) {
      ChatCompletion completion = client.chat().completions().create(chat("Say hello to the tests").build());

      assertThat(completion.model()).isEqualTo("gpt-4o-mini");
      ChatCompletion.Choice choice = completion.choices().get(0);
      assertThat(choice.message().content()).contains(ANSWER);
      assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
      CompletionUsage usage = completion.usage().orElseThrow();
      // 5 words + 4 for the message + 3
      assertThat(usage.promptTokens()).isEqualTo(12);
      assertThat(usage.completionTokens()).isEqualTo(12);
      assertThat(usage.totalTokens()).isEqualTo(24);
    }
  }

  @Test
  void streamedChatDeliversChunksInOrderAndHidesUsageChunkNotAskedFor() {
    for (OpenAIClient client : clients) {
      String plain = client.chat().completions().create(chat("stream please").build())
          .choices().get(0).message().content().orElseThrow();
      int before = cluster.mock.control().requests().size();

      List<ChatCompletionChunk> chunks;
      try (StreamResponse<ChatCompletionChunk> stream =
               client.chat().completions().createStreaming(chat("stream please").build())) {
        chunks = stream.stream().toList();
      }

      // a role chunk, one chunk per token in order, the finish chunk; no usage chunk
      assertThat(chunks).hasSize(1 + 12 + 1);
      assertThat(chunks.get(0).choices().get(0).delta().role())
          .contains(ChatCompletionChunk.Choice.Delta.Role.ASSISTANT);
      List<String> tokens = chunks.subList(1, 13).stream()
          .map(c -> c.choices().get(0).delta().content().orElseThrow()).toList();
      assertThat(String.join("", tokens)).isEqualTo(ANSWER);
      assertThat(tokens.get(0)).isEqualTo("Hello");
      assertThat(tokens.get(11)).isEqualTo(" of");
      assertThat(chunks.get(13).choices().get(0).finishReason())
          .contains(ChatCompletionChunk.Choice.FinishReason.STOP);
      assertThat(chunks).allSatisfy(c -> {
        assertThat(c.usage()).isEmpty();
        assertThat(c.choices()).isNotEmpty();
      });
      assertThat(text(chunks)).isEqualTo(plain);

      // Yugong asked upstream for the usage chunk all the same (it meters from it).
      List<ServedRequest> served = cluster.mock.control().requests();
      assertThat(served.subList(before, served.size())).singleElement().satisfies(r -> {
        assertThat(r.stream()).isTrue();
        assertThat(r.includeUsage()).isTrue();
      });
    }
  }

  @Test
  void streamedChatEndsWithTheUsageChunkWhenTheClientAsksForIt() {
    for (OpenAIClient client : clients) {
      String plain = client.chat().completions().create(chat("stream please").build())
          .choices().get(0).message().content().orElseThrow();
      List<ChatCompletionChunk> chunks;
      try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
          chat("stream please").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
              .build())) {
        chunks = stream.stream().toList();
      }

      assertThat(chunks).hasSize(1 + 12 + 1 + 1);
      assertThat(chunks.subList(0, 14)).allSatisfy(c -> assertThat(c.usage()).isEmpty());
      ChatCompletionChunk last = chunks.get(14);
      assertThat(last.choices()).isEmpty();
      CompletionUsage usage = last.usage().orElseThrow();
      assertThat(usage.promptTokens()).isEqualTo(2 + 4 + 3);
      assertThat(usage.completionTokens()).isEqualTo(12);
      assertThat(text(chunks)).isEqualTo(plain);
    }
  }

  @Test
  void rawStreamBytesCarryNoUsageFieldUnlessAskedFor() throws Exception {
    String notAsked = new JsonObject().put("model", "gpt-4o-mini").put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "raw bytes")))
        .encode();
    String asked = new JsonObject(notAsked).put("stream_options", new JsonObject().put("include_usage", true))
        .encode();
    for (int node = 0; node < 2; node++) {
      java.net.http.HttpResponse<String> plain = cluster.call(node, "POST", "/v1/chat/completions",
          customerKey, notAsked);
      assertThat(plain.statusCode()).isEqualTo(200);
      assertThat(plain.headers().firstValue("content-type")).hasValueSatisfying(
          t -> assertThat(t).startsWith("text/event-stream"));
      List<String> events = dataLines(plain.body());
      assertThat(events).hasSize(14 + 1);
      assertThat(events.get(14)).isEqualTo("[DONE]");
      assertThat(plain.body()).doesNotContain("usage");

      java.net.http.HttpResponse<String> withUsage = cluster.call(node, "POST", "/v1/chat/completions",
          customerKey, asked);
      List<String> usageEvents = dataLines(withUsage.body());
      assertThat(usageEvents).hasSize(15 + 1);
      assertThat(usageEvents.get(15)).isEqualTo("[DONE]");
      JsonObject usageChunk = new JsonObject(usageEvents.get(14));
      assertThat(usageChunk.getJsonArray("choices")).isEmpty();
      assertThat(usageChunk.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(12);
      for (String e : usageEvents.subList(0, 14)) {
        JsonObject chunk = new JsonObject(e);
        assertThat(chunk.containsKey("usage")).isTrue();
        assertThat(chunk.getValue("usage")).isNull();
      }
    }
  }

  private static List<String> dataLines(String sse) {
    List<String> out = new ArrayList<>();
    for (String event : sse.split("\n\n")) {
      if (event.startsWith("data: ")) {
        out.add(event.substring(6));
      }
    }
    return out;
  }

  private static String text(List<ChatCompletionChunk> chunks) {
    return chunks.stream().flatMap(c -> c.choices().stream())
        .map(c -> c.delta().content().orElse(""))
        .collect(Collectors.joining());
  }

  @Test
  void embeddingsAsFloatsAndAsBase64AreTheEmulatorsVector() throws Exception {
    String input = "the quick brown fox";
    JsonObject direct = new JsonObject(directToEmulator("/v1/embeddings", new JsonObject()
        .put("model", "text-embedding-3-small").put("input", input).put("encoding_format", "base64")));
    float[] expected = floats(direct.getJsonArray("data").getJsonObject(0).getString("embedding"));
    assertThat(expected).hasSize(1536);

    for (OpenAIClient client : clients) {
      for (EmbeddingCreateParams.EncodingFormat format : List.of(EmbeddingCreateParams.EncodingFormat.FLOAT,
          EmbeddingCreateParams.EncodingFormat.BASE64)) {
        CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
            .model("text-embedding-3-small").input(input).encodingFormat(format).build());

        List<Float> vector = response.data().get(0).embedding();
        assertThat(vector).hasSize(1536);
        for (int i = 0; i < expected.length; i++) {
          assertThat(vector.get(i)).as("component %d (%s)", i, format).isEqualTo(expected[i]);
        }
        assertThat(response.usage().promptTokens()).isEqualTo(4);
      }
    }
    // and the base64 text itself passes through unchanged
    java.net.http.HttpResponse<String> raw = cluster.call(1, "POST", "/v1/embeddings", customerKey,
        new JsonObject().put("model", "text-embedding-3-small").put("input", input)
            .put("encoding_format", "base64").encode());
    assertThat(new JsonObject(raw.body()).getJsonArray("data").getJsonObject(0).getString("embedding"))
        .isEqualTo(direct.getJsonArray("data").getJsonObject(0).getString("embedding"));
  }

  private static float[] floats(String base64) {
    ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(base64)).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[b.remaining() / 4];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.getFloat();
    }
    return out;
  }

  @Test
  void modelsListIsWhatTheAccountMayUseAndIsAnsweredHere() throws Exception {
    int forwarded = cluster.mock.control().requests().size();
    for (OpenAIClient client : clients) {
      List<String> ids = client.models().list().data().stream().map(Model::id).toList();
      assertThat(ids).contains("gpt-4o", "gpt-4o-mini", "whisper-1", "text-embedding-3-small", "tts-1")
          .isSorted().doesNotHaveDuplicates();
      assertThat(client.models().retrieve("tts-1").id()).isEqualTo("tts-1");
      assertThat(client.models().retrieve("gpt-4o-2024-08-06").id()).isEqualTo("gpt-4o-2024-08-06");
      assertThatThrownBy(() -> client.models().retrieve("no-such-model"))
          .isInstanceOf(com.openai.errors.NotFoundException.class);
    }
    assertThat(cluster.mock.control().requests()).as("never forwarded").hasSize(forwarded);
  }

  @Test
  void imageGenerationReturnsTheEmulatorsImage() throws Exception {
    JsonObject direct = new JsonObject(directToEmulator("/v1/images/generations", new JsonObject()
        .put("model", "dall-e-3").put("prompt", "a yak moving a mountain").put("response_format", "b64_json")));
    String png = direct.getJsonArray("data").getJsonObject(0).getString("b64_json");
    for (OpenAIClient client : clients) {
      ImagesResponse images = client.images().generate(ImageGenerateParams.builder()
          .prompt("a yak moving a mountain").model(ImageModel.DALL_E_3)
          .responseFormat(ImageGenerateParams.ResponseFormat.B64_JSON).build());
      assertThat(images.data().orElseThrow()).singleElement()
          .satisfies(img -> assertThat(img.b64Json()).contains(png));
      byte[] bytes = Base64.getDecoder().decode(png);
      assertThat(new String(bytes, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");

      ImagesResponse urls = client.images().generate(ImageGenerateParams.builder()
          .prompt("a yak").model(ImageModel.DALL_E_2).n(2).build());
      assertThat(urls.data().orElseThrow()).hasSize(2)
          .allSatisfy(img -> assertThat(img.url()).hasValueSatisfying(u -> assertThat(u).endsWith(".png")));
    }
  }

  @Test
  void speechBytesAreIdenticalToTheEmulatorsAudio() throws Exception {
    String input = "Speech through Yugong, long enough to need several chunked writes of sixty-four KiB.";
    for (OpenAIClient client : clients) {
      for (String format : List.of("mp3", "wav")) {
        byte[] body;
        try (HttpResponse response = client.audio().speech().create(SpeechCreateParams.builder()
            .model("tts-1").input(input).voice("alloy")
            .responseFormat(SpeechCreateParams.ResponseFormat.of(format)).build());
             InputStream in = response.body()) {
          assertThat(response.statusCode()).isEqualTo(200);
          assertThat(response.headers().values("content-type"))
              .containsExactly(format.equals("mp3") ? "audio/mpeg" : "audio/wav");
          body = in.readAllBytes();
        }
        assertThat(body.length).isEqualTo(input.length() * MockAudio.BYTES_PER_CHARACTER);
        assertThat(body).isEqualTo(MockAudio.speechBytes(input, format).getBytes());
      }
    }
  }

  @Test
  void transcriptionUploadsMultipartThroughTheSdk(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("speech.wav");
    byte[] audio = new byte[96_000];
    new java.util.Random(7).nextBytes(audio);
    Files.write(file, audio);
    for (OpenAIClient client : clients) {
      Transcription transcription = client.audio().transcriptions().create(TranscriptionCreateParams.builder()
          .file(file).model(AudioModel.WHISPER_1).build()).asTranscription();
      assertThat(transcription.text()).isEqualTo("Transcribed 96000 bytes of speech.wav");

      TranscriptionVerbose verbose = client.audio().transcriptions().create(TranscriptionCreateParams.builder()
          .file(file).model(AudioModel.WHISPER_1).responseFormat(AudioResponseFormat.VERBOSE_JSON)
          .language("en").build()).asVerbose();
      assertThat(verbose.text()).isEqualTo("Transcribed 96000 bytes of speech.wav");
      assertThat(verbose.duration()).isEqualTo(3.0);
      assertThat(verbose.language()).isEqualTo("english");
    }
  }

  private String directToEmulator(String path, JsonObject body) throws Exception {
    java.net.http.HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + cluster.mock.port() + path))
        .header("Authorization", "Bearer " + KEY_A).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private String directGet(String path) throws Exception {
    java.net.http.HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + cluster.mock.port() + path))
        .header("Authorization", "Bearer " + KEY_A).GET().build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }
}
