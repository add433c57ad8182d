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
 *
 * <p>Cheap per event: events are found and read as bytes, in one pass over the chunk; OpenAI's
 * chat chunk without usage (it ends {@code ,"usage":null}}) is known by its last bytes. Only an
 * event that carries a usage object is parsed as it passes. The others' data is kept raw, by
 * reference to the bytes it came in (bounded: 8 KiB of data, 16 KiB of arrays per stream), and
 * read for text only when someone asks for the text, or when the raw data outgrows its bound.
 */
final class SseTap {

  /** Raw data kept before it is read for text (per stream). */
  private static final int RAW_BOUND = 8 * 1024;
  private static final byte[] USAGE_KEY = "\"usage\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] USAGE_NULL = "\"usage\":null".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);
  /** How a chat chunk without usage ends when usage was asked for, as OpenAI sends it. */
  private static final byte[] NULL_USAGE_TAIL = ",\"usage\":null}".getBytes(StandardCharsets.US_ASCII);

  private final boolean stripUsage;
  /** The start of an event not yet whole: pending[0, pendingLength), or null. */
  private byte[] pending;
  private int pendingLength;
  /** Where that event's first line ends (its \n), or -1. */
  private int pendingFirstNewline;
  private JsonObject usage;
  /** The id of the stored answer told by its usage event (see {@link #responseId()}), or null. */
  private String responseId;
  /** The output item ids of that stored response (see {@link #itemIds()}). */
  private java.util.List<String> itemIds = java.util.List.of();
  private boolean done;
  private final StringBuilder text = new StringBuilder();
  private final StringBuilder toolText = new StringBuilder();
  /**
   * Data of events not read yet, in stream order: ranges of the byte arrays they arrived in
   * (kept by reference, never copied; each array is this tap's own copy of upstream's bytes).
   */
  private byte[][] rawArrays = new byte[16][];
  private int[] rawFrom = new int[16];
  private int[] rawTo = new int[16];
  private int rawCount;
  /** Bytes of event data kept raw, and bytes of the arrays they keep alive. */
  private int rawData;
  private int rawHeld;
  /** What replaces the event just looked at when {@link #onEvent} says so. */
  private Buffer replacement;
  /** Or, when {@link #cutTo} > {@link #cutFrom}: the event forwarded without b[cutFrom, cutTo). */
  private int cutFrom;
  private int cutTo;

  SseTap(boolean stripUsage) {
    this.stripUsage = stripUsage;
  }

  /** Takes the next bytes from upstream; returns what to forward now (possibly empty). */
  Buffer feed(Buffer chunk) {
    byte[] b;
    int len;
    int from;
    int firstNewline;
    if (pending == null) {
      b = chunk.getBytes();
      len = b.length;
      from = 0;
      firstNewline = -1;
    } else {
      // an event that spans reads: its bytes are appended, and only the new ones are scanned
      // (the last two old ones again: a line feed there may end the event with the new bytes)
      int add = chunk.length();
      if (pendingLength + add > pending.length) {
        pending = java.util.Arrays.copyOf(pending, Math.max(pendingLength + add, 2 * pending.length));
      }
      chunk.getBytes(0, add, pending, pendingLength);
      b = pending;
      from = Math.max(0, pendingLength - 2);
      len = pendingLength + add;
      firstNewline = pendingFirstNewline;
    }
    Buffer out = null;
    int copied = 0;
    int start = 0;
    for (int i = Newlines.next(b, from, len); i >= 0; i = Newlines.next(b, i + 1, len)) {
      if (firstNewline < start) {
        firstNewline = i;
      }
      int end = eventEnd(b, i, len);
      if (end > 0) {
        if (!onEvent(b, start, end, firstNewline)) {
          if (out == null) {
            out = Buffer.buffer(len);
          }
          if (cutTo > cutFrom) {
            out.appendBytes(b, copied, cutFrom - copied);
            copied = cutTo;
            cutFrom = cutTo = 0;
          } else {
            out.appendBytes(b, copied, start - copied);
            if (replacement != null) {
              out.appendBuffer(replacement);
              replacement = null;
            }
            copied = end;
          }
        }
        start = end;
        i = end - 1;
      }
    }
    boolean whole = pending == null;
    keepPending(b, start, len, firstNewline);
    if (out != null) {
      return out.appendBytes(b, copied, start - copied);
    }
    if (start == len && whole) {
      return chunk;
    }
    return Buffer.buffer(start).appendBytes(b, 0, start);
  }

  /**
   * Keeps b[start, len), the start of an event not yet whole, for the next read. It stays in place
   * when it is all of the pending array (no event ended in it, so no raw data refers to it);
   * otherwise it is copied to an array of its own, since raw data may refer to the rest of b.
   */
  private void keepPending(byte[] b, int start, int len, int firstNewline) {
    if (start == len) {
      pending = null;
      pendingLength = 0;
      return;
    }
    if (b != pending || start > 0) {
      int rest = len - start;
      byte[] kept = new byte[Math.max(rest * 2, 1024)];
      System.arraycopy(b, start, kept, 0, rest);
      pending = kept;
    }
    pendingLength = len - start;
    pendingFirstNewline = firstNewline >= start ? firstNewline - start : -1;
  }

  /** Whatever is left when upstream ends (an event without its blank line). */
  Buffer flush() {
    if (pending == null) {
      return Buffer.buffer(0);
    }
    byte[] b = java.util.Arrays.copyOf(pending, pendingLength);
    Buffer rest = Buffer.buffer(b);
    pending = null;
    pendingLength = 0;
    if (onEvent(b, 0, b.length, -1)) {
      return rest;
    }
    if (cutTo > cutFrom) {
      Buffer r = Buffer.buffer(b.length).appendBytes(b, 0, cutFrom).appendBytes(b, cutTo, b.length - cutTo);
      cutFrom = cutTo = 0;
      return r;
    }
    Buffer r = replacement;
    replacement = null;
    return r == null ? Buffer.buffer(0) : r;
  }

  /** Position after the blank line ending an event that ends at i, or -1. */
  private static int eventEnd(byte[] b, int i, int len) {
    if (b[i] != '\n') {
      return -1;
    }
    if (i + 1 < len && b[i + 1] == '\n') {
      return i + 2;
    }
    if (i + 2 < len && b[i + 1] == '\r' && b[i + 2] == '\n') {
      return i + 3;
    }
    return -1;
  }

  /**
   * Reads the event b[from, to). True: forward it as it is; false: forward it without
   * b[{@link #cutFrom}, {@link #cutTo}) when that is set, else {@link #replacement} instead
   * (null: nothing).
   *
   * @param firstNewline where the event's first line ends (its \n), or -1 when not known
   */
  private boolean onEvent(byte[] b, int from, int to, int firstNewline) {
    byte[] data = b;
    int ds;
    int de;
    long single = singleDataLine(b, from, to, firstNewline);
    if (single >= 0) {
      ds = (int) (single >>> 32);
      de = (int) single;
    } else {
      data = dataOf(b, from, to);
      if (data != null) {
        ds = 0;
        de = data.length;
      } else {
        long range = dataRange(b, from, to);
        if (range < 0) {
          return true;
        }
        data = b;
        ds = (int) (range >>> 32);
        de = (int) range;
      }
    }
    while (ds < de && (data[ds] & 0xff) <= ' ') {
      ds++;
    }
    while (de > ds && (data[de - 1] & 0xff) <= ' ') {
      de--;
    }
    if (equals(data, ds, de, DONE)) {
      done = true;
      return true;
    }
    if (ds == de || data[ds] != '{') {
      return true;
    }
    if (data == b && endsWith(b, ds, de, NULL_USAGE_TAIL)) {
      // OpenAI's chat chunk: the top-level "usage" is its last key, and null; no scan needed.
      // (Earlier "usage" keys are nested, or duplicates the last one overrides, as a parser reads it.)
      keepRaw(b, ds, de);
      if (!stripUsage) {
        return true;
      }
      cutFrom = de - NULL_USAGE_TAIL.length;
      cutTo = de - 1;
      return false;
    }
    int usage = usageValue(data, ds, de);
    if (usage != USAGE_OBJECT) {
      keepRaw(data, ds, de);
      return usage != USAGE_NULL_SEEN || stripNullUsage(b, from, to);
    }
    JsonObject json;
    try {
      json = QuickJson.object(data, ds, de);
      if (json == null) {
        json = new JsonObject(Buffer.buffer(de - ds).appendBytes(data, ds, de - ds));
      }
    } catch (DecodeException | ClassCastException e) {
      return true;
    }
    try {
      observeUsage(json);
    } catch (RuntimeException malformed) {
      // an event of an unexpected shape (a field of the wrong type) is forwarded, not metered
      return true;
    }
    // its text (if any) is read in stream order with the others, only if someone asks for it:
    // a stream that reports its usage is never read for text
    keepRaw(data, ds, de);
    if (!stripUsage) {
      return true;
    }
    if (json.getValue("usage") != null && json.getValue("choices") instanceof JsonArray choices
        && choices.isEmpty()) {
      replacement = null;
      return false;
    }
    return stripNullUsage(b, from, to);
  }

  /**
   * For a client that did not ask for usage: the event without its {@code ,"usage":null} (or
   * {@code "usage":null,}), cut out of the bytes.
   */
  private boolean stripNullUsage(byte[] b, int from, int to) {
    if (!stripUsage) {
      return true;
    }
    int at = indexOf(b, from, to, USAGE_NULL);
    if (at < 0) {
      return true;
    }
    Buffer out = null;
    int copied = from;
    for (; at >= 0; at = indexOf(b, at + USAGE_NULL.length, to, USAGE_NULL)) {
      int cutFrom;
      int cutTo;
      if (at > copied && b[at - 1] == ',') {
        cutFrom = at - 1;
        cutTo = at + USAGE_NULL.length;
      } else if (at + USAGE_NULL.length < to && b[at + USAGE_NULL.length] == ',') {
        cutFrom = at;
        cutTo = at + USAGE_NULL.length + 1;
      } else {
        continue;
      }
      if (out == null) {
        out = Buffer.buffer(to - from);
      }
      out.appendBytes(b, copied, cutFrom - copied);
      copied = cutTo;
    }
    if (out == null) {
      return true;
    }
    replacement = out.appendBytes(b, copied, to - copied);
    return false;
  }

  /**
   * The event's one data line as a range (start << 32 | end) of b, -1 without data; only when it
   * has a single data line (else {@link #dataOf} joined them).
   */
  private static long dataRange(byte[] b, int from, int to) {
    long found = -1;
    for (int ls = from; ls < to; ) {
      long line = line(b, ls, to);
      int next = (int) (line >>> 32);
      int le = (int) line;
      int ds = dataStart(b, ls, le);
      if (ds >= 0) {
        found = ((long) ds << 32) | (le & 0xffffffffL);
      }
      ls = next;
    }
    return found;
  }

  /** The joined data of an event with more than one data line (lines joined by \n), else null. */
  private static byte[] dataOf(byte[] b, int from, int to) {
    Buffer joined = null;
    int firstStart = -1;
    int firstEnd = -1;
    for (int ls = from; ls < to; ) {
      long line = line(b, ls, to);
      int next = (int) (line >>> 32);
      int le = (int) line;
      int ds = dataStart(b, ls, le);
      if (ds >= 0) {
        if (firstStart < 0) {
          firstStart = ds;
          firstEnd = le;
        } else {
          if (joined == null) {
            joined = Buffer.buffer().appendBytes(b, firstStart, firstEnd - firstStart);
          }
          joined.appendByte((byte) '\n').appendBytes(b, ds, le - ds);
        }
      }
      ls = next;
    }
    return joined == null ? null : joined.getBytes();
  }

  /** The line starting at ls: (the next line's start << 32 | its end without \r\n). */
  private static long line(byte[] b, int ls, int to) {
    int le = ls;
    while (le < to && b[le] != '\n') {
      le++;
    }
    int next = le + 1;
    if (le > ls && b[le - 1] == '\r') {
      le--;
    }
    return ((long) next << 32) | (le & 0xffffffffL);
  }

  /** Where a {@code data:} line's value starts (after one optional space), -1 for other lines. */
  private static int dataStart(byte[] b, int ls, int le) {
    if (le - ls < 5 || b[ls] != 'd' || b[ls + 1] != 'a' || b[ls + 2] != 't' || b[ls + 3] != 'a'
        || b[ls + 4] != ':') {
      return -1;
    }
    int ds = ls + 5;
    return ds < le && b[ds] == ' ' ? ds + 1 : ds;
  }

  /** What {@link #usageValue} found: no {@code "usage"} key, one whose value is null, or an object. */
  private static final int USAGE_NONE = 0;
  private static final int USAGE_NULL_SEEN = 1;
  private static final int USAGE_OBJECT = 2;

  /**
   * In one pass over the data: {@link #USAGE_OBJECT} when a {@code "usage"} key has an object
   * for its value, else {@link #USAGE_NULL_SEEN} when one is {@code "usage":null} (exactly, as
   * {@link #stripNullUsage} cuts it), else {@link #USAGE_NONE}.
   */
  private static int usageValue(byte[] b, int from, int to) {
    int found = USAGE_NONE;
    for (int at = indexOf(b, from, to, USAGE_KEY); at >= 0; at = indexOf(b, at + USAGE_KEY.length, to, USAGE_KEY)) {
      int i = at + USAGE_KEY.length;
      if (i + 5 <= to && b[i] == ':' && b[i + 1] == 'n' && b[i + 2] == 'u' && b[i + 3] == 'l' && b[i + 4] == 'l') {
        found = USAGE_NULL_SEEN;
        continue;
      }
      while (i < to && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) {
        i++;
      }
      if (i < to && b[i] == ':') {
        i++;
        while (i < to && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) {
          i++;
        }
        if (i < to && b[i] == '{') {
          return USAGE_OBJECT;
        }
      }
    }
    return found;
  }

  /**
   * The event's data as a range (start << 32 | end) when the event is exactly one {@code data:}
   * line (after an optional {@code event:} line) and its blank line, as every OpenAI event is;
   * else -1 (the general readers decide).
   */
  private static long singleDataLine(byte[] b, int from, int to, int firstNewline) {
    int nl = firstNewline >= from && firstNewline < to ? firstNewline : -1;
    if (to - from > 6 && b[from] == 'e' && b[from + 1] == 'v' && b[from + 2] == 'e' && b[from + 3] == 'n'
        && b[from + 4] == 't' && b[from + 5] == ':') {
      // a Responses API event names its type on a line of its own first
      while (from < to && b[from] != '\n') {
        from++;
      }
      from++;
      nl = -1;
    }
    int ds = dataStart(b, from, to);
    if (ds < 0) {
      return -1;
    }
    if (nl < 0) {
      nl = ds;
      while (nl < to && b[nl] != '\n') {
        nl++;
      }
    }
    // the line's end, then only the blank line ("\n" or "\r\n") that ended the event
    int le = nl > ds && b[nl - 1] == '\r' ? nl - 1 : nl;
    int rest = to - (nl + 1);
    if (rest == 1 && b[nl + 1] == '\n' || rest == 2 && b[nl + 1] == '\r' && b[nl + 2] == '\n') {
      return ((long) ds << 32) | (le & 0xffffffffL);
    }
    return -1;
  }

  private static int indexOf(byte[] b, int from, int to, byte[] key) {
    byte first = key[0];
    for (int i = from, last = to - key.length; i <= last; i++) {
      if (b[i] == first) {
        int k = 1;
        while (k < key.length && b[i + k] == key[k]) {
          k++;
        }
        if (k == key.length) {
          return i;
        }
      }
    }
    return -1;
  }

  private static boolean endsWith(byte[] b, int from, int to, byte[] what) {
    if (to - from < what.length) {
      return false;
    }
    for (int i = 0, at = to - what.length; i < what.length; i++) {
      if (b[at + i] != what[i]) {
        return false;
      }
    }
    return true;
  }

  private static boolean equals(byte[] b, int from, int to, byte[] what) {
    if (to - from != what.length) {
      return false;
    }
    for (int i = 0; i < what.length; i++) {
      if (b[from + i] != what[i]) {
        return false;
      }
    }
    return true;
  }

  private void keepRaw(byte[] b, int from, int to) {
    if (rawCount == rawArrays.length) {
      int n = rawCount * 2;
      rawArrays = java.util.Arrays.copyOf(rawArrays, n);
      rawFrom = java.util.Arrays.copyOf(rawFrom, n);
      rawTo = java.util.Arrays.copyOf(rawTo, n);
    }
    if (rawCount == 0 || rawArrays[rawCount - 1] != b) {
      rawHeld += b.length;
    }
    rawArrays[rawCount] = b;
    rawFrom[rawCount] = from;
    rawTo[rawCount] = to;
    rawCount++;
    rawData += to - from;
    if (rawData > RAW_BOUND || rawHeld > 2 * RAW_BOUND) {
      read();
    }
  }

  /** Reads the raw data kept so far for its text (and any usage), in stream order. */
  private void read() {
    int n = rawCount;
    rawCount = 0;
    rawData = 0;
    rawHeld = 0;
    for (int i = 0; i < n; i++) {
      byte[] b = rawArrays[i];
      rawArrays[i] = null;
      try {
        observe(new JsonObject(Buffer.buffer(rawTo[i] - rawFrom[i]).appendBytes(b, rawFrom[i], rawTo[i] - rawFrom[i])));
      } catch (RuntimeException malformed) {
        // not JSON, or of an unexpected shape: forwarded, not metered
      }
    }
  }

  /**
   * The usage of an event that carries one, and the id of the answer it ends: a Responses API
   * stream's response, or the chat completion of a chunk without {@code type} (the first such
   * chunk's: every chunk of a completion carries its id).
   */
  private void observeUsage(JsonObject json) {
    if (json.getValue("usage") instanceof JsonObject uj) {
      usage = uj;
    }
    Object type = json.getValue("type");
    if ("response.completed".equals(type) || "response.incomplete".equals(type)) {
      observeResponsesEvent((String) type, json);
    } else if (type == null && responseId == null && json.getValue("id") instanceof String id) {
      responseId = id; // read from the chunk parsed for its usage: no extra parse
    }
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
      if (r != null && r.getValue("id") instanceof String id) {
        responseId = id; // read from the event parsed for its usage: no extra parse
        itemIds = ObjectRefs.outputItemIds(r);
      }
    }
  }

  private static void appendIfString(StringBuilder sb, Object v) {
    if (v instanceof String str) {
      sb.append(str);
    }
  }

  /** The usage upstream reported, or null (events kept raw carry none: nothing to read). */
  JsonObject usage() {
    return usage;
  }

  /**
   * The id of the answer the stream ends, once the event carrying its usage passed, else null: the
   * response of a Responses API stream after its {@code response.completed} (or {@code .incomplete})
   * event, the chat completion of a chat stream after its usage chunk (which Yugong asks for on every
   * chat stream, and strips again for a client that did not ask: it is read all the same). That
   * event carries the usage, so it is parsed as it passes anyway. Any other stream with a usage
   * event of no {@code type} (a legacy completion's) tells its id too: it means something only for an
   * answer that is stored ({@code Exchange.storesResponse}).
   */
  String responseId() {
    return responseId;
  }

  /** The output item ids of the Responses API answer {@link #responseId} names, once known; else empty. */
  java.util.List<String> itemIds() {
    return itemIds;
  }

  /** True once {@code data: [DONE]} passed. */
  boolean done() {
    return done;
  }

  /** The text generated so far (content, reasoning, legacy text). */
  String text() {
    read();
    return text.toString();
  }

  /** At least the length of the text and tool-call text kept for the tokenizer (raw data counts whole). */
  long textLength() {
    return (long) text.length() + toolText.length() + rawData;
  }

  /** Tool-call names and arguments generated so far. */
  String toolText() {
    read();
    return toolText.toString();
  }
}
