package io.yugong.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What QuickJson reads, it reads as Jackson does; what it does not, it leaves to Jackson. */
class QuickJsonTest {

  private static JsonObject quick(String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    return QuickJson.object(b, 0, b.length);
  }

  /** Same names, values and value types as Jackson's reading. */
  private static void assertSameAsJackson(String json) {
    JsonObject q = quick(json);
    assertThat(q).as("read here: %s", json).isNotNull();
    JsonObject j = new JsonObject(Buffer.buffer(json));
    assertSame(q.getMap(), j.getMap(), json);
  }

  private static void assertSame(Object q, Object j, String json) {
    if (q instanceof JsonObject o) {
      q = o.getMap();
    }
    if (j instanceof JsonObject o) {
      j = o.getMap();
    }
    if (q instanceof JsonArray a) {
      q = a.getList();
    }
    if (j instanceof JsonArray a) {
      j = a.getList();
    }
    if (j == null) {
      assertThat(q).as(json).isNull();
    } else if (j instanceof Map<?, ?> jm) {
      assertThat(q).as(json).isInstanceOf(Map.class);
      Map<?, ?> qm = (Map<?, ?>) q;
      assertThat(new java.util.ArrayList<Object>(qm.keySet())).as(json).isEqualTo(new java.util.ArrayList<Object>(jm.keySet()));
      for (Object k : jm.keySet()) {
        assertSame(qm.get(k), jm.get(k), json);
      }
    } else if (j instanceof java.util.List<?> jl) {
      assertThat(q).as(json).isInstanceOf(java.util.List.class);
      java.util.List<?> ql = (java.util.List<?>) q;
      assertThat(ql).as(json).hasSameSizeAs(jl);
      for (int i = 0; i < jl.size(); i++) {
        assertSame(ql.get(i), jl.get(i), json);
      }
    } else {
      assertThat(q).as(json).isEqualTo(j);
      assertThat(q.getClass()).as(json).isEqualTo(j.getClass());
    }
  }

  @Test
  void readsUsageObjectsAndStreamChunksAsJacksonDoes() {
    assertSameAsJackson("{\"prompt_tokens\":14,\"completion_tokens\":18,\"total_tokens\":32,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
        + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"accepted_prediction_tokens\":0}}");
    assertSameAsJackson("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1764547200,"
        + "\"model\":\"gpt-4o-mini\",\"system_fingerprint\":null,\"choices\":[],"
        + "\"usage\":{\"prompt_tokens\":9007199254740993,\"completion_tokens\":-3}}");
    assertSameAsJackson(" \n{ \"a\" : [ 1 , 2.5 , -0 , 1e3 , 2E-2 , true , false , null , { } , [ ] ] ,"
        + " \"b\":\"plain ascii\", \"a\":\"the last one\" }\r\n");
    assertSameAsJackson("{}");
    assertSameAsJackson("{\"big\":2147483648,\"small\":-2147483648,\"int\":2147483647,\"long\":999999999999999999}");
  }

  @Test
  void leavesToJacksonWhatItDoesNotRead() {
    for (String json : new String[] {
        "{\"a\":1234567890123456789012}", "{\"a\":9223372036854775808}",
        "{\"a\":1,}", "{\"a\" 1}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}",
        "{\"a\":NaN}", "{\"a\":tru}", "{\"a\":[1,2}", "{\"a\":1", "[1]", "", "  ", "{\"a\":1} x",
        "{a:1}", "{\"a\":\"tab\there\"}", "{\"a\":'x'}", "{\"a\":\"\\x41\"}", "{\"a\":\"\\u12G4\"}",
        "{\"a\":\"\\u12\"}", "{\"a\":\"ends in \\\"}",
        "{\"a\":1." + "5".repeat(1000) + "}", "{\"" + "n".repeat(50_001) + "\":1}",
        // Jackson counts a name's UTF-8 bytes: 60,000 here in 20,000 chars
        "{\"" + "愚".repeat(20_000) + "\":1}", "{\"" + "\\u00e9".repeat(25_001) + "\":1}",
        "{\"a\":" + "[".repeat(40) + "]".repeat(40) + "}"}) {
      assertThat(quick(json)).as(json).isNull();
    }
  }

  @Test
  void readsEscapesAndUtf8AsJacksonDoes() {
    assertSameAsJackson("{\"a\":\"grüße ✓ 愚公移山 \uD83D\uDE00\"}");
    assertSameAsJackson("{\"a\":\"esc\\\"aped \\\\ \\/ \\b\\f\\n\\r\\t \\u00e9\\u00E9 \\ud83d\\ude00\"}");
    assertSameAsJackson("{\"lone\":\"\\ud800 and \\udc00\", \"nämé\":[\"ü\",\"\\n\"]}");
  }

