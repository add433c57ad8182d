package io.yugong.mock;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Locale;
import java.util.Map;

/**
 * POST /v1/audio/transcriptions and /v1/audio/translations: multipart/form-data streamed (never buffered, so any
 * size is accepted); the "transcript" names the uploaded file and its byte length.
 */
final class TranscriptionEndpoint implements Endpoint {

  private static final Map<String, String> LANGUAGES = Map.of("en", "english", "fr", "french", "de", "german",
      "es", "spanish", "it", "italian", "pt", "portuguese", "zh", "chinese", "ja", "japanese", "nl", "dutch");

  private final boolean translate;

  TranscriptionEndpoint(boolean translate) {
    this.translate = translate;
  }

  @Override
  public void handle(Exchange ex) {
    HttpServerRequest req = ex.req;
    String contentType = req.getHeader(Hdr.CONTENT_TYPE);
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
      ex.invalid("Invalid Content-Type header (" + contentType + "), expected multipart/form-data. (HINT: If you're "
          + "using curl, you can pass -F 'file=@path/to/file' instead of -d '...')", null, null);
      return;
    }
    Upload upload = new Upload();
    req.setExpectMultipart(true);
    req.uploadHandler(part -> {
      if ("file".equals(part.name())) {
        upload.present = true;
        upload.fileName = part.filename();
        part.handler(chunk -> upload.bytes += chunk.length());
      } else {
        part.handler(chunk -> { });
      }
    });
    req.exceptionHandler(t -> { });
    req.endHandler(v -> respond(ex, upload, req.formAttributes()));
    req.resume();
  }

  private static final class Upload {
    boolean present;
    String fileName;
    long bytes;
  }

  private void respond(Exchange ex, Upload upload, MultiMap form) {
    String model = form.get("model");
    ex.model = model;
    if (model == null || model.isEmpty()) {
      ex.invalid("you must provide a model parameter", "model", "missing_required_parameter");
      return;
    }
    if (model.startsWith("nonexistent")) {
      ex.error(404, "The model `" + model + "` does not exist or you do not have access to it.",
          "invalid_request_error", null, "model_not_found");
      return;
    }
    if (!upload.present) {
      ex.invalid("Missing required parameter: 'file'.", "file", "missing_required_parameter");
      return;
    }
    String format = form.get("response_format") == null ? "json" : form.get("response_format");
    String name = upload.fileName == null || upload.fileName.isEmpty() ? "file" : upload.fileName;
    String text = text(translate, upload.bytes, name);
    double duration = duration(upload.bytes);
    JsonObject usage = new JsonObject().put("type", "duration").put("seconds", (long) Math.ceil(duration));
    switch (format) {
      case "json" -> ex.json(new JsonObject().put("text", text).put("usage", usage));
      case "text" -> ex.send(200, Hdr.TEXT, text + "\n");
      case "srt" -> ex.send(200, Hdr.TEXT, "1\n00:00:00,000 --> " + timestamp(duration, ',') + "\n" + text + "\n\n");
      case "vtt" -> ex.send(200, Hdr.TEXT, "WEBVTT\n\n00:00:00.000 --> " + timestamp(duration, '.') + "\n" + text
          + "\n\n");
      case "verbose_json" -> {
        String language = translate ? "english" : language(form.get("language"));
        JsonObject segment = new JsonObject().put("id", 0).put("seek", 0).put("start", 0.0).put("end", duration)
            .put("text", " " + text).put("tokens", new JsonArray()).put("temperature", 0.0)
            .put("avg_logprob", -0.25).put("compression_ratio", 1.0).put("no_speech_prob", 0.0);
        ex.json(new JsonObject().put("task", translate ? "translate" : "transcribe").put("language", language)
            .put("duration", duration).put("text", text).put("segments", new JsonArray().add(segment))
            .put("usage", usage));
      }
      default -> ex.invalid("Invalid value: '" + format + "'. Supported values are: 'json', 'text', 'srt', "
          + "'verbose_json', and 'vtt'.", "response_format", "invalid_value");
    }
  }

  /** "Transcribed 12345 bytes of speech.wav" / "Translated 12345 bytes of speech.wav". */
  static String text(boolean translate, long bytes, String fileName) {
    return (translate ? "Translated " : "Transcribed ") + bytes + " bytes of " + fileName;
  }

  /** Seconds of speech in that many bytes of 16 kHz 16-bit mono audio. */
  static double duration(long bytes) {
    return bytes / MockAudio.BYTES_PER_SECOND;
  }

  private static String language(String code) {
    if (code == null || code.isEmpty()) {
      return "english";
    }
    return LANGUAGES.getOrDefault(code.toLowerCase(Locale.ROOT), code);
  }

  static String timestamp(double seconds, char separator) {
    long ms = Math.round(seconds * 1000);
    return String.format(Locale.ROOT, "%02d:%02d:%02d%c%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60,
        separator, ms % 1000);
  }
}
