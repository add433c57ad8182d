package io.yugong.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {

  private static final String MASTER = Base64.getEncoder().encodeToString(new byte[32]);

  @Test
  void refusesToStartWithoutAMasterKeyAndSaysHowToMakeOne() {
    assertThatThrownBy(() -> NodeConfig.from(Map.of("YUGONG_ADMIN_KEY", "sk-admin-x")))
        .isInstanceOf(NodeConfig.Invalid.class)
        .hasMessageContaining("YUGONG_MASTER_KEY")
        .hasMessageContaining("openssl rand -base64 32");
    assertThatThrownBy(() -> NodeConfig.from(Map.of("YUGONG_ADMIN_KEY", "sk-admin-x",
        "YUGONG_MASTER_KEY", Base64.getEncoder().encodeToString(new byte[16]))))
        .hasMessageContaining("must be 32 bytes");
    assertThatThrownBy(() -> NodeConfig.from(Map.of("YUGONG_MASTER_KEY", MASTER)))
        .hasMessageContaining("YUGONG_ADMIN_KEY");
  }

  @Test
  void hasTheDocumentedDefaults() {
    NodeConfig c = NodeConfig.from(Map.of("YUGONG_MASTER_KEY", MASTER, "YUGONG_ADMIN_KEY", "sk-admin-x"));
    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.redis()).isEqualTo("redis://127.0.0.1:6379");
    assertThat(c.upstream()).isEqualTo("https://api.openai.com");
    assertThat(c.clusterMembers()).containsExactly("127.0.0.1");
    assertThat(c.maxUploadBody()).isEqualTo(25L * 1024 * 1024);
    assertThat(c.attempts()).isEqualTo(4);
    assertThat(c.headerTimeoutMs()).isEqualTo(10_000);
    assertThat(c.corsOrigins()).containsExactly("*");
  }

  @Test
  void corsOriginsAreAnyOrAListOfOriginsAsBrowsersSendThem() {
    assertThat(cors(" https://Chat.Example.com/ , http://localhost:3000,tauri://localhost,http://[::1]:8080"))
        .containsExactly("https://chat.example.com", "http://localhost:3000", "tauri://localhost", "http://[::1]:8080");
    assertThat(cors("*")).containsExactly("*");
    for (String bad : new String[] {"*,https://a.example", "https://a.example/path", "null", "chat.example.com",
        "https://a.example:port", "https://a b.example", ",", "https://a.example?x=1"}) {
      assertThatThrownBy(() -> cors(bad)).as(bad)
          .isInstanceOf(NodeConfig.Invalid.class).hasMessageContaining("YUGONG_CORS_ORIGINS");
    }
  }

  @Test
  void theBillingTimeZoneIsUtcUnlessSetAndAZoneThatIsNoneStopsTheNodeAtBoot() {
    assertThat(NodeConfig.from(Map.of("YUGONG_MASTER_KEY", MASTER, "YUGONG_ADMIN_KEY", "k")).billingZone())
        .isEqualTo(java.time.ZoneId.of("UTC"));
    assertThat(NodeConfig.from(Map.of("YUGONG_MASTER_KEY", MASTER, "YUGONG_ADMIN_KEY", "k",
        "YUGONG_BILLING_TIMEZONE", "Asia/Shanghai")).billingZone()).isEqualTo(java.time.ZoneId.of("Asia/Shanghai"));
    for (String bad : new String[] {"Asia/Shangai", "CST8", "+25:00", "UTC+8h"}) {
      assertThatThrownBy(() -> NodeConfig.from(Map.of("YUGONG_MASTER_KEY", MASTER, "YUGONG_ADMIN_KEY", "k",
          "YUGONG_BILLING_TIMEZONE", bad))).as(bad)
          .isInstanceOf(NodeConfig.Invalid.class).hasMessageContaining("YUGONG_BILLING_TIMEZONE").hasMessageContaining(bad);
    }
  }

  private static java.util.List<String> cors(String value) {
    return NodeConfig.from(Map.of("YUGONG_MASTER_KEY", MASTER, "YUGONG_ADMIN_KEY", "k",
        "YUGONG_CORS_ORIGINS", value)).corsOrigins();
  }

  @Test
  void upstreamHttp2IsAutoUnlessSetAndAModeThatIsNoneStopsTheNodeAtBoot() {
    assertThat(NodeConfig.from(Map.of("YUGONG_MASTER_KEY", MASTER, "YUGONG_ADMIN_KEY", "k")).upstreamHttp2())
        .isEqualTo(NodeConfig.UpstreamHttp2.AUTO);
    assertThat(NodeConfig.from(Map.of("YUGONG_MASTER_KEY", MASTER, "YUGONG_ADMIN_KEY", "k",
        "YUGONG_UPSTREAM_HTTP2", " OFF ")).upstreamHttp2()).isEqualTo(NodeConfig.UpstreamHttp2.OFF);
    assertThat(NodeConfig.from(Map.of("YUGONG_MASTER_KEY", MASTER, "YUGONG_ADMIN_KEY", "k",
        "YUGONG_UPSTREAM_HTTP2", "tls")).upstreamHttp2()).isEqualTo(NodeConfig.UpstreamHttp2.TLS);
    for (String bad : new String[] {"on", "h2c", "true", "2"}) {
      assertThatThrownBy(() -> NodeConfig.from(Map.of("YUGONG_MASTER_KEY", MASTER, "YUGONG_ADMIN_KEY", "k",
          "YUGONG_UPSTREAM_HTTP2", bad))).as(bad)
          .isInstanceOf(NodeConfig.Invalid.class).hasMessageContaining("auto, tls or off");
    }
  }

  @Test
  void upstreamPoolSizesOutOfRangeStopTheNodeAtBoot() {
    for (String name : new String[] {"YUGONG_UPSTREAM_POOL_SIZE", "YUGONG_UPSTREAM_HTTP2_POOL_SIZE"}) {
      for (String bad : new String[] {"0", "-1", "100001", "2147483647"}) {
        assertThatThrownBy(() -> NodeConfig.from(Map.of("YUGONG_MASTER_KEY", MASTER, "YUGONG_ADMIN_KEY", "k",
            name, bad))).as(name + "=" + bad).isInstanceOf(NodeConfig.Invalid.class).hasMessageContaining(name);
      }
      assertThat(NodeConfig.from(Map.of("YUGONG_MASTER_KEY", MASTER, "YUGONG_ADMIN_KEY", "k", name, "100000")))
          .isNotNull();
    }
    assertThatThrownBy(() -> NodeConfig.from(Map.of("YUGONG_MASTER_KEY", MASTER, "YUGONG_ADMIN_KEY", "k",
        "YUGONG_UPSTREAM_POOL_SIZE", "100000", "YUGONG_UPSTREAM_HTTP2_POOL_SIZE", "100000")))
        .isInstanceOf(NodeConfig.Invalid.class).hasMessageContaining("must not pass");
  }

  @Test
  void aFileMayHoldSettingsAndTheEnvironmentWins(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("yugong.properties");
    Files.writeString(file, "YUGONG_PORT=9000\nYUGONG_MAX_JSON_BODY=64KB\nYUGONG_UPSTREAM=http://up:1/v1/\n"
        + "YUGONG_ADMIN_KEY=sk-admin-from-file\nYUGONG_MASTER_KEY=" + MASTER + "\n");
    NodeConfig c = NodeConfig.from(Map.of("YUGONG_CONFIG", file.toString(), "YUGONG_PORT", "9100"));
    assertThat(c.port()).isEqualTo(9100);
    assertThat(c.maxJsonBody()).isEqualTo(64 * 1024);
    assertThat(c.adminKey()).isEqualTo("sk-admin-from-file");
  }

  @Test
  void malformedNumbersAreNamedInTheError() {
    assertThatThrownBy(() -> NodeConfig.from(Map.of("YUGONG_MASTER_KEY", MASTER, "YUGONG_ADMIN_KEY", "k",
        "YUGONG_PORT", "eighty")).port())
        .isInstanceOf(NodeConfig.Invalid.class).hasMessageContaining("YUGONG_PORT");
  }
}
