package io.yugong.keypool;

/**
 * One request's use of one upstream key. {@link #release} must be called exactly once, with
 * what upstream answered, so that in-flight counts and health stay true.
 */
public final class KeyLease {

  private final LiveKey key;
  private final KeyHealth health;
  private boolean released;

  KeyLease(LiveKey key, KeyHealth health) {
    this.key = key;
    this.health = health;
    key.inFlight.incrementAndGet();
  }

  public String keyId() {
    return key.record().id();
  }

  public String baseUrl() {
    return key.record().baseUrl();
  }

  /** The opened secret, for the Authorization header only. */
  public String secret() {
    return key.secret();
  }

  /** Ends the lease; {@code status} is upstream's status, or 0 when no answer came. */
  public void release(int status, long tokens) {
    if (released) {
      return;
    }
    released = true;
    key.inFlight.decrementAndGet();
    health.record(key.record().id(), status, tokens);
  }
}
