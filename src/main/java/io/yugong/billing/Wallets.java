package io.yugong.billing;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Accounts' money in Redis: prepaid balances made of expiring grants, holds for requests in
 * flight, rate and monthly limits, usage counters and a ledger. Every change is one Lua script, so
 * it is atomic; the hot path ({@link #reserve}, {@link #settle}, {@link #release}) is one round
 * trip each. Amounts are nano-dollars (1e-9 USD) in {@code long}; the scripts compare them as Lua
 * doubles, exact up to 2^53 nano-dollars (about 9 million USD) per account. "Now" is always
 * Redis's clock, dates are UTC. The key layout and scripts are described in
 * {@code docs/billing-redis.md}.
 *
 * <p>{@link #fund} and {@link #refundAll} touch two accounts in one script: they need a
 * standalone or sentinel Redis (on a Cluster they fail with CROSSSLOT unless both accounts hash to
 * the same slot).
 */
public final class Wallets {

  private static final long DAY_MS = 86_400_000L;
  private static final int REFUND_TRIES = 5;
  private static final int MAX_DAYS = 1000;
  /** Amounts up to 2^53 nano-dollars (about 9 million USD) are exact in the scripts' arithmetic. */
  static final long MAX_NANOS = 1L << 53;

  private final Redis redis;
  private final Scripts scripts;

  public Wallets(Redis redis) {
    this.redis = redis;
    this.scripts = new Scripts(redis);
  }

  /** Loads the scripts into Redis (SCRIPT LOAD). Calls made before still work, through EVAL. */
  public Future<Void> start() {
    return scripts.load();
  }

  /**
   * Places a hold of {@code holdNanos} for a request about to go upstream, after expiring
   * grants and abandoned holds, and checking in order: disabled account, requests per minute
   * (sliding 60 s window, {@code rpmLimit} 0 = none), the monthly hard limit (this month's cost +
   * held + this hold, 0 = none), and the available balance (it must stay at or above
   * {@code minBalanceNanos} after the hold and cover it). A refusal changes nothing else. Reserving
   * a request id that already holds (or was settled) answers ok without a second hold.
   *
   * @param floorNanos what to charge if the hold expires unsettled ({@code holdTtlMs}), because
   *     the node serving it died: the caller's estimate of the prompt's price
   */
  public Future<Reservation> reserve(String accountId, String requestId, long holdNanos,
      long floorNanos, int rpmLimit, long monthlyHardLimitNanos, long minBalanceNanos,
      long holdTtlMs) {
    return guard(() -> {
      requireId(requestId);
      requireAmount(holdNanos, "hold");
      requireAmount(floorNanos, "floor");
      requireNotNegative(rpmLimit, "rpmLimit");
      requireAmount(monthlyHardLimitNanos, "monthlyHardLimit");
      if (Math.abs(minBalanceNanos) > MAX_NANOS) {
        throw new IllegalArgumentException("minBalance out of range: " + minBalanceNanos);
      }
      if (holdTtlMs <= 0) {
        throw new IllegalArgumentException("holdTtlMs must be positive");
      }
      return scripts.run(Scripts.RESERVE, Keys.account(accountId), List.of(requestId,
          Long.toString(holdNanos), Long.toString(floorNanos), Integer.toString(rpmLimit),
          Long.toString(monthlyHardLimitNanos), Long.toString(minBalanceNanos),
          Long.toString(holdTtlMs))).map(r -> {
            String refusal = Replies.str(r.get(1));
            return new Reservation(r.get(0).toInteger() == 1, refusal.isEmpty() ? null : refusal,
                Replies.num(r.get(2)), Replies.num(r.get(3)));
          });
    });
  }

  /**
   * Charges a finished request and releases its hold. Idempotent per request id (a second call
   * answers duplicate and changes nothing). Charges at most the balance; the ledger entry records
   * any uncovered part. Adds the request to this month's and today's usage and appends
   * {@code entry} (model, tokens, upstream key, node, latency, status) to the ledger.
   */
  public Future<Settlement> settle(String accountId, String requestId, long chargeNanos,
      LedgerEntry entry) {
    return guard(() -> {
      requireId(requestId);
      requireAmount(chargeNanos, "charge");
      LedgerEntry e = entry != null ? entry : LedgerEntry.charge("", 0, 0, 0, "", "", 0, 0);
      return scripts.run(Scripts.SETTLE, Keys.account(accountId), List.of(requestId,
          Long.toString(chargeNanos), e.model(), Long.toString(e.promptTokens()),
          Long.toString(e.cachedTokens()), Long.toString(e.completionTokens()),
          e.upstreamKeyId(), e.node(), Long.toString(e.latencyMs()),
          Integer.toString(e.status())))
          .map(r -> new Settlement(r.get(0).toInteger() == 1, Replies.num(r.get(1)),
              Replies.num(r.get(2))));
    });
  }

  /** Drops the hold of a request that never went upstream: no charge, no ledger entry. */
  public Future<Void> release(String accountId, String requestId) {
    return guard(() -> {
      requireId(requestId);
      return scripts.run(Scripts.RELEASE, Keys.account(accountId), List.of(requestId)).mapEmpty();
    });
  }

  /**
   * A root grant from nowhere (ledger "minted"), expiring in {@code days}. Returns the balance
   * after.
   */
  public Future<Long> mint(String accountId, long amountNanos, int days, String note) {
    return guard(() -> {
      requirePositive(days, "days");
      return mintFor(accountId, amountNanos, days * DAY_MS, note);
    });
  }

  /** {@link #mint} with an expiry in milliseconds (tests use short ones). */
  Future<Long> mintFor(String accountId, long amountNanos, long ttlMs, String note) {
    return guard(() -> {
      requirePositive(amountNanos, "amount");
      requireAmount(amountNanos, "amount");
      requirePositive(ttlMs, "ttl");
      return scripts.run(Scripts.MINT, Keys.account(accountId), List.of(Long.toString(amountNanos),
          Long.toString(ttlMs), note == null ? "" : note)).map(Replies::num);
    });
  }

  /**
   * Moves money between a parent and its child in one atomic script, converting at the accounts'
   * rates (decimal strings; a child amount is worth {@code amount * parentRate / childRate} of the
   * parent's money).
   *
   * <p>Positive {@code childAmountNanos}: the parent pays ceil(childAmount * parentRate /
   * childRate) and the child gets a new grant of childAmount expiring in {@code days}. Negative:
   * the child gives up |childAmount| (soonest-expiring grants first) and the parent gets
   * floor(|childAmount| * parentRate / childRate) as a grant expiring with its latest grant (or in
   * 365 days). Fails with {@link InsufficientBalanceException}, changing nothing, when the paying
   * side's available balance is short.
   */
  public Future<Transfer> fund(String parentId, String childId, long childAmountNanos,
      String parentRate, String childRate, int days) {
    return guard(() -> {
      if (parentId.equals(childId)) {
        throw new IllegalArgumentException("an account cannot fund itself");
      }
      if (childAmountNanos == 0 || Math.abs(childAmountNanos) > MAX_NANOS) {
        throw new IllegalArgumentException("bad amount: " + childAmountNanos);
      }
      List<String> keys = twoAccounts(parentId, childId);
      if (childAmountNanos > 0) {
        requirePositive(days, "days");
        long debit = Convert.parentCost(childAmountNanos, parentRate, childRate);
        requireAmount(debit, "parent's cost");
        return scripts.run(Scripts.FUND, keys, List.of("give", Long.toString(debit),
            Long.toString(childAmountNanos), Long.toString(days * DAY_MS)))
            .compose(r -> transfer(r, parentId, debit));
      }
      long back = -childAmountNanos;
      long credit = Convert.parentReturn(back, parentRate, childRate);
      return scripts.run(Scripts.FUND, keys, List.of("take", Long.toString(credit),
          Long.toString(back), "0")).compose(r -> transfer(r, childId, back));
    });
  }

  private static Future<Transfer> transfer(Response r, String payer, long needed) {
    if (r.get(0).toInteger() != 1) {
      return Future.failedFuture(
          new InsufficientBalanceException(payer, Replies.num(r.get(1)), needed));
    }
    return Future.succeededFuture(new Transfer(Replies.num(r.get(1)), Replies.num(r.get(2))));
  }

  /**
   * On a child's deletion: its whole available balance (balance minus held) goes back to the
   * parent, converted like a negative {@link #fund} (rounded down), and the child is disabled.
   * Held money stays with the child for the requests still in flight. Returns what the parent
   * was credited.
   */
  public Future<Long> refundAll(String childId, String parentId, String parentRate,
      String childRate) {
    return guard(() -> {
      if (parentId.equals(childId)) {
        throw new IllegalArgumentException("an account cannot refund itself");
      }
      Convert.parentReturn(0, parentRate, childRate); // check the rates before touching Redis
      List<String> keys = twoAccounts(parentId, childId);
      return refundAttempt(keys, -1, parentRate, childRate, REFUND_TRIES);
    });
  }

  // The child's available balance is only known inside Redis, the conversion only here: each
  // attempt names the amount it converted, and the script refuses if that is no longer current.
  private Future<Long> refundAttempt(List<String> keys, long expected, String parentRate,
      String childRate, int triesLeft) {
    long credit = expected < 0 ? 0 : Convert.parentReturn(expected, parentRate, childRate);
    return scripts.run(Scripts.REFUND_ALL, keys, List.of(Long.toString(expected),
        Long.toString(credit))).compose(r -> {
          long value = Replies.num(r.get(1));
          if (r.get(0).toInteger() == 1) {
            return Future.succeededFuture(value);
          }
          if (triesLeft <= 0) {
            return Future.failedFuture(new IllegalStateException(
                "the child's balance kept changing during refundAll"));
          }
          return refundAttempt(keys, value, parentRate, childRate, triesLeft - 1);
        });
  }

  /** Disables (reserve refuses "account_disabled") or enables an account. */
  public Future<Void> setDisabled(String accountId, boolean disabled) {
    return guard(() -> {
      String wallet = Keys.wallet(accountId);
      Request r = disabled ? Request.cmd(Command.HSET).arg(wallet).arg("disabled").arg("1")
          : Request.cmd(Command.HDEL).arg(wallet).arg("disabled");
      return redis.send(r).mapEmpty();
    });
  }

  /** Balance, holds, live grants, this month's usage and the last minute's request count. */
  public Future<WalletView> view(String accountId) {
    return guard(() -> scripts.run(Scripts.VIEW, Keys.account(accountId), List.of())
        .map(r -> {
          long balance = Replies.num(r.get(0));
          long held = Replies.num(r.get(1));
          List<WalletView.Grant> grants = new ArrayList<>();
          Response g = r.get(3);
          for (int i = 0; i + 2 < g.size(); i += 3) {
            JsonObject info = new JsonObject(Replies.str(g.get(i + 2)));
            grants.add(new WalletView.Grant(Replies.str(g.get(i)), info.getLong("amount", 0L),
                Replies.num(g.get(i + 1)), info.getLong("grantedAt", 0L),
                info.getLong("expiresAt", 0L), info.getString("source", "")));
          }
          Response m = r.get(4);
          return new WalletView(accountId, balance, held, balance - held, List.copyOf(grants),
              Replies.num(m.get(0)), Replies.num(m.get(1)), Replies.num(m.get(2)),
              Replies.num(m.get(3)), Replies.num(m.get(4)), (int) Replies.num(r.get(5)),
              "1".equals(Replies.str(r.get(2))), Replies.num(r.get(6)));
        }));
  }

  /** The newest {@code limit} ledger entries, newest first. */
  public Future<List<LedgerEntry>> ledger(String accountId, int limit) {
    return guard(() -> {
      requirePositive(limit, "limit");
      return redis.send(Request.cmd(Command.XREVRANGE).arg(Keys.ledger(accountId)).arg("+")
          .arg("-").arg("COUNT").arg(limit)).map(r -> {
            List<LedgerEntry> out = new ArrayList<>();
            if (r != null) {
              for (Response e : r) {
                out.add(LedgerEntry.fromFields(Replies.pairs(e.get(1))));
              }
            }
            return out;
          });
    });
  }

  /**
   * Settled cost per UTC day and model, as {@code "YYYY-MM-DD|model" -> nanos} (days without
   * usage are absent). Day counters are kept 400 days; at most 1000 days per call.
   */
  public Future<Map<String, Long>> dailyCosts(String accountId, LocalDate from,
      LocalDate toInclusive) {
    return guard(() -> {
      long days = ChronoUnit.DAYS.between(from, toInclusive) + 1;
      if (days <= 0) {
        return Future.succeededFuture(Map.of());
      }
      if (days > MAX_DAYS) {
        throw new IllegalArgumentException("at most " + MAX_DAYS + " days at once");
      }
      List<LocalDate> dates = from.datesUntil(toInclusive.plusDays(1)).toList();
      List<Request> reqs = new ArrayList<>();
      for (LocalDate d : dates) {
        reqs.add(Request.cmd(Command.HGETALL).arg(Keys.day(accountId, d)));
      }
      return redis.batch(reqs).map(replies -> {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < dates.size(); i++) {
          for (Map.Entry<String, String> f : Replies.pairs(replies.get(i)).entrySet()) {
            if (f.getKey().startsWith("cost:")) {
              out.put(dates.get(i) + "|" + f.getKey().substring(5), Long.parseLong(f.getValue()));
            }
          }
        }
        return out;
      });
    });
  }

  /** Settled cost of one UTC month, in nano-dollars. */
  public Future<Long> monthCost(String accountId, YearMonth month) {
    return guard(() -> redis.send(Request.cmd(Command.HGET).arg(Keys.month(accountId, month))
        .arg("cost")).map(Replies::num));
  }

  /** The sha under which a script is cached in Redis (for tests). */
  String scriptSha(String name) {
    return scripts.sha(name);
  }

  private static List<String> twoAccounts(String parentId, String childId) {
    List<String> keys = new ArrayList<>(Keys.account(parentId));
    keys.addAll(Keys.account(childId));
    return keys;
  }

  /** Runs {@code call}, turning a thrown argument check into a failed future. */
  private static <T> Future<T> guard(Supplier<Future<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private static void requireId(String requestId) {
    if (requestId == null || requestId.isEmpty()) {
      throw new IllegalArgumentException("request id required");
    }
  }

  private static void requireNotNegative(long v, String what) {
    if (v < 0) {
      throw new IllegalArgumentException(what + " must not be negative: " + v);
    }
  }

  private static void requireAmount(long v, String what) {
    if (v < 0 || v > MAX_NANOS) {
      throw new IllegalArgumentException(what + " out of range 0..2^53: " + v);
    }
  }

  private static void requirePositive(long v, String what) {
    if (v <= 0) {
      throw new IllegalArgumentException(what + " must be positive: " + v);
    }
  }
}
