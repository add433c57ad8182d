package io.yugong.mock;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponse;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.models.audio.AudioModel;
import com.openai.models.audio.AudioResponseFormat;
import com.openai.models.audio.speech.SpeechCreateParams;
import com.openai.models.audio.transcriptions.Transcription;
import com.openai.models.audio.transcriptions.TranscriptionCreateParams;
import com.openai.models.audio.transcriptions.TranscriptionVerbose;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionDeleted;
import com.openai.models.chat.completions.ChatCompletionUpdateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.FunctionDefinition;
import com.openai.models.images.ImageGenerateParams;
import com.openai.models.images.ImageModel;
import com.openai.models.images.ImagesResponse;
import com.openai.models.models.Model;
import com.openai.models.moderations.ModerationCreateParams;
import com.openai.models.moderations.ModerationCreateResponse;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official openai-java SDK (with strict response validation) talking to the emulator. */
class OpenAiSdkCompatibilityTest {

  private static Vertx vertx;
  private static MockUpstream upstream;
  private static OpenAIClient client;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstream = Await.result(MockUpstream.start(vertx, new MockOptions().instances(2)));
    client = OpenAIOkHttpClient.builder()
        .apiKey("sk-test")
        .baseUrl("http://127.0.0.1:" + upstream.port() + "/v1")
        .maxRetries(0)
        .responseValidation(true)
        .build();
  }

  @AfterAll
  static void stop() {
    client.close();
    Await.result(upstream.close());
    Await.result(vertx.close());
  }

  @Test
  void chatCompletion() {
    ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gpt-4o")
        .addUserMessage("Say hello to the tests")
        .build());

    assertThat(completion.id()).startsWith("chatcmpl-");
    assertThat(completion.model()).isEqualTo("gpt-4o");
    ChatCompletion.Choice choice = completion.choices().get(0);
    assertThat(choice.message().content()).contains("Hello from the Yugong emulator this is a deterministic answer made of");
    assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    // 5 words + 4 per message + 3
    assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(12);
    assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(12);
    assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(24);
    assertThat(upstream.control().requests("sk-test")).anySatisfy(r -> {
      assertThat(r.path()).isEqualTo("/v1/chat/completions");
      assertThat(r.model()).isEqualTo("gpt-4o");
      assertThat(r.status()).isEqualTo(200);
    });
  }

  @Test
  void aChatCompletionStoredWithStoreTrueIsKeptForItsKeyOnly() {
    ChatCompletion created = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gpt-4o-mini").addSystemMessage("Be brief.").addUserMessage("Keep this one").store(true).build());
    String id = created.id();
    assertThat(upstream.control().stores("sk-test", id)).isTrue();
    ChatCompletion kept = client.chat().completions().retrieve(id);
    assertThat(kept.id()).isEqualTo(id);
    assertThat(kept.choices().get(0).message().content()).isEqualTo(created.choices().get(0).message().content());

    ChatCompletion updated = client.chat().completions().update(id, ChatCompletionUpdateParams.builder()
        .metadata(ChatCompletionUpdateParams.Metadata.builder()
            .putAdditionalProperty("topic", JsonValue.from("tests")).build()).build());
    assertThat(updated._additionalProperties().get("metadata")).isEqualTo(JsonValue.from(Map.of("topic", "tests")));

    Http http = new Http(upstream.port());
    JsonObject messages = new JsonObject(http.get("/v1/chat/completions/" + id + "/messages", "sk-test").body());
    assertThat(messages.getString("object")).isEqualTo("list");
    assertThat(messages.getJsonArray("data").stream().map(m -> ((JsonObject) m).getString("content")))
        .containsExactly("Be brief.", "Keep this one");
    assertThat(messages.getString("first_id")).isEqualTo(id + "-0");
    assertThat(messages.getString("last_id")).isEqualTo(id + "-1");
    assertThat(messages.getBoolean("has_more")).isFalse();
    JsonObject page = new JsonObject(http.get("/v1/chat/completions/" + id + "/messages?limit=1&order=desc",
        "sk-test").body());
    assertThat(page.getString("first_id")).isEqualTo(id + "-1");
    assertThat(page.getBoolean("has_more")).isTrue();

    // another key's project does not have it
    java.net.http.HttpResponse<String> other = http.get("/v1/chat/completions/" + id, "sk-other");
    assertThat(other.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(other.body()).getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
    assertThat(http.get("/v1/chat/completions/" + id + "/messages", "sk-other").statusCode()).isEqualTo(404);

    ChatCompletionDeleted deleted = client.chat().completions().delete(id);
    assertThat(deleted.id()).isEqualTo(id);
    assertThat(deleted.deleted()).isTrue();
    assertThatThrownBy(() -> client.chat().completions().retrieve(id)).isInstanceOf(NotFoundException.class);
  }

  @Test
  void aChatCompletionIsNotStoredUnlessStoreIsTrueAndAStreamedOneIsStoredWhole() {
    ChatCompletion plain = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gpt-4o-mini").addUserMessage("Forget this one").build());
    ChatCompletion unstored = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gpt-4o-mini").addUserMessage("And this one").store(false).build());
    assertThat(upstream.control().stores("sk-test", plain.id())).isFalse();
    assertThat(upstream.control().stores("sk-test", unstored.id())).isFalse();
    assertThatThrownBy(() -> client.chat().completions().retrieve(plain.id())).isInstanceOf(NotFoundException.class);

    String id;
    StringBuilder text = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage("Stream and keep").store(true)
            .build())) {
      List<ChatCompletionChunk> chunks = s.stream().collect(Collectors.toList());
      id = chunks.get(0).id();
      chunks.forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
    }
    assertThat(text).isNotEmpty();
    assertThat(client.chat().completions().retrieve(id).choices().get(0).message().content()).contains(text.toString());
  }

  @Test
  void maxCompletionTokensIsHonouredExactly() {
    ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gpt-4o-mini").addUserMessage("count").maxCompletionTokens(40).build());

    String content = completion.choices().get(0).message().content().orElseThrow();
    assertThat(content.split(" ")).hasSize(40);
    assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(40);
    assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
  }

  @Test
  void forcedToolCall() {
    ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gpt-4o")
        .addUserMessage("what's the weather?")
        .addTool(ChatCompletionFunctionTool.builder()
            .function(FunctionDefinition.builder().name("get_weather").build()).build())
        .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED)
        .build());

    ChatCompletion.Choice choice = completion.choices().get(0);
    assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    assertThat(choice.message().toolCalls().orElseThrow()).singleElement()
        .satisfies(call -> assertThat(call.asFunction().function().name()).isEqualTo("get_weather"));
  }

  @Test
  void streamedChatWithoutUsage() {
    List<ChatCompletionChunk> chunks;
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("stream please").build())) {
      chunks = stream.stream().toList();
    }

    // role chunk + 12 tokens + finish chunk
    assertThat(chunks).hasSize(14);
    assertThat(chunks).allSatisfy(c -> assertThat(c.usage()).isEmpty());
    assertThat(text(chunks)).isEqualTo(Tokens.text(12));
    assertThat(chunks.get(13).choices().get(0).finishReason())
        .contains(ChatCompletionChunk.Choice.FinishReason.STOP);
    assertThat(upstream.control().requests("sk-test")).anySatisfy(r -> {
      assertThat(r.stream()).isTrue();
      assertThat(r.includeUsage()).isFalse();
    });
  }

  @Test
  void streamedChatWithUsage() {
    List<ChatCompletionChunk> chunks;
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("stream please")
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
      chunks = stream.stream().toList();
    }

    assertThat(chunks).hasSize(15);
    assertThat(chunks.subList(0, 14)).allSatisfy(c -> assertThat(c.usage()).isEmpty());
    ChatCompletionChunk last = chunks.get(14);
    assertThat(last.choices()).isEmpty();
    assertThat(last.usage().orElseThrow().promptTokens()).isEqualTo(2 + 4 + 3);
    assertThat(last.usage().orElseThrow().completionTokens()).isEqualTo(12);
    assertThat(text(chunks)).isEqualTo(Tokens.text(12));
  }

  private static String text(List<ChatCompletionChunk> chunks) {
    return chunks.stream().flatMap(c -> c.choices().stream())
        .map(c -> c.delta().content().orElse(""))
        .collect(Collectors.joining());
  }

  @Test
  void legacyCompletion() {
    Completion completion = client.completions().create(CompletionCreateParams.builder()
        .model("gpt-3.5-turbo-instruct").prompt("Say this is a test").build());

    assertThat(completion.choices().get(0).text()).isEqualTo(Tokens.text(12));
    assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(5);
  }

  @Test
  void embeddingsAsFloatsAndBase64() {
    for (EmbeddingCreateParams.EncodingFormat format : List.of(EmbeddingCreateParams.EncodingFormat.FLOAT,
        EmbeddingCreateParams.EncodingFormat.BASE64)) {
      CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
          .model("text-embedding-3-small").input("the quick brown fox").encodingFormat(format).build());

      List<Float> vector = response.data().get(0).embedding();
      assertThat(vector).hasSize(1536);
      double norm = vector.stream().mapToDouble(f -> f * f).sum();
      assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
      float[] expected = EmbeddingsEndpoint.vector("the quick brown fox", 1536);
      assertThat(vector.get(0)).isEqualTo(expected[0]);
      assertThat(vector.get(1535)).isEqualTo(expected[1535]);
      assertThat(response.usage().promptTokens()).isEqualTo(4);
    }
    CreateEmbeddingResponse small = client.embeddings().create(EmbeddingCreateParams.builder()
        .model("text-embedding-3-large").input("x").dimensions(256).build());
    assertThat(small.data().get(0).embedding()).hasSize(256);
  }

  @Test
  void models() {
    List<Model> models = client.models().list().data();
    assertThat(models).extracting(Model::id).contains("gpt-4o", "gpt-4o-mini", "whisper-1", "text-embedding-3-small");
    assertThat(client.models().retrieve("tts-1").ownedBy()).isEqualTo("openai-internal");
    assertThatThrownBy(() -> client.models().retrieve("gpt-99")).isInstanceOf(NotFoundException.class);
  }

  @Test
  void rateLimitedKeyIsARateLimitException() {
    upstream.control().behave("sk-limited", KeyBehaviour.rateLimited(7));
    OpenAIClient limited = OpenAIOkHttpClient.builder().apiKey("sk-limited")
        .baseUrl("http://127.0.0.1:" + upstream.port() + "/v1").maxRetries(0).build();
    assertThatThrownBy(() -> limited.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gpt-4o").addUserMessage("hi").build()))
        .isInstanceOfSatisfying(RateLimitException.class, e -> {
          assertThat(e.code()).contains("rate_limit_exceeded");
          assertThat(e.headers().values("retry-after")).containsExactly("7");
        });
    limited.close();
  }

  @Test
  void imageGenerationAsBase64AndUrl() throws Exception {
    ImagesResponse b64 = client.images().generate(ImageGenerateParams.builder()
        .prompt("a yak moving a mountain").model(ImageModel.DALL_E_3)
        .responseFormat(ImageGenerateParams.ResponseFormat.B64_JSON).build());
    assertThat(b64.data().orElseThrow()).singleElement()
        .satisfies(img -> assertThat(img.b64Json()).contains(ImagesEndpoint.PNG_BASE64));

    ImagesResponse urls = client.images().generate(ImageGenerateParams.builder()
        .prompt("a yak").model(ImageModel.DALL_E_2).n(2).build());
    assertThat(urls.data().orElseThrow()).hasSize(2);
    String url = urls.data().orElseThrow().get(0).url().orElseThrow();
    var png = new Http(upstream.port()).send(HttpRequest.newBuilder(URI.create(url)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    assertThat(png.statusCode()).isEqualTo(200);
    assertThat(png.body()).isEqualTo(ImagesEndpoint.PNG.getBytes());
  }

  @Test
  void speechBytesAreDeterministic() throws Exception {
    String input = "Speech from the emulator, long enough to need several chunked writes of sixty-four KiB each.";
    byte[] body;
    try (HttpResponse response = client.audio().speech().create(SpeechCreateParams.builder()
        .model("tts-1").input(input).voice("alloy").build()); InputStream in = response.body()) {
      assertThat(response.headers().values("content-type")).containsExactly("audio/mpeg");
      body = in.readAllBytes();
    }
    assertThat(body.length).isEqualTo(input.length() * MockAudio.BYTES_PER_CHARACTER);
    assertThat(body).isEqualTo(MockAudio.speechBytes(input, "mp3").getBytes());
    assertThat(new String(body, 0, 3)).isEqualTo("ID3");
  }

  @Test
  void transcriptionViaMultipart(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("speech.wav");
    Files.write(file, new byte[96_000]);

    Transcription transcription = client.audio().transcriptions().create(TranscriptionCreateParams.builder()
        .file(file).model(AudioModel.WHISPER_1).build()).asTranscription();
    assertThat(transcription.text()).isEqualTo("Transcribed 96000 bytes of speech.wav");

    TranscriptionVerbose verbose = client.audio().transcriptions().create(TranscriptionCreateParams.builder()
        .file(file).model(AudioModel.WHISPER_1).responseFormat(AudioResponseFormat.VERBOSE_JSON).language("en")
        .build()).asVerbose();
    assertThat(verbose.duration()).isEqualTo(3.0);
    assertThat(verbose.language()).isEqualTo("english");
  }

  @Test
  void moderation() {
    ModerationCreateResponse response = client.moderations().create(ModerationCreateParams.builder()
        .input("I want to move mountains").build());
    assertThat(response.results()).singleElement().satisfies(r -> assertThat(r.flagged()).isFalse());
  }

  @Test
  void responsesJson() {
    Response response = client.responses().create(ResponseCreateParams.builder()
        .model("gpt-4.1").input("Tell me something").build());

    assertThat(response.id()).startsWith("resp_");
    String text = response.output().get(0).message().orElseThrow().content().get(0).asOutputText().text();
    assertThat(text).isEqualTo(Tokens.text(12));
    assertThat(response.usage().orElseThrow().inputTokens()).isEqualTo(3 + 4 + 3);
    assertThat(response.usage().orElseThrow().outputTokens()).isEqualTo(12);
  }

  @Test
  void responsesStream() {
    List<ResponseStreamEvent> events;
    try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(ResponseCreateParams.builder()
        .model("gpt-4.1").input("Tell me something").maxOutputTokens(5).build())) {
      events = stream.stream().toList();
    }
    assertThat(events.get(0).isCreated()).isTrue();
    String text = events.stream().filter(ResponseStreamEvent::isOutputTextDelta)
        .map(e -> e.asOutputTextDelta().delta()).collect(Collectors.joining());
    assertThat(text).isEqualTo(Tokens.text(5));
    ResponseStreamEvent last = events.get(events.size() - 1);
    assertThat(last.isCompleted()).isTrue();
    assertThat(last.asCompleted().response().usage().orElseThrow().outputTokens()).isEqualTo(5);
  }

  @Test
  void nonexistentModelIsA404() {
    assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("nonexistent-model").addUserMessage("hi").build()))
        .isInstanceOfSatisfying(NotFoundException.class, e -> {
          assertThat(e.code()).contains("model_not_found");
          assertThat(e.type()).contains("invalid_request_error");
          assertThat(e.getMessage()).contains("does not exist");
        });
  }
}
