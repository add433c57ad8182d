package io.yugong.mock;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** One /v1 request/answer: what the gate learned about it and the helpers that write answers with OpenAI's headers. */
final class Exchange {

  private static final KeyState.RateSnapshot ANONYMOUS = new KeyState.RateSnapshot(KeyState.DEFAULT_RPM,
      KeyState.DEFAULT_TPM, KeyState.DEFAULT_RPM, KeyState.DEFAULT_TPM, 0, 0, null, 0, 0, 0);

  final MockEnv env;
  final RoutingContext ctx;
  final HttpServerRequest req;
  final HttpServerResponse resp;
  final long startNanos = System.nanoTime();

  String apiKey;
  KeyBehaviour behaviour;
  String organization;
  KeyState.RateSnapshot rate;
  /** Tokens this request is charged against the key's per-minute token budget. */
  long tokenCost;

  JsonObject json;
  String model;
  boolean stream;
  boolean includeUsage;

  Exchange(MockEnv env, RoutingContext ctx) {
    this.env = env;
    this.ctx = ctx;
    this.req = ctx.request();
    this.resp = ctx.response();
  }

  /** Reads model / stream / stream_options.include_usage and estimates the token cost of a JSON request. */
  void parse(Buffer raw, boolean generates) {
    try {
      json = raw.length() == 0 ? null : new JsonObject(raw);
    } catch (RuntimeException e) {
      json = null;
    }
    long cost = (raw.length() + 3) / 4;
    if (json != null) {
      Object m = json.getValue("model");
      model = m instanceof String s ? s : null;
      stream = Boolean.TRUE.equals(json.getValue("stream"));
      Object so = json.getValue("stream_options");
      includeUsage = stream && so instanceof JsonObject o && Boolean.TRUE.equals(o.getValue("include_usage"));
      if (generates) {
        Long max = Tokens.requestedMax(json);
        cost += max == null ? env.options().completionTokens() : Math.min(Math.max(max, 0), MockOptions.MAX_COMPLETION_TOKENS);
      }
    }
    tokenCost = cost;
  }

  /** -1, or how many chunks/writes a streaming answer may send before the connection is cut. */
  int cutAfter() {
    KeyBehaviour b = behaviour;
    return b != null && b.mode == KeyBehaviour.Mode.CUT_STREAM ? b.afterChunks : -1;
  }

  boolean gone() {
    return resp.closed() || resp.ended();
  }

  /** Sets status and OpenAI's headers, and records the request. Body writing is up to the caller. */
  void head(int status, CharSequence contentType) {
    if (!req.isEnded()) {
      req.resume();
    }
    resp.setStatusCode(status);
    KeyState.RateSnapshot r = rate == null ? ANONYMOUS : rate;
    MultiMap h = resp.headers();
    h.add(Hdr.CONTENT_TYPE, contentType);
    h.add(Hdr.LIMIT_REQUESTS, Integer.toString(r.limitRequests()));
    h.add(Hdr.LIMIT_TOKENS, Integer.toString(r.limitTokens()));
    h.add(Hdr.REMAINING_REQUESTS, Long.toString(r.remainingRequests()));
    h.add(Hdr.REMAINING_TOKENS, Long.toString(r.remainingTokens()));
    h.add(Hdr.RESET_REQUESTS, Durations.format(r.resetRequestsMs()));
    h.add(Hdr.RESET_TOKENS, Durations.format(r.resetTokensMs()));
    if (r.exceeded() != null) {
      h.add(Hdr.RETRY_AFTER, Long.toString(Math.max(1, (r.retryAfterMs() + 999) / 1000)));
    }
    h.add(Hdr.REQUEST_ID, Ids.requestId());
    h.add(Hdr.PROCESSING_MS, Long.toString((System.nanoTime() - startNanos) / 1_000_000));
    h.add(Hdr.OPENAI_VERSION, Hdr.VERSION_VALUE);
    if (organization != null) {
      h.add(Hdr.OPENAI_ORGANIZATION, organization);
    }
    env.control().record(new ServedRequest(System.currentTimeMillis(), apiKey, req.method().name(), req.path(),
        model, stream, includeUsage, status));
  }

  void send(int status, CharSequence contentType, String body) {
    send(status, contentType, Buffer.buffer(body));
  }

  /** A complete answer; a cut_stream key gets only the first half of the body and then a closed connection. */
  void send(int status, CharSequence contentType, Buffer body) {
    if (gone()) {
      return;
    }
    head(status, contentType);
    if (cutAfter() >= 0 && status < 400) {
      resp.putHeader(Hdr.CONTENT_LENGTH, Integer.toString(body.length()));
      resp.write(body.slice(0, body.length() / 2)).onComplete(ar -> drop(req));
    } else {
      resp.end(body);
    }
  }

  /**
   * Ends the answer to {@code req} unfinished: its connection closes (HTTP/1.1), or only its stream
   * is reset (HTTP/2, where the connection carries other answers), as a failing upstream does.
   */
  static void drop(io.vertx.core.http.HttpServerRequest req) {
    if (req.version() == io.vertx.core.http.HttpVersion.HTTP_2) {
      req.response().reset();
    } else {
      req.connection().close();
    }
  }

  void json(String body) {
    send(200, Hdr.JSON, body);
  }

  void json(JsonObject body) {
    send(200, Hdr.JSON, body.toBuffer());
  }

  void error(int status, String message, String type, String param, String code) {
    send(status, Hdr.JSON, Errors.body(message, type, param, code));
  }

  void invalid(String message, String param, String code) {
    error(400, message, "invalid_request_error", param, code);
  }
}
