package io.yugong.admin;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.yugong.accounts.Account;
import io.yugong.accounts.Accounts;
import io.yugong.billing.BillingZone;
import io.yugong.billing.DailyUsage;
import io.yugong.billing.Money;
import io.yugong.billing.Wallets;
import io.yugong.gateway.ApiError;
import io.yugong.gateway.Replies;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * ProxyXAI's {@code GET /x-bill}: settled usage of the caller's sub-accounts (or of one account
 * of its subtree) over a range of days (of YUGONG_BILLING_TIMEZONE), per day and model and per account, in ProxyXAI's
 * shape. Ranges are at most 366 days; the subtree is paged ({@code page}, {@code size} ≤ 100).
 */
final class UsageReport {

  static final long MAX_DAYS = 366;
  static final int MAX_SIZE = 100;
  /**
   * At most this many account-days are read per call (one HGETALL each): 10 accounts for a year,
   * 100 for 37 days. A bigger report is refused, so no caller can make one call cost Redis tens of
   * thousands of reads.
   */
  static final long MAX_ACCOUNT_DAYS = 3_700;
  /** Reports being read at once on this node; more wait for none and are told to retry. */
  static final int MAX_IN_FLIGHT = 4;
  private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
  private static final int DEFAULT_SIZE = 100;
  /** ProxyXAI's attribute filters (Level, Gear, Role, Tier, Factor), which accounts here do not have. */
  private static final Pattern ATTRIBUTE_FILTER = Pattern.compile("[LGRTF][0-9]{1,6}");
  private static final Set<String> PARAMS = Set.of("u", "user", "d", "date", "s", "start", "e", "end", "days",
      "page", "size");

  private final Accounts accounts;
  private final Wallets wallets;

  UsageReport(Accounts accounts, Wallets wallets) {
    this.accounts = accounts;
    this.wallets = wallets;
  }

  private record Range(LocalDate start, LocalDate end) {
  }

