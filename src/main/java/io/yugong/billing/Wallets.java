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
 * Redis's clock; days and months are the {@link BillingZone}'s. The key layout and scripts are described in
 * {@code docs/billing-redis.md}.
 *
 * <p>{@link #fund}, {@link #delete} and the scripts of accounts below others touch several accounts in one script: they need a
 * standalone or sentinel Redis (on a Cluster they fail with CROSSSLOT unless both accounts hash to
 * the same slot).
 */
public final class Wallets {

  private static final long DAY_MS = 86_400_000L;
  /** Ids of deleted accounts that still hold money for requests in flight. */
  static final String DELETING = "yg:deleting";
  private static final int MAX_DAYS = 1000;
  /** Amounts up to 2^53 nano-dollars (about 9 million USD) are exact in the scripts' arithmetic. */
  static final long MAX_NANOS = 1L << 53;

  private final Redis redis;
  private final Scripts scripts;
  private final BillingZone zone;
  private Slices slices;
  private SliceMeter sliceMeter = SliceMeter.NONE;

  /** Wallets with the default {@link Retention} (tests and tools). */
  public Wallets(Redis redis) {
    this(redis, Retention.DEFAULTS);
  }

  /** Wallets whose ledger cap and marker TTLs are {@code retention}'s. */
  public Wallets(Redis redis, Retention retention) {
    this(redis, retention, BillingZone.UTC);
  }

  /** Wallets whose days and months are {@code zone}'s (YUGONG_BILLING_TIMEZONE). */
  public Wallets(Redis redis, Retention retention, BillingZone zone) {
    this.redis = redis;
    this.zone = zone;
    this.scripts = new Scripts(redis, retention, zone);
  }

  /** The time zone whose days and months the usage aggregates follow. */
  public BillingZone zone() {
    return zone;
  }

  /**
   * This node's credit slices (docs/billing.md), created on the first call; later calls get the
   * same instance whatever they pass.
   */
  public synchronized Slices slices(io.vertx.core.Vertx vertx, String nodeId, SliceOptions options) {
    if (slices == null) {
      slices = new Slices(vertx, scripts, nodeId, options);
      slices.meter(sliceMeter);
    }
    return slices;
  }

  /** Who is told of this node's slice takes and flushes (metrics), now and once slices exist. */
  public synchronized void sliceMeter(SliceMeter meter) {
    this.sliceMeter = meter;
    if (slices != null) {
      slices.meter(meter);
    }
  }

  /** Charges settled on this node's slices that Redis has not confirmed yet (0 without slices). */
  public synchronized int unflushed() {
    return slices == null ? 0 : slices.unflushed();
  }

  /** Write-behind flushes that failed (kept and retried) since the node started. */
  public synchronized long failedFlushes() {
    return slices == null ? 0 : slices.failedFlushes();
  }

  /**
   * Completes once every charge this node settled on its slices so far is in Redis (or after
   * {@code maxMs}); at once when it has no slices.
   */
  public synchronized Future<Void> flushed(long maxMs) {
    return slices == null ? Future.succeededFuture() : slices.flushed(maxMs);
  }

  /** Flushes and returns this node's slices, if it has any (a clean stop). */
  public synchronized Future<Void> closeSlices() {
    return slices == null ? Future.succeededFuture() : slices.close();
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
    return reserve(accountId, requestId, holdNanos, floorNanos, rpmLimit, monthlyHardLimitNanos,
        minBalanceNanos, holdTtlMs, List.of(), null);
  }

  /**
   * {@link #reserve(String, String, long, long, int, long, long, long)} for an account below
   * others: {@code ancestorIds} are the accounts between root and it (root excluded), whose status
   * and limits bound it too — an ancestor's RateLimit counts its whole subtree's requests, its
   * HardLimit its whole subtree's monthly spend and holds. {@code pricedAt} is the Rates the hold
   * was priced at (null: unchecked); if the account's Rates changed since, the hold is converted.
   */
  public Future<Reservation> reserve(String accountId, String requestId, long holdNanos,
      long floorNanos, int rpmLimit, long monthlyHardLimitNanos, long minBalanceNanos,
      long holdTtlMs, List<String> ancestorIds, Rate pricedAt) {
    return reserve(accountId, requestId, holdNanos, floorNanos, Limits.ofRpm(rpmLimit), null, 0,
        ModelLimits.NONE, monthlyHardLimitNanos, minBalanceNanos, holdTtlMs, ancestorIds, pricedAt);
  }

  /**
   * {@link #reserve(String, String, long, long, int, long, long, long, List, Rate)} with the whole
   * limit family: the account's own {@code limits} (RPM sliding, RPH/RPD/TPM/TPH/TPD and the
   * per-model RPM/TPM of {@code model} in fixed UTC windows), each ancestor's as stored in its
   * record, and {@code global} per-model limits, which bind the account (not its ancestors'
   * subtrees) where they are tighter than its own. Token limits admit by {@code tokenEstimate};
   * {@link #settle} replaces it by the tokens used. A refusal names the limit
   * ({@link Reservation#limit()}).
   */
  public Future<Reservation> reserve(String accountId, String requestId, long holdNanos,
      long floorNanos, Limits limits, String model, long tokenEstimate, ModelLimits global,
      long monthlyHardLimitNanos, long minBalanceNanos, long holdTtlMs, List<String> ancestorIds,
      Rate pricedAt) {
    return reserve(accountId, requestId, holdNanos, floorNanos, limits, model, tokenEstimate, global,
        monthlyHardLimitNanos, minBalanceNanos, holdTtlMs, ancestorIds, pricedAt, 0);
  }

  /**
   * {@link #reserve(String, String, long, long, Limits, String, long, ModelLimits, long, long,
   * long, List, Rate)} for a hold that may shrink: when the balance (or a HardLimit on the way to
   * root) cannot cover {@code holdNanos} but covers {@code minHoldNanos} (0 = the hold is fixed),
   * the hold placed is what it covers, and {@link Reservation#placed()} says how much.
   */
  public Future<Reservation> reserve(String accountId, String requestId, long holdNanos,
      long floorNanos, Limits limits, String model, long tokenEstimate, ModelLimits global,
      long monthlyHardLimitNanos, long minBalanceNanos, long holdTtlMs, List<String> ancestorIds,
      Rate pricedAt, long minHoldNanos) {
    int rpmLimit = limits.rpm();
    return guard(() -> {
      requireNotNegative(tokenEstimate, "tokenEstimate");
      String m = model == null ? "" : model;
      if (m.length() > ModelLimits.MAX_MODEL_NAME || m.chars().anyMatch(ch -> ch <= ' ' || ch == ',')) {
        m = ""; // a model no limit can name
      }
      requireId(requestId);
      requireAmount(holdNanos, "hold");
      requireAmount(floorNanos, "floor");
      requireAmount(minHoldNanos, "minHold");
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
          Long.toString(holdTtlMs), lineage(ancestorIds), rateArg(pricedAt),
          limits.arg(m, global), m, Long.toString(Math.min(tokenEstimate, MAX_NANOS)),
          Long.toString(minHoldNanos))).map(r -> {
            String refusal = Replies.str(r.get(1));
            String limit = r.size() > 4 ? Replies.str(r.get(4)) : "";
            if (limit.isEmpty() && "rate_limit_exceeded".equals(refusal)) {
              limit = "RPM";
            }
            String placed = r.size() > 5 ? Replies.str(r.get(5)) : "";
            return new Reservation(r.get(0).toInteger() == 1, refusal.isEmpty() ? null : refusal,
                Replies.num(r.get(2)), Replies.num(r.get(3)), limit.isEmpty() ? null : limit,
                placed.isEmpty() ? holdNanos : Long.parseLong(placed),
                r.size() > 6 ? Headroom.parse(Replies.str(r.get(6))) : null);
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
    return settle(accountId, requestId, chargeNanos, entry, List.of(), null);
  }

  /**
   * {@link #settle(String, String, long, LedgerEntry)} for an account below others: the charge
   * also counts towards each ancestor's subtree spend this month. {@code pricedAt} as for
   * {@link #reserve}.
   */
  public Future<Settlement> settle(String accountId, String requestId, long chargeNanos,
      LedgerEntry entry, List<String> ancestorIds, Rate pricedAt) {
    return guard(() -> {
      requireId(requestId);
      requireAmount(chargeNanos, "charge");
      LedgerEntry e = entry != null ? entry : LedgerEntry.charge("", 0, 0, 0, "", "", 0, 0);
      return scripts.run(Scripts.SETTLE, Keys.account(accountId), List.of(requestId,
          Long.toString(chargeNanos), e.model(), Long.toString(e.promptTokens()),
          Long.toString(e.cachedTokens()), Long.toString(e.completionTokens()),
          e.upstreamKeyId(), e.node(), Long.toString(e.latencyMs()),
          Integer.toString(e.status()), lineage(ancestorIds), rateArg(pricedAt)))
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

  /** {@link #mint} with a validity in milliseconds (ProxyXAI's fractional Days). */
  public Future<Long> grant(String accountId, long amountNanos, long validityMs, String note) {
    return mintFor(accountId, amountNanos, validityMs, note);
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
    return fundFor(parentId, childId, childAmountNanos, parentRate, childRate, (long) days * DAY_MS);
  }

  /** {@link #fund} with the child's new grant valid for {@code validityMs} milliseconds. */
  public Future<Transfer> fundFor(String parentId, String childId, long childAmountNanos,
      String parentRate, String childRate, long validityMs) {
    return guard(() -> {
      if (parentId.equals(childId)) {
        throw new IllegalArgumentException("an account cannot fund itself");
      }
      if (childAmountNanos == 0 || Math.abs(childAmountNanos) > MAX_NANOS) {
        throw new IllegalArgumentException("bad amount: " + childAmountNanos);
      }
      List<String> keys = twoAccounts(parentId, childId);
      if (childAmountNanos > 0) {
        requirePositive(validityMs, "validity");
        long debit = Convert.parentCost(childAmountNanos, parentRate, childRate);
        requireAmount(debit, "parent's cost");
        return scripts.run(Scripts.FUND, keys, List.of("give", Long.toString(debit),
            Long.toString(childAmountNanos), Long.toString(validityMs), rateArg(parentRate),
            rateArg(childRate))).compose(r -> transfer(r, parentId, debit));
      }
      long back = -childAmountNanos;
      long credit = Convert.parentReturn(back, parentRate, childRate);
      return scripts.run(Scripts.FUND, keys, List.of("take", Long.toString(credit),
          Long.toString(back), "0", rateArg(parentRate), rateArg(childRate)))
          .compose(r -> transfer(r, childId, back));
    });
  }

  private static Future<Transfer> transfer(Response r, String payer, long needed) {
    int outcome = r.get(0).toInteger();
    if (outcome == 2) {
      return Future.failedFuture(new AccountGoneException());
    }
    if (outcome == 3) {
      return Future.failedFuture(new RatesChangedException());
    }
    if (outcome != 1) {
      return Future.failedFuture(
          new InsufficientBalanceException(payer, Replies.num(r.get(1)), needed));
    }
    return Future.succeededFuture(new Transfer(Replies.num(r.get(1)), Replies.num(r.get(2))));
  }

  /**
   * The money side of deleting a child: atomically with the check that it has no children of its
   * own, its record is marked deleted, its wallet disabled with the parent as heir, and all of its
   * balance that is not held goes to the parent, converted like a negative {@link #fund} (rounded
   * down). What its requests in flight do not spend follows when they settle or their holds expire.
   * Returns what the parent was credited now; fails with {@link AccountGoneException} when it is
   * already deleted, IllegalStateException when it has children.
   */
  public Future<Long> delete(String childId, String parentId, Rate parentRate, Rate childRate) {
    return guard(() -> {
      if (parentId.equals(childId)) {
        throw new IllegalArgumentException("an account cannot be its own heir");
      }
      return scripts.run(Scripts.DELETE, twoAccounts(parentId, childId),
          List.of(Long.toString(parentRate.scaled()), Long.toString(childRate.scaled()))).compose(r -> {
            if (r.get(0).toInteger() == 1) {
              return Future.succeededFuture(Replies.num(r.get(1)));
            }
            if ("has_children".equals(Replies.str(r.get(1)))) {
              return Future.failedFuture(new IllegalStateException("The account has sub-accounts; "
                  + "delete them first."));
            }
            return Future.failedFuture(new AccountGoneException());
          });
    });
  }

  /**
   * Upkeep of deleted accounts whose requests were in flight: expired holds charged their floor,
   * what is left given to the heir. Every node runs it periodically; it is idempotent.
   */
  public Future<Integer> tidyDeleted() {
    return redis.send(Request.cmd(Command.SMEMBERS).arg(DELETING)).compose(r -> {
      List<Future<Response>> runs = new ArrayList<>();
      if (r != null) {
        for (Response id : r) {
          runs.add(scripts.run(Scripts.TIDY, Keys.account(id.toString()), List.of()));
        }
      }
      return Future.all(runs).map(v -> runs.size());
    });
  }

  /**
   * Re-expresses an account's money when its Rates changes from {@code from} to {@code to}, so it
   * keeps its value in the parent's money: grants (rounded down), balance, and holds in flight
   * (rounded up) times to/from. Fails with {@link RatesChangedException} when the wallet is not at
   * {@code from} any more.
   */
  public Future<Void> rescale(String accountId, Rate from, Rate to) {
    return guard(() -> {
      long f = from.scaled();
      long t = to.scaled();
      if (f == t) {
        return Future.succeededFuture();
      }
      long g = java.math.BigInteger.valueOf(f).gcd(java.math.BigInteger.valueOf(t)).longValueExact();
      return scripts.run(Scripts.RESCALE, Keys.account(accountId), List.of(Long.toString(t / g),
          Long.toString(f / g), Long.toString(t), Long.toString(f))).compose(r -> r.get(0).toInteger() == 1
              ? Future.<Void>succeededFuture() : Future.failedFuture(new RatesChangedException()));
    });
  }

  /** Records the Rates an account's wallet is kept in (set when the account is created). */
  public Future<Void> setRate(String accountId, Rate rate) {
    return guard(() -> redis.send(Request.cmd(Command.HSET).arg(Keys.wallet(accountId)).arg("rate")
        .arg(Long.toString(rate.scaled()))).mapEmpty());
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
          // The nodes' credit slices are the account's money, not its requests': an account view
          // shows what its requests hold (a request on a slice, and its charge until the next
          // flush, are seen one flush interval late).
          long sliced = Replies.num(r.get(7));
          long held = Replies.num(r.get(1)) - sliced;
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
              "1".equals(Replies.str(r.get(2))), Replies.num(r.get(6)), sliced);
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
                List<LedgerEntry> in = LedgerEntry.entries(Replies.pairs(e.get(1)), accountId);
                for (int i = in.size() - 1; i >= 0 && out.size() < limit; i--) {
                  out.add(in.get(i));
                }
              }
            }
            return out;
          });
    });
  }

  /**
   * Settled cost per day (billing time zone) and model, as {@code "YYYY-MM-DD|model" -> nanos} (days without
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

  /**
   * Settled usage of an account per day (billing time zone) and model over {@code from}..{@code toInclusive}
   * (at most 366 days at once; days without usage are left out), in one pipelined read.
   */
  public Future<List<DailyUsage>> dailyUsage(String accountId, LocalDate from, LocalDate toInclusive) {
    return guard(() -> {
      long days = ChronoUnit.DAYS.between(from, toInclusive) + 1;
      if (days <= 0) {
        return Future.succeededFuture(List.of());
      }
      if (days > 366) {
        throw new IllegalArgumentException("at most 366 days at once");
      }
      List<LocalDate> dates = from.datesUntil(toInclusive.plusDays(1)).toList();
      List<Request> reqs = new ArrayList<>();
      for (LocalDate d : dates) {
        reqs.add(Request.cmd(Command.HGETALL).arg(Keys.day(accountId, d)));
      }
      return redis.batch(reqs).map(replies -> {
        List<DailyUsage> out = new ArrayList<>();
        for (int i = 0; i < dates.size(); i++) {
          Map<String, String> f = Replies.pairs(replies.get(i));
          for (Map.Entry<String, String> e : f.entrySet()) {
            if (e.getKey().startsWith("cost:")) {
              String model = e.getKey().substring(5);
              out.add(new DailyUsage(dates.get(i), model, Long.parseLong(e.getValue()),
                  num(f.get("requests:" + model)), num(f.get("prompt:" + model)),
                  num(f.get("cached:" + model)), num(f.get("completion:" + model))));
            }
          }
        }
        return out;
      });
    });
  }

  private static long num(String s) {
    return s == null ? 0 : Long.parseLong(s);
  }

  /** Settled cost of one month (billing time zone), in nano-dollars. */
  public Future<Long> monthCost(String accountId, YearMonth month) {
    return guard(() -> redis.send(Request.cmd(Command.HGET).arg(Keys.month(accountId, month))
        .arg("cost")).map(Replies::num));
  }

  /** The sha under which a script is cached in Redis (for tests). */
  String scriptSha(String name) {
    return scripts.sha(name);
  }

  private static String lineage(List<String> ancestorIds) {
    for (String id : ancestorIds) {
      Keys.check(id);
      if (id.indexOf(',') >= 0) {
        throw new IllegalArgumentException("bad account id: " + id);
      }
    }
    return String.join(",", ancestorIds);
  }

  private static String rateArg(Rate r) {
    if (r == null) {
      return "";
    }
    try {
      return Long.toString(r.scaled());
    } catch (IllegalArgumentException e) {
      return ""; // a Rates from before the 4-decimal rule: not checked
    }
  }

  private static String rateArg(String r) {
    try {
      return rateArg(Rate.of(r));
    } catch (RuntimeException e) {
      return "";
    }
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
