package io.yugong.mock;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;

import java.util.Locale;

/** POST /v1/audio/speech: {@link MockAudio#speechBytes} sent in several chunked writes. */
final class SpeechEndpoint implements Endpoint {

  static final int WRITE_SIZE = 64 * 1024;
  static final int MAX_INPUT = 4096;

  @Override
  public void handle(Exchange ex) {
    if (!Validation.model(ex)) {
      return;
    }
    String input = Validation.nonEmptyString(ex, "input");
    if (input == null || Validation.nonEmptyString(ex, "voice") == null) {
      return;
    }
    if (input.length() > MAX_INPUT) {
      ex.invalid("Invalid 'input': string too long. Expected a string with maximum length " + MAX_INPUT
          + ", but got a string with length " + input.length() + " instead.", "input", "string_above_max_length");
      return;
    }
    Object f = ex.json.getValue("response_format");
    String format = f instanceof String s ? s.toLowerCase(Locale.ROOT) : "mp3";
    String contentType = MockAudio.contentType(format);
    if (contentType == null) {
      ex.invalid("Invalid value: '" + f + "'. Supported values are: 'mp3', 'opus', 'aac', 'flac', 'wav', and 'pcm'.",
          "response_format", "invalid_value");
      return;
    }
    Buffer audio = MockAudio.speechBytes(input, format);
    Pump.start(ex, HttpHeaders.createOptimized(contentType), new Slices(audio), false);
  }

  /** The audio as consecutive zero-copy slices. */
  private record Slices(Buffer audio) implements Frames {
    @Override
    public int count() {
      return (audio.length() + WRITE_SIZE - 1) / WRITE_SIZE;
    }

    @Override
    public Buffer frame(int index) {
      int from = index * WRITE_SIZE;
      return audio.slice(from, Math.min(audio.length(), from + WRITE_SIZE));
    }

    @Override
    public boolean paced(int index) {
      return false;
    }
  }
}
