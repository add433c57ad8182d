package io.yugong.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The Redis the tests use, found in this order: {@code YUGONG_TEST_REDIS} (a URL); a
 * Testcontainers Redis when Docker is available; else a {@code redis-server} process of our own
 * on a free port, stopped when the JVM exits. One per test JVM.
 */
public final class TestRedis {

  private static TestRedis shared;

  private final String url;
  private final RedisProcess process;

  private TestRedis(String url, RedisProcess process) {
    this.url = url;
    this.process = process;
  }

  /** The shared Redis of this test JVM, started on first use. */
  public static synchronized TestRedis get() {
    if (shared == null) {
      shared = find();
    }
    return shared;
  }

  public String url() {
    return url;
  }

  /** The process we started, or null when Redis came from elsewhere (then it cannot be stopped). */
  public RedisProcess process() {
    return process;
  }

  private static TestRedis find() {
    String given = System.getenv("YUGONG_TEST_REDIS");
    if (given != null && !given.isBlank()) {
      return new TestRedis(given.trim(), null);
    }
    String fromDocker = tryTestcontainers();
    if (fromDocker != null) {
      return new TestRedis(fromDocker, null);
    }
    String binary = findRedisServer();
    if (binary == null) {
      throw new IllegalStateException("The tests need Redis and found none. Either set "
          + "YUGONG_TEST_REDIS=redis://HOST:PORT, or make Docker available (Testcontainers), or "
          + "install redis-server: on Debian/Ubuntu `sudo apt-get install redis-server`, "
          + "on macOS `brew install redis`.");
    }
    RedisProcess p = new RedisProcess(binary, freePort());
    p.start();
    Runtime.getRuntime().addShutdownHook(new Thread(p::stop));
    return new TestRedis("redis://127.0.0.1:" + p.port(), p);
  }

  private static String tryTestcontainers() {
    try {
      if (!org.testcontainers.DockerClientFactory.instance().isDockerAvailable()) {
        return null;
      }
      @SuppressWarnings("resource")
      var c = new org.testcontainers.containers.GenericContainer<>(
          org.testcontainers.utility.DockerImageName.parse("redis:7-alpine")).withExposedPorts(6379);
      c.start();
      return "redis://" + c.getHost() + ":" + c.getMappedPort(6379);
    } catch (Throwable e) {
      return null;
    }
  }

  private static String findRedisServer() {
    String path = System.getenv("PATH");
    List<String> dirs = new java.util.ArrayList<>(List.of("/usr/bin", "/usr/local/bin", "/usr/sbin",
        "/opt/homebrew/bin"));
    if (path != null) {
      dirs.addAll(0, List.of(path.split(File.pathSeparator)));
    }
    for (String d : dirs) {
      File f = new File(d, "redis-server");
      if (f.canExecute()) {
        return f.getAbsolutePath();
      }
    }
    return null;
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A redis-server process of the tests' own, which a test may stop and start again. */
  public static final class RedisProcess {
    private final String binary;
    private final int port;
    private final Path dir;
    private Process process;

    RedisProcess(String binary, int port) {
      this.binary = binary;
      this.port = port;
      try {
        this.dir = Files.createTempDirectory("yugong-test-redis");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    public int port() {
      return port;
    }

    public synchronized void start() {
      try {
        process = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis.log").toFile())
            .start();
      } catch (IOException e) {
        throw new IllegalStateException("cannot start " + binary, e);
      }
      long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (System.nanoTime() < until) {
        if (ping()) {
          return;
        }
        if (!process.isAlive()) {
          break;
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      throw new IllegalStateException("redis-server did not answer on port " + port + "; see " + dir);
    }

    /** Stops redis-server; its data is lost (the next {@link #start()} begins empty). */
    public synchronized void stop() {
      if (process != null) {
        process.destroy();
        try {
          process.waitFor();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        process = null;
      }
      try {
        Files.deleteIfExists(dir.resolve("dump.rdb"));
      } catch (IOException ignored) {
        // nothing to forget then
      }
    }

    /**
     * Stops redis-server the way an operator would ({@code SHUTDOWN SAVE}): it writes its data
     * to a dump file and exits, so the next {@link #start()} comes back with the same data.
     */
    public synchronized void stopKeepingData() {
      if (process == null) {
        return;
      }
      try (Socket s = new Socket("127.0.0.1", port)) {
        OutputStream out = s.getOutputStream();
        out.write("SHUTDOWN SAVE\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        s.getInputStream().read(new byte[64]);
      } catch (IOException ignored) {
        // the server closes the connection as it exits
      }
      try {
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
          throw new IllegalStateException("redis-server did not shut down; see " + dir);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }

    /** True while the process we started is alive. */
    public synchronized boolean running() {
      return process != null && process.isAlive();
    }

    private boolean ping() {
      try (Socket s = new Socket("127.0.0.1", port)) {
        OutputStream out = s.getOutputStream();
        out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[7];
        int n = in.read(buf);
        return n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
      } catch (IOException e) {
        return false;
      }
    }
  }
}
