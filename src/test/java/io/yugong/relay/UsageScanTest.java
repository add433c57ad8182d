package io.yugong.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class UsageScanTest {

  @Test
  void findsTheLastUsageObjectEvenAfterStringsWithBraces() {
    String body = "{\"data\":[{\"text\":\"a } \\\"usage\\\": { tricky\"}],\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":2}}}";
    assertThat(UsageScan.find(Buffer.buffer(body)).getInteger("prompt_tokens")).isEqualTo(8);
  }

  @Test
  void answersNullWithoutUsageOrForACutBody() {
    assertThat(UsageScan.find(Buffer.buffer("{\"data\":[]}"))).isNull();
    assertThat(UsageScan.find(Buffer.buffer("{\"usage\":{\"prompt_tokens\":3"))).isNull();
  }
}
