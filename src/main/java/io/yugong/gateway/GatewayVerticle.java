package io.yugong.gateway;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.yugong.admin.AccountRoutes;
import io.yugong.admin.AdminRoutes;
import io.yugong.apidocs.ApiDocs;
import io.yugong.config.NodeConfig;
import io.yugong.node.Services;
import io.yugong.relay.Relay;
import io.yugong.relay.UpstreamClients;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP face of a node; one instance per event loop, all sharing the node's {@link Services}. */
public final class GatewayVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);
  private static final long ADMIN_BODY_LIMIT = 4L * 1024 * 1024;
  /** Bodies of the account routes (/x-users, /dashboard, ...): a form, never more. */
  private static final long ACCOUNT_BODY_LIMIT = 64L * 1024;
  /** A client connection silent in both directions this long is closed (slow models included). */
  private static final int SERVER_IDLE_TIMEOUT_S = 900;

  /** The largest WebSocket frame either side of a Realtime session may send (see docs/api.md). */
  static final int MAX_WEBSOCKET_FRAME = 2 * 1024 * 1024;
  /** The largest WebSocket message Vert.x assembles (Realtime relays frames without assembling them). */
  static final int MAX_WEBSOCKET_MESSAGE = 8 * 1024 * 1024;
  /** Subprotocols a Realtime client may be answered with; never the key-carrying one. */
  private static final List<String> WEBSOCKET_SUBPROTOCOLS = List.of("realtime", "openai-beta.realtime-v1");

  private final Services services;
  private UpstreamClients upstream;
  private WebSocketClient upstreamSockets;
  private Router router;

  public GatewayVerticle(Services services) {
    this.services = services;
  }

  @Override
  public Future<?> start() {
    NodeConfig cfg = services.config();
    upstream = UpstreamClients.build(vertx, cfg, services.upstreamTrust(), services.h2cProbe(),
        services.metrics().connections()::upstream);

    WebSocketClientOptions socketOptions = new WebSocketClientOptions()
        .setConnectTimeout(cfg.upstreamConnectTimeoutMs())
        .setIdleTimeout(SERVER_IDLE_TIMEOUT_S)
        .setMaxFrameSize(MAX_WEBSOCKET_FRAME)
        .setMaxMessageSize(MAX_WEBSOCKET_MESSAGE)
        .setTryUsePerMessageCompression(false)
        .setTryUsePerFrameCompression(false)
        // one connection per session: never a queue of sessions waiting for a slot
        .setMaxConnections(100_000);
    if (services.upstreamTrust() != null) {
      socketOptions.setTrustOptions(services.upstreamTrust());
    }
    upstreamSockets = vertx.createWebSocketClient(socketOptions);

    Router router = Router.router(vertx);
    this.router = router;
    CorsPolicy cors = new CorsPolicy(cfg.corsOrigins());
    long maxUploadBody = cfg.maxUploadBody();
    // First, before anything reads the path: one canonical request target (may reroute, once).
    router.route().handler(TargetCheck::handle);
    router.route().handler(ctx -> {
      ctx.request().pause();
      services.stats().begin();
      RequestEnd end = RequestEnd.install(ctx, () -> services.stats().end());
      ctx.addEndHandler(ar -> {
        end.run();
        if (ar.succeeded()) {
          UnreadBody.discard(vertx, ctx.request(), ctx.response(), maxUploadBody);
        }
      });
      String rid = RequestIds.of(ctx);
      // Every answer carries Yugong's request id (x-request-id is upstream's on a relayed answer)
      // and, for browsers, Yugong's CORS headers.
      ctx.addHeadersEndHandler(v -> {
        MultiMap headers = ctx.response().headers();
        RequestIds.stamp(headers, rid);
        cors.mark(ctx, headers);
      });
      ApiError refused = TargetCheck.refusal(ctx);
      if (refused != null) {
        ctx.request().resume();
        refused.send(ctx.response());
        return;
      }
      ctx.next();
    });
    // Browsers' preflights, before any authentication: answered here, never forwarded.
    router.options().handler(cors::preflight);
    router.get("/health").handler(ctx -> Replies.json(ctx, 200, new JsonObject().put("status", "ok")));
    router.get("/healthz").handler(ctx -> {
      // ProxyXAI's probe: does this node serve? No call of its own: what the Redis health check knows.
      boolean redis = services.storeHealth().up();
      boolean stopping = services.stats().isStopping();
      boolean ok = redis && !stopping;
      Replies.json(ctx, ok ? 200 : 503, new JsonObject().put("status", ok ? "ok" : stopping ? "stopping" : "redis down")
          .put("redis", redis));
    });
    router.get("/ready").handler(ctx -> {
      // Redis as the health check knows it: no call of its own, so a loaded node answers at once.
      boolean redis = services.storeHealth().up();
      boolean cluster = services.cluster().joined();
      JsonObject body = new JsonObject().put("redis", redis).put("cluster", cluster);
      if (!redis) {
        body.put("redisDownSince", services.storeHealth().changedAt());
      }
      boolean ok = redis && cluster;
      Replies.json(ctx, ok ? 200 : 503, body.put("status", ok ? "ready" : "not ready"));
    });

    // bodies are read only after the key is known: nobody unauthenticated makes a node buffer
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(ADMIN_BODY_LIMIT);
    BodyHandler forms = BodyHandler.create(false).setBodyLimit(ACCOUNT_BODY_LIMIT);
    ClientAddress clients = new ClientAddress(cfg.trustedProxies());
    ClientAuth anyAccount = new ClientAuth(services.accounts(), clients, false, services.storeHealth());
    ClientAuth rootOnly = new ClientAuth(services.accounts(), clients, true, services.storeHealth());
    AdminRoutes admin = new AdminRoutes(services);
    // Prometheus: the admin key or the metrics token (a scraper's own listener, if any, is the node's)
    router.get("/metrics").handler(services.metrics().access(cfg, rootOnly)).handler(services.metrics().handler());
    new ApiDocs().mount(router);

    // The API before the console and admin routes: a /v1 request is matched once, not tried against
    // every admin pattern first. Yugong's own /v1/dashboard routes are excluded here (below).
    // (Most of the API never reaches the router: HotPath takes a POST to a canonical /v1 path
    // before it. These routes serve the rest of /v1 the same way.)
    Relay relay = new Relay(vertx, upstream, services);
    HotPath hotPath = new HotPath(vertx, services.stats(), cors, anyAccount, relay, maxUploadBody);
    // A Realtime upgrade is taken before the generic /v1 route reads any body.
    router.get("/v1/realtime").handler(anyAccount).handler(relay.realtime(upstreamSockets));
    router.routeWithRegex("/v1(?:/(?!dashboard(?:/|$)).*)?").handler(anyAccount)
        .handler(new ModelList(services.tariff(), services.keyPool())).handler(relay);
    // The web console: public pages (no key), never through the /v1 relay or the admin guard.
    ConsoleRoutes.mount(router);

    // (a route takes its body handler first, so authentication is a route of its own before it)
    router.route("/admin/*").handler(rootOnly);
    router.route("/admin/*").handler(bodies);
    for (String adminRoute : List.of("/x-root", "/x-keys*", "/x-config")) {
      router.route(adminRoute).handler(rootOnly);
      router.route(adminRoute).handler(forms);
    }
    for (String accountRoute : List.of("/x-users*", "/x-dna*", "/x-self", "/x-bill", "/x-gkey", "/dashboard/*", "/v1/dashboard/*")) {
      router.route(accountRoute).handler(anyAccount);
      router.route(accountRoute).handler(forms);
    }
    admin.mount(router);
    new AccountRoutes(services.accounts(), services.wallets()).mount(router);

    // a /v1/dashboard path Yugong does not answer itself goes upstream (already authenticated)
    router.route("/v1/dashboard/*").handler(relay);

    router.route().last().handler(InvalidRequests::notFound);
    router.errorHandler(400, InvalidRequests::badRequest);
    router.errorHandler(404, InvalidRequests::notFound);
    router.errorHandler(413, ctx -> ApiError.tooLarge(ctx.request().path().startsWith("/admin/")
        ? ADMIN_BODY_LIMIT : ACCOUNT_BODY_LIMIT).send(ctx.response()));
    router.errorHandler(500, ctx -> {
      String rid = RequestIds.of(ctx);
      LOG.error("{} {} {} failed", rid, ctx.request().method(), ctx.request().path(), ctx.failure());
      ApiError.internal(rid).send(ctx.response());
    });

    HttpServerOptions serverOptions = new HttpServerOptions()
        .setPort(cfg.port())
        .setHost(cfg.host())
        .setTcpNoDelay(true)
        .setCompressionSupported(false)
        // Cleartext HTTP/2 off: with it on, Vert.x builds a connection's HTTP/1 pipeline only after
        // its first request head is decoded, too late for RequestDecoder's guards on that request.
        .setHttp2ClearTextEnabled(false)
        .setIdleTimeout(SERVER_IDLE_TIMEOUT_S)
        // Realtime: bounded frames, no compression (a deflated frame could inflate past any bound)
        .setMaxWebSocketFrameSize(MAX_WEBSOCKET_FRAME)
        .setMaxWebSocketMessageSize(MAX_WEBSOCKET_MESSAGE)
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        .setWebSocketSubProtocols(WEBSOCKET_SUBPROTOCOLS);
    long headerTimeoutMs = cfg.headerTimeoutMs();
    return vertx.createHttpServer(serverOptions)
        .connectionHandler(conn -> {
          services.metrics().connections().client(conn);
          RequestDecoder.install(conn, serverOptions, headerTimeoutMs);
        })
        .invalidRequestHandler(InvalidRequests::answer)
        .requestHandler(req -> {
          if (!hotPath.take(req)) {
            router.handle(req);
          }
        })
        .listen();
  }

  /** The routes this instance mounted, in order (for OpenApiTest; empty before it started). */
  public List<io.vertx.ext.web.Route> routes() {
    return router == null ? List.of() : router.getRoutes();
  }

  @Override
  public Future<?> stop() {
    Future<Void> sockets = upstreamSockets == null ? Future.succeededFuture() : upstreamSockets.close();
    return upstream == null ? sockets : Future.all(sockets, upstream.close());
  }
}
