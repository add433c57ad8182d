package io.yugong.hostile;

/**
 * The fixed UTC windows of the limit family (minute, hour, day), for the limit tests: a burst that
 * straddled a window's end would count in two windows.
 */
final class LimitWindows {

  static final long MINUTE = 60_000;
  static final long HOUR = 3_600_000;
  static final long DAY = 86_400_000;
  /** A test's requests fit in this long. */
  private static final long ROOM_MS = 20_000;

  private LimitWindows() {
  }

  /** Returns when at least 20 s of the current window are left: at once, or once the next begins. */
  static void awaitRoomIn(long window) throws InterruptedException {
    long left = window - System.currentTimeMillis() % window;
    if (left < ROOM_MS) {
      Thread.sleep(left + 50); // the event awaited is the clock turning to the next window
    }
  }
}
