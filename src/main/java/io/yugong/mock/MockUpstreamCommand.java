package io.yugong.mock;

import io.vertx.core.Vertx;

import java.util.concurrent.TimeUnit;

/** {@code java -jar yugong.jar mock-upstream [flags]}: runs the emulator until the process is terminated. */
public final class MockUpstreamCommand {

  static final String USAGE = "usage: mock-upstream [--port N] [--host H] [--token-rate TOKENS_PER_SECOND]"
      + " [--first-byte-delay-ms D] [--completion-tokens K] [--instances I]";

  private MockUpstreamCommand() {
  }

  public static void run(String[] args) {
    MockOptions options = parse(args);
    Vertx vertx = Vertx.vertx();
    MockUpstream upstream;
    try {
      upstream = MockUpstream.start(vertx, options).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("mock-upstream failed to start: " + e.getMessage(), e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
    }, "mock-upstream-shutdown"));
    System.out.println("mock-upstream listening on http://" + options.host() + ":" + upstream.port());
    System.out.flush();
  }

  static MockOptions parse(String[] args) {
    MockOptions options = new MockOptions();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--help") || flag.equals("-h")) {
        throw new IllegalArgumentException(USAGE);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value for " + flag + "\n" + USAGE);
      }
      String value = args[++i];
      try {
        switch (flag) {
          case "--port" -> options.port(Integer.parseInt(value));
          case "--host" -> options.host(value);
          case "--token-rate" -> options.tokensPerSecond(Double.parseDouble(value));
          case "--first-byte-delay-ms" -> options.firstByteDelayMs(Long.parseLong(value));
          case "--completion-tokens" -> options.completionTokens(Integer.parseInt(value));
          case "--instances" -> options.instances(Integer.parseInt(value));
          default -> throw new IllegalArgumentException("unknown flag " + flag + "\n" + USAGE);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a number for " + flag + ": " + value + "\n" + USAGE);
      }
    }
    return options;
  }
}
