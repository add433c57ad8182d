package io.yugong.relay;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.yugong.accounts.Account;
import io.yugong.config.NodeConfig;
import io.yugong.gateway.ApiError;
import io.yugong.gateway.RequestIds;
import io.yugong.keypool.KeyLease;
import io.yugong.keypool.KeyPool;
import io.yugong.keypool.Verdict;
import io.yugong.billing.Endpoint;
import io.yugong.node.RequestLog;
import io.yugong.node.Services;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays one {@code /v1/*} request: reads the JSON body (bounded) or spools an upload, applies
 * the model mapping, chooses a key, forwards, and — while no byte has reached the client — moves
 * to another key whenever upstream's answer is the key's or upstream's fault. The answer then
 * streams back through {@link ResponsePump}.
 */
public final class Relay implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(Relay.class);

  private final Vertx vertx;
  private final UpstreamClients clients;
  private final KeyPool pool;
  private final NodeConfig config;
  /** The settings read on every request, read once (NodeConfig parses on each call). */
  private final int deadlineMs;
  private final long maxJsonBody;
  private final long maxUploadBody;
  private final int firstByteTimeoutMs;
  private final long idleTimeoutMs;
  /** This event loop's attempts waiting for upstream's response head. */
  private final HeadDeadlines headDeadlines;
  private final int attempts;
  private final Accounting accounting;
  private final KeyAffinity affinity;
  private final RequestLine requestLog;
  private final RequestLog log;

  public Relay(Vertx vertx, UpstreamClients clients, Services services) {
    this.vertx = vertx;
    this.clients = clients;
    this.pool = services.keyPool();
    this.config = services.config();
    this.deadlineMs = config.deadlineMs();
    this.maxJsonBody = config.maxJsonBody();
    this.maxUploadBody = config.maxUploadBody();
    this.firstByteTimeoutMs = config.firstByteTimeoutMs();
    this.idleTimeoutMs = config.idleTimeoutMs();
    this.headDeadlines = new HeadDeadlines(vertx);
    this.attempts = config.attempts();
    this.accounting = new Accounting(vertx, services);
    this.affinity = new KeyAffinity(services.objectOwners(), pool, services.storeHealth());
    this.log = RequestLog.of(config, services.nodeId());
    this.requestLog = new RequestLine(log, services.metrics().requests());
  }

  /**
   * The handler of {@code GET /v1/realtime} upgrades (after authentication), sharing this relay's
   * accounting: upstream WebSockets are opened with {@code client}.
   */
  public Handler<RoutingContext> realtime(io.vertx.core.http.WebSocketClient client) {
    return new RealtimeRelay(client, pool, config, accounting, log);
  }

  @Override
  public void handle(RoutingContext ctx) {
    serve(ctx.request(), RequestIds.of(ctx), ctx.get("account"), ctx::addEndHandler);
  }

  /**
   * Relays {@code req} (authenticated as {@code account}, still paused) upstream. What the end of
   * its answer does is given to {@code onEnd} before anything else happens: the hook that runs it
   * once the answer has ended (succeeded) or its connection has closed first (failed).
   */
  public void serve(HttpServerRequest req, String requestId, Account account,
      Consumer<Handler<AsyncResult<Void>>> onEnd) {
    Exchange x = new Exchange(req, requestId, account, deadlineMs);
    onEnd.accept(ar -> {
      if (ar.failed() && !x.finished) {
        clientGone(x);
      }
      if (x.upload != null) {
        x.upload.delete();
      }
      requestLog.write(x, ar.failed());
    });
    x.endpoint = Endpoint.of(x.req.method().name(), x.req.path());
    x.route = ObjectRoute.of(x.req.method().name(), x.req.path());
    prepare(x).compose(v -> accounting.allow(x))
        .compose(v -> affinity.resolve(x))
        .compose(v -> accounting.admit(x)).onComplete(ar -> {
      if (x.clientGone) {
        // The client left while its hold was being placed: nothing goes upstream, nothing is kept.
        accounting.release(x);
      } else if (ar.succeeded()) {
        attempt(x);
      } else {
        refuse(x, ar.cause());
      }
    });
  }

  private Future<Void> prepare(Exchange x) {
    HttpMethod m = x.req.method();
    if (m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.DELETE || m == HttpMethod.OPTIONS) {
      x.req.resume();
      return Future.succeededFuture();
    }
    String type = x.req.getHeader(HttpHeaders.CONTENT_TYPE);
    boolean json = type == null || type.toLowerCase().startsWith("application/json");
    if (!json) {
      String declared = x.req.getHeader(HttpHeaders.CONTENT_LENGTH);
      if (declared != null && parseLong(declared) > maxUploadBody) {
        return Future.failedFuture(ApiError.tooLarge(maxUploadBody));
      }
      return UploadSpool.receive(vertx, x.req, maxUploadBody).map(spool -> {
        x.upload = spool;
        x.model = spool.field("model");
        x.upstreamModel = x.model;
        return null;
      });
    }
    return BoundedBody.read(x.req, maxJsonBody).compose(body -> {
      x.body = body;
      if (body.length() == 0) {
        return Future.succeededFuture();
      }
      try {
        byte[] bytes = body.getBytes();
        x.json = QuickJson.object(bytes, 0, bytes.length);
        if (x.json == null) {
          x.json = new JsonObject(body); // what QuickJson does not read, and every malformed body
        }
      } catch (DecodeException | ClassCastException e) {
        return Future.failedFuture(ApiError.invalidRequest("We could not parse the JSON body of your "
            + "request. (HINT: This likely means you aren't using your HTTP library correctly. The "
            + "OpenAI API expects a JSON payload, but what was sent was not valid JSON.)", null));
      }
      shape(x);
      x.storesResponse = storesResponse(x.endpoint, x.json.getValue("store"));
      return Future.succeededFuture();
    });
  }

  /**
   * True when the answer is stored upstream, so its id is recorded: a response unless {@code "store"}
   * is false (OpenAI's default for the Responses API), a chat completion only when it is exactly
   * true (the default there is false; {@code "true"} or 1 is not taken for it).
   */
  static boolean storesResponse(Endpoint endpoint, Object store) {
    return endpoint == Endpoint.RESPONSES ? !Boolean.FALSE.equals(store)
        : endpoint == Endpoint.CHAT && Boolean.TRUE.equals(store);
  }

  /** Reads the model and stream flag, maps the model and asks for usage on streams. */
  private void shape(Exchange x) {
    JsonObject j = x.json;
    Object model = j.getValue("model");
    x.model = model instanceof String s ? s : null;
    x.upstreamModel = x.account.upstreamModel(x.model, pool.routing());
    Object stream = j.getValue("stream");
    if (stream != null && !(stream instanceof Boolean)) {
      // upstream may read "true" or 1 as a stream that Yugong would not meter as one
      throw ApiError.invalidRequest("'stream' must be a boolean.", "stream");
    }
    x.clientStream = Boolean.TRUE.equals(stream);
    boolean changed = false;
    if (x.upstreamModel != null && !x.upstreamModel.equals(x.model)) {
      j.put("model", x.upstreamModel);
      changed = true;
    }
    String path = x.req.path();
    if (x.clientStream && (path.endsWith("/chat/completions") || path.endsWith("/v1/completions"))) {
      Object opts = j.getValue("stream_options");
      JsonObject so = opts instanceof JsonObject o ? o : new JsonObject();
      if (!Boolean.TRUE.equals(so.getValue("include_usage"))) {
        x.stripUsage = true;
        x.body = JsonMembers.includeUsage(j, changed ? null : x.body);
        return;
      }
    }
    if (changed) {
      x.body = j.toBuffer();
    }
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void attempt(Exchange x) {
    if (x.clientGone || x.finished) {
      return;
    }
    Optional<KeyLease> picked;
    if (x.pinnedKey != null) {
      // the key holding the request's objects, or none: no other key can see them
      picked = x.triedKeys.contains(x.pinnedKey) ? Optional.empty() : pool.lease(x.pinnedKey);
      if (picked.isEmpty()) {
        pinnedUnavailable(x);
        return;
      }
    } else {
      picked = pool.pick(x.upstreamModel, x.account.keyLevel(x.upstreamModel, pool.routing()),
          x.account.allowedLevels(), x.triedKeys, x.promptTokens());
    }
    if (picked.isEmpty()) {
      exhausted(x);
      return;
    }
    KeyLease lease = picked.get();
    x.triedKeys.add(lease.keyId());
    x.attempts++;
    RequestOptions options;
    HttpClientAgent client;
    try {
      options = UpstreamTarget.apply(new RequestOptions(), lease.baseUrl(), originForm(x))
          .setMethod(x.req.method())
          .setHeaders(HeaderRules.upstream(x.req.headers(), lease.authorization(), x.requestId))
          // how long it may wait for a connection of the pool (or an HTTP/2 stream slot): the rest
          // of its deadline, since a node under load queues rather than fails; a host that does not
          // answer still fails its TCP connect within YUGONG_UPSTREAM_CONNECT_TIMEOUT_MS
          .setConnectTimeout(Math.max(1L, (x.deadlineNanos - System.nanoTime()) / 1_000_000L));
      client = clients.choose(options);
    } catch (RuntimeException e) {
      // A key whose base URL cannot make a request is the key's fault: take the next one.
      onAttemptFailed(x, lease, e);
      return;
    }
    request(x, lease, options, client, true);
  }

  /**
   * Sends the attempt with {@code client}. When an HTTP/2 connection to a cleartext host cannot be
   * set up because the host no longer speaks HTTP/2, nothing has reached upstream, so the same
   * attempt goes again once over HTTP/1.1 ({@code mayFallBack}), not to the next key.
   */
  private void request(Exchange x, KeyLease lease, RequestOptions options, HttpClientAgent client,
      boolean mayFallBack) {
    client.request(options)
        .compose(creq -> send(x, creq), setup -> {
          // no connection: the host's protocol may have changed
          if (clients.failed(options, client, setup, true) && mayFallBack && !x.clientGone) {
            HttpClientAgent now = clients.choose(options);
            if (now != client) {
              LOG.info("{} the host of key {} no longer speaks HTTP/2; the attempt goes over HTTP/1.1",
                  x.requestId, lease.keyId());
              request(x, lease, options, now, false);
              return Future.failedFuture(FellBack.INSTANCE);
            }
          }
          return Future.failedFuture(setup);
        })
        .onComplete(ar -> {
          if (ar.failed() && ar.cause() == FellBack.INSTANCE) {
            return; // the HTTP/1.1 request carries the attempt on
          }
          if (ar.succeeded()) {
            onResponse(x, lease, ar.result());
          } else {
            clients.failed(options, client, ar.cause(), false); // a stream that broke HTTP/2's rules
            onAttemptFailed(x, lease, ar.cause());
          }
        });
  }

  /** The outcome of an HTTP/2 attempt handed on to HTTP/1.1 (no stack: it is never thrown). */
  private static final class FellBack extends RuntimeException {
    static final FellBack INSTANCE = new FellBack();

    private FellBack() {
      super("handed on to HTTP/1.1", null, false, false);
    }
  }

  /**
   * The request's path and query only: an absolute-form request line (`POST http://host/v1/...`)
   * must not be able to steer where an upstream key is sent.
   */
  private static String originForm(Exchange x) {
    String query = x.req.query();
    return query == null ? x.req.path() : x.req.path() + "?" + query;
  }

  private Future<HttpClientResponse> send(Exchange x, HttpClientRequest creq) {
    x.upstream = creq;
    if (x.clientGone) {
      creq.reset(UpstreamClients.CANCEL);
      return Future.failedFuture("the client went away");
    }
    TimeoutException[] timedOut = {null};
    // upstream's head is awaited until the request's deadline or the first-byte time-out, whichever
    // is sooner (at least 1 ms)
    long now = System.nanoTime();
    long due = Math.max(now + 1_000_000L, Math.min(now + firstByteTimeoutMs * 1_000_000L, x.deadlineNanos));
    HeadDeadlines.Deadline deadline = headDeadlines.start(due, () -> {
      timedOut[0] = new TimeoutException("no answer from upstream within "
          + (due - now + 999_999L) / 1_000_000L + " ms");
      creq.reset(UpstreamClients.CANCEL, timedOut[0]);
    });
    Future<HttpClientResponse> response;
    if (x.upload != null) {
      creq.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(x.upload.size()));
      response = x.upload.open().compose(file -> creq.send(file).andThen(ar -> file.close()));
    } else if (x.body != null) {
      response = creq.send(x.body);
    } else {
      response = creq.send();
    }
    // The reset fails the request with Vert.x's own StreamResetException; report the time-out.
    return response.andThen(ar -> deadline.cancel())
        .recover(e -> Future.failedFuture(timedOut[0] != null ? timedOut[0] : e));
  }

  private void onResponse(Exchange x, KeyLease lease, HttpClientResponse resp) {
    lease.observe(resp.headers());
    int status = resp.statusCode();
    if (x.clientGone) {
      resp.request().reset(UpstreamClients.CANCEL);
      lease.release(Verdict.served(status), 0);
      return;
    }
    String model = x.endpoint.priced() ? x.upstreamModel : null;
    if (!Verdict.needsBody(status, model)) {
      x.keyId = lease.keyId();
      x.firstByteNanos = System.nanoTime();
      x.pump = new ResponsePump(x, lease, resp, accounting, affinity, idleTimeoutMs, this::finished);
      x.pump.start();
      return;
    }
    Failures.readError(resp, idleTimeoutMs).onComplete(ar -> {
      Verdict v = Verdict.of(status, resp.headers(), ar.result(), model);
      if (!v.retryElsewhere()) {
        passOn(x, lease, resp, ar.result(), v);
        return;
      }
      lease.release(v, 0);
      if (v.kind() == Verdict.Kind.KEY_DEAD) {
        x.deadKeys++;
      } else if (v.kind() == Verdict.Kind.MODEL_EXCLUDED && x.refusedModel.add(lease.keyId()) && status == 404) {
        x.modelNotFound++;
      }
      x.lastFailure = "key " + lease.keyId() + ": " + v.reason();
      LOG.info("{} upstream key {} answered {} ({}); {}", x.requestId, lease.keyId(), status, v.reason(),
          canRetry(x) ? "trying another key" : "no attempt left");
      if (canRetry(x)) {
        attempt(x);
      } else {
        exhausted(x);
      }
    });
  }

  /**
   * An error answer that is the request's own (read to judge it): it goes to the client as upstream
   * sent it, and the key is untouched.
   */
  private void passOn(Exchange x, KeyLease lease, HttpClientResponse resp, io.vertx.core.buffer.Buffer body,
      Verdict v) {
    lease.release(v, 0);
    if (x.clientGone || x.finished) {
      return;
    }
    x.keyId = lease.keyId();
    finished(x);
    accounting.release(x);
    x.resp.setStatusCode(resp.statusCode());
    if (resp.statusMessage() != null) {
      x.resp.setStatusMessage(resp.statusMessage());
    }
    HeaderRules.downstream(resp.headers(), x.resp.headers());
    x.resp.end(body);
  }

  private boolean canRetry(Exchange x) {
    return !x.committed && !x.clientGone && attemptsLeft(x) && !x.pastDeadline();
  }

  /** Dead keys and (but for 404s) keys that cannot serve the model do not use up attempts: each is learned once. */
  private boolean attemptsLeft(Exchange x) {
    return x.attempts - x.deadKeys - (x.refusedModel.size() - x.modelNotFound) < attempts;
  }

  private void onAttemptFailed(Exchange x, KeyLease lease, Throwable cause) {
    String what = cause instanceof TimeoutException ? "time-out: " + cause.getMessage()
        : cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    lease.release(x.clientGone ? Verdict.served(0) : Verdict.network(what), 0);
    if (x.clientGone || x.finished) {
      return;
    }
    x.lastFailure = "key " + lease.keyId() + ": " + what;
    LOG.info("{} upstream key {} failed ({}); {}", x.requestId, lease.keyId(), what,
        canRetry(x) ? "trying another key" : "no attempt left");
    if (canRetry(x)) {
      attempt(x);
    } else {
      exhausted(x);
    }
  }

  private void exhausted(Exchange x) {
    x.exhausted = true;
    if (x.pinnedKey != null) {
      pinnedUnavailable(x);
      return;
    }
    if (x.attempts == x.deadKeys + x.refusedModel.size() && x.endpoint.priced()
        && (pool.noKeyCanServe(x.upstreamModel, x.refusedModel)
            || (!x.refusedModel.isEmpty() && (!attemptsLeft(x) || x.pastDeadline())))) {
      // Every key that could serve the model, or every attempt, says it cannot: OpenAI's answer.
      LOG.info("{} no upstream key can serve model '{}'", x.requestId, x.upstreamModel);
      refuse(x, new ApiError(404, "The model `" + x.model + "` does not exist or you do not have access to it.",
          "invalid_request_error", "model", "model_not_found"));
      return;
    }
    int retryAfter = pool.secondsUntilCapacity(x.upstreamModel);
    if (x.attempts == x.deadKeys) {
      String what = x.upstreamModel == null ? "this request" : "model '" + x.upstreamModel + "'";
      LOG.warn("{} no upstream key can serve {}", x.requestId, what);
      refuse(x, ApiError.unavailable("No upstream key can serve " + what + " right now. Please retry "
          + "in " + retryAfter + " s.", "no_upstream_available", retryAfter));
    } else {
      LOG.warn("{} gave up after {} attempt(s) in {} ms; last: {}", x.requestId, x.attempts, x.elapsedMs(),
          x.lastFailure);
      refuse(x, ApiError.unavailable("The upstream service is unavailable right now: " + x.attempts
          + " attempt(s) failed. Please retry in " + retryAfter + " s.", "upstream_unavailable", retryAfter));
    }
  }

  /**
   * The key holding the request's stored objects cannot serve it now (cooling, failing): the
   * request waits for it, as the retry-after says, rather than going to a key that cannot see them.
   */
  private void pinnedUnavailable(Exchange x) {
    x.exhausted = true;
    int retryAfter = pool.secondsUntilUsable(x.pinnedKey);
    LOG.info("{} the upstream key {} holding its stored objects cannot serve it now ({}); retry in {} s",
        x.requestId, x.pinnedKey, x.lastFailure == null ? "cooling" : x.lastFailure, retryAfter);
    refuse(x, ApiError.unavailable("The upstream key that holds the stored objects of this request is "
        + "unavailable right now. Please retry in " + retryAfter + " s.", "upstream_unavailable", retryAfter));
  }

  private void refuse(Exchange x, Throwable cause) {
    if (x.finished) {
      return;
    }
    x.finished = true;
    ApiError error = cause instanceof ApiError e ? e : ApiError.internal(x.requestId);
    if (!(cause instanceof ApiError)) {
      LOG.error("{} failed inside Yugong", x.requestId, cause);
    }
    accounting.release(x);
    boolean http1 = x.req.version() != io.vertx.core.http.HttpVersion.HTTP_2;
    if (error.status() == 413 && http1) {
      x.resp.putHeader(HttpHeaders.CONNECTION, "close");
    }
    // the gateway drops what the client still sends, then closes as announced
    error.send(x.resp);
  }

  /**
   * The client left before its answer was done. Before any answer was chosen to stream (no key
   * yet), the hold goes back: a request that was never answered is never charged. A hold still
   * being placed is given back when admission completes (see {@link #handle}).
   */
  private void clientGone(Exchange x) {
    x.clientGone = true;
    if (x.keyId == null) {
      accounting.release(x);
    }
    HttpClientRequest up = x.upstream;
    if (up != null) {
      up.reset(UpstreamClients.CANCEL);
    }
  }

  private void finished(Exchange x) {
    x.finished = true;
  }
}