  void handle(RoutingContext ctx) {
    MultiMap q = ctx.queryParams();
    Range range;
    int page;
    int size;
    String user;
    try {
      for (String name : q.names()) {
        if (!PARAMS.contains(name)) {
          String shown = name.length() > 32 ? name.substring(0, 32) + "..." : name;
          throw new ApiError(400, "Unknown parameter '" + shown + "' (see docs/api.md for /x-bill).",
              "invalid_request_error", shown, "unknown_parameter");
        }
        if (q.getAll(name).size() > 1 || q.get(name).length() > 256) {
          throw ApiError.invalidRequest("The parameter '" + name + "' is sent twice or is too long.", name);
        }
      }
      range = range(q, wallets.zone().today());
      page = whole(q.get("page"), "page", 1, 1, 1_000_000);
      size = whole(q.get("size"), "size", DEFAULT_SIZE, 1, MAX_SIZE);
      user = either(q, "u", "user");
    } catch (ApiError e) {
      e.send(ctx.response());
      return;
    }
    Account caller = ctx.get("account");
    Future<List<Account>> who;
    if (user == null) {
      who = accounts.subtree(caller);
    } else if (user.equals(caller.id()) || user.equalsIgnoreCase(String.valueOf(caller.name()))) {
      who = Future.succeededFuture(List.of(caller));
    } else {
      who = accounts.findBelow(caller, user).compose(a -> {
        if (a != null) {
          return Future.succeededFuture(List.of(a));
        }
        if (ATTRIBUTE_FILTER.matcher(user).matches()) {
          return Future.failedFuture(new ApiError(400, "Accounts here have no Level, Gear, Role, Tier or Factor: "
              + "the filter '" + user + "' is not supported.", "invalid_request_error", "user", "unsupported_parameter"));
        }
        return Future.failedFuture(ApiError.notFound("No sub-account '" + user.replaceAll("\\p{Cntrl}", "?")
            + "' under this key."));
      });
    }
    if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
      inFlight.decrementAndGet();
      new ApiError(429, "Too many usage reports are being read on this node at once; try again in a "
          + "second.", "requests", null, "rate_limit_exceeded").header("retry-after", "1").send(ctx.response());
      return;
    }
    long days = java.time.temporal.ChronoUnit.DAYS.between(range.start, range.end) + 1;
    who.compose(all -> {
      int from = (int) Math.min(all.size(), (page - 1L) * size);
      List<Account> shown = all.subList(from, Math.min(all.size(), from + size));
      if (days * shown.size() > MAX_ACCOUNT_DAYS) {
        return Future.failedFuture(new ApiError(400, "This report would read " + days + " days of "
            + shown.size() + " accounts; at most " + MAX_ACCOUNT_DAYS + " account-days are read per "
            + "call. Lower size or the date range.", "invalid_request_error", "size", "report_too_large"));
      }
      List<Future<List<DailyUsage>>> reads = new ArrayList<>();
      for (Account a : shown) {
        reads.add(wallets.dailyUsage(a.id(), range.start, range.end));
      }
      return Future.all(reads).map(v -> report(range, all.size(), page, size, shown, reads, wallets.zone()));
    }).onComplete(ar -> {
      inFlight.decrementAndGet();
      if (ar.failed()) {
        Replies.fail(ctx, ar.cause());
      } else {
        Replies.json(ctx, 200, ar.result());
      }
    });
  }

  private static JsonObject report(Range range, int total, int page, int size, List<Account> shown,
      List<Future<List<DailyUsage>>> reads, BillingZone zone) {
    Map<LocalDate, JsonObject> days = new TreeMap<>();
    long allRequests = 0;
    long allCost = 0;
    long[] requestsOf = new long[shown.size()];
    long[] costOf = new long[shown.size()];
    List<JsonObject> models = new ArrayList<>();
    for (int i = 0; i < shown.size(); i++) {
      JsonObject byModel = new JsonObject();
      for (DailyUsage u : reads.get(i).result()) {
        JsonObject day = days.computeIfAbsent(u.day(), d -> new JsonObject()
            .put("aggregation_timestamp", zone.startOfDay(d))
            .put("date", d.toString())
            .put("n_requests", 0L).put("n_context_tokens_total", 0L).put("n_generated_tokens_total", 0L)
            .put("n_cached_tokens_total", 0L).put("usage_details", new JsonObject()));
        add(day, "n_requests", u.requests());
        add(day, "n_context_tokens_total", u.promptTokens());
        add(day, "n_generated_tokens_total", u.completionTokens());
        add(day, "n_cached_tokens_total", u.cachedTokens());
        JsonObject details = day.getJsonObject("usage_details");
        addModel(details, u);
        addModel(byModel, u);
        requestsOf[i] += u.requests();
        costOf[i] = Money.saturatingAdd(costOf[i], u.cost());
      }
      models.add(byModel);
      allRequests += requestsOf[i];
      allCost = Money.saturatingAdd(allCost, costOf[i]);
    }
    JsonArray data = new JsonArray();
    for (JsonObject d : days.values()) {
      for (String m : d.getJsonObject("usage_details").fieldNames()) {
        JsonObject md = d.getJsonObject("usage_details").getJsonObject(m);
        md.put("cost", Money.toDollars(md.getLong("cost_nanos")));
      }
      data.add(d);
    }
    JsonArray users = new JsonArray();
    for (int i = 0; i < shown.size(); i++) {
      Account a = shown.get(i);
      JsonObject byModel = models.get(i);
      for (String m : byModel.fieldNames()) {
        byModel.getJsonObject(m).put("cost", Money.toDollars(byModel.getJsonObject(m).getLong("cost_nanos")));
      }
      users.add(new JsonObject().put("id", a.id()).put("name", a.name()).put("email", a.email())
          .put("dna", a.dna())
          .put("total_requests", requestsOf[i]).put("total_cost", Money.toDollars(costOf[i]))
          .put("total_cost_nanos", costOf[i])
          .put("usage_details", byModel)
          .put("usage_analysis", new JsonObject()
              .put("request_percentage", percent(requestsOf[i], allRequests))
              .put("cost_percentage", percent(costOf[i], allCost))));
    }
    return new JsonObject().put("object", "list")
        .put("start", range.start.toString()).put("end", range.end.toString())
        .put("data", data)
        .put("total_usage", new JsonObject().put("requests", allRequests).put("cost", Money.toDollars(allCost))
            .put("cost_nanos", allCost))
        .put("usage_users", users)
        .put("Total", total).put("Page", page).put("Size", size);
  }

  private static void add(JsonObject o, String field, long n) {
    o.put(field, o.getLong(field) + n);
  }

  private static void addModel(JsonObject details, DailyUsage u) {
    JsonObject m = details.getJsonObject(u.model());
    if (m == null) {
      m = new JsonObject().put("requests", 0L).put("prompt", 0L).put("completion", 0L).put("cached", 0L)
          .put("cost_nanos", 0L);
      details.put(u.model(), m);
    }
    add(m, "requests", u.requests());
    add(m, "prompt", u.promptTokens());
    add(m, "completion", u.completionTokens());
    add(m, "cached", u.cachedTokens());
    m.put("cost_nanos", Money.saturatingAdd(m.getLong("cost_nanos"), u.cost()));
  }

  private static double percent(long part, long whole) {
    return whole <= 0 ? 0.0 : BigDecimal.valueOf(part).multiply(BigDecimal.valueOf(100))
        .divide(BigDecimal.valueOf(whole), 2, RoundingMode.HALF_UP).doubleValue();
  }

  /** The range asked: {@code date}, {@code start}..{@code end} (inclusive), the last {@code days}, or this month. */
  private static Range range(MultiMap q, LocalDate today) {
    String date = either(q, "d", "date");
    String start = either(q, "s", "start");
    String end = either(q, "e", "end");
    String days = q.get("days");
    if (date != null && (start != null || end != null || days != null)) {
      throw ApiError.invalidRequest("Send date alone, or start/end, or days.", "date");
    }
    if (days != null && start != null) {
      throw ApiError.invalidRequest("Send start/end or days, not both.", "days");
    }
    if (date != null) {
      LocalDate d = day(date, "date");
      return new Range(d, d);
    }
    LocalDate last = end == null ? today : day(end, "end");
    LocalDate first;
    if (days != null) {
      int n = whole(days, "days", 1, 1, Integer.MAX_VALUE);
      if (n > MAX_DAYS) {
        throw ApiError.invalidRequest("days is at most " + MAX_DAYS + ".", "days");
      }
      first = last.minusDays(n - 1L);
    } else {
      first = start == null ? (end == null ? today.withDayOfMonth(1) : last.withDayOfMonth(1)) : day(start, "start");
    }
    if (last.isBefore(first)) {
      throw ApiError.invalidRequest("end must not be before start.", "end");
    }
    if (ChronoUnit.DAYS.between(first, last) + 1 > MAX_DAYS) {
      throw ApiError.invalidRequest("The range is at most " + MAX_DAYS + " days.", "start");
    }
    return new Range(first, last);
  }

  private static String either(MultiMap q, String shortName, String longName) {
    String a = q.get(shortName);
    String b = q.get(longName);
    if (a != null && b != null) {
      throw ApiError.invalidRequest("Send " + shortName + " or " + longName + ", not both.", longName);
    }
    String v = a != null ? a : b;
    return v == null || v.isBlank() ? null : v.trim();
  }

  private static LocalDate day(String s, String param) {
    try {
      return LocalDate.parse(s.trim());
    } catch (DateTimeParseException e) {
      throw ApiError.invalidRequest(param + " must be a date like 2026-11-01.", param);
    }
  }

  private static int whole(String s, String param, int dflt, int min, int max) {
    if (s == null || s.isBlank()) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(s.trim());
      if (n < min) {
        throw new NumberFormatException();
      }
      return Math.min(n, max);
    } catch (NumberFormatException e) {
      throw ApiError.invalidRequest(param + " must be a whole number from " + min + ".", param);
    }
  }
}
