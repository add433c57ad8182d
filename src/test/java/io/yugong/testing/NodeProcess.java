package io.yugong.testing;

import io.yugong.node.Node;
import io.yugong.testing.TestRedis;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Yugong node in a JVM of its own ({@code java io.yugong.Main node}), joined to the cluster of a
 * {@link TestCluster} with the environment TestCluster gives its own nodes, so that it can be
 * frozen (SIGSTOP) and resumed (SIGCONT) like a stalled machine. Its output goes to
 * {@code target/node-process-PORT.log}. Always {@link #close()} it.
 */
public final class NodeProcess implements AutoCloseable {

  private final Process process;
  private final int port;
  private final Path log;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private NodeProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts a node that joins {@code c}'s cluster through its first node, and waits until it serves. */
  public static NodeProcess join(TestCluster c, Duration within) throws Exception {
    Node first = c.nodes.get(0);
    int port = TestRedis.freePort();
    int clusterPort = TestRedis.freePort();
    String seed = "127.0.0.1:" + first.hazelcast().getCluster().getLocalMember().getAddress().getPort();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx512m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens", "java.management/sun.management=ALL-UNNAMED",
        "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), "io.yugong.Main", "node"));
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("YUGONG_"));
    env.put("YUGONG_PORT", Integer.toString(port));
    env.put("YUGONG_HOST", "127.0.0.1");
    env.put("YUGONG_REDIS", c.redis.url());
    env.put("YUGONG_MASTER_KEY", c.masterKey);
    env.put("YUGONG_ADMIN_KEY", c.adminKey);
    env.put("YUGONG_UPSTREAM", "http://127.0.0.1:" + c.mock.port());
    env.put("YUGONG_CLUSTER_NAME", first.hazelcast().getConfig().getClusterName());
    env.put("YUGONG_CLUSTER_PORT", Integer.toString(clusterPort));
    env.put("YUGONG_CLUSTER_MEMBERS", seed + ",127.0.0.1:" + clusterPort);
    env.put("YUGONG_CLUSTER_CONFIG", "/nonexistent/use-bundled.xml");
    env.put("YUGONG_HTTP_INSTANCES", "2");
    Path log = Path.of("target", "node-process-" + port + ".log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile()).directory(new File("."));
    Process started = pb.start();
    // Even if the test JVM is torn down without running the test's cleanup.
    Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly, "node-process-kill"));
    NodeProcess node = new NodeProcess(started, port, log);
    try {
      node.awaitServing(within);
      return node;
    } catch (Exception | AssertionError e) {
      node.close();
      throw e;
    }
  }

  private void awaitServing(Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the node process exited with " + process.exitValue() + "; see " + log);
      }
      try {
        if (call("GET", "/health", null).statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the node process did not serve within " + within + "; see " + log);
      }
      Thread.sleep(100);
    }
  }

  public HttpResponse<String> call(String method, String path, String key) throws Exception {
    return call(method, path, key, null);
  }

  /** A raw HTTP call to this node; body may be null. */
  public HttpResponse<String> call(String method, String path, String key, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Freezes the process, as a stalled VM or a long GC pause would. */
  public void freeze() throws Exception {
    signal("STOP");
  }

  public void resume() throws Exception {
    signal("CONT");
  }

  /** Kills the process outright (SIGKILL), as a lost machine: nothing of it runs after this. */
  public void kill() throws Exception {
    signal("KILL");
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the node process outlived SIGKILL");
    }
  }

  private void signal(String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
