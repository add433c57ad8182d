package io.yugong.gateway;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.yugong.accounts.Account;
import io.yugong.accounts.Accounts;
import io.yugong.node.StoreHealth;
import java.net.InetAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates a request from its bearer key and puts the {@link Account} into the context
 * under "account". Then the rules that hold on every route: the client address must pass the IP
 * rules of the account and of every account above it, and the account and all its ancestors must
 * be active. Refuses with OpenAI's 401/403 errors.
 */
final class ClientAuth implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(ClientAuth.class);

  private final Accounts accounts;
  private static final String API_KEY = "api-key";
  private final ClientAddress clientAddress;
  private final boolean rootOnly;
  private final StoreHealth storeHealth;

  ClientAuth(Accounts accounts, ClientAddress clientAddress, boolean rootOnly, StoreHealth storeHealth) {
    this.accounts = accounts;
    this.clientAddress = clientAddress;
    this.rootOnly = rootOnly;
    this.storeHealth = storeHealth;
  }

  /**
   * The caller's key: {@code Authorization: Bearer KEY}, a bare {@code Authorization: KEY}
   * (ProxyXAI's clients send it), or Azure's {@code api-key: KEY}; null when there is none.
   * Another scheme (Basic, ...) is no key.
   */
  static String bearer(HttpServerRequest req) {
    String h = req.getHeader(HttpHeaders.AUTHORIZATION);
    if (h == null) {
      h = req.getHeader(API_KEY);
      if (h == null) {
        return subprotocolKey(req);
      }
      return h.isBlank() || h.trim().indexOf(' ') >= 0 ? null : h.trim();
    }
    h = h.trim();
    if (h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String key = h.substring(7).trim();
      return key.isEmpty() ? null : key;
    }
    return h.isEmpty() || h.indexOf(' ') >= 0 ? null : h;
  }

  /** The prefix of the subprotocol that carries a browser's key (browsers cannot set headers on a WebSocket). */
  static final String KEY_SUBPROTOCOL = "openai-insecure-api-key.";
  private static final String SEC_WEBSOCKET_PROTOCOL = "Sec-WebSocket-Protocol";

  /**
   * The key a WebSocket upgrade offers as the subprotocol {@code openai-insecure-api-key.KEY}
   * (OpenAI's form for browsers), or null. Only for upgrades; the header is never logged or echoed.
   */
  private static String subprotocolKey(HttpServerRequest req) {
    String upgrade = req.getHeader(HttpHeaders.UPGRADE);
    if (upgrade == null || !upgrade.trim().equalsIgnoreCase("websocket")) {
      return null;
    }
    for (String offered : req.headers().getAll(SEC_WEBSOCKET_PROTOCOL)) {
      for (String p : offered.split(",", 64)) {
        String t = p.trim();
        if (t.regionMatches(true, 0, KEY_SUBPROTOCOL, 0, KEY_SUBPROTOCOL.length())
            && t.length() > KEY_SUBPROTOCOL.length()) {
          return t.substring(KEY_SUBPROTOCOL.length());
        }
      }
    }
    return null;
  }

  @Override
  public void handle(RoutingContext ctx) {
    check(ctx.request(), RequestIds.of(ctx), a -> {
      ctx.put("account", a);
      ctx.next();
    });
  }

  /** Gives {@code req}'s account to {@code then}, or sends the refusal (401, 403, 503) instead. */
  void check(HttpServerRequest req, String requestId, Handler<Account> then) {
    String key = bearer(req);
    if (key == null) {
      ApiError.missingKey().send(req.response());
      return;
    }
    // A cache hit completes at once; a miss waits for Redis while the health check says it is up.
    Future<Account> lookup = accounts.authenticate(key);
    (lookup.isComplete() ? lookup : storeHealth.guard(lookup)).onComplete(ar -> {
      if (ar.failed()) {
        ApiError refused = storeHealth.refusal(ar.cause());
        if (ar.cause() instanceof StoreHealth.Down) {
          LOG.warn("{} cannot authenticate: Redis is down ({})", requestId, ar.cause().getMessage());
        } else if (refused.status() >= 500) {
          LOG.error("{} cannot authenticate: {} ({})", requestId, refused.getMessage(), ar.cause().toString());
        }
        refused.send(req.response());
        return;
      }
      Account a = ar.result();
      ApiError refusal = a == null ? ApiError.invalidKey() : refusal(req, a);
      if (refusal != null) {
        refusal.send(req.response());
      } else if (rootOnly && !a.isRoot()) {
        ApiError.forbidden("This route needs the admin key.", "admin_only").send(req.response());
      } else {
        then.handle(a);
      }
    });
  }

  /** Why the account may not make this request (IP or status along its ancestry), or null. */
  private ApiError refusal(HttpServerRequest req, Account a) {
    if (a.restrictsIps()) {
      InetAddress ip = clientAddress.of(req);
      if (ip == null || !a.allowsIp(ip)) {
        return ApiError.forbidden("Requests from " + (ip == null ? "an unknown address" : ip.getHostAddress())
            + " are not allowed for this key.", "ip_not_allowed");
      }
    }
    if (a.disabledAbove()) {
      return ApiError.forbidden("An account above this one is disabled or deleted, and with it "
          + "this account. Ask its owner.", "account_disabled");
    }
    if (!a.usable()) {
      return ApiError.forbidden("This account is disabled. Ask its owner to enable it.", "account_disabled");
    }
    return null;
  }
}
