package io.yugong.mock;

import java.nio.charset.StandardCharsets;

/** Stable (JVM-independent) hashing and pseudo-random numbers for deterministic answers. */
final class Hashes {

  private Hashes() {
  }

  static long fnv64(String text) {
    return fnv64(text.getBytes(StandardCharsets.UTF_8));
  }

  static long fnv64(byte[] bytes) {
    long h = 0xcbf29ce484222325L;
    for (byte b : bytes) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** SplitMix64 finaliser. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** SplitMix64 sequence: a tiny deterministic generator. */
  static final class Sequence {
    private long state;

    Sequence(long seed) {
      this.state = seed;
    }

    long nextLong() {
      state += 0x9e3779b97f4a7c15L;
      return mix(state);
    }

    /** Uniform in [-1, 1). */
    double nextSigned() {
      return ((nextLong() >>> 11) * 0x1.0p-53) * 2 - 1;
    }
  }
}
