package io.yugong.relay;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.yugong.accounts.Account;
import io.yugong.accounts.Resources;
import io.yugong.billing.Endpoint;
import io.yugong.billing.LedgerEntry;
import io.yugong.billing.ModelLimits;
import io.yugong.billing.Money;
import io.yugong.billing.Quote;
import io.yugong.billing.Reservation;
import io.yugong.billing.Retention;
import io.yugong.billing.SliceHold;
import io.yugong.billing.SliceOptions;
import io.yugong.billing.Slices;
import io.yugong.billing.Tariff;
import io.yugong.billing.TokenEstimate;
import io.yugong.billing.Usage;
import io.yugong.billing.Wallets;
import io.yugong.gateway.ApiError;
import io.yugong.node.NodeStats;
import io.yugong.node.Services;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The money side of a relayed request: policy and a hold before it is forwarded, and after it the
 * exact charge with its ledger entry, or the hold's release. The hold comes from this node's
 * credit slice of the account when it has one that covers it (no Redis call; the charge is
 * written behind, see {@link Slices}), else it is an exact hold in Redis (one call, and one more
 * to settle). Fails closed: without Redis and without a slice nothing is forwarded.
 */
final class Accounting {

  private static final Logger LOG = LoggerFactory.getLogger(Accounting.class);
  private static final long[] SETTLE_RETRY_MS =
      Retention.SETTLE_RETRY_MS.stream().mapToLong(Long::longValue).toArray();

  private final Vertx vertx;
  private final Wallets wallets;
  private final Tariff tariff;
  private final String nodeId;
  private final long minBalance;
  private final long holdTtlMs;
  private final io.yugong.node.StoreHealth storeHealth;
  private final List<String> unmeteredAllowed;
  private final NodeStats stats;
  private final io.yugong.metrics.RequestMetrics metrics;
  private final WorkerExecutor pricing;
  /** The operator's ModelLimits for every account (runtime setting {@code modelLimits}). */
  private volatile ModelLimits globalLimits = ModelLimits.NONE;
  /** This node's credit slices; null when YUGONG_CREDIT_SLICES is off. */
  private final Slices slices;

  /**
   * Inputs larger than this (request bodies to price, answers to meter with the tokenizer) are
   * tokenized on the pricing workers, not on the event loop: 64 KiB takes about a millisecond,
   * 4 MiB hundreds.
   */
  static final int INLINE_PRICING_BYTES = 64 * 1024;

  /** The runtime setting that holds the global {@code RESOURCES} ({@code {"RESOURCES": "..."}}). */
  static final String RESOURCES_SETTING = Resources.SETTING;
  private volatile Resources globalResources = Resources.ALL;
  /** The key pool's live routing rules (MODEL_MAPPER, LEVEL_MAPPER, SWITCH_OVER). */
  private final java.util.function.Supplier<io.yugong.keypool.RoutingRules> routing;

