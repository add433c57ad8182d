package io.yugong.mock;

import io.vertx.core.Future;

import java.util.concurrent.TimeUnit;

/** Blocks a test thread (never an event loop) on a Vert.x future. */
final class Await {

  private Await() {
  }

  static <T> T result(Future<T> future) {
    return result(future, 15);
  }

  static <T> T result(Future<T> future, long seconds) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("future did not complete: " + e, e);
    }
  }
}
