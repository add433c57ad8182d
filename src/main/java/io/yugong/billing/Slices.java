package io.yugong.billing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's credit slices: per account a hold it took from Redis ({@code slice.lua}) and spends
 * in memory, and the write-behind batch of the charges settled against it ({@code flush.lua}).
 * {@link #reserve} answers null when a request must use an exact hold instead (no slice yet, a
 * slice too small for it, the lease in doubt, or too many charges waiting for Redis); it then asks
 * Redis for a slice in the background, one call per account at a time. Thread-safe; never blocks.
 */
public final class Slices {

  private static final Logger LOG = LoggerFactory.getLogger(Slices.class);
  /** After a refusal ("too small") the account stays on exact holds this long before asking again. */
  private static final long REFUSED_MS = 5_000;
  private static final long FAILED_MS = 1_000;
  /** Requests that may wait for one account's slice take at a time; the rest hold exactly. */
  private static final int MAX_WAITERS = 20_000;
  /** Takes a request waits for at most before it holds exactly. */
  private static final int WAIT_ROUNDS = 2;
  /** Marks a waiter queued again (never handed out). */
  private static final SliceHold WAITING = new SliceHold(null, 0);

  private final Vertx vertx;
  private final SliceStore store;
  private final SliceOptions opts;
  private final Map<String, CreditSlice> slices = new ConcurrentHashMap<>();
  private final AtomicInteger unflushed = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong failedFlushes = new java.util.concurrent.atomic.AtomicLong();
  private final long timer;
  private volatile boolean closed;
  private volatile SliceMeter meter = SliceMeter.NONE;

  Slices(Vertx vertx, Scripts scripts, String nodeId, SliceOptions opts) {
    this.vertx = vertx;
    this.store = new SliceStore(scripts, nodeId, nodeId);
    this.opts = opts;
    this.timer = vertx.setPeriodic(opts.flushMs(), opts.flushMs(), t -> tick());
  }

  /**
   * Takes {@code hold} from the account's slice, or answers null: use an exact hold. {@code rates}
   * is the Rates the hold was priced at.
   */
  public SliceHold reserve(String accountId, Rate rates, long hold) {
    if (closed || unflushed.get() >= opts.maxPending()) {
      return null;
    }
    String rate = rateArg(rates);
    long now = System.currentTimeMillis();
    CreditSlice s = slices.computeIfAbsent(accountId, id -> new CreditSlice(id, rate, now));
    SliceHold h = null;
    boolean take;
    synchronized (s) {
      if (!s.rate.equals(rate)) {
        s.retired = true; // the account's Rates changed: this slice is in old units
        return null;
      }
      s.demand(hold, now);
      if (s.usable(now) && s.free >= hold) {
        s.free -= hold;
        s.inFlight++;
        s.inFlightAmount += hold;
        h = new SliceHold(s, hold);
      }
      take = s.wantsTake(opts, now);
      if (take) {
        s.busy = true;
      }
    }
    if (take) {
      take(s, now);
    }
    return h;
  }

  /**
   * Like {@link #reserve}, but when the account's slice is being taken right now (the first
   * requests after a cold start, or after the slice ran dry) the request waits for that one Redis
   * call and is held on what it brings, instead of every such request placing an exact hold of
   * its own. Completes on the caller's context; null: use an exact hold.
   */
  public Future<SliceHold> reserveSoon(String accountId, Rate rates, long hold) {
    SliceHold now = reserve(accountId, rates, hold);
    if (now != null) {
      return Future.succeededFuture(now);
    }
    CreditSlice s = slices.get(accountId);
    if (s == null) {
      return Future.succeededFuture();
    }
    io.vertx.core.Context caller = Vertx.currentContext();
    Promise<SliceHold> p = Promise.promise();
    synchronized (s) {
      if (!s.taking || s.retired || s.waiters.size() >= MAX_WAITERS) {
        return Future.succeededFuture();
      }
      s.waiters.add(waiter(s, rateArg(rates), hold, caller, p, 1));
    }
    return p.future();
  }

  /**
   * A request waiting for a take. When the take's answer does not cover it (the first take of a
   * cold account is sized to the few requests it had seen), it waits once more for the next take,
   * which is sized to everything that has asked since.
   */
  private Runnable waiter(CreditSlice s, String rate, long hold, io.vertx.core.Context caller,
      Promise<SliceHold> p, int round) {
    return () -> {
      SliceHold h = closed ? null : takeFrom(s, rate, hold);
      if (h == null && round < WAIT_ROUNDS && !closed) {
        long now = System.currentTimeMillis();
        boolean start = false;
        synchronized (s) {
          if (!s.busy && s.wantsTake(opts, now)) {
            s.busy = true;
            start = true;
          }
          if ((s.taking || start) && !s.retired && s.waiters.size() < MAX_WAITERS) {
            s.waiters.add(waiter(s, rate, hold, caller, p, round + 1));
            h = WAITING;
          }
        }
        if (start) {
          take(s, now);
        }
        if (h == WAITING) {
          return;
        }
      }
      SliceHold result = h;
      if (caller == null) {
        p.complete(result);
      } else {
        caller.runOnContext(v -> p.complete(result));
      }
    };
  }

