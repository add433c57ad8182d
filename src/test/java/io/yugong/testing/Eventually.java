package io.yugong.testing;

import java.time.Duration;

/** Polls an assertion until it holds or a deadline passes; only for cross-node propagation. */
public final class Eventually {

  public interface Check {
    void run() throws Exception;
  }

  private Eventually() {
  }

  public static void eventually(Duration within, Check check) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      try {
        check.run();
        return;
      } catch (AssertionError | Exception e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      Thread.sleep(20);
    }
  }
}
