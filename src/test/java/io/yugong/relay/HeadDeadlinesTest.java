package io.yugong.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An attempt's head deadline runs at its time, never before, whether it sits in the event loop's
 * list or (falling due before the list's last) has a timer of its own; a cancelled one never runs,
 * and nothing is left waiting once every attempt is over.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeadDeadlinesTest {

  private Vertx vertx;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Runs {@code body} on one event loop (the deadlines' own) and waits for what it completes. */
  private <T> T onLoop(java.util.function.Function<HeadDeadlines, CompletableFuture<T>> body) throws Exception {
    CompletableFuture<CompletableFuture<T>> started = new CompletableFuture<>();
    vertx.getOrCreateContext().runOnContext(v -> started.complete(body.apply(new HeadDeadlines(vertx))));
    return started.get(10, TimeUnit.SECONDS).get(20, TimeUnit.SECONDS);
  }

  @Test
  void eachRunsAtItsTimeNeverBeforeAndCancelledOnesNever() throws Exception {
    Random random = new Random(42);
    int count = 400;
    Map<Integer, Long> ranAt = new ConcurrentHashMap<>();
    List<Long> dues = new ArrayList<>();
    List<Boolean> cancelled = new ArrayList<>();
    long expected = onLoop(deadlines -> {
      CompletableFuture<Long> done = new CompletableFuture<>();
      long base = System.nanoTime();
      int[] live = {0};
      long lastDue = base;
      List<HeadDeadlines.Deadline> all = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        // mostly in order, now and then one that falls due before the last (a timer of its own)
        long due = random.nextInt(5) == 0 ? base + (5 + random.nextInt(200)) * 1_000_000L
            : (lastDue = lastDue + random.nextInt(2_000_000));
        boolean cancel = random.nextInt(3) == 0;
        dues.add(due);
        cancelled.add(cancel);
        if (!cancel) {
          live[0]++;
        }
        int id = i;
        all.add(deadlines.start(due, () -> {
          ranAt.put(id, System.nanoTime());
          if (ranAt.size() == live[0]) {
            // past the last due time too, so that a cancelled deadline that ran would be seen
            long past = (dues.stream().mapToLong(Long::longValue).max().getAsLong() - System.nanoTime()) / 1_000_000L;
            vertx.setTimer(Math.max(1, past + 20), t -> done.complete((long) deadlines.waiting()));
          }
        }));
      }
      for (int i = 0; i < count; i++) {
        if (cancelled.get(i)) {
          all.get(i).cancel();
          all.get(i).cancel();
        }
      }
      return done;
    });
    assertThat(expected).as("left in the list").isZero();
    for (int i = 0; i < count; i++) {
      if (cancelled.get(i)) {
        assertThat(ranAt).as("cancelled %d", i).doesNotContainKey(i);
      } else {
        assertThat(ranAt).containsKey(i);
        assertThat(ranAt.get(i)).as("deadline %d ran early", i).isGreaterThanOrEqualTo(dues.get(i));
        assertThat(ranAt.get(i) - dues.get(i)).as("deadline %d ran late", i).isLessThan(TimeUnit.SECONDS.toNanos(1));
      }
    }
  }

  @Test
  void oneFallingDueBeforeTheListRunsWithoutWaitingForIt() throws Exception {
    long[] times = onLoop(deadlines -> {
      CompletableFuture<long[]> done = new CompletableFuture<>();
      long now = System.nanoTime();
      long[] ran = new long[2];
      deadlines.start(now + TimeUnit.SECONDS.toNanos(30), () -> ran[0] = System.nanoTime());
      deadlines.start(now + TimeUnit.MILLISECONDS.toNanos(50), () -> {
        ran[1] = System.nanoTime() - now;
        done.complete(new long[] {ran[0], ran[1], deadlines.waiting()});
      });
      return done;
    });
    assertThat(times[0]).as("the 30 s deadline ran").isZero();
    assertThat(times[1]).isBetween(TimeUnit.MILLISECONDS.toNanos(50), TimeUnit.SECONDS.toNanos(5));
    assertThat(times[2]).as("the 30 s deadline still waits").isEqualTo(1);
  }

  @Test
  void aDeadlineStartedAsAnotherExpiresIsKept() throws Exception {
    long waited = onLoop(deadlines -> {
      CompletableFuture<Long> done = new CompletableFuture<>();
      long now = System.nanoTime();
      deadlines.start(now + 10_000_000L, () -> {
        long then = System.nanoTime();
        deadlines.start(then + 20_000_000L, () -> done.complete(System.nanoTime() - then));
      });
      return done;
    });
    assertThat(waited).isGreaterThanOrEqualTo(20_000_000L);
  }

  /** Starts deadlines on the loop: {@code awaited} is the one whose run is timed; {@code wrong} must not run. */
  private interface Scene {
    void start(HeadDeadlines deadlines, long now, Runnable awaited, Runnable wrong);
  }

  /** How long after the scene began its awaited deadline ran (-1: a wrong one ran first). */
  private long awaitedAfter(Scene scene) throws Exception {
    return onLoop(deadlines -> {
      CompletableFuture<Long> done = new CompletableFuture<>();
      long now = System.nanoTime();
      scene.start(deadlines, now, () -> done.complete(System.nanoTime() - now), () -> done.complete(-1L));
      return done;
    });
  }

  private static long ms(long n) {
    return TimeUnit.MILLISECONDS.toNanos(n);
  }

  @Test
  void aTimerLeftForACancelledDeadlineDoesNotDelayAnEarlierOne() throws Exception {
    // the list's timer is set for 30 s, then its only deadline is cancelled: the list is empty
    long waited = awaitedAfter((deadlines, now, awaited, wrong) -> {
      deadlines.start(now + ms(30_000), wrong).cancel();
      deadlines.start(now + ms(50), awaited);
    });
    assertThat(waited).isBetween(ms(50), ms(5_000));
  }

  @Test
  void anExpiryThatStartsALaterDeadlineDoesNotDelayTheOnesWaiting() throws Exception {
    // the first expiry starts a retry's deadline, 30 s on, while the second still waits
    long waited = awaitedAfter((deadlines, now, awaited, wrong) -> {
      deadlines.start(now + ms(20), () -> deadlines.start(System.nanoTime() + ms(30_000), wrong));
      deadlines.start(now + ms(80), awaited);
    });
    assertThat(waited).isBetween(ms(80), ms(5_000));
  }

  @Test
  void anExpiryThatFailsDoesNotStopTheOthers() throws Exception {
    long waited = awaitedAfter((deadlines, now, awaited, wrong) -> {
      deadlines.start(now + ms(20), () -> {
        throw new IllegalStateException("an attempt that cannot be stopped");
      });
      deadlines.start(now + ms(20), awaited);
    });
    assertThat(waited).isBetween(ms(20), ms(5_000));
  }
}
