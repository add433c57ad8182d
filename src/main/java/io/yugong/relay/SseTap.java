package io.yugong.relay;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * Reads a server-sent event stream as it passes. It forwards whole events only, notes the usage
 * that upstream reports (chat and legacy completion chunks, and the Responses API's
 * {@code response.completed}), keeps the generated text for a tokenizer estimate when no usage
 * comes, and can strip the usage chunk that Yugong asked for but the client did not.
 */
final class SseTap {

  private static final java.util.regex.Pattern LINES = java.util.regex.Pattern.compile("\r?\n");

  private final boolean stripUsage;
  private Buffer pending = Buffer.buffer();
  private JsonObject usage;
  private boolean done;
  private final StringBuilder text = new StringBuilder();
  private final StringBuilder toolText = new StringBuilder();

  SseTap(boolean stripUsage) {
    this.stripUsage = stripUsage;
  }

  /** Takes the next bytes from upstream; returns what to forward now (possibly empty). */
  Buffer feed(Buffer chunk) {
    pending.appendBuffer(chunk);
    Buffer out = null;
    int start = 0;
    int len = pending.length();
    for (int i = 0; i < len; i++) {
      int end = eventEnd(pending, i, len);
      if (end > 0) {
        Buffer event = pending.getBuffer(start, end);
        Buffer forward = onEvent(event);
        if (forward != null) {
          if (out == null) {
            out = Buffer.buffer(len);
          }
          out.appendBuffer(forward);
        }
        start = end;
        i = end - 1;
      }
    }
    pending = start == 0 ? pending : pending.getBuffer(start, len);
    return out == null ? Buffer.buffer(0) : out;
  }

  /** Whatever is left when upstream ends (an event without its blank line). */
  Buffer flush() {
    Buffer rest = pending;
    pending = Buffer.buffer();
    if (rest.length() == 0) {
      return rest;
    }
    Buffer forward = onEvent(rest);
    return forward == null ? Buffer.buffer(0) : forward;
  }

  /** Position after the blank line ending an event that ends at i, or -1. */
  private static int eventEnd(Buffer b, int i, int len) {
    if (b.getByte(i) != '\n') {
      return -1;
    }
    if (i + 1 < len && b.getByte(i + 1) == '\n') {
      return i + 2;
    }
    if (i + 2 < len && b.getByte(i + 1) == '\r' && b.getByte(i + 2) == '\n') {
      return i + 3;
    }
    return -1;
  }

  private Buffer onEvent(Buffer event) {
    String s = event.toString(StandardCharsets.UTF_8);
    StringBuilder data = null;
    for (String line : LINES.split(s)) {
      if (line.startsWith("data:")) {
        String d = line.length() > 5 && line.charAt(5) == ' ' ? line.substring(6) : line.substring(5);
        if (data == null) {
          data = new StringBuilder(d);
        } else {
          data.append('\n').append(d);
        }
      }
    }
    if (data == null) {
      return event;
    }
    String payload = data.toString().trim();
    if (payload.equals("[DONE]")) {
      done = true;
      return event;
    }
    if (!payload.startsWith("{")) {
      return event;
    }
    JsonObject json;
    try {
      json = new JsonObject(payload);
    } catch (DecodeException e) {
      return event;
    }
    try {
      observe(json);
    } catch (RuntimeException malformed) {
      // an event of an unexpected shape (a field of the wrong type) is forwarded, not metered
      return event;
    }
    if (!stripUsage) {
      return event;
    }
    if (json.getValue("usage") != null && json.getValue("choices") instanceof JsonArray choices
        && choices.isEmpty()) {
      return null;
    }
    if (s.contains("\"usage\":null")) {
      String cleaned = s.replace(",\"usage\":null", "").replace("\"usage\":null,", "");
      return Buffer.buffer(cleaned);
    }
    return event;
  }

  private void observe(JsonObject json) {
    Object u = json.getValue("usage");
    if (u instanceof JsonObject uj) {
      usage = uj;
    }
    String type = json.getString("type");
    if (type != null) {
      observeResponsesEvent(type, json);
      return;
    }
    JsonArray choices = json.getJsonArray("choices");
    if (choices == null) {
      return;
    }
    for (int i = 0; i < choices.size(); i++) {
      JsonObject c = choices.getJsonObject(i);
      JsonObject delta = c.getJsonObject("delta");
      if (delta != null) {
        appendIfString(text, delta.getValue("content"));
        appendIfString(text, delta.getValue("reasoning_content"));
        JsonArray calls = delta.getJsonArray("tool_calls");
        if (calls != null) {
          for (int k = 0; k < calls.size(); k++) {
            JsonObject fn = calls.getJsonObject(k).getJsonObject("function");
            if (fn != null) {
              appendIfString(toolText, fn.getValue("name"));
              appendIfString(toolText, fn.getValue("arguments"));
            }
          }
        }
      } else {
        appendIfString(text, c.getValue("text"));
      }
    }
  }

  private void observeResponsesEvent(String type, JsonObject json) {
    if (type.endsWith(".delta")) {
      appendIfString(type.contains("function_call") ? toolText : text, json.getValue("delta"));
    } else if (type.equals("response.completed") || type.equals("response.incomplete")) {
      JsonObject r = json.getJsonObject("response");
      if (r != null && r.getValue("usage") instanceof JsonObject uj) {
        usage = uj;
      }
    }
  }

  private static void appendIfString(StringBuilder sb, Object v) {
    if (v instanceof String str) {
      sb.append(str);
    }
  }

  /** The usage upstream reported, or null. */
  JsonObject usage() {
    return usage;
  }

  /** True once {@code data: [DONE]} passed. */
  boolean done() {
    return done;
  }

  /** The text generated so far (content, reasoning, legacy text). */
  String text() {
    return text.toString();
  }

  /** The length of the text and tool-call text kept for the tokenizer. */
  long textLength() {
    return (long) text.length() + toolText.length();
  }

  /** Tool-call names and arguments generated so far. */
  String toolText() {
    return toolText.toString();
  }
}
