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
        "{\"a\":\"grüße ✓\"}", "{\"a\":\"esc\\\"aped\"}", "{\"a\":\"\\u00e9\"}", "{\"a\":1234567890123456789012}", "{\"a\":9223372036854775808}",
        "{\"a\":1,}", "{\"a\" 1}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}",
        "{\"a\":NaN}", "{\"a\":tru}", "{\"a\":[1,2}", "{\"a\":1", "[1]", "", "  ", "{\"a\":1} x",
        "{a:1}", "{\"a\":\"tab\there\"}", "{\"a\":'x'}",
        "{\"a\":" + "[".repeat(40) + "]".repeat(40) + "}"}) {
      assertThat(quick(json)).as(json).isNull();
    }
  }

  @Test
  void bytesBeyondAsciiAreLeftToJacksonWhichChecksTheirUtf8() {
    byte[] invalid = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'};
    assertThat(QuickJson.object(invalid, 0, invalid.length)).isNull();
  }

  @Test
  void randomObjectsReadTheSameAsWithJackson() {
    Random r = new Random(42);
    for (int n = 0; n < 2000; n++) {
      JsonObject o = randomObject(r, 0);
      assertSameAsJackson(r.nextBoolean() ? o.encode() : o.encodePrettily());
    }
  }

  private static JsonObject randomObject(Random r, int depth) {
    JsonObject o = new JsonObject();
    int size = r.nextInt(depth > 3 ? 2 : 6);
    for (int i = 0; i < size; i++) {
      o.put("k" + r.nextInt(8) + (r.nextBoolean() ? "_tokens_details" : ""), randomValue(r, depth + 1));
    }
    return o;
  }

  private static Object randomValue(Random r, int depth) {
    switch (r.nextInt(depth > 4 ? 6 : 8)) {
      case 0: return r.nextInt();
      case 1: return r.nextLong() >> r.nextInt(64);
      case 2: return r.nextDouble() * Math.pow(10, r.nextInt(40) - 20);
      case 3: return "v" + r.nextInt(1000);
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
