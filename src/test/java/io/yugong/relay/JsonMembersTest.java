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

  @Test
  void aBodyThatIsNoObjectIsLeftToTheEncoder() {
    assertThat(prepend("\uFEFF{\"a\":1}")).isNull();
    assertThat(prepend("[1]")).isNull();
    assertThat(prepend("   ")).isNull();
  }
}
