package io.yugong.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.yugong.config.NodeConfig;
import io.yugong.testing.TestRedis;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A node whose HTTP port is taken fails to start, and says so, instead of hanging. */
class TakenPortTest {

  @Test
  void aNodeWhosePortIsTakenFailsToStartWithTheBindError() throws Exception {
    byte[] mk = new byte[32];
    new SecureRandom().nextBytes(mk);
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int clusterPort = TestRedis.freePort();
      Map<String, String> env = new HashMap<>();
      env.put("YUGONG_PORT", Integer.toString(taken.getLocalPort()));
      env.put("YUGONG_HOST", "127.0.0.1");
      env.put("YUGONG_REDIS", TestRedis.get().url());
      env.put("YUGONG_MASTER_KEY", Base64.getEncoder().encodeToString(mk));
      env.put("YUGONG_ADMIN_KEY", "sk-admin-taken-port-0123456789abcdef");
      env.put("YUGONG_UPSTREAM", "http://127.0.0.1:9");
      env.put("YUGONG_CLUSTER_NAME", "taken-port-" + taken.getLocalPort());
      env.put("YUGONG_CLUSTER_PORT", Integer.toString(clusterPort));
      env.put("YUGONG_CLUSTER_MEMBERS", "127.0.0.1:" + clusterPort);
      env.put("YUGONG_CLUSTER_CONFIG", "/nonexistent/use-bundled.xml");
      Throwable failure = null;
      try {
        Node.start(NodeConfig.from(env)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        failure = e.getCause();
      }
      assertThat(failure).as("the start fails (a time-out here means it hung)").isNotNull();
      assertThat(failure).hasMessageContaining("Address already in use");
    }
  }
}
