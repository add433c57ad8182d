package io.yugong.keypool;

import io.vertx.core.MultiMap;

/**
 * One request's use of one upstream key. Report upstream's headers with {@link #observe} when
 * they arrive, and end the lease exactly once with {@link #release}, so that in-flight counts,
 * capacity and health stay true on every node.
 */
public final class KeyLease {

  private final LiveKey key;
  private final KeyPool pool;
  private final int level;
  private final long startedAt = System.currentTimeMillis();
  private boolean released;

  KeyLease(LiveKey key, KeyPool pool, int level) {
    this.key = key;
    this.pool = pool;
    this.level = level;
    key.stats.inFlight.incrementAndGet();
  }

  public String keyId() {
    return key.record().id();
  }

  public String baseUrl() {
    return key.record().baseUrl();
  }

  /** The level the key was chosen from (after any switch-over). */
  public int level() {
    return level;
  }

  /** The Authorization header value carrying the opened secret; never log it. */
  public String authorization() {
    return key.authorization();
  }

  /** Learns the key's remaining capacity from upstream's rate-limit headers. */
  public void observe(MultiMap headers) {
    RateLimits l = RateLimits.from(headers, System.currentTimeMillis());
    if (l != null) {
      key.stats.limits = l;
    }
  }

  /** Ends the lease with upstream's verdict and the tokens the request used (0 if unknown). */
  public void release(Verdict verdict, long tokens) {
    if (released) {
      return;
    }
    released = true;
    key.stats.inFlight.decrementAndGet();
    pool.settle(key, verdict, tokens, startedAt);
    pool.told(key, verdict);
  }
}
