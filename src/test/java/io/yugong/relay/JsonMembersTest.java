package io.yugong.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonMembersTest {

  private static final byte[] MEMBER = "\"stream_options\":{\"include_usage\":true}"
      .getBytes(StandardCharsets.US_ASCII);

  private static String prepend(String body) {
    Buffer out = JsonMembers.prepend(Buffer.buffer(body), MEMBER);
    return out == null ? null : out.toString();
  }

  @Test
  void theMemberGoesFirstAndTheClientsBytesStayAsTheyWere() {
    String body = " \n{ \"model\" : \"gpt-4o\",\"stream\":true, \"messages\":[{\"role\":\"user\",\"content\":\"é{}\"}] }";
    String out = prepend(body);
    assertThat(out).isEqualTo(" \n{\"stream_options\":{\"include_usage\":true}, \"model\" : \"gpt-4o\","
        + "\"stream\":true, \"messages\":[{\"role\":\"user\",\"content\":\"é{}\"}] }");
    JsonObject parsed = new JsonObject(out);
    assertThat(parsed.getJsonObject("stream_options").getBoolean("include_usage")).isTrue();
    assertThat(parsed.getString("model")).isEqualTo("gpt-4o");
  }

  @Test
  void anEmptyObjectGetsNoComma() {
    assertThat(new JsonObject(prepend("{ }")).fieldNames()).containsExactly("stream_options");
    assertThat(prepend("{}")).isEqualTo("{\"stream_options\":{\"include_usage\":true}}");
  }

  private static int count(String s, String part) {
    int n = 0;
    for (int at = s.indexOf(part); at >= 0; at = s.indexOf(part, at + 1)) {
      n++;
    }
    return n;
  }

  @Test
  void includeUsageNeverLeavesTheNameTwice() {
    for (String body : new String[] {
        "{\"model\":\"m\",\"stream\":true}",
        "{\"model\":\"m\",\"stream\":true,\"stream_options\":null}",
        "{\"stream_options\":{\"include_usage\":false,\"other\":1},\"model\":\"m\"}",
        "{\"model\":\"m\",\"stream_options\":{}}"}) {
      JsonObject json = new JsonObject(body);
      String out = JsonMembers.includeUsage(json, Buffer.buffer(body)).toString();
      assertThat(count(out, "stream_options")).as(out).isEqualTo(1);
      JsonObject sent = new JsonObject(out);
      assertThat(sent.getJsonObject("stream_options").getBoolean("include_usage")).as(out).isTrue();
      assertThat(sent.getString("model")).isEqualTo("m");
      assertThat(json.getJsonObject("stream_options").getBoolean("include_usage")).isTrue();
    }
    JsonObject kept = new JsonObject(JsonMembers.includeUsage(new JsonObject(
        "{\"stream_options\":{\"include_usage\":false,\"other\":1}}"),
        Buffer.buffer("{\"stream_options\":{\"include_usage\":false,\"other\":1}}")));
    assertThat(kept.getJsonObject("stream_options").getInteger("other")).isEqualTo(1);
    // without the name, the client's bytes stay as they were, behind the member
    String raw = "{ \"model\" : \"m\" }";
    assertThat(JsonMembers.includeUsage(new JsonObject(raw), Buffer.buffer(raw)).toString())
        .isEqualTo("{\"stream_options\":{\"include_usage\":true}, \"model\" : \"m\" }");
  }

  @Test
  void aUtf16BodyIsLeftToTheEncoder() {
    byte[] le = "{\"a\":1}".getBytes(StandardCharsets.UTF_16LE);
    assertThat(JsonMembers.prepend(Buffer.buffer(le), MEMBER)).isNull();
    byte[] be = "{\"a\":1}".getBytes(StandardCharsets.UTF_16BE);
    assertThat(JsonMembers.prepend(Buffer.buffer(be), MEMBER)).isNull();
  }

  @Test
  void aBodyThatIsNoObjectIsLeftToTheEncoder() {
    assertThat(prepend("\uFEFF{\"a\":1}")).isNull();
    assertThat(prepend("[1]")).isNull();
    assertThat(prepend("   ")).isNull();
  }
}
