package io.yugong.keypool;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.yugong.security.Vault;
import io.yugong.testing.Eventually;
import io.yugong.testing.TestCluster;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** A key sealed under another master key (a restored backup, a mixed-up deployment). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ForeignSealedKeyTest {

  private TestCluster cluster;

  @BeforeAll
  void start() throws Exception {
    cluster = TestCluster.start(1);
  }

  @AfterAll
  void stop() throws Exception {
    cluster.close();
  }

  @Test
  void isListedAsUnusableNeverUsedAndCanBeDeleted() throws Exception {
    byte[] other = new byte[32];
    new SecureRandom().nextBytes(other);
    String id = "key_foreign0000000001";
    UpstreamKey foreign = new UpstreamKey(id, "restored", new Vault(other).seal("sk-foreign-123456789", id),
        "sk-...6789", "http://127.0.0.1:" + cluster.mock.port(), List.of(), 1, 1, null, true, null, 1L);
    cluster.nodes.get(0).hazelcast().<String, String>getReplicatedMap(KeyPool.MAP_KEYS)
        .put(id, foreign.toStored().encode());

    Eventually.eventually(Duration.ofSeconds(5), () -> {
      JsonObject listed = new JsonObject(cluster.call(0, "GET", "/admin/keys/" + id, cluster.adminKey, null).body());
      assertThat(listed.getString("status")).isEqualTo("disabled");
      assertThat(listed.getString("reason")).isEqualTo(KeyPool.UNOPENABLE);
    });
    JsonObject account = cluster.createAccount(0, new JsonObject().put("Name", "foreign-user").put("CreditGranted", 5));
    String key = account.getJsonObject("User").getString("SecretKey");
    var answer = cluster.call(0, "POST", "/v1/chat/completions", key,
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(answer.statusCode()).as("no usable key: the foreign one is never tried").isEqualTo(503);
    assertThat(cluster.mock.control().requests("sk-foreign-123456789")).isEmpty();

    assertThat(cluster.call(0, "DELETE", "/admin/keys/" + id, cluster.adminKey, null).statusCode()).isEqualTo(200);
    assertThat(cluster.call(0, "GET", "/admin/keys/" + id, cluster.adminKey, null).statusCode()).isEqualTo(404);
  }
}
