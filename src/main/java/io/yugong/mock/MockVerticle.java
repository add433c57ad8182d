package io.yugong.mock;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.function.IntConsumer;

/** One HTTP server instance of the emulator; several share a port, one per event loop. */
final class MockVerticle extends VerticleBase {

  private final MockEnv env;
  private final int port;
  private final IntConsumer bound;
  private final RealtimeEndpoint realtime = new RealtimeEndpoint();

  MockVerticle(MockEnv env, int port, IntConsumer bound) {
    this.env = env;
    this.port = port;
    this.bound = bound;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    ControlRoutes.mount(router, env.control());
    router.post("/v1/chat/completions").handler(json(true, new ChatEndpoint()));
    router.post("/v1/completions").handler(json(true, new CompletionsEndpoint()));
    router.post("/v1/responses").handler(json(true, new ResponsesEndpoint()));
    router.post("/v1/embeddings").handler(json(false, new EmbeddingsEndpoint()));
    router.post("/v1/moderations").handler(json(false, new ModerationsEndpoint()));
    router.post("/v1/images/generations").handler(json(false, new ImagesEndpoint()));
    router.post("/v1/audio/speech").handler(json(false, new SpeechEndpoint()));
    router.post("/v1/audio/transcriptions").handler(streamed(new TranscriptionEndpoint(false)));
    router.post("/v1/audio/translations").handler(streamed(new TranscriptionEndpoint(true)));
    router.get("/v1/chat/completions/:id").handler(bodiless(StoredChatCompletions::retrieve));
    router.post("/v1/chat/completions/:id").handler(json(false, StoredChatCompletions::update));
    router.delete("/v1/chat/completions/:id").handler(bodiless(StoredChatCompletions::delete));
    router.get("/v1/chat/completions/:id/messages").handler(bodiless(StoredChatCompletions::messages));
    router.get("/v1/responses/:id").handler(bodiless(ResponsesEndpoint::retrieve));
    router.delete("/v1/responses/:id").handler(bodiless(ResponsesEndpoint::delete));
    router.post("/v1/files").handler(streamed(FilesEndpoint::upload));
    router.get("/v1/files").handler(bodiless(FilesEndpoint::list));
    router.get("/v1/files/:id").handler(bodiless(FilesEndpoint::retrieve));
    router.get("/v1/files/:id/content").handler(bodiless(FilesEndpoint::content));
    router.delete("/v1/files/:id").handler(bodiless(FilesEndpoint::delete));
    router.get("/v1/realtime").handler(ctx -> {
      Exchange ex = new Exchange(env, ctx);
      ex.model = ctx.request().getParam("model");
      Gate.enter(ex, () -> realtime.handle(ex));
    });
    router.get("/v1/models").handler(bodiless(Catalog::list));
    router.get("/v1/models/:id").handler(bodiless(Catalog::retrieve));
    router.route().handler(this::unknown);
    router.route().failureHandler(this::failure);
    HttpServerOptions options = new HttpServerOptions()
        .setHost(env.options().host())
        .setPort(port)
        .setHandle100ContinueAutomatically(true)
        // Realtime: audio appends of a few MB, as OpenAI takes them
        .setMaxWebSocketFrameSize(16 * 1024 * 1024)
        .setMaxWebSocketMessageSize(16 * 1024 * 1024)
        .setTcpNoDelay(true)
        // HTTP/2 (prior knowledge or ALPN): a proxy multiplexes its clients' streams, and resets
        // one each time a client leaves; thousands may leave at once. Netty's rapid-reset guard
        // (200 resets per 30 s) would close the connection under all of their neighbours.
        .setHttp2RstFloodMaxRstFramePerWindow(1_000_000);
    HttpServer server = vertx.createHttpServer(options).requestHandler(router);
    return server.listen().onSuccess(s -> bound.accept(s.actualPort()));
  }

  /** JSON body read in full, then gate, then (malformed JSON → 400) the endpoint. */
  private Handler<RoutingContext> json(boolean generates, Endpoint endpoint) {
    return ctx -> {
      Exchange ex = new Exchange(env, ctx);
      ex.req.body().onComplete(ar -> {
        if (ar.failed()) {
          return;
        }
        ex.parse(ar.result(), generates);
        Gate.enter(ex, () -> {
          if (ex.json == null) {
            ex.error(400, Errors.BAD_JSON, "invalid_request_error", null, null);
          } else {
            endpoint.handle(ex);
          }
        });
      });
    };
  }

  /** No body expected. */
  private Handler<RoutingContext> bodiless(Endpoint endpoint) {
    return ctx -> {
      Exchange ex = new Exchange(env, ctx);
      Gate.enter(ex, () -> endpoint.handle(ex));
    };
  }

  /** The body stays paused until the endpoint streams it (multipart uploads of any size). */
  private Handler<RoutingContext> streamed(Endpoint endpoint) {
    return ctx -> {
      Exchange ex = new Exchange(env, ctx);
      ex.req.pause();
      Gate.enter(ex, () -> endpoint.handle(ex));
    };
  }

  private void unknown(RoutingContext ctx) {
    Exchange ex = new Exchange(env, ctx);
    ex.apiKey = Gate.bearer(ctx.request().getHeader(Hdr.AUTHORIZATION));
    ex.error(404, "Invalid URL (" + ctx.request().method().name() + " " + ctx.request().path() + ")",
        "invalid_request_error", null, null);
  }

  private void failure(RoutingContext ctx) {
    if (ctx.response().headWritten()) {
      Exchange.drop(ctx.request());
      return;
    }
    int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
    ctx.response().setStatusCode(status).putHeader(Hdr.CONTENT_TYPE, Hdr.JSON)
        .end(Errors.body(status >= 500 ? Errors.SERVER_ERROR : "Request failed with status " + status + ".",
            status >= 500 ? "server_error" : "invalid_request_error", null, null));
  }
}
