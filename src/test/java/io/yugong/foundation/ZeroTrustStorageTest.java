package io.yugong.foundation;

import io.yugong.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.DistributedObject;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.replicatedmap.ReplicatedMap;
import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.EmbeddingCreateParams;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import io.yugong.mock.KeyBehaviour;
import io.yugong.node.Node;
import io.yugong.testing.TestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Zero-trust storage: after keys, accounts and requests of every kind, a dump of Redis (every
 * key, every value of every type) and of every Hazelcast map on every node holds no upstream
 * key, no account key, no admin key and no master key in plaintext.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZeroTrustStorageTest {

  private static final List<String> SHARED_MAPS = List.of("yugong.keys", "yugong.keyhealth", "yugong.keyload",
      "yugong.nodes");

  private TestCluster cluster;
  /** Every secret that must never be stored readably, by what it is. */
  private final Map<String, String> secrets = new LinkedHashMap<>();

  @BeforeAll
  void startCluster() throws Exception {
    cluster = TestCluster.start(2);
    secrets.put("admin key", cluster.adminKey);
    secrets.put("master key", cluster.masterKey);
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  private String upstreamKey(String name) {
    String secret = "sk-proj-" + name + "-" + TestCluster.randomHex(40);
    secrets.put("upstream key " + name, secret);
    return secret;
  }

  @Test
  void noSecretIsReadableInRedisOrInAnyHazelcastMap() throws Exception {
    // Upstream keys, added one by one and in bulk, on both nodes; one to be rate-limited, one revoked.
    String good = upstreamKey("good");
    String limited = upstreamKey("limited");
    String revoked = upstreamKey("revoked");
    String bulkA = upstreamKey("bulk-a");
    String bulkB = upstreamKey("bulk-b");
    cluster.addKey(0, good, new JsonObject().put("name", "good"));
    String limitedId = cluster.addKey(1, limited, new JsonObject().put("level", 1));
    cluster.addKey(0, revoked, null);
    var bulk = cluster.call(1, "POST", "/admin/keys", cluster.adminKey, new JsonArray()
        .add(new JsonObject().put("key", bulkA)).add(new JsonObject().put("key", bulkB).put("models",
            new JsonArray().add("gpt-4o-mini"))).encode());
    assertThat(bulk.statusCode()).isEqualTo(201);
    var patched = cluster.call(0, "PATCH", "/admin/keys/" + limitedId, cluster.adminKey,
        new JsonObject().put("weight", 3).encode());
    assertThat(patched.statusCode()).isEqualTo(200);
    cluster.mock.control().behave(limited, KeyBehaviour.rateLimited(30));
    cluster.mock.control().behave(revoked, KeyBehaviour.invalidKey());

    // Accounts: a customer, a sub-account it creates and funds, and a rotated key.
    JsonObject alice = cluster.createAccount(0, new JsonObject().put("Name", "alice")
        .put("Email", "alice@example.com").put("CreditGranted", 20)).getJsonObject("User");
    String aliceKey = alice.getString("SecretKey");
    secrets.put("alice's key", aliceKey);
    var bobCreated = cluster.call(1, "POST", "/x-users", aliceKey, new JsonObject().put("Name", "bob")
        .put("CreditGranted", 5).put("RPM", 100).encode());
    assertThat(bobCreated.statusCode()).as(bobCreated.body()).isEqualTo(201);
    String bobOldKey = new JsonObject(bobCreated.body()).getJsonObject("User").getString("SecretKey");
    secrets.put("bob's first key", bobOldKey);
    var rotated = cluster.call(0, "POST", "/x-self", bobOldKey, null);
    assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
    String bobKey = new JsonObject(rotated.body()).getString("SecretKey");
    secrets.put("bob's rotated key", bobKey);

    // Requests of every kind through both nodes, enough to meet the rate-limited and revoked keys.
    for (int node = 0; node < 2; node++) {
      for (String key : List.of(aliceKey, bobKey)) {
        OpenAIClient client = cluster.openai(node, key);
        try {
          for (int i = 0; i < 3; i++) {
            client.chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-4o-mini")
                .addUserMessage("secret-free question " + i).build());
          }
          try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
              ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("stream").build())) {
            assertThat(s.stream().count()).isGreaterThan(2);
          }
          client.embeddings().create(EmbeddingCreateParams.builder().model("text-embedding-3-small")
              .input("embed me").build());
        } finally {
          client.close();
        }
      }
      // a wrong key, a root request and an admin read leave their traces too
      cluster.call(node, "POST", "/v1/chat/completions", "sk-wrong-" + TestCluster.randomHex(30), "{}");
      cluster.call(node, "GET", "/v1/models", cluster.adminKey, null);
      cluster.call(node, "GET", "/dashboard/x_user/ledger", aliceKey, null);
    }
    assertThat(cluster.mock.control().requests(revoked)).isNotEmpty();
    assertThat(cluster.mock.control().requests(limited)).isNotEmpty();

    // The shared state has been written on both nodes: key records, health, load, node cards.
    for (Node node : cluster.nodes) {
      Eventually.eventually(Duration.ofSeconds(10), () -> {
        for (String map : SHARED_MAPS) {
          assertThat(node.hazelcast().getReplicatedMap(map).size()).as(map).isPositive();
        }
        assertThat(node.hazelcast().getReplicatedMap("yugong.keys").size()).isEqualTo(5);
        assertThat(node.hazelcast().getReplicatedMap("yugong.nodes").size()).isEqualTo(2);
      });
    }

    Map<String, String> redisDump = dumpRedis();
    assertThat(redisDump).containsKey("yg:keys");
    assertThat(redisDump).containsKeys("yg:idx:key", "yg:{a:" + alice.getString("ID") + "}:account",
        "yg:{a:" + alice.getString("ID") + "}:ledger");
    // the scan does read the values: the key records are there, sealed, with their masked hints
    assertThat(redisDump.get("yg:keys")).contains(good.substring(good.length() - 4)).contains(limitedId);
    assertNoSecretIn("Redis", redisDump);

    for (int i = 0; i < cluster.nodes.size(); i++) {
      Map<String, String> hzDump = dumpHazelcast(cluster.nodes.get(i).hazelcast());
      for (String map : SHARED_MAPS) {
        assertThat(hzDump.keySet()).anySatisfy(k -> assertThat(k).startsWith(map + "/"));
      }
      assertNoSecretIn("Hazelcast on node " + (i + 1), hzDump);
    }
  }

  private void assertNoSecretIn(String where, Map<String, String> dump) {
    for (Map.Entry<String, String> secret : secrets.entrySet()) {
      String plain = secret.getValue();
      // The distinctive part (a masked hint keeps at most the last 4 characters).
      String body = plain.startsWith("sk-") ? plain.substring(3, plain.length() - 4) : plain;
      String b64 = Base64.getEncoder().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
      for (Map.Entry<String, String> entry : dump.entrySet()) {
        String text = entry.getKey() + "\n" + entry.getValue();
        assertThat(text).as("%s entry %s must not hold the %s", where, entry.getKey(), secret.getKey())
            .doesNotContain(body)
            .doesNotContain(b64.substring(0, b64.length() - 4));
      }
    }
  }

  /** Every Redis key with everything it holds, whatever its type. */
  private Map<String, String> dumpRedis() throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    Vertx vertx = Vertx.vertx();
    try {
      Redis redis = Redis.createClient(vertx, cluster.redis.url());
      String cursor = "0";
      List<String> keys = new ArrayList<>();
      do {
        Response page = TestCluster.await(redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("COUNT").arg(1000)));
        cursor = page.get(0).toString();
        page.get(1).forEach(k -> keys.add(k.toString()));
      } while (!cursor.equals("0"));
      assertThat(keys).isNotEmpty();
      List<String> types = new ArrayList<>();
      for (String key : keys) {
        String type = TestCluster.await(redis.send(Request.cmd(Command.TYPE).arg(key))).toString();
        types.add(type);
        Request read = switch (type) {
          case "string" -> Request.cmd(Command.GET).arg(key);
          case "hash" -> Request.cmd(Command.HGETALL).arg(key);
          case "list" -> Request.cmd(Command.LRANGE).arg(key).arg(0).arg(-1);
          case "set" -> Request.cmd(Command.SMEMBERS).arg(key);
          case "zset" -> Request.cmd(Command.ZRANGE).arg(key).arg(0).arg(-1).arg("WITHSCORES");
          case "stream" -> Request.cmd(Command.XRANGE).arg(key).arg("-").arg("+");
          default -> throw new AssertionError("a Redis key of a type this scan cannot read: " + key + " " + type);
        };
        StringBuilder text = new StringBuilder();
        flatten(TestCluster.await(redis.send(read)), text);
        out.put(key, text.toString());
      }
      assertThat(types).contains("string", "hash", "zset", "stream");
      TestCluster.await(redis.close());
    } finally {
      TestCluster.await(vertx.close());
    }
    return out;
  }

  private static void flatten(Response r, StringBuilder out) {
    if (r == null) {
      return;
    }
    if (r.type() == ResponseType.MULTI) {
      if (!r.isArray()) { // a map (RESP3): its keys and values
        for (String k : r.getKeys()) {
          out.append(k).append('=');
          flatten(r.get(k), out);
        }
        return;
      }
      for (Response item : r) {
        flatten(item, out);
      }
      return;
    }
    if (r.type() == ResponseType.BULK) {
      out.append(r.toBuffer().toString(StandardCharsets.ISO_8859_1)).append('\n');
    } else {
      out.append(r).append('\n');
    }
  }

  /** Every entry of every map (replicated or partitioned) this member holds. */
  private static Map<String, String> dumpHazelcast(HazelcastInstance hz) {
    Map<String, String> out = new LinkedHashMap<>();
    for (DistributedObject o : hz.getDistributedObjects()) {
      if (o instanceof ReplicatedMap<?, ?> m) {
        m.entrySet().forEach(e -> out.put(o.getName() + "/" + e.getKey(), text(e.getValue())));
      } else if (o instanceof IMap<?, ?> m) {
        m.entrySet().forEach(e -> out.put(o.getName() + "/" + e.getKey(), text(e.getValue())));
      }
    }
    return out;
  }

  private static String text(Object v) {
    if (v instanceof byte[] b) {
      return new String(b, StandardCharsets.ISO_8859_1);
    }
    return String.valueOf(v);
  }
}
