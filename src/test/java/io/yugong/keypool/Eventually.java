package io.yugong.keypool;

import java.time.Duration;

/** Polls an assertion until it holds or the time is up; only for cross-node propagation. */
final class Eventually {

  interface Check {
    void run() throws Exception;
  }

  private Eventually() {
  }

  static void eventually(Duration within, Check check) throws Exception {
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
