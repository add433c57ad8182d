package io.yugong.node;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** This node's request counters, updated by every HTTP verticle instance. */
public final class NodeStats {

  private final LongAdder served = new LongAdder();
  private final AtomicLong inFlight = new AtomicLong();
  private final long startedAt = System.currentTimeMillis();
  private final LongAdder beyondHold = new LongAdder();
  private final LongAdder beyondHoldNanos = new LongAdder();

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

  /**
   * Called when upstream reported more usage than a request's hold covered, by {@code nanos}
   * (never from an honest upstream).
   */
  public void beyondHold(long nanos) {
    beyondHold.increment();
    beyondHoldNanos.add(Math.max(0, nanos));
  }

  /** Settlements whose charge exceeded their hold. */
  public long beyondHold() {
    return beyondHold.sum();
  }

  /** Nano-dollars charged (or left uncovered) beyond those holds. */
  public long beyondHoldNanos() {
    return beyondHoldNanos.sum();
  }

  private volatile boolean stopping;

  /** Marks the node as leaving: {@code /healthz} answers 503 from now on. */
  public void stopping() {
    stopping = true;
  }

  /** True once the node has begun to stop. */
  public boolean isStopping() {
    return stopping;
  }

  public long startedAt() {
    return startedAt;
  }
}
