package io.yugong.relay;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
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
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays one {@code /v1/*} request to an upstream key: reads the JSON body (bounded) or streams
 * an upload, chooses a key, forwards, and on a retryable failure before any byte reached the
 * client tries another key. The response streams back through {@link ResponsePump}.
 */
public final class Relay implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(Relay.class);

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final KeyPool pool;
  private final NodeConfig config;

  public Relay(Vertx vertx, HttpClientAgent client, KeyPool pool, NodeConfig config) {
    this.vertx = vertx;
    this.client = client;
    this.pool = pool;
    this.config = config;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Account account = ctx.get("account");
    Exchange x = new Exchange(ctx, RequestIds.of(ctx), account, config.deadlineMs());
    ctx.addEndHandler(ar -> {
      if (ar.failed() && !x.finished) {
        clientGone(x);
      }
    });
    prepare(x).onComplete(ar -> {
      if (ar.succeeded()) {
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
      x.streamedBody = true;
      String declared = x.req.getHeader(HttpHeaders.CONTENT_LENGTH);
      if (declared != null && parseLong(declared) > config.maxUploadBody()) {
        return Future.failedFuture(ApiError.tooLarge(config.maxUploadBody()));
      }
      return Future.succeededFuture();
    }
    return BoundedBody.read(x.req, config.maxJsonBody()).compose(body -> {
      x.body = body;
      if (body.length() == 0) {
        return Future.succeededFuture();
      }
      try {
        x.json = new JsonObject(body);
      } catch (DecodeException | ClassCastException e) {
        return Future.failedFuture(ApiError.invalidRequest("We could not parse the JSON body of your "
            + "request. (HINT: This likely means you aren't using your HTTP library correctly. The "
            + "OpenAI API expects a JSON payload, but what was sent was not valid JSON.)", null));
      }
      Object model = x.json.getValue("model");
      x.model = model instanceof String s ? s : null;
      x.upstreamModel = x.model;
      x.clientStream = Boolean.TRUE.equals(x.json.getValue("stream"));
      return Future.succeededFuture();
    });
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void attempt(Exchange x) {
    if (x.clientGone) {
      return;
    }
    Optional<KeyLease> picked = pool.pick(x.upstreamModel, x.triedKeys);
    if (picked.isEmpty()) {
      exhausted(x);
      return;
    }
    KeyLease lease = picked.get();
    x.triedKeys.add(lease.keyId());
    x.attempts++;
    RequestOptions options = new RequestOptions()
        .setMethod(x.req.method())
        .setAbsoluteURI(lease.baseUrl() + x.req.uri())
        .setHeaders(HeaderRules.upstream(x.req.headers(), lease.secret(), x.requestId))
        .setConnectTimeout(config.upstreamConnectTimeoutMs())
        .setIdleTimeout(config.idleTimeoutMs());
    long firstByteMs = Math.min(config.firstByteTimeoutMs(), Math.max(1, x.remainingMs()));
    client.request(options)
        .compose(creq -> send(x, creq, firstByteMs))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            onResponse(x, lease, ar.result());
          } else {
            onAttemptFailed(x, lease, ar.cause());
          }
        });
  }

  private Future<HttpClientResponse> send(Exchange x, HttpClientRequest creq, long firstByteMs) {
    x.upstream = creq;
    if (x.clientGone) {
      creq.reset();
      return Future.failedFuture("client gone");
    }
    long timer = vertx.setTimer(firstByteMs,
        id -> creq.reset(0, new TimeoutException("no response from upstream within " + firstByteMs + " ms")));
    Future<HttpClientResponse> response;
    if (x.streamedBody) {
      response = streamUpload(x, creq);
    } else if (x.body != null) {
      response = creq.send(x.body);
    } else {
      response = creq.send();
    }
    return response.andThen(ar -> vertx.cancelTimer(timer));
  }

  /** Streams the client's upload to upstream with backpressure, refusing it past the limit. */
  private Future<HttpClientResponse> streamUpload(Exchange x, HttpClientRequest creq) {
    long limit = config.maxUploadBody();
    String declared = x.req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null) {
      creq.putHeader(HttpHeaders.CONTENT_LENGTH, declared);
    } else {
      creq.setChunked(true);
    }
    long[] seen = {0};
    x.req.handler(chunk -> {
      seen[0] += chunk.length();
      if (seen[0] > limit) {
        x.req.pause();
        creq.reset();
        refuse(x, ApiError.tooLarge(limit));
        return;
      }
      creq.write(chunk);
      if (creq.writeQueueFull()) {
        x.req.pause();
        creq.drainHandler(v -> x.req.resume());
      }
    });
    x.req.endHandler(v -> creq.end());
    x.req.exceptionHandler(e -> creq.reset());
    x.req.resume();
    return creq.response();
  }

  private void onResponse(Exchange x, KeyLease lease, HttpClientResponse resp) {
    if (x.clientGone) {
      resp.request().reset();
      lease.release(resp.statusCode(), 0);
      return;
    }
    int status = resp.statusCode();
    if (Failures.retryable(status) && canRetry(x)) {
      Failures.readError(resp).onComplete(ar -> {
        lease.release(status, 0);
        x.lastFailure = "upstream answered " + status;
        LOG.info("{} key {} answered {}; trying another key", x.requestId, lease.keyId(), status);
        attempt(x);
      });
      return;
    }
    new ResponsePump(x, lease, resp, this::finished).start();
  }

  private boolean canRetry(Exchange x) {
    return x.replayable() && !x.committed && !x.clientGone && x.attempts < config.attempts()
        && !x.pastDeadline();
  }

  private void onAttemptFailed(Exchange x, KeyLease lease, Throwable cause) {
    lease.release(0, 0);
    if (x.clientGone || x.finished) {
      return;
    }
    x.lastFailure = cause.getClass().getSimpleName() + ": " + cause.getMessage();
    LOG.info("{} key {} failed: {}", x.requestId, lease.keyId(), x.lastFailure);
    if (canRetry(x)) {
      attempt(x);
    } else {
      exhausted(x);
    }
  }

  private void exhausted(Exchange x) {
    if (x.triedKeys.isEmpty()) {
      String what = x.upstreamModel == null ? "this request" : "model '" + x.upstreamModel + "'";
      refuse(x, ApiError.unavailable("No upstream key can serve " + what + " right now.",
          "no_upstream_available", x.shortestCooldownSeconds));
    } else {
      LOG.warn("{} gave up after {} attempt(s) in {} ms: {}", x.requestId, x.attempts, x.elapsedMs(),
          x.lastFailure);
      refuse(x, ApiError.unavailable("The upstream service is unavailable: every attempt failed. "
          + "Please retry.", "upstream_unavailable", x.shortestCooldownSeconds));
    }
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
    if (error.status() == 413) {
      x.resp.putHeader(HttpHeaders.CONNECTION, "close");
    }
    error.send(x.resp);
  }

  private void clientGone(Exchange x) {
    x.clientGone = true;
    HttpClientRequest up = x.upstream;
    if (up != null) {
      up.reset();
    }
  }

  private void finished(Exchange x) {
    x.finished = true;
  }
}