  Accounting(Vertx vertx, Services s) {
    this.vertx = vertx;
    this.wallets = s.wallets();
    this.tariff = s.tariff();
    this.nodeId = s.nodeId();
    this.minBalance = Money.parseDollars(s.config().minBalance());
    this.holdTtlMs = s.config().holdTtlMs();
    this.storeHealth = s.storeHealth();
    this.unmeteredAllowed = s.config().unmeteredAllowed();
    this.stats = s.stats();
    this.metrics = s.metrics().requests();
    io.yugong.keypool.KeyPool pool = s.keyPool();
    this.routing = pool::routing;
    this.pricing = vertx.createSharedWorkerExecutor("yugong-pricing",
        Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    s.runtime().onChange((name, doc) -> {
      if (ModelLimits.SETTING.equals(name)) {
        globalLimits = ModelLimits.fromStored(doc.encode());
      } else if (RESOURCES_SETTING.equals(name)) {
        try {
          globalResources = Resources.parse(doc.getString("RESOURCES", ""));
        } catch (IllegalArgumentException e) {
          globalResources = Resources.parse("/-"); // unreadable: nothing is allowed rather than everything
        }
      }
    });
    this.slices = s.config().creditSlices()
        ? s.wallets().slices(vertx, nodeId, SliceOptions.defaults(minBalance)) : null;
  }

  /**
   * Whether the account may be served from a credit slice: a direct child of root without limits
   * of its own. Limits (RateLimit, HardLimit) and the limits of ancestors are enforced exactly, by
   * per-request holds in Redis.
   */
  private static boolean sliceable(Account a) {
    return a.belowNoCustomer() && !a.rateLimited() && a.hardLimit() == 0;
  }

  /** Checks the account's rules for the request: admin key, endpoint policy, model rules. */
  Future<Void> allow(Exchange x) {
    Account a = x.account;
    if (a.isRoot()) {
      return Future.failedFuture(ApiError.forbidden("The admin key manages Yugong and has no balance "
          + "of its own; create an account (POST /x-users) and use its key for API calls.",
          "admin_key_not_for_api"));
    }
    String path = x.req.path();
    if (!globalResources.allows(path) || !a.allowsEndpoint(path)) {
      return Future.failedFuture(ApiError.forbidden("The endpoint " + path + " is not among the Resources "
          + "this key may use.", "endpoint_not_allowed"));
    }
    if (x.endpoint == Endpoint.STORED && !unmeteredAllowed(x.req.path())) {
      return Future.failedFuture(ApiError.forbidden(x.req.method() + " " + x.req.path() + " reaches "
          + "objects stored upstream; it is not enabled for your account.", "endpoint_not_allowed"));
    }
    if (x.endpoint == Endpoint.UNMETERED && mintsRealtimeSecret(x.req.path()) && !unmeteredAllowed(x.req.path())) {
      return Future.failedFuture(ApiError.forbidden("Ephemeral Realtime client secrets are not issued on this "
          + "service: a secret would let its holder use an upstream key directly, unbilled. Connect to "
          + "/v1/realtime through this service instead (a browser passes its key as the WebSocket subprotocol "
          + "openai-insecure-api-key.<key>).", "endpoint_not_allowed"));
    }
    if ((x.endpoint == Endpoint.UNMETERED || x.endpoint == Endpoint.OTHER) && !unmeteredAllowed(x.req.path())) {
      return Future.failedFuture(ApiError.forbidden("The endpoint " + x.req.path() + " cannot be billed "
          + "per request on this service and is not enabled for your account.", "endpoint_not_allowed"));
    }
    if ((x.model != null || x.endpoint.priced()) && x.endpoint != Endpoint.FREE
        && !a.allowsModel(x.model)) {
      return Future.failedFuture(new ApiError(403, "The model '" + x.model + "' is not allowed for "
          + "this key.", "permission_error", "model", "model_not_allowed"));
    }
    // an account's ModelMapper cannot reach a model its rules or an ancestor's deny
    String mapped = x.model == null ? null : a.accountMappedModel(x.model);
    if (mapped != null && x.endpoint != Endpoint.FREE && !a.allowsModel(mapped)) {
      return Future.failedFuture(new ApiError(403, "The model '" + x.model + "' is mapped to '" + mapped
          + "' for this key, which is not allowed for it.", "permission_error", "model", "model_not_allowed"));
    }
    java.util.Set<Integer> levels = a.allowedLevels();
    if (levels != null) {
      if (levels.isEmpty()) {
        return Future.failedFuture(ApiError.forbidden("No upstream key level may serve this key: its "
            + "AllowLevels and an account's above it have none in common.", "level_not_allowed"));
      }
      io.yugong.keypool.RoutingRules rules = routing.get();
      int level = a.keyLevel(x.upstreamModel, rules);
      boolean any = false;
      for (int l : rules.levelsFrom(level)) {
        any |= levels.contains(l);
      }
      if (!any) {
        return Future.failedFuture(new ApiError(403, "The model '" + x.model + "' is served by upstream keys "
            + "of level " + level + ", which this key may not use (AllowLevels).", "permission_error", "model",
            "level_not_allowed"));
      }
    }
    return Future.succeededFuture();
  }

  /** Prices the request and places its hold (after {@link #allow}). */
  Future<Void> admit(Exchange x) {
    return quote(x).compose(q -> hold(x, q));
  }

  /**
   * Prices the request's worst case: inline for small bodies, on the pricing workers for bodies
   * over {@link #INLINE_PRICING_BYTES}, whose tokenizing would stall the event loop.
   */
  private Future<Quote> quote(Exchange x) {
    return tokenizing(x.body == null ? 0 : x.body.length(), () -> priceOf(x));
  }

  /**
   * Runs tokenizer work over {@code bytes} of input: inline when they are few, else on the pricing
   * workers. The future completes on the caller's context either way.
   */
  <T> Future<T> tokenizing(long bytes, java.util.concurrent.Callable<T> work) {
    if (bytes <= INLINE_PRICING_BYTES) {
      try {
        return Future.succeededFuture(work.call());
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
    }
    return pricing.executeBlocking(work, false);
  }

  /** The quote, or an ApiError saying why the request cannot be priced. Thread-safe. */
  private Quote priceOf(Exchange x) {
    Quote q;
    try {
      q = tariff.quote(x.endpoint, x.upstreamModel, x.json != null ? x.json : uploadFields(x),
          x.upload == null ? 0 : x.upload.size(), x.account.rates());
    } catch (Tariff.Unpriced e) {
      // OpenAI's answer for a model a key cannot use; the message says it has no price here
      throw new ApiError(404, "The model '" + (x.model == null ? "(none)" : x.model) + "' does not exist "
          + "or you do not have access to it: it has no price on this service. Ask the operator to add "
          + "a price for it.", "invalid_request_error", "model", "model_not_found");
    } catch (Tariff.Refused e) {
      throw new ApiError(400, e.getMessage(), "invalid_request_error", e.param(), e.code());
    } catch (RuntimeException e) {
      throw ApiError.invalidRequest("The request cannot be priced: " + e.getMessage(), null);
    }
    if (!q.coverable()) {
      throw new ApiError(429, "You exceeded your current quota: the worst case of this request ("
          + "its n, max_tokens and inputs) costs more than any balance on this service can cover. "
          + "Lower max_tokens or n.", "insufficient_quota", null, "insufficient_quota");
    }
    return q;
  }

  /** The form fields of an upload that change its price (n, size, quality), or null. */
  private static JsonObject uploadFields(Exchange x) {
    return x.upload == null ? null : x.upload.pricedFields();
  }

  /** Takes the quote's hold from the account's slice, or places it in Redis: one call. */
  private Future<Void> hold(Exchange x, Quote q) {
    Account a = x.account;
    x.quote = q;
    ModelLimits.Of global = globalLimits.of(x.model);
    if (slices != null && sliceable(a) && global.rpm() == 0 && global.tpm() == 0) {
      Future<SliceHold> soon = slices.reserveSoon(a.id(), a.rates(), q.hold());
      // a take waited on is a Redis call: bounded like one, and a hold it brings too late goes back
      Future<SliceHold> bounded = soon.isComplete() ? soon : storeHealth.guard(soon).recover(e -> {
        soon.onSuccess(late -> {
          if (late != null) {
            slices.release(late);
          }
        });
        return Future.succeededFuture();
      });
      return bounded.compose(h -> {
        if (h == null) {
          return exactHold(x, q);
        }
        x.slice = h; // (a client that left meanwhile has it released by Relay)
        x.reserved = true;
        metrics.hold(false);
        return Future.succeededFuture();
      });
    }
    return exactHold(x, q);
  }

  /** The quote's hold placed in Redis: one call. */
  private Future<Void> exactHold(Exchange x, Quote q) {
    Account a = x.account;
    Future<Reservation> reserve = wallets.reserve(a.id(), x.requestId, q.hold(), q.floor(), a.limits(),
        x.model, TokenEstimate.of(q, x.json), globalLimits, a.hardLimit(), minBalance, holdTtlMs,
        a.ancestorIdsBelowRoot(), a.rates(), q.room() == null || x.json == null ? 0 : q.room().minHold());
    return storeHealth.guard(reserve)
        .recover(e -> {
          ApiError refused = storeHealth.refusal(e);
          if (refused == e) {
            return Future.failedFuture(e);
          }
          if (e instanceof io.yugong.node.StoreHealth.Down) {
            // the outage itself is logged once, by StoreHealth
            LOG.warn("{} cannot place a hold: Redis is down ({})", x.requestId, e.getMessage());
          } else {
            LOG.error("{} cannot place a hold: {} ({})", x.requestId, refused.getMessage(), e.toString());
          }
          // A reply after the deadline may still have placed a hold for a request that is refused:
          // give it back, or it would be charged its floor when it expires.
          reserve.onSuccess(late -> {
            if (late.ok()) {
              wallets.release(a.id(), x.requestId).onFailure(f -> LOG.warn("{} releasing its late hold "
                  + "failed ({}); it expires on its own", x.requestId, f.toString()));
            }
          });
          return Future.failedFuture(refused);
        })
        .compose(r -> {
          // every answer from here on, served or refused, shows the account's own limits
          RateHeaders.put(x.resp.headers(), r.headroom());
          if (r.ok()) {
            x.reserved = true;
            metrics.hold(true);
            if (r.placed() >= 0 && r.placed() < q.hold() && q.room() != null) {
              limitOutput(x, q, r.placed());
            }
            return Future.succeededFuture();
          }
          return Future.failedFuture(r.limit() != null ? LimitRefusal.of(r.limit(), x.model, r.retryAfterMs())
              : refusal(r.refusal(), r.retryAfterMs(), q));
        });
  }

  /**
   * A request without an output limit on a balance that cannot cover the model's whole output
   * cap: its hold is what the balance covers, and the request is limited to the output that hold
   * pays for (its endpoint's output-limit field set), so the answer ends with finish_reason
   * "length" there, as at any limit.
   */
  private void limitOutput(Exchange x, Quote q, long placed) {
    long tokens = tariff.affordableOutput(q, placed, x.account.rates());
    x.quote = q.withHold(placed);
    x.json.put(q.room().field(), tokens);
    x.body = x.json.toBuffer();
    LOG.debug("{} sets no output limit and the balance covers {} nano-USD of its worst case {}: "
        + "limited to {} output tokens", x.requestId, placed, q.hold(), tokens);
  }

  /** The Realtime routes that mint ephemeral client secrets (sessions, transcription sessions, client secrets). */
  private static boolean mintsRealtimeSecret(String path) {
    return path.equals("/v1/realtime/sessions") || path.equals("/v1/realtime/client_secrets")
        || path.equals("/v1/realtime/transcription_sessions");
  }

  private boolean unmeteredAllowed(String path) {
    for (String p : unmeteredAllowed) {
      // a prefix covers whole segments: "/v1/files" allows /v1/files/x, not /v1/files-x
      if (p.equals("*") || path.startsWith(p) && (path.length() == p.length() || p.endsWith("/")
          || path.charAt(p.length()) == '/')) {
        return true;
      }
    }
    return false;
  }

  private static ApiError refusal(String why, long retryAfterMs, Quote q) {
    return switch (why) {
      case "monthly_limit_reached" -> new ApiError(429, "This key, or an account it belongs to, has "
          + "reached its monthly spending limit (HardLimit).", "insufficient_quota", null, "monthly_limit_reached");
      case "account_disabled" -> ApiError.forbidden("This account is disabled.", "account_disabled");
      default -> q.endpoint() == Endpoint.REALTIME ? new ApiError(429, "You exceeded your current quota: "
          + "the next Realtime response may cost up to " + Money.format(q.hold()) + " USD (its whole "
          + "context and output at the model's dearest prices) and the balance does not cover it. Add "
          + "credit.", "insufficient_quota", null, "insufficient_quota")
          : q.room() != null
          ? new ApiError(429, "You exceeded your current quota: the balance does not cover this "
              + "request's prompt and a minimal answer (" + Money.format(q.room().minHold())
              + " USD). Add credit.", "insufficient_quota", null, "insufficient_quota")
          : new ApiError(429, "You exceeded your current quota: this request may cost up to "
              + Money.format(q.hold()) + " USD and the balance does not cover it. Add credit, or lower "
              + "max_tokens.", "insufficient_quota", null, "insufficient_quota");
    };
  }

  /**
   * Settles a served request: the exact charge for {@code used}, and its ledger entry. Completes
   * when the first attempt is done; if Redis fails, retries in the background.
   */
  Future<Void> settle(Exchange x, int status, Usage used) {
    if (!x.reserved || x.settled) {
      return Future.succeededFuture();
    }
    x.settled = true;
    long charge;
    try {
      charge = tariff.charge(x.quote, used, x.account.rates());
    } catch (ArithmeticException e) {
      charge = Long.MAX_VALUE; // usage priced beyond a long: charged up to the balance, below
    }
    if (charge > x.quote.hold()) {
      beyondHold(x, charge);
    }
    LedgerEntry entry = LedgerEntry.charge(x.upstreamModel == null ? "" : x.upstreamModel,
        used.promptTokens(), used.cachedPromptTokens(), used.completionTokens(),
        x.keyId == null ? "" : x.keyId, nodeId, x.elapsedMs(), status);
    x.billed(Math.min(charge, Quote.MAX_CHARGE), entry);
    return settled(x, Math.min(charge, Quote.MAX_CHARGE), entry);
  }

  /**
   * Settles at the quote's floor (the prompt's price) when the answer could not be metered.
   * Safe after a {@link #settle} that failed half-way: settling is idempotent per request id.
   */
  Future<Void> settleFloor(Exchange x, int status) {
    if (!x.reserved) {
      return Future.succeededFuture();
    }
    x.settled = true;
    LedgerEntry entry = LedgerEntry.charge(x.upstreamModel == null ? "" : x.upstreamModel,
        x.quote.promptEstimate(), 0, 0, x.keyId == null ? "" : x.keyId, nodeId, x.elapsedMs(), status);
    x.billed(x.quote.floor(), entry);
    return settled(x, x.quote.floor(), entry);
  }

  /**
   * Settles at the whole hold (the worst case) when upstream reported usage that cannot be read
   * and nothing else can count it (a Realtime response).
   */
  Future<Void> settleHold(Exchange x, int status) {
    if (!x.reserved || x.settled) {
      return Future.succeededFuture();
    }
    x.settled = true;
    LedgerEntry entry = LedgerEntry.charge(x.upstreamModel == null ? "" : x.upstreamModel, 0, 0, 0,
        x.keyId == null ? "" : x.keyId, nodeId, x.elapsedMs(), status);
    x.billed(x.quote.hold(), entry);
    return settled(x, x.quote.hold(), entry);
  }

  /** The charge settled on the slice (written behind) or in Redis. */
  private Future<Void> settled(Exchange x, long charge, LedgerEntry entry) {
    if (x.slice != null) {
      slices.settle(x.slice, x.requestId, charge, entry);
      return Future.succeededFuture();
    }
    return attemptSettle(x, charge, entry, 0);
  }

  /** Usage beyond the hold: an honest upstream never reports it. Logged and counted. */
  private void beyondHold(Exchange x, long charge) {
    stats.beyondHold(Math.min(charge, Quote.MAX_CHARGE) - x.quote.hold());
    LOG.warn("{} upstream reported more usage than the hold covers: model {}, key {}, hold {} nano-USD, "
        + "charge {} nano-USD; charging up to the balance", x.requestId, x.upstreamModel, x.keyId,
        x.quote.hold(), charge == Long.MAX_VALUE ? "beyond 2^63" : Long.toString(charge));
  }

  private Future<Void> attemptSettle(Exchange x, long charge, LedgerEntry entry, int attempt) {
    return storeHealth.guard(wallets.settle(x.account.id(), x.requestId, charge, entry,
            x.account.ancestorIdsBelowRoot(), x.account.rates()))
        .<Void>mapEmpty()
        .recover(e -> {
          if (attempt < SETTLE_RETRY_MS.length) {
            LOG.warn("{} settling {} nano-USD failed ({}); retrying in {} ms", x.requestId, charge,
                e.toString(), SETTLE_RETRY_MS[attempt]);
            vertx.setTimer(SETTLE_RETRY_MS[attempt], t -> attemptSettle(x, charge, entry, attempt + 1));
          } else {
            LOG.error("{} could not settle {} nano-USD; its hold will be charged its floor when it "
                + "expires", x.requestId, charge);
          }
          return Future.succeededFuture();
        });
  }

  /** The request path's meters (shared with the Realtime relay). */
  io.yugong.metrics.RequestMetrics metrics() {
    return metrics;
  }

  /** Gives back the hold of a request that was not served (refused, failed, or an upstream error). */
  void release(Exchange x) {
    if (!x.reserved || x.settled) {
      return;
    }
    x.settled = true;
    if (x.slice != null) {
      slices.release(x.slice);
      return;
    }
    wallets.release(x.account.id(), x.requestId)
        .onFailure(e -> LOG.warn("{} releasing its hold failed ({}); it expires on its own", x.requestId,
            e.toString()));
  }
}