  @Test
  void bytesThatAreNotWellFormedUtf8AreLeftToJackson() {
    byte[][] strings = {
        {(byte) 0xC3}, // cut short
        {(byte) 0xC3, 'x'},
        {(byte) 0xC0, (byte) 0xAF}, // overlong
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // an encoded surrogate
        {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
        {(byte) 0xFF},
        {'o', 'k', (byte) 0xE2, (byte) 0x9C}};
    for (byte[] inner : strings) {
      byte[] json = new byte[inner.length + 8];
      System.arraycopy(new byte[] {'{', '"', 'a', '"', ':', '"'}, 0, json, 0, 6);
      System.arraycopy(inner, 0, json, 6, inner.length);
      json[json.length - 2] = '"';
      json[json.length - 1] = '}';
      assertThat(QuickJson.object(json, 0, json.length)).as(java.util.Arrays.toString(inner)).isNull();
    }
  }

  /** At the limits Jackson reads a body (as bytes, as Relay gives it), QuickJson reads too; past them both refuse. */
  @Test
  void namesAtJacksonsLimitAreReadAndPastItAreLeftToJackson() {
    assertSameAsJackson("{\"" + "n".repeat(49_998) + "\":1}");
    for (String json : new String[] {"{\"" + "愚".repeat(20_000) + "\":1}", "{\"" + "\\u00e9".repeat(25_001) + "\":1}",
        "{\"" + "n".repeat(50_001) + "\":1}"}) {
      assertThat(quick(json)).isNull();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> new JsonObject(Buffer.buffer(json)))
          .as("Jackson refuses it too").isInstanceOf(io.vertx.core.json.DecodeException.class);
    }
  }

  @Test
  void aReplacementCharacterIsLeftToJackson() {
    // it is also what a malformed sequence decodes to, so QuickJson does not tell the two apart
    assertThat(quick("{\"a\":\"\uFFFD\"}")).isNull();
  }

  /** Whatever QuickJson reads of damaged JSON, Jackson reads the same; the rest Jackson judges. */
  @Test
  void damagedJsonIsReadAsJacksonReadsItOrLeftToIt() {
    Random r = new Random(7);
    byte[] damage = {'"', '\\', '{', '}', '[', ']', ',', ':', '0', '-', '.', 'e', 'u', 'n', ' ', '\n', 1,
        (byte) 0x80, (byte) 0xC3, (byte) 0xE2, (byte) 0xF0, (byte) 0xBF};
    int read = 0;
    for (int n = 0; n < 5000; n++) {
      byte[] b = randomObject(r, 0).encode().getBytes(StandardCharsets.UTF_8);
      for (int k = 1 + r.nextInt(2); k > 0 && b.length > 0; k--) {
        b[r.nextInt(b.length)] = damage[r.nextInt(damage.length)];
      }
      JsonObject q = QuickJson.object(b, 0, b.length);
      if (q == null) {
        continue;
      }
      read++;
      String shown = new String(b, StandardCharsets.UTF_8);
      JsonObject j;
      try {
        j = new JsonObject(Buffer.buffer(b));
      } catch (RuntimeException e) {
        throw new AssertionError("QuickJson read what Jackson refuses: " + shown, e);
      }
      assertSame(q.getMap(), j.getMap(), shown);
    }
    assertThat(read).as("damaged objects still read (the test reaches its assertion)").isGreaterThan(500);
  }

  @Test
  void randomObjectsReadTheSameAsWithJackson() {
    Random r = new Random(42);
    for (int n = 0; n < 2000; n++) {
      JsonObject o = randomObject(r, 0);
      assertSameAsJackson(r.nextBoolean() ? o.encode() : o.encodePrettily());
    }
  }

  /** Text with what Jackson's writer escapes (quotes, backslashes, control characters) and beyond ASCII. */
  private static String randomText(Random r) {
    String[] pieces = {"a", "\"", "\\", "/", "\n", "\t", "\u0001", "\u001f", "é", "✓", "愚公", "\uD83D\uDE00", " ", "\u007f"};
    StringBuilder sb = new StringBuilder();
    for (int k = r.nextInt(8); k > 0; k--) {
      sb.append(pieces[r.nextInt(pieces.length)]);
    }
    return sb.toString();
  }

  private static JsonObject randomObject(Random r, int depth) {
    JsonObject o = new JsonObject();
    int size = r.nextInt(depth > 3 ? 2 : 6);
    for (int i = 0; i < size; i++) {
      o.put(r.nextInt(10) == 0 ? randomText(r) : "k" + r.nextInt(8) + (r.nextBoolean() ? "_tokens_details" : ""),
          randomValue(r, depth + 1));
    }
    return o;
  }

  private static Object randomValue(Random r, int depth) {
    switch (r.nextInt(depth > 4 ? 6 : 8)) {
      case 0: return r.nextInt();
      case 1: return r.nextLong() >> r.nextInt(64);
      case 2: return r.nextDouble() * Math.pow(10, r.nextInt(40) - 20);
      case 3: return r.nextBoolean() ? "v" + r.nextInt(1000) : randomText(r);
      case 4: return r.nextBoolean();
      case 5: return null;
      case 6: return randomObject(r, depth);
      default: {
        JsonArray a = new JsonArray();
        for (int i = r.nextInt(4); i > 0; i--) {
          a.add(randomValue(r, depth + 1));
        }
        return a;
      }
    }
  }
}
