package io.yugong.node;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.yugong.gateway.ApiError;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the billing store (Redis) is up, known from a connection of its own and a PING every
 * {@link #PERIOD_MS} on a thread of its own — never guessed from how long a request's reply took,
 * which measures the node's event loops, not Redis. Down after {@link #FAILURES_TO_DOWN} PINGs in a
 * row fail (no reply within {@link #PING_DEADLINE_MS}) or at once when a connection is refused or
 * lost; up again on the first PING that succeeds.
 *
 * <p>Calls on the request path go through {@link #guard}: while Redis is up a slow reply is waited
 * for; when the node learns Redis is down, every call still waiting fails at once, and new calls
 * fail without being sent. A call unanswered after {@link #SAFETY_DEADLINE_MS} while Redis answers
 * PINGs is a real failure, Yugong's own, and fails as such.
 */
public final class StoreHealth {

  private static final Logger LOG = LoggerFactory.getLogger(StoreHealth.class);
  static final long PERIOD_MS = 500;
  static final int PING_DEADLINE_MS = 1000;
  static final int FAILURES_TO_DOWN = 2;
  /** How long a call to a healthy Redis may take before it fails as Yugong's own error. */
  public static final long SAFETY_DEADLINE_MS = 10_000;

  /** A guarded call failed because the node knows Redis is down. */
  public static final class Down extends RuntimeException {
    Down(String why) {
      super(why, null, false, false);
    }
  }

  /** A guarded call got no reply within the safety deadline although Redis answers PINGs. */
  public static final class Slow extends RuntimeException {
    Slow() {
      super("no reply within " + SAFETY_DEADLINE_MS + " ms while Redis answers PINGs", null, false, false);
    }
  }

  private record Waiting(Promise<?> promise, Context context, long since) {
  }

  private final StorePing ping;
  private final Map<Long, Waiting> waiting = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private volatile boolean up = true;
  private volatile String lastFailure = "";
  private volatile long changedAt = System.currentTimeMillis();
  private volatile boolean running;
  private int failures;
  private Thread thread;
  private volatile long lastPingNanos = -1;
  private volatile java.util.function.LongConsumer calls = n -> { };

  StoreHealth(String redisUrl) {
    this.ping = new StorePing(redisUrl, PING_DEADLINE_MS);
  }

  /** Checks once (so the node starts knowing), then keeps checking on a daemon thread. */
  void start() {
    running = true;
    if (check()) {
      check();
    }
    thread = new Thread(() -> {
      boolean again = false;
      while (running) {
        if (!again) {
          try {
            Thread.sleep(PERIOD_MS);
          } catch (InterruptedException e) {
            return;
          }
        }
        again = check();
      }
    }, "yugong-store-health");
    thread.setDaemon(true);
    thread.start();
  }

  void stop() {
    running = false;
    if (thread != null) {
      thread.interrupt();
    }
    ping.close();
  }

  /** True while Redis answers PINGs. */
  public boolean up() {
    return up;
  }

  /** Why Redis was last judged down (empty when it never was). */
  public String lastFailure() {
    return lastFailure;
  }

  /** When the state last changed, epoch ms. */
  public long changedAt() {
    return changedAt;
  }

  /** The round trip of the last PING that was answered, in nanoseconds; -1 before the first. */
  public long lastPingNanos() {
    return lastPingNanos;
  }

  /** Who is told how long each guarded call took, in nanoseconds (metrics; one listener). */
  public void observeCalls(java.util.function.LongConsumer listener) {
    this.calls = listener;
  }

  /** Calls waiting for Redis right now (for metrics). */
  public int waiting() {
    return waiting.size();
  }

  /**
   * The call's result; or {@link Down} at once when Redis is known down, or as soon as the node
   * learns it; or {@link Slow} past the safety deadline. Call on the context that should see the
   * result; it costs no timer.
   */
  public <T> Future<T> guard(Future<T> call) {
    if (!up) {
      return Future.failedFuture(new Down(lastFailure));
    }
    Context ctx = Vertx.currentContext();
    Promise<T> p = Promise.promise();
    long id = ids.incrementAndGet();
    long began = System.nanoTime();
    waiting.put(id, new Waiting(p, ctx, System.currentTimeMillis()));
    call.onComplete(ar -> {
      waiting.remove(id);
      calls.accept(System.nanoTime() - began);
      if (ar.failed() && isConnectionLoss(ar.cause())) {
        markDown("connection lost: " + ar.cause());
      }
      if (ar.succeeded()) {
        p.tryComplete(ar.result());
      } else {
        p.tryFail(ar.cause());
      }
    });
    return p.future();
  }

  /**
   * The client's answer for a guarded call that failed, naming what failed: 503 when Redis is down
   * or too slow, the ApiError itself when the call refused the request.
   */
  public ApiError refusal(Throwable e) {
    if (e instanceof ApiError a) {
      return a;
    }
    if (e instanceof Slow) {
      return ApiError.unavailable("The billing store (Redis) did not answer within "
          + SAFETY_DEADLINE_MS / 1000 + " s, and no request is served without it. Please retry shortly.",
          "store_slow", 1);
    }
    if (e instanceof Down || !up) {
      return ApiError.unavailable("The billing store (Redis) is unreachable, and no request is served "
          + "without it. Please retry shortly.", "store_unavailable", 1);
    }
    return ApiError.unavailable("The billing store (Redis) failed this request (" + e.getMessage()
        + "). Please retry shortly.", "store_error", 1);
  }

  private static boolean isConnectionLoss(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof ClosedChannelException
          || t.getClass().getSimpleName().equals("RedisConnectException")) {
        return true;
      }
      String m = t.getMessage();
      if (m != null && (m.contains("Connection refused") || m.contains("Connection is closed")
          || m.contains("Connection reset") || m.contains("Connection closed"))) {
        return true;
      }
    }
    return false;
  }

  /** One check; true when the next should follow at once (a PING is outstanding). */
  private boolean check() {
    try {
      // the first wait is the PING's deadline; each later one is a period, as if another PING
      // had been sent then: down when Redis has been silent for deadline + period
      long sent = System.nanoTime();
      ping.ping(failures == 0 ? PING_DEADLINE_MS : (int) PERIOD_MS);
      if (failures == 0) {
        lastPingNanos = System.nanoTime() - sent;
      }
      failures = 0;
      if (!up) {
        up = true;
        changedAt = System.currentTimeMillis();
        LOG.info("the billing store (Redis) answers again; serving");
      }
    } catch (java.net.SocketTimeoutException e) {
      if (++failures >= FAILURES_TO_DOWN) {
        ping.close();
        failures = 0;
        markDown("no reply to PING for " + (PING_DEADLINE_MS + (FAILURES_TO_DOWN - 1) * PERIOD_MS) + " ms");
      } else {
        expireSlow();
        return true;
      }
    } catch (IOException | RuntimeException e) {
      failures = 0;
      markDown("connection failed: " + e);
    }
    expireSlow();
    return false;
  }

  private void markDown(String why) {
    lastFailure = why;
    if (up) {
      up = false;
      changedAt = System.currentTimeMillis();
      LOG.error("the billing store (Redis) is down ({}); requests that need it get 503 until it answers again",
          why);
    }
    failAll(() -> new Down(why), 0);
  }

  private void expireSlow() {
    long before = System.currentTimeMillis() - SAFETY_DEADLINE_MS;
    if (!waiting.isEmpty()) {
      failAll(Slow::new, before);
    }
  }

  /** Fails every waiting call that started before {@code before} (0: all). */
  private void failAll(java.util.function.Supplier<RuntimeException> why, long before) {
    waiting.entrySet().removeIf(e -> {
      Waiting w = e.getValue();
      if (before != 0 && w.since() > before) {
        return false;
      }
      RuntimeException err = why.get();
      if (w.context() == null) {
        w.promise().tryFail(err);
      } else {
        w.context().runOnContext(v -> w.promise().tryFail(err));
      }
      return true;
    });
  }
}
