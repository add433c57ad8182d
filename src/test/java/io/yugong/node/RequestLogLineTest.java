package io.yugong.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The request log's hand-written JSON line is JSON, whatever a client put in the model name. */
class RequestLogLineTest {

  @Test
  void aLineIsJsonWithEveryFieldEvenForAHostileModelName() {
    String model = "gpt-4o\"},\"cost\":0,\"x\":\"\\\n\t\u0001\u2028 模型";
    RequestLog.Entry e = new RequestLog.Entry("req_1", "42", model, null, 200, 2, 10, 3, 20, 12_345, 15, 99);
    long at = Instant.parse("2026-12-01T15:05:07.008Z").toEpochMilli();
    JsonObject line = new JsonObject(RequestLog.line(e, "node-a", at));
    assertThat(line.getString("time")).isEqualTo("2026-12-01T15:05:07.008Z");
    assertThat(line.getString("model")).isEqualTo(model);
    assertThat(line.getValue("upstreamKeyId")).isNull();
    assertThat(line.getLong("cost")).isEqualTo(12_345);
    assertThat(line.getInteger("attempts")).isEqualTo(2);
    assertThat(line.getString("node")).isEqualTo("node-a");
    assertThat(line.fieldNames()).containsExactly("time", "requestId", "accountId", "model", "upstreamKeyId",
        "node", "status", "attempts", "promptTokens", "cachedTokens", "completionTokens", "cost", "firstByteMs",
        "durationMs");
    assertThat(new JsonObject(RequestLog.line(e, "node-a", at + 992)).getString("time"))
        .isEqualTo("2026-12-01T15:05:08.000Z");
  }
}
