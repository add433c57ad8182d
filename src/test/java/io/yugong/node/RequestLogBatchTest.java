package io.yugong.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.yugong.config.NodeConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer puts many queued lines into one logging event; the file still holds one whole JSON
 * line per request, in the order they were written, however many a batch drains at once.
 */
class RequestLogBatchTest {

  @TempDir
  Path dir;

  @Test
  void aBurstLeavesOneWholeLinePerRequestInOrder() throws Exception {
    String node = "batch-" + UUID.randomUUID();
    NodeConfig cfg = NodeConfig.from(Map.of("YUGONG_REQUEST_LOG", dir.toString(),
        "YUGONG_MASTER_KEY", Base64.getEncoder().encodeToString(new byte[32]),
        "YUGONG_ADMIN_KEY", "sk-admin-request-log-batch-test"));
    RequestLog log = RequestLog.of(cfg, node);
    int n = 2_000; // more than one chunk of lines, and not a multiple of one
    for (int i = 0; i < n; i++) {
      String model = i % 7 == 0 ? "odd\nmodel \"" + i + "\"" : "gpt-4o-mini";
      log.write(new RequestLog.Entry("req_" + i, "acct", model, "key_1", 200, 1, i, 0, 1, i * 10L, 1, 2));
    }
    RequestLog.close(node);

    List<String> lines = Files.readAllLines(dir.resolve("requests-" + cfg.port() + ".jsonl"), StandardCharsets.UTF_8);
    assertThat(lines).hasSize(n);
    for (int i = 0; i < n; i++) {
      JsonObject j = new JsonObject(lines.get(i));
      assertThat(j.getString("requestId")).isEqualTo("req_" + i);
      assertThat(j.getLong("promptTokens")).isEqualTo(i);
      assertThat(j.getLong("cost")).isEqualTo(i * 10L);
      assertThat(j.getString("node")).isEqualTo(node);
    }
  }
}
