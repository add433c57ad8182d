package io.yugong.mock;

/** Placeholder until the emulator lands. */
public final class MockUpstreamCommand {
  public static void run(String[] args) {
    throw new UnsupportedOperationException();
  }
}