  /** Holds {@code hold} on the slice if it can (no demand counted: the request was counted already). */
  private static SliceHold takeFrom(CreditSlice s, String rate, long hold) {
    long now = System.currentTimeMillis();
    synchronized (s) {
      if (!s.rate.equals(rate) || !s.usable(now) || s.free < hold) {
        return null;
      }
      s.free -= hold;
      s.inFlight++;
      s.inFlightAmount += hold;
      return new SliceHold(s, hold);
    }
  }

  /** Runs, outside the slice's lock, the requests that waited for its take. */
  private static void wakeWaiters(CreditSlice s) {
    List<Runnable> woken;
    synchronized (s) {
      if (s.waiters.isEmpty()) {
        return;
      }
      woken = new ArrayList<>(s.waiters);
      s.waiters.clear();
    }
    woken.forEach(Runnable::run);
  }

  /** Settles a request held on a slice: {@code charge} joins the write-behind batch. */
  public void settle(SliceHold h, String requestId, long charge, LedgerEntry entry) {
    CreditSlice s = h.slice;
    boolean full;
    synchronized (s) {
      if (h.done) {
        return;
      }
      h.done = true;
      s.inFlight--;
      s.inFlightAmount -= h.amount;
      s.free += h.amount - charge;
      s.unflushedAmount += charge;
      s.pending.add(new SliceCharge(requestId, charge, entry));
      s.lastUsed = System.currentTimeMillis();
      full = s.pending.size() >= opts.batchMax();
    }
    unflushed.incrementAndGet();
    if (full) {
      vertx.runOnContext(v -> upkeep(s, System.currentTimeMillis()));
    }
  }

  /** Gives a request's hold back to its slice: it was not served, nothing is charged. */
  public void release(SliceHold h) {
    CreditSlice s = h.slice;
    synchronized (s) {
      if (h.done) {
        return;
      }
      h.done = true;
      s.inFlight--;
      s.inFlightAmount -= h.amount;
      s.free += h.amount;
    }
  }

  /** Who is told of takes and flushes (metrics). */
  void meter(SliceMeter m) {
    this.meter = m == null ? SliceMeter.NONE : m;
  }

  /** Charges settled on this node that Redis has not confirmed yet. */
  public int unflushed() {
    return unflushed.get();
  }

  /** Flushes that failed (and were kept, to be retried) since the node started. */
  public long failedFlushes() {
    return failedFlushes.get();
  }

  /** Completes once every charge settled so far is in Redis (or after {@code maxMs}). */
  public Future<Void> flushed(long maxMs) {
    Promise<Void> done = Promise.promise();
    long until = System.currentTimeMillis() + maxMs;
    awaitFlushed(done, until);
    return done.future();
  }

  private void awaitFlushed(Promise<Void> done, long until) {
    if (unflushed.get() == 0 || System.currentTimeMillis() >= until) {
      done.complete();
    } else {
      vertx.setTimer(Math.max(1, opts.flushMs() / 2), t -> awaitFlushed(done, until));
    }
  }

  /**
   * Stops admitting, flushes what is waiting (up to 5 s) and returns every slice. What cannot be
   * flushed is logged: revenue lost, never a customer's overspend.
   */
  public Future<Void> close() {
    closed = true;
    return flushed(5_000).compose(v -> {
      vertx.cancelTimer(timer);
      if (unflushed.get() > 0) {
        LOG.error("{} settled charge(s) could not be written to Redis before shutdown; they are not "
            + "billed", unflushed.get());
      }
      List<Future<Void>> returns = new ArrayList<>();
      for (CreditSlice s : slices.values()) {
        returns.add(store.giveBack(s.accountId));
      }
      slices.clear();
      return Future.join(returns).<Void>mapEmpty();
    }).otherwiseEmpty();
  }

  private void tick() {
    long now = System.currentTimeMillis();
    for (CreditSlice s : slices.values()) {
      upkeep(s, now);
    }
  }

