package io.yugong.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** A request log line is one JSON line whatever a client put in the fields it names. */
class RequestLogLineTest {

  private static JsonObject read(String model) {
    RequestLog.Entry e = new RequestLog.Entry("req_1", "acct", model, "key_1", 200, 1, 3, 0, 4, 1500, 1, 2);
    String line = RequestLog.line(e, "node-1", 1764633600123L);
    assertThat(line).as("one line for %s", model).doesNotContain("\n", "\r", "\u2028", "\u2029");
    return new JsonObject(line);
  }

  @Test
  void aHostileModelNameStaysInsideItsField() {
    for (String model : new String[] {
        "gpt-4o-mini", "a\"b", "a\\\"}, \"cost\":0, \"x\":\"", "line\nbreak\r\n{\"status\":200}", "tab\there",
        "\u0001\u001f", "sep\u2028\u2029", "grüße 愚公 \uD83D\uDE00", "", "\"", "\\"}) {
      JsonObject j = read(model);
      assertThat(j.getString("model")).isEqualTo(model);
      assertThat(j.getLong("cost")).isEqualTo(1500L);
      assertThat(j.getString("time")).isEqualTo("2025-12-02T00:00:00.123Z");
    }
  }
}
