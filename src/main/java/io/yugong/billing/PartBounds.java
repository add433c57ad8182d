package io.yugong.billing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Upper bounds, in prompt tokens, for what the tokenizer cannot count in a prompt: image, audio
 * and file parts, references to content stored upstream, and parts of a type Yugong does not
 * know. Conservative by design — a hold may be a little high, never too low. The bounds:
 *
 * <ul>
 *   <li>an image part (any detail): {@value #IMAGE_TOKENS} tokens, {@value #IMAGE_TOKENS_4O_MINI}
 *       for gpt-4o-mini (OpenAI's largest tile count, 8 tiles, or 1536 patches × 2.5);
 *   <li>an audio part: its decoded bytes at {@value #AUDIO_BYTES_PER_SECOND} bytes a second (8
 *       kbit/s), {@value #AUDIO_TOKENS_PER_SECOND} tokens a second;
 *   <li>an inline file ({@code file_data}): one token per decoded byte plus, for its pages, one
 *       image each, at most {@value #FILE_PAGES} pages, one page per {@value #BYTES_PER_PAGE}
 *       bytes — and at least the model's context window, since compressed text expands;
 *   <li>content referenced by id or URL (a {@code file_id}, a {@code file_url}, an
 *       {@code item_reference}, an earlier answer's audio): the model's whole context window
 *       ({@link ContextWindow});
 *   <li>a part of an unknown type: its UTF-8 length (no tokenizer makes more tokens than bytes).
 * </ul>
 */
final class PartBounds {

  static final long IMAGE_TOKENS = 3_840;
  static final long IMAGE_TOKENS_4O_MINI = 2_833 + 8 * 5_667;
  static final long AUDIO_BYTES_PER_SECOND = 1_000;
  static final long AUDIO_TOKENS_PER_SECOND = 20;
  static final long FILE_PAGES = 100;
  static final long BYTES_PER_PAGE = 256;
  private static final int MAX_DEPTH = 64;

  /** Part types whose text the tokenizer counts. */
  private static final Set<String> TEXT = Set.of("text", "input_text", "output_text", "refusal",
      "summary_text", "reasoning_text");
  private static final Set<String> IMAGE = Set.of("image_url", "input_image", "image");
  private static final Set<String> AUDIO = Set.of("input_audio", "audio");
  private static final Set<String> FILE = Set.of("file", "input_file");
  /** Item types whose fields the tokenizer counts as text (their nested parts are walked). */
  private static final Set<String> CONTAINERS = Set.of("message", "function_call",
      "function_call_output", "custom_tool_call", "custom_tool_call_output", "reasoning");

  private PartBounds() {
  }

  /** The bound for everything in {@code value} (messages, an input, a content array). */
  static long of(String model, Object value) {
    return walk(model, value, 0);
  }

  private static long walk(String model, Object v, int depth) {
    if (depth > MAX_DEPTH) {
      return bytes(v);
    }
    if (v instanceof JsonArray a) {
      long n = 0;
      for (Object e : a) {
        n = Money.saturatingAdd(n, walk(model, e, depth + 1));
      }
      return n;
    }
    if (v instanceof List<?> l) {
      return walk(model, new JsonArray(l), depth);
    }
    if (v instanceof Map<?, ?> m) {
      return walk(model, new JsonObject(cast(m)), depth);
    }
    if (!(v instanceof JsonObject o)) {
      return 0;
    }
    String type = o.getValue("type") instanceof String t ? t.toLowerCase(Locale.ROOT) : null;
    if (type == null || CONTAINERS.contains(type)) {
      long n = 0;
      if (o.getValue("audio") instanceof JsonObject audio && audio.containsKey("id")) {
        n = ContextWindow.of(model); // an earlier answer's audio, stored upstream
      }
      for (String k : o.fieldNames()) {
        Object f = o.getValue(k);
        if (f instanceof JsonArray || f instanceof List<?>) {
          n = Money.saturatingAdd(n, walk(model, f, depth + 1));
        }
      }
      return n;
    }
    if (TEXT.contains(type)) {
      return 0;
    }
    if (IMAGE.contains(type)) {
      return image(model);
    }
    if (AUDIO.contains(type)) {
      Object audio = o.getValue("input_audio");
      Object data = audio instanceof JsonObject a ? a.getValue("data") : o.getValue("data");
      return audio(data);
    }
    if (FILE.contains(type)) {
      Object file = o.getValue("file");
      JsonObject f = file instanceof JsonObject fo ? fo : o;
      if (f.getValue("file_data") instanceof String data) {
        // a compressed PDF's text can far outgrow its bytes: its bound is the context window
        return Math.max(file(model, data), ContextWindow.of(model));
      }
      return ContextWindow.of(model);
    }
    if (type.equals("item_reference")) {
      return ContextWindow.of(model);
    }
    return bytes(o);
  }

  static long image(String model) {
    String m = model == null ? "" : model.toLowerCase(Locale.ROOT);
    return m.startsWith("gpt-4o-mini") || m.startsWith("ft:gpt-4o-mini") ? IMAGE_TOKENS_4O_MINI : IMAGE_TOKENS;
  }

  static long audio(Object base64) {
    long bytes = decodedBytes(base64);
    long seconds = bytes / AUDIO_BYTES_PER_SECOND + 1;
    return Money.saturatingMultiply(seconds, AUDIO_TOKENS_PER_SECOND);
  }

  static long file(String model, String base64) {
    long bytes = decodedBytes(base64);
    long pages = Math.min(FILE_PAGES, bytes / BYTES_PER_PAGE + 1);
    return Money.saturatingAdd(bytes, Money.saturatingMultiply(pages, image(model)));
  }

  /** An upper bound of the bytes a base64 text (or a data URL) decodes to. */
  private static long decodedBytes(Object base64) {
    if (!(base64 instanceof String s)) {
      return 0;
    }
    return (s.length() + 3L) / 4 * 3;
  }

  private static long bytes(Object o) {
    String text = o instanceof JsonObject j ? j.encode() : o instanceof JsonArray a ? a.encode() : String.valueOf(o);
    return text.getBytes(StandardCharsets.UTF_8).length;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }
}
