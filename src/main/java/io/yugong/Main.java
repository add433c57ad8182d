package io.yugong;

import io.yugong.config.NodeConfig;
import io.yugong.node.Node;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The command line: {@code node} runs a Yugong node, {@code mock-upstream} the OpenAI emulator. */
public final class Main {

  private Main() {
  }

  public static void main(String[] args) throws Exception {
    String command = args.length == 0 ? "help" : args[0];
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    switch (command) {
      case "node" -> runNode();
      case "mock-upstream" -> io.yugong.mock.MockUpstreamCommand.run(rest);
      case "version", "--version" -> System.out.println("yugong " + Node.version());
      default -> {
        System.out.println("""
            usage: java -jar yugong.jar COMMAND

              node            run a Yugong node (settings from YUGONG_* environment variables)
              mock-upstream   run the OpenAI emulator: --port N [--host H] [--token-rate R]
                              [--first-byte-delay-ms D] [--completion-tokens K] [--instances I]
              version         print the version
            """);
        if (!command.equals("help") && !command.equals("--help")) {
          System.exit(2);
        }
      }
    }
  }

  private static void runNode() throws InterruptedException {
    NodeConfig cfg;
    try {
      cfg = NodeConfig.fromEnvironment();
    } catch (NodeConfig.Invalid e) {
      System.err.println("yugong: " + e.getMessage());
      System.exit(2);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Node node;
    try {
      node = Node.start(cfg).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("yugong: the node did not start: " + rootMessage(e));
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // leaving anyway
      } finally {
        stopped.countDown();
      }
    }, "yugong-shutdown"));
    stopped.await();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
