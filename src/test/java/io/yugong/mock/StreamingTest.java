package io.yugong.mock;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Pacing, first-byte delay, client aborts, cut binary bodies and big uploads. */
class StreamingTest {

  private static Vertx vertx;
  private static MockUpstream paced;
  private static MockUpstream fast;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    paced = Await.result(MockUpstream.start(vertx, new MockOptions().instances(1).tokensPerSecond(50)
        .firstByteDelayMs(150).completionTokens(10)));
    fast = Await.result(MockUpstream.start(vertx, new MockOptions().instances(2)));
  }

  @AfterAll
  static void stop() {
    Await.result(Future.all(paced.close(), fast.close()));
    Await.result(vertx.close());
  }

  @Test
  void tokensArePacedAndHeadersDelayed() throws Exception {
    long t0 = System.nanoTime();
    HttpResponse<java.io.InputStream> r = new Http(paced.port()).send(HttpRequest.newBuilder(
            new Http(paced.port()).uri("/v1/chat/completions"))
            .header("Authorization", "Bearer sk-paced")
            .POST(HttpRequest.BodyPublishers.ofString(Http.chat("gpt-4o", true, true))).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    long headersMs = (System.nanoTime() - t0) / 1_000_000;
    String body = new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
    long totalMs = (System.nanoTime() - t0) / 1_000_000;

    assertThat(r.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
    assertThat(headersMs).isGreaterThanOrEqualTo(145);
    // 10 tokens at 50/s take 200 ms after the 150 ms header delay (the emulator's timers never fire
    // early). Both are measured from t0: the difference of two client observations would shrink
    // whenever the client saw the headers late.
    assertThat(totalMs).isGreaterThanOrEqualTo(150 + 200 - 10);
    assertThat(totalMs).isLessThan(5_000);
    List<String> events = Arrays.stream(body.split("\n\n")).filter(s -> !s.isBlank()).toList();
    assertThat(events).hasSize(1 + 10 + 1 + 1 + 1);
    assertThat(events.subList(0, 12)).allSatisfy(e -> assertThat(e).endsWith(",\"usage\":null}"));
    assertThat(events.get(12)).contains("\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":10");
    assertThat(events.get(13)).isEqualTo("data: [DONE]");
  }

  @Test
  void twoEmulatorsInOneVertxHaveTheirOwnPortAndControl() {
    assertThat(paced.port()).isNotEqualTo(fast.port());
    new Http(fast.port()).get("/v1/models", "sk-only-fast");
    assertThat(fast.control().requests("sk-only-fast")).hasSize(1);
    assertThat(paced.control().requests("sk-only-fast")).isEmpty();
  }

  @Test
  void clientAbortIsDetected() throws Exception {
    int before = paced.control().clientAbortedStreams();
    Future<Void> abort = paced.control().nextClientAbort();
    try (RawSocket socket = new RawSocket(paced.port())) {
      socket.send(RawSocket.postRequest("/v1/chat/completions", "sk-abort", Http.chat("gpt-4o", true, false)));
      socket.readUntil("\"content\":\"Hello\"");
    }
    Await.result(abort, 5);
    assertThat(paced.control().clientAbortedStreams()).isEqualTo(before + 1);
    assertThat(paced.control().stats().getInteger("clientAbortedStreams")).isEqualTo(before + 1);
  }

  @Test
  void responsesStreamUsesNamedEventsWithSequenceNumbers() {
    String body = new Http(fast.port()).post("/v1/responses", "sk-resp",
        "{\"model\":\"gpt-4.1\",\"input\":\"hi\",\"stream\":true,\"max_output_tokens\":3}").body();
    List<String> names = Arrays.stream(body.split("\n\n")).filter(s -> !s.isBlank())
        .map(s -> s.substring("event: ".length(), s.indexOf('\n'))).toList();
    assertThat(names).containsExactly("response.created", "response.in_progress", "response.output_item.added",
        "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
        "response.output_text.delta", "response.output_text.done", "response.content_part.done",
        "response.output_item.done", "response.completed");
    assertThat(body).contains("\"sequence_number\":10").doesNotContain("[DONE]");
  }

  @Test
  void speechCutMidBody() throws Exception {
    fast.control().behave("sk-cut-audio", KeyBehaviour.cutStream(1));
    String input = "x".repeat(100);
    byte[] wire;
    try (RawSocket socket = new RawSocket(fast.port())) {
      wire = socket.send(RawSocket.postRequest("/v1/audio/speech", "sk-cut-audio",
          "{\"model\":\"tts-1\",\"voice\":\"alloy\",\"input\":\"" + input + "\"}")).readToEof();
    }
    String text = new String(wire, StandardCharsets.ISO_8859_1);
    assertThat(text).startsWith("HTTP/1.1 200 OK").contains("transfer-encoding: chunked");
    int bodyBytes = wire.length - (text.indexOf("\r\n\r\n") + 4);
    assertThat(bodyBytes).isBetween(SpeechEndpoint.WRITE_SIZE, SpeechEndpoint.WRITE_SIZE + 64);
    assertThat(text).doesNotEndWith("\r\n0\r\n\r\n");
  }

  @Test
  void transcriptionAcceptsUploadsAbove25MB() {
    int size = 26 * 1024 * 1024;
    String boundary = "----yugong-boundary";
    ByteArrayOutputStream body = new ByteArrayOutputStream(size + 1024);
    String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
        + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"response_format\"\r\n\r\ntext\r\n"
        + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.wav\"\r\n"
        + "Content-Type: audio/wav\r\n\r\n";
    body.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
    body.writeBytes(new byte[size]);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));

    Http http = new Http(fast.port());
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(http.uri("/v1/audio/translations"))
        .header("Authorization", "Bearer sk-upload")
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("Translated " + size + " bytes of big.wav\n");
  }

  @Test
  void transcriptionWithoutFileIs400() {
    String boundary = "b";
    Http http = new Http(fast.port());
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(http.uri("/v1/audio/transcriptions"))
        .header("Authorization", "Bearer sk-upload")
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofString("--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n"
            + "whisper-1\r\n--b--\r\n")).build());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("\"param\": \"file\"");
  }

  @Test
  void legacyCompletionStreamWithUsage() {
    String body = new Http(fast.port()).post("/v1/completions", "sk-legacy",
        "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"one two\",\"max_tokens\":2,\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true}}").body();
    List<String> events = Arrays.stream(body.split("\n\n")).filter(s -> !s.isBlank()).toList();
    assertThat(events).hasSize(2 + 1 + 1 + 1);
    assertThat(events.get(0)).contains("\"object\":\"text_completion\"").contains("\"text\":\"Hello\"");
    assertThat(events.get(2)).contains("\"finish_reason\":\"length\"");
    assertThat(events.get(3)).contains("\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":2,\"total_tokens\":4}");
  }
}
