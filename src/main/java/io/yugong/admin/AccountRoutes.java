package io.yugong.admin;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.yugong.accounts.Account;
import io.yugong.accounts.Accounts;
import io.yugong.billing.LedgerEntry;
import io.yugong.billing.Money;
import io.yugong.billing.Wallets;
import io.yugong.gateway.ApiError;
import io.yugong.gateway.Replies;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The account routes any key may call, for itself and its descendants: the {@code /x-users}
 * and {@code /x-dna} API (ProxyXAI's), {@code /x-self} (key rotation), {@code /dashboard/*}, and
 * OpenAI's legacy billing routes that clients read balances from.
 */
public final class AccountRoutes {

  /** ProxyXAI lists up to 1000 accounts a page. */
  private static final int MAX_PAGE = 1000;
  /** Twelve months at most, as ProxyXAI allows. */
  private static final long MAX_USAGE_DAYS = 366;

  private final Accounts accounts;
  private final Wallets wallets;

  public AccountRoutes(Accounts accounts, Wallets wallets) {
    this.accounts = accounts;
    this.wallets = wallets;
  }

  public void mount(Router router) {
    router.post("/x-users").handler(this::create);
    router.get("/x-users").handler(ctx -> list(ctx, false));
    router.get("/x-dna").handler(ctx -> list(ctx, true));
    router.get("/x-users/:who").handler(this::getOne);
    router.get("/x-dna/:who").handler(this::getOne);
    for (String base : List.of("/x-users/:who", "/x-dna/:who")) {
      router.put(base).handler(this::update);
      router.post(base).handler(this::update);
      router.delete(base).handler(this::delete);
    }
    router.get("/x-bill").handler(new UsageReport(accounts, wallets)::handle);
    // ProxyXAI's key generator: a fresh key of the form account keys have, bound to nothing and not
    // stored (e.g. to hand to /x-root); any key may ask
    router.get("/x-gkey").handler(ctx -> Replies.json(ctx, 200, new JsonObject().put("object", "key")
        .put("SecretKey", io.yugong.security.Secrets.newAccountKey())));
    router.post("/x-self").handler(ctx -> reply(ctx, 200, accounts.rotate(caller(ctx))));
    router.get("/dashboard/x_user/info").handler(ctx -> reply(ctx, 200, accounts.describe(caller(ctx))));
    router.get("/dashboard/x_user/ledger").handler(this::ledger);
    for (String prefix : List.of("/v1/dashboard/billing", "/dashboard/billing")) {
      router.get(prefix + "/subscription").handler(this::subscription);
      router.get(prefix + "/usage").handler(this::usage);
      router.get(prefix + "/credit_grants").handler(this::creditGrants);
    }
  }

  private static Account caller(RoutingContext ctx) {
    return ctx.get("account");
  }

  private static <T> void reply(RoutingContext ctx, int status, Future<T> f) {
    f.onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(ctx, ar.cause());
      } else {
        Replies.json(ctx, status, ar.result());
      }
    });
  }

  private static <T> Future<T> attempt(java.util.function.Supplier<Future<T>> s) {
    try {
      return s.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private void create(RoutingContext ctx) {
    JsonObject req = Replies.body(ctx);
    if (req != null) {
      reply(ctx, 201, attempt(() -> accounts.create(caller(ctx), req)));
    }
  }

  /** Runs {@code action} on a descendant named by the path, or answers 404. */
  private void withDescendant(RoutingContext ctx, Function<Account, Future<?>> action, int status) {
    String who = ctx.pathParam("who");
    accounts.findBelow(caller(ctx), who).onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(ctx, ar.cause());
      } else if (ar.result() == null) {
        ApiError.notFound("No sub-account '" + who + "' under this key.").send(ctx.response());
      } else {
        reply(ctx, status, attempt(() -> action.apply(ar.result())));
      }
    });
  }

  private void getOne(RoutingContext ctx) {
    withDescendant(ctx, accounts::describe, 200);
  }

  private void update(RoutingContext ctx) {
    JsonObject req = Replies.body(ctx);
    if (req != null) {
      withDescendant(ctx, target -> accounts.update(caller(ctx), target, req), 200);
    }
  }

  private void delete(RoutingContext ctx) {
    withDescendant(ctx, target -> accounts.delete(caller(ctx), target), 200);
  }

  private void list(RoutingContext ctx, boolean descendants) {
    AccountFilter filter;
    try {
      filter = AccountFilter.from(ctx.queryParams(), MAX_PAGE);
    } catch (ApiError e) {
      e.send(ctx.response());
      return;
    }
    reply(ctx, 200, accounts.list(caller(ctx), descendants, filter::matches, filter.page(), filter.size()));
  }

  private void ledger(RoutingContext ctx) {
    int limit;
    try {
      limit = Math.min(1000, Math.max(1, Integer.parseInt(ctx.queryParams().get("limit") == null ? "50"
          : ctx.queryParams().get("limit"))));
    } catch (NumberFormatException e) {
      ApiError.invalidRequest("limit must be a whole number", "limit").send(ctx.response());
      return;
    }
    reply(ctx, 200, wallets.ledger(caller(ctx).id(), limit).map(entries -> {
      JsonArray data = new JsonArray();
      for (LedgerEntry e : entries) {
        data.add(new JsonObject()
            .put("request_id", e.requestId()).put("kind", e.kind()).put("model", e.model())
            .put("prompt_tokens", e.promptTokens()).put("cached_tokens", e.cachedTokens())
            .put("completion_tokens", e.completionTokens())
            .put("cost", Money.toDollars(e.cost())).put("amount", Money.toDollars(e.amount()))
            .put("cost_nanos", e.cost()).put("amount_nanos", e.amount())
            .put("balance_after", Money.toDollars(e.balanceAfter()))
            // which upstream key and node served it is the operator's business (the request log)
            .put("latency_ms", e.latencyMs()).put("status", e.status()).put("at", e.at())
            .put("note", e.note()));
      }
      return new JsonObject().put("object", "list").put("data", data);
    }));
  }

  /** OpenAI's legacy {@code billing/subscription}: {@code hard_limit_usd} is what can still be spent plus this month's spend. */
  private void subscription(RoutingContext ctx) {
    Account a = caller(ctx);
    reply(ctx, 200, wallets.view(a.id()).map(w -> {
      BigDecimal total = Money.toDollars(w.available() + w.monthCost());
      long until = w.grants().stream().mapToLong(g -> g.expiresAt()).max().orElse(0) / 1000;
      return new JsonObject()
          .put("object", "billing_subscription")
          .put("has_payment_method", true)
          .put("canceled", false).put("canceled_at", null).put("delinquent", null)
          .put("access_until", until)
          .put("soft_limit", a.softLimit() > 0 ? Money.toDollars(a.softLimit()) : total)
          .put("hard_limit", total).put("system_hard_limit", total)
          .put("soft_limit_usd", a.softLimit() > 0 ? Money.toDollars(a.softLimit()) : total)
          .put("hard_limit_usd", total).put("system_hard_limit_usd", total)
          .put("plan", new JsonObject().put("title", "Yugong prepaid").put("id", "prepaid"))
          .put("account_name", a.name())
          .put("po_number", null).put("billing_email", a.email()).put("tax_ids", null)
          .put("billing_address", null).put("business_address", null);
    }));
  }

  /**
   * OpenAI's legacy {@code credit_grants}: the live grants, what was used of each, and what is
   * available now (the balance less what requests hold), in dollars.
   */
  private void creditGrants(RoutingContext ctx) {
    reply(ctx, 200, wallets.view(caller(ctx).id()).map(w -> {
      JsonArray data = new JsonArray();
      long granted = 0;
      for (io.yugong.billing.WalletView.Grant g : w.grants()) {
        granted = Money.saturatingAdd(granted, g.amount());
        data.add(new JsonObject().put("object", "credit_grant").put("id", g.id())
            .put("grant_amount", Money.toDollars(g.amount()))
            .put("used_amount", Money.toDollars(Math.max(0, g.amount() - g.balance())))
            .put("effective_at", g.grantedAt() / 1000).put("expires_at", g.expiresAt() / 1000));
      }
      long available = Math.max(0, w.available());
      return new JsonObject().put("object", "credit_summary")
          .put("total_granted", Money.toDollars(granted))
          .put("total_used", Money.toDollars(Math.max(0, granted - available)))
          .put("total_available", Money.toDollars(available))
          .put("total_paid_available", Money.toDollars(available))
          .put("grants", new JsonObject().put("object", "list").put("data", data));
    }));
  }

  /**
   * OpenAI's legacy {@code billing/usage}: costs in cents per day and model, end date exclusive
   * (days of YUGONG_BILLING_TIMEZONE); a start date equal to the end date asks for that one day.
   */
  private void usage(RoutingContext ctx) {
    LocalDate today = wallets.zone().today();
    LocalDate start;
    LocalDate end;
    try {
      String s = ctx.queryParams().get("start_date");
      String e = ctx.queryParams().get("end_date");
      start = s == null ? today.withDayOfMonth(1) : LocalDate.parse(s);
      end = e == null ? today.plusDays(1) : LocalDate.parse(e);
    } catch (DateTimeParseException ex) {
      ApiError.invalidRequest("start_date and end_date must be dates like 2026-11-01", "start_date")
          .send(ctx.response());
      return;
    }
    if (end.equals(start)) {
      end = start.plusDays(1); // one day asked as a date range of nothing (new-api on the 1st)
    }
    if (!end.isAfter(start) || ChronoUnit.DAYS.between(start, end) > MAX_USAGE_DAYS) {
      ApiError.invalidRequest("end_date must not be before start_date, and the range at most "
          + MAX_USAGE_DAYS + " days", "end_date").send(ctx.response());
      return;
    }
    LocalDate last = end.minusDays(1);
    reply(ctx, 200, wallets.dailyCosts(caller(ctx).id(), start, last).map(costs -> {
      Map<LocalDate, JsonArray> days = new TreeMap<>();
      long total = 0;
      for (Map.Entry<String, Long> c : costs.entrySet()) {
        String[] dayModel = c.getKey().split("\\|", 2);
        LocalDate day = LocalDate.parse(dayModel[0]);
        days.computeIfAbsent(day, d -> new JsonArray()).add(new JsonObject()
            .put("name", dayModel.length > 1 ? dayModel[1] : "")
            .put("cost", Money.toCents(c.getValue())));
        total += c.getValue();
      }
      JsonArray daily = new JsonArray();
      List<LocalDate> ordered = new ArrayList<>();
      for (LocalDate d = start; !d.isAfter(last); d = d.plusDays(1)) {
        ordered.add(d);
      }
      for (LocalDate d : ordered) {
        daily.add(new JsonObject().put("timestamp", wallets.zone().startOfDay(d))
            .put("line_items", days.getOrDefault(d, new JsonArray())));
      }
      return new JsonObject().put("object", "list").put("daily_costs", daily)
          .put("total_usage", Money.toCents(total));
    }));
  }
}