  /** Flushes, renews or returns one slice: at most one Redis call for it in flight. */
  private void upkeep(CreditSlice s, long now) {
    List<SliceCharge> batch;
    long seq;
    boolean giveBack = false;
    boolean take = false;
    synchronized (s) {
      if (s.busy) {
        return;
      }
      batch = s.nextBatch(opts.batchMax(), now);
      seq = s.seq;
      boolean idle = now - s.lastUsed >= opts.idleMs();
      if (batch == null && s.drained() && s.leaseUntil == 0) {
        if (s.retired || idle) {
          slices.remove(s.accountId, s); // nothing of it in Redis
        }
        return;
      }
      if (batch == null && s.drained() && !closed && (s.retired || idle || now >= s.leaseUntil)) {
        giveBack = true;
        s.retired = true;
      } else if (batch == null && !closed && (now >= s.renewAt && s.leaseUntil > 0)) {
        take = s.wantsTake(opts, now);
      }
      if (batch == null && !giveBack && !take) {
        return;
      }
      s.busy = true;
    }
    if (batch != null) {
      flush(s, batch, seq);
    } else if (giveBack) {
      giveBack(s);
    } else {
      take(s, now);
    }
  }

  private void flush(CreditSlice s, List<SliceCharge> batch, long seq) {
    long sent = System.nanoTime();
    store.flush(s.accountId, seq, s.rate, batch).onComplete(ar -> {
      long now = System.nanoTime();
      meter.flushed(batch.size(), now - batch.get(0).settledNanos(), now - sent, ar.succeeded());
      synchronized (s) {
        s.busy = false;
        if (ar.failed()) {
          failedFlushes.incrementAndGet();
          s.failures++;
          s.retryAt = System.currentTimeMillis() + Math.min(5_000, 50L << Math.min(7, s.failures));
          if (s.failures == 1 || s.failures % 20 == 0) {
            LOG.warn("write-behind flush of {} charge(s) of account {} failed {} time(s) ({}); kept "
                + "and retried", batch.size(), s.accountId, s.failures, ar.cause().toString());
          }
          return;
        }
        if (s.failures > 0) {
          LOG.info("write-behind flush of account {} landed after {} failure(s)", s.accountId, s.failures);
        }
        s.failures = 0;
        s.unflushedAmount -= s.batchAmount;
        s.batch = null;
        s.batchAmount = 0;
      }
      unflushed.addAndGet(-batch.size());
    });
  }

  private void take(CreditSlice s, long now) {
    long want;
    long least;
    synchronized (s) {
      want = s.target(opts, now);
      least = s.least(opts);
      s.taking = true;
    }
    store.take(s.accountId, want, least, opts.leaseMs(), opts.minBalanceNanos(), s.rate)
        .onComplete(ar -> {
          try {
            took(s, now, ar);
          } finally {
            wakeWaiters(s);
          }
        });
  }

  private void took(CreditSlice s, long now, io.vertx.core.AsyncResult<SliceStore.Grant> ar) {
    synchronized (s) {
      s.busy = false;
      s.taking = false;
      if (ar.failed()) {
        meter.took(SliceMeter.Take.FAILED);
        s.refusedUntil = now + FAILED_MS;
        LOG.debug("taking a slice of account {} failed ({})", s.accountId, ar.cause().toString());
        return;
      }
      SliceStore.Grant g = ar.result();
      meter.took(g.refusal().isEmpty() ? SliceMeter.Take.GRANTED : SliceMeter.Take.REFUSED);
      if (!g.refusal().isEmpty()) {
        if (g.size() == 0) {
          s.leaseUntil = 0;
          s.free = -s.inFlightAmount - s.unflushedAmount;
          s.refusedUntil = now + REFUSED_MS;
        } else {
          s.retired = true; // disabled, deleted or at other Rates: spend no more of it
        }
        return;
      }
      // Redis holds free + in flight + unflushed for this slice (see CreditSlice)
      s.free = g.size() - s.inFlightAmount - s.unflushedAmount;
      s.leaseUntil = now + opts.leaseMs() * 3 / 4;
      s.renewAt = now + opts.leaseMs() / 3;
    }
  }

  private void giveBack(CreditSlice s) {
    store.giveBack(s.accountId).onComplete(ar -> {
      synchronized (s) {
        s.busy = false;
        if (ar.failed()) {
          LOG.debug("returning the slice of account {} failed ({}); its lease expires on its own",
              s.accountId, ar.cause().toString());
        }
      }
      slices.remove(s.accountId, s);
    });
  }

  private static String rateArg(Rate r) {
    if (r == null) {
      return "";
    }
    try {
      return Long.toString(r.scaled());
    } catch (IllegalArgumentException e) {
      return "";
    }
  }
}
