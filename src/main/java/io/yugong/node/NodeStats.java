package io.yugong.node;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** This node's request counters, updated by every HTTP verticle instance. */
public final class NodeStats {

  private final LongAdder served = new LongAdder();
  private final AtomicLong inFlight = new AtomicLong();
  private final long startedAt = System.currentTimeMillis();

  /** Called when a request arrives. */
  public void begin() {
    inFlight.incrementAndGet();
  }

  /** Called once when a request's response is done (sent, failed or abandoned). */
  public void end() {
    inFlight.decrementAndGet();
    served.increment();
  }

  public long served() {
    return served.sum();
  }

  public long inFlight() {
    return inFlight.get();
  }

  public long startedAt() {
    return startedAt;
  }
}
