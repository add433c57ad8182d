package io.yugong.relay;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.ext.web.RoutingContext;
import io.yugong.accounts.Account;
import io.yugong.config.NodeConfig;
import io.yugong.gateway.ApiError;
import io.yugong.gateway.RequestIds;
import io.yugong.keypool.KeyLease;
import io.yugong.keypool.KeyPool;
import io.yugong.keypool.Verdict;
import io.yugong.node.RequestLog;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/realtime?model=...} upgraded to a WebSocket: before the client gets its upgrade, the
 * account's rules are checked for the path and model ({@link Accounting#allow}, as for any request),
 * the first response's hold is placed and an upstream key's WebSocket is opened (a handshake that
 * upstream refuses for the key's or its own fault — 429, 5xx, a dead key — moves to another key, as
 * {@link Relay} does); a refusal is a plain OpenAI-shaped HTTP error. Then {@link RealtimeSession}
 * relays the frames and meters the responses.
 */
public final class RealtimeRelay implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(RealtimeRelay.class);
  /** The longest model name read from the query. */
  private static final int MAX_MODEL = 256;
  private static final String OPENAI_BETA = "OpenAI-Beta";

  private final WebSocketClient client;
  private final KeyPool pool;
  private final NodeConfig config;
  private final Accounting accounting;
  private final RequestLog requestLog;

  RealtimeRelay(WebSocketClient client, KeyPool pool, NodeConfig config, Accounting accounting,
      RequestLog requestLog) {
    this.client = client;
    this.pool = pool;
    this.config = config;
    this.accounting = accounting;
    this.requestLog = requestLog;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String rid = RequestIds.of(ctx);
    if (!req.canUpgradeToWebSocket()) {
      req.resume();
      ApiError.invalidRequest("GET /v1/realtime is a WebSocket: send it as an upgrade "
          + "(Connection: Upgrade, Upgrade: websocket).", null).send(ctx.response());
      return;
    }
    String model = req.getParam("model");
    if (model == null || model.isBlank() || model.length() > MAX_MODEL) {
      req.resume();
      ApiError.invalidRequest(model == null || model.isBlank() ? "Missing required parameter: 'model'."
          : "The model name is longer than " + MAX_MODEL + " characters.", "model").send(ctx.response());
      return;
    }
    Account account = ctx.get("account");
    String upstreamModel = pool.routing().upstreamModel(model);
    RealtimeMeter meter = new RealtimeMeter(accounting, ctx, rid, account, model, upstreamModel,
        config.deadlineMs());
    Attempts a = new Attempts(ctx, rid, account, model, upstreamModel, meter, System.nanoTime());
    meter.open().onComplete(ar -> {
      if (ar.failed()) {
        refuse(a, ar.cause());
      } else if (req.connection() == null || ctx.response().closed()) {
        meter.close();
      } else {
        attempt(a);
      }
    });
  }

  /** One session's way to an upstream key: the keys tried, the attempts made. */
  private static final class Attempts {
    final RoutingContext ctx;
    final String rid;
    final Account account;
    final String model;
    final String upstreamModel;
    final RealtimeMeter meter;
    final long startNanos;
    final Set<String> tried = new HashSet<>();
    int attempts;
    int deadKeys;
    String lastFailure;

    Attempts(RoutingContext ctx, String rid, Account account, String model, String upstreamModel,
        RealtimeMeter meter, long startNanos) {
      this.ctx = ctx;
      this.rid = rid;
      this.account = account;
      this.model = model;
      this.upstreamModel = upstreamModel;
      this.meter = meter;
      this.startNanos = startNanos;
    }
  }

  private void attempt(Attempts a) {
    if (a.ctx.response().closed()) {
      a.meter.close();
      return;
    }
    Optional<KeyLease> picked = pool.pick(a.upstreamModel, a.tried, 0);
    if (picked.isEmpty()) {
      exhausted(a);
      return;
    }
    KeyLease lease = picked.get();
    a.tried.add(lease.keyId());
    a.attempts++;
    WebSocketConnectOptions options = new WebSocketConnectOptions();
    try {
      UpstreamTarget.apply(options, lease.baseUrl(), upstreamUri(a));
    } catch (RuntimeException e) {
      failed(a, lease, Verdict.network("invalid base URL"), "invalid base URL");
      return;
    }
    options.putHeader(HttpHeaders.AUTHORIZATION, lease.authorization())
        .setConnectTimeout(config.upstreamConnectTimeoutMs())
        .setTimeout(config.firstByteTimeoutMs());
    String beta = a.ctx.request().getHeader(OPENAI_BETA);
    if (beta != null && beta.length() <= 256) {
      options.putHeader(OPENAI_BETA, beta);
    }
    client.connect(options).onComplete(ar -> {
      if (ar.succeeded()) {
        accept(a, lease, ar.result());
      } else if (ar.cause() instanceof UpgradeRejectedException r) {
        rejected(a, lease, r);
      } else {
        String what = ar.cause().getClass().getSimpleName()
            + (ar.cause().getMessage() == null ? "" : ": " + ar.cause().getMessage());
        failed(a, lease, Verdict.network(what), what);
      }
    });
  }

  /** Upstream's path: only the model, as sent upstream (MODEL_MAPPER applied); no other query parameter. */
  private static String upstreamUri(Attempts a) {
    StringBuilder uri = new StringBuilder("/v1/realtime?model=")
        .append(URLEncoder.encode(a.upstreamModel, StandardCharsets.UTF_8));
    // nothing else the client put in the query goes up: ?intent=transcription would open a
    // transcription session, whose usage Yugong cannot bill
    return uri.toString();
  }

  private void rejected(Attempts a, KeyLease lease, UpgradeRejectedException r) {
    int status = r.getStatus();
    Buffer body = r.getBody() == null ? Buffer.buffer() : r.getBody();
    if (r.getHeaders() != null) {
      lease.observe(r.getHeaders());
    }
    Verdict v = Verdict.of(status, r.getHeaders() == null ? io.vertx.core.MultiMap.caseInsensitiveMultiMap()
        : r.getHeaders(), body, a.upstreamModel);
    if (!v.retryElsewhere()) {
      // the session's own fault (a bad parameter...): upstream's answer goes to the client as is
      lease.release(v, 0);
      a.meter.close();
      if (a.ctx.response().closed()) {
        return;
      }
      a.ctx.request().resume();
      a.ctx.response().setStatusCode(status);
      String type = r.getHeaders() == null ? null : r.getHeaders().get(HttpHeaders.CONTENT_TYPE);
      a.ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, type == null ? "application/json" : type).end(body);
      return;
    }
    if (v.kind() == Verdict.Kind.KEY_DEAD) {
      a.deadKeys++;
    }
    failed(a, lease, v, "answered " + status + " (" + v.reason() + ")");
  }

  private void failed(Attempts a, KeyLease lease, Verdict v, String what) {
    lease.release(a.ctx.response().closed() ? Verdict.served(0) : v, 0);
    a.lastFailure = "key " + lease.keyId() + ": " + what;
    boolean again = !a.ctx.response().closed() && a.attempts - a.deadKeys < config.attempts()
        && (System.nanoTime() - a.startNanos) / 1_000_000L < config.deadlineMs();
    LOG.info("{} Realtime handshake with upstream key {} failed: {}; {}", a.rid, lease.keyId(), what,
        again ? "trying another key" : "no attempt left");
    if (again) {
      attempt(a);
    } else {
      exhausted(a);
    }
  }

  private void exhausted(Attempts a) {
    int retryAfter = pool.secondsUntilCapacity(a.upstreamModel);
    if (a.attempts == a.deadKeys) {
      LOG.warn("{} no upstream key can serve Realtime model '{}'", a.rid, a.upstreamModel);
      refuse(a, ApiError.unavailable("No upstream key can serve model '" + a.upstreamModel + "' right now. "
          + "Please retry in " + retryAfter + " s.", "no_upstream_available", retryAfter));
    } else {
      LOG.warn("{} Realtime handshake gave up after {} attempt(s); last: {}", a.rid, a.attempts, a.lastFailure);
      refuse(a, ApiError.unavailable("The upstream service is unavailable right now: " + a.attempts
          + " attempt(s) failed. Please retry in " + retryAfter + " s.", "upstream_unavailable", retryAfter));
    }
  }

  private void refuse(Attempts a, Throwable cause) {
    a.meter.close();
    ApiError error = cause instanceof ApiError e ? e : ApiError.internal(a.rid);
    if (!(cause instanceof ApiError)) {
      LOG.error("{} Realtime session failed inside Yugong", a.rid, cause);
    }
    a.ctx.request().resume();
    error.send(a.ctx.response());
  }

  /** Upstream accepted: now the client gets its upgrade, and the session begins. */
  private void accept(Attempts a, KeyLease lease, WebSocket upstream) {
    // upstream's first events (session.created) wait until the client has its socket
    upstream.pause();
    lease.observe(upstream.headers());
    a.meter.keyId(lease.keyId());
    Future<io.vertx.core.http.ServerWebSocket> upgrade;
    try {
      upgrade = a.ctx.request().toWebSocket();
    } catch (RuntimeException e) {
      upgrade = Future.failedFuture(e);
    }
    upgrade.onComplete(ar -> {
      if (ar.failed()) {
        LOG.info("{} the client left before its Realtime upgrade ({})", a.rid, ar.cause().toString());
        upstream.close((short) 1001, "client gone");
        lease.release(Verdict.served(0), 0);
        a.meter.close();
        io.yugong.gateway.RequestEnd.upgradedEnded(a.ctx);
        return;
      }
      new RealtimeSession(a.rid, a.account.id(), a.upstreamModel, lease, a.meter, ar.result(), upstream,
          requestLog, a.ctx, a.attempts, a.startNanos, accounting.metrics(), config.realtimeMaxSessionMs()).start();
    });
  }
}
