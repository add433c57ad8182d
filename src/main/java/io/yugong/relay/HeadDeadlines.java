package io.yugong.relay;

import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long each upstream attempt may wait for its response head, kept by one Vert.x timer for all
 * of an event loop's attempts rather than one timer each. Deadlines mostly come in the order they
 * fall due (an attempt's is its request's deadline, or now plus the first-byte time-out): such a
 * deadline joins the end of a list, and leaves it when its head arrives or the attempt fails. The
 * timer is set for the first deadline in the list; when it fires, every attempt past its deadline
 * expires, and the timer is set for the next. A deadline that falls due before the list's last one
 * has a timer of its own. Never early, never late. Confined to one event loop.
 */
final class HeadDeadlines {

  private static final Logger LOG = LoggerFactory.getLogger(HeadDeadlines.class);
  private final Vertx vertx;
  private Deadline first;
  private Deadline last;
  /** The timer set for the list (-1: none), and the time it was set for. */
  private long timer = -1;
  private long armedDue;

  HeadDeadlines(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Runs {@code onExpiry} at {@code dueNanos} ({@link System#nanoTime}) unless the deadline is
   * {@link Deadline#cancel cancelled} first.
   */
  Deadline start(long dueNanos, Runnable onExpiry) {
    Deadline d = new Deadline(dueNanos, onExpiry);
    if (last != null && dueNanos - last.due < 0) {
      d.ownTimer = vertx.setTimer(millisUntil(dueNanos), t -> d.expire());
      return d;
    }
    d.prev = last;
    if (last == null) {
      first = d;
    } else {
      last.next = d;
    }
    last = d;
    armForFirst();
    return d;
  }

  private static long millisUntil(long dueNanos) {
    return Math.max(1, (dueNanos - System.nanoTime() + 999_999L) / 1_000_000L);
  }

  /**
   * Makes sure the timer fires no later than the first deadline in the list. A timer set for an
   * earlier time (a deadline since cancelled) stays: it fires early, and is set again.
   */
  private void armForFirst() {
    if (first == null || timer != -1 && armedDue - first.due <= 0) {
      return;
    }
    if (timer != -1) {
      vertx.cancelTimer(timer);
    }
    armedDue = first.due;
    timer = vertx.setTimer(millisUntil(first.due), t -> fire());
  }

  private void fire() {
    timer = -1;
    long now = System.nanoTime();
    while (first != null && first.due - now <= 0) {
      first.expire();
    }
    armForFirst();
  }

  private void unlink(Deadline d) {
    if (d.prev == null) {
      first = d.next;
    } else {
      d.prev.next = d.next;
    }
    if (d.next == null) {
      last = d.prev;
    } else {
      d.next.prev = d.prev;
    }
    d.prev = null;
    d.next = null;
  }

  /** Attempts waiting for their head (for tests). */
  int waiting() {
    int n = 0;
    for (Deadline d = first; d != null; d = d.next) {
      n++;
    }
    return n;
  }

  /** One attempt's deadline. */
  final class Deadline {
    private final long due;
    private final Runnable onExpiry;
    private Deadline prev;
    private Deadline next;
    private long ownTimer = -1;
    private boolean over;

    private Deadline(long due, Runnable onExpiry) {
      this.due = due;
      this.onExpiry = onExpiry;
    }

    /** The head arrived, or the attempt failed otherwise: nothing runs. Idempotent. */
    void cancel() {
      if (!over) {
        over = true;
        leave();
      }
    }

    private void expire() {
      if (!over) {
        over = true;
        leave();
        try {
          onExpiry.run();
        } catch (RuntimeException e) {
          // one attempt's failure to stop must not keep the others from expiring
          LOG.error("an upstream attempt's head deadline failed to act", e);
        }
      }
    }

    private void leave() {
      if (ownTimer != -1) {
        vertx.cancelTimer(ownTimer);
      } else {
        unlink(this);
      }
    }
  }
}
