package io.yugong.gateway;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.http.HttpServerRequestInternal;
import io.yugong.node.NodeStats;
import io.yugong.relay.Relay;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's hot path, without the router: a {@code POST} to a canonical {@code /v1} path (not
 * Yugong's own {@code /v1/dashboard}) with a valid authority goes through the very stages the router
 * would give it — counted, a request id, the id and CORS headers on its answer, authentication, the
 * relay — without the router's per-request context, route matching and handler lists. Any other
 * request (every other method, a path that must be rerouted or refused, a missing Host) is the
 * router's, unchanged.
 */
final class HotPath {

  private static final Logger LOG = LoggerFactory.getLogger(HotPath.class);
  private static final String PREFIX = "/v1/";
  private static final String OWN = "/v1/dashboard";

  private final Vertx vertx;
  private final NodeStats stats;
  private final CorsPolicy cors;
  private final ClientAuth auth;
  private final Relay relay;
  private final long maxUploadBody;

  HotPath(Vertx vertx, NodeStats stats, CorsPolicy cors, ClientAuth auth, Relay relay, long maxUploadBody) {
    this.vertx = vertx;
    this.stats = stats;
    this.cors = cors;
    this.auth = auth;
    this.relay = relay;
    this.maxUploadBody = maxUploadBody;
  }

  /** True when {@code req} is the hot path's: then it has been taken, and the router must not see it. */
  boolean take(HttpServerRequest req) {
    if (req.method() != HttpMethod.POST || !ours(req.path())
        || !(req instanceof HttpServerRequestInternal internal) || !internal.isValidAuthority()) {
      return false;
    }
    serve(req);
    return true;
  }

  /** A canonical path under /v1/ that is not /v1/dashboard or below it. */
  static boolean ours(String path) {
    if (path == null || !path.startsWith(PREFIX)) {
      return false;
    }
    if (path.startsWith(OWN) && (path.length() == OWN.length() || path.charAt(OWN.length()) == '/')) {
      return false;
    }
    try {
      return RequestTarget.canonical(path) == path;
    } catch (RequestTarget.Ambiguous e) {
      return false;
    }
  }

  private void serve(HttpServerRequest req) {
    req.pause();
    stats.begin();
    String rid = RequestIds.fresh();
    HttpServerResponse resp = req.response();
    Ending ending = new Ending(req);
    resp.endHandler(v -> ending.ended(Future.succeededFuture()))
        .exceptionHandler(e -> ending.ended(Future.failedFuture(e)))
        .closeHandler(v -> ending.ended(Future.failedFuture("Connection closed")))
        .headersEndHandler(v -> {
          RequestIds.stamp(resp.headers(), rid);
          cors.mark(req, resp.headers());
        });
    // What the router's failure handler does for a stage that throws, here for each stage: the
    // authentication (which may complete later, from Redis) and the relay it hands the request to.
    guarded(req, rid, () -> auth.check(req, rid, account -> guarded(req, rid,
        () -> relay.serve(req, rid, account, h -> ending.relay = h))));
  }

  private static void guarded(HttpServerRequest req, String rid, Runnable stage) {
    try {
      stage.run();
    } catch (RuntimeException e) {
      LOG.error("{} {} {} failed", rid, req.method(), req.path(), e);
      HttpServerResponse resp = req.response();
      if (resp.ended() || resp.closed()) {
        return;
      }
      if (resp.headWritten()) {
        // an answer cut short must not look complete
        resp.reset();
      } else {
        ApiError.internal(rid).send(resp);
      }
    }
  }

  /**
   * The end of one request, run once: the relay's part, then the node's (no longer in flight, the
   * unread body dropped). A hot-path request is never upgraded, so this is all of
   * {@link RequestEnd}'s work for it.
   */
  private final class Ending {
    private final HttpServerRequest req;
    private Handler<AsyncResult<Void>> relay;
    private boolean done;

    Ending(HttpServerRequest req) {
      this.req = req;
    }

    void ended(AsyncResult<Void> ar) {
      if (done) {
        return;
      }
      done = true;
      if (relay != null) {
        relay.handle(ar);
      }
      stats.end();
      if (ar.succeeded()) {
        UnreadBody.discard(vertx, req, req.response(), maxUploadBody);
      }
    }
  }
}
