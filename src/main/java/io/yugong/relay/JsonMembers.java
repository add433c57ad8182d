package io.yugong.relay;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/** Edits of a JSON object's bytes that leave the rest of them as the client sent them. */
final class JsonMembers {

  private static final byte[] INCLUDE_USAGE =
      "\"stream_options\":{\"include_usage\":true}".getBytes(StandardCharsets.US_ASCII);

  private JsonMembers() {
  }

  /**
   * The request {@code body} (parsed as {@code json}) with {@code stream_options.include_usage}
   * true; {@code json} gets it too. A body without the name {@code stream_options} keeps its
   * bytes, the member in front; one with it (an object, or null) is encoded again, so the name
   * is never there twice, as is {@code json} when {@code body} is null (changed already).
   */
  static Buffer includeUsage(JsonObject json, Buffer body) {
    boolean named = json.containsKey("stream_options");
    Object opts = json.getValue("stream_options");
    JsonObject so = opts instanceof JsonObject o ? o.copy() : new JsonObject();
    json.put("stream_options", so.put("include_usage", true));
    if (!named && body != null) {
      Buffer with = prepend(body, INCLUDE_USAGE);
      if (with != null) {
        return with;
      }
    }
    return json.toBuffer();
  }

  /**
   * The object {@code body} with {@code member} (a whole {@code "name":value}, a name the object
   * does not have) as its first member; null when {@code body} does not start with an object
   * (after JSON whitespace) in UTF-8.
   */
  static Buffer prepend(Buffer body, byte[] member) {
    int len = body.length();
    for (int i = 0; i < Math.min(4, len); i++) {
      if (body.getByte(i) == 0) {
        return null; // UTF-16 or UTF-32, which a parser may detect: not bytes to prepend ASCII to
      }
    }
    int open = skipWhitespace(body, 0, len);
    if (open >= len || body.getByte(open) != '{') {
      return null;
    }
    int next = skipWhitespace(body, open + 1, len);
    boolean empty = next < len && body.getByte(next) == '}';
    Buffer out = Buffer.buffer(len + member.length + 1);
    out.appendBuffer(body, 0, open + 1).appendBytes(member);
    if (!empty) {
      out.appendByte((byte) ',');
    }
    return out.appendBuffer(body, open + 1, len - open - 1);
  }

  private static int skipWhitespace(Buffer b, int i, int len) {
    while (i < len) {
      byte c = b.getByte(i);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return i;
      }
      i++;
    }
    return i;
  }
}
