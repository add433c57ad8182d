package io.yugong.relay;

import io.vertx.core.buffer.Buffer;

/** Edits of a JSON object's bytes that leave the rest of them as the client sent them. */
final class JsonMembers {

  private JsonMembers() {
  }

  /**
   * The object {@code body} with {@code member} (a whole {@code "name":value}, a name the object
   * does not have) as its first member; null when {@code body} does not start with an object
   * (after JSON whitespace).
   */
  static Buffer prepend(Buffer body, byte[] member) {
    int len = body.length();
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
