package io.yugong.testing;

/**
 * The fixed UTC windows of the limit family and of the billing days (minute, hour, day), for tests
 * that count in one: a burst that straddled a window's end would count in two windows, and a spend
 * that straddled midnight UTC would be reported on two days.
 */
public final class LimitWindows {

  public static final long MINUTE = 60_000;
  public static final long HOUR = 3_600_000;
  public static final long DAY = 86_400_000;
  /** A test's requests fit in this long. */
  private static final long ROOM_MS = 20_000;

  private LimitWindows() {
  }

  /** Returns when at least 20 s of the current window are left: at once, or once the next begins. */
  public static void awaitRoomIn(long window) throws InterruptedException {
    awaitRoomIn(window, ROOM_MS);
  }

  /**
   * Returns when at least {@code roomMs} of the current window are left: at once, or once the next
   * begins.
   */
  public static void awaitRoomIn(long window, long roomMs) throws InterruptedException {
    long left = window - System.currentTimeMillis() % window;
    if (left < roomMs) {
      Thread.sleep(left + 50); // the event awaited is the clock turning to the next window
    }
  }
}
