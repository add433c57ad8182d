package io.yugong.gateway;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;

/**
 * Which web pages may call the node from a browser (CORS), from {@code YUGONG_CORS_ORIGINS}.
 * Keys are bearer tokens and no cookie is ever read, so a page of another origin gains nothing a
 * script outside a browser does not have: with {@code *} (the default) every answer says
 * {@code Access-Control-Allow-Origin: *}, never with credentials. With a list, an answer to a
 * listed Origin names it (and every answer says {@code Vary: Origin}); any other gets no CORS
 * header and the browser keeps the answer from the page.
 *
 * <p>Preflights ({@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method})
 * are answered here, 204, before authentication, and never reach upstream. The admin API
 * ({@code /admin/*}) is not offered to browsers: its preflights get no allow header and its
 * answers no CORS header, so the root key is usable only outside a browser (curl, scripts) or
 * from a page of the node's own origin.
 *
 * <p>Nothing a client sent is reflected unchecked: the allowed origin is {@code *} or the
 * configured string the Origin equals, and {@code Access-Control-Request-Headers} is echoed only
 * when it is a short list of header names (else a fixed list of the headers OpenAI's clients send).
 */
final class CorsPolicy {

  /** How long a browser may keep a preflight's answer, seconds. */
  static final int MAX_AGE_S = 600;
  /** The longest Access-Control-Request-Headers echoed back. */
  static final int MAX_REQUEST_HEADERS = 1024;

  private static final String PREFLIGHT = "yugong.cors.preflight";
  private static final CharSequence ANY = HttpHeaders.createOptimized("*");
  private static final CharSequence ORIGIN = HttpHeaders.createOptimized("Origin");
  private static final CharSequence REQUEST_HEADERS_NAME = HttpHeaders.createOptimized("Access-Control-Request-Headers");
  private static final CharSequence METHODS = HttpHeaders.createOptimized("GET, POST, PUT, PATCH, DELETE, OPTIONS");
  private static final CharSequence MAX_AGE = HttpHeaders.createOptimized(Integer.toString(MAX_AGE_S));
  /** Headers a page's script may read besides the safelisted ones: ids, rate limits, retry advice. */
  static final CharSequence EXPOSED = HttpHeaders.createOptimized(String.join(", ", List.of(
      "x-request-id", "x-yugong-request-id",
      "x-ratelimit-limit-requests", "x-ratelimit-limit-tokens",
      "x-ratelimit-remaining-requests", "x-ratelimit-remaining-tokens",
      "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens",
      "openai-processing-ms", "openai-version", "retry-after", "retry-after-ms", "x-should-retry")));
  /** What a preflight allows when its Access-Control-Request-Headers cannot be echoed. */
  static final CharSequence CLIENT_HEADERS = HttpHeaders.createOptimized(String.join(", ", List.of(
      "authorization", "content-type", "accept", "api-key", "openai-organization", "openai-project",
      "openai-beta", "x-requested-with", "x-stainless-arch", "x-stainless-lang", "x-stainless-os",
      "x-stainless-package-version", "x-stainless-retry-count", "x-stainless-runtime",
      "x-stainless-runtime-version", "x-stainless-timeout", "x-stainless-helper-method")));

  private final boolean anyOrigin;
  private final Set<String> origins;

  /** {@code ["*"]} for any origin, else the origins as browsers send them (see NodeConfig). */
  CorsPolicy(List<String> origins) {
    this.anyOrigin = origins.contains("*");
    this.origins = anyOrigin ? Set.of() : Set.copyOf(origins);
  }

  /**
   * The router stage for OPTIONS: a preflight is answered at once (no key asked, nothing
   * forwarded); any other OPTIONS request goes on like any request.
   */
  void preflight(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    if (req.method() != HttpMethod.OPTIONS || req.getHeader(ORIGIN) == null
        || req.getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD) == null) {
      ctx.next();
      return;
    }
    ctx.put(PREFLIGHT, Boolean.TRUE);
    req.resume();
    HttpServerResponse resp = ctx.response();
    boolean browsable = !admin(req.path());
    CharSequence allowed = browsable ? allowedOrigin(req) : null;
    if (browsable && !anyOrigin) {
      resp.headers().add(HttpHeaders.VARY, ORIGIN);
    }
    if (allowed != null) {
      MultiMap h = resp.headers();
      h.set(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
      h.set(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, METHODS);
      String requested = req.getHeader(REQUEST_HEADERS_NAME);
      if (requested != null) {
        h.set(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, echoable(requested) ? requested : CLIENT_HEADERS);
        h.add(HttpHeaders.VARY, REQUEST_HEADERS_NAME);
      }
      h.set(HttpHeaders.ACCESS_CONTROL_MAX_AGE, MAX_AGE);
    }
    resp.setStatusCode(204).end();
  }

  /**
   * Adds the CORS headers to an answer (called as its headers go out: Yugong's own answers and
   * errors, relayed and streamed ones alike). Upstream's own Access-Control-* never got this far
   * (relay.HeaderRules drops them).
   */
  void mark(RoutingContext ctx, MultiMap headers) {
    if (ctx.get(PREFLIGHT) == null) {
      mark(ctx.request(), headers);
    }
  }

  /** {@link #mark(RoutingContext, MultiMap)} for an answer to {@code req}, which is no preflight. */
  void mark(HttpServerRequest req, MultiMap headers) {
    if (admin(req.path())) {
      return;
    }
    if (!anyOrigin && !varies(headers)) {
      headers.add(HttpHeaders.VARY, ORIGIN);
    }
    CharSequence allowed = allowedOrigin(req);
    if (allowed != null) {
      headers.set(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
      headers.set(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED);
    }
  }

  /** {@code *}, the request's Origin when listed (then equal to a configured string), or null. */
  private CharSequence allowedOrigin(HttpServerRequest req) {
    if (anyOrigin) {
      return ANY;
    }
    String origin = req.getHeader(ORIGIN);
    return origin != null && origins.contains(origin) ? origin : null;
  }

  private static boolean admin(String path) {
    return path != null && path.startsWith("/admin") && (path.length() == 6 || path.charAt(6) == '/');
  }

  /** Whether a Vary header already names Origin (upstream may have sent one). */
  private static boolean varies(MultiMap headers) {
    for (String v : headers.getAll(HttpHeaders.VARY)) {
      for (String name : v.split(",")) {
        if (name.trim().equalsIgnoreCase("origin") || name.trim().equals("*")) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether Access-Control-Request-Headers may be sent back as it is: at most
   * {@link #MAX_REQUEST_HEADERS} characters of header names (RFC 9110 token characters),
   * commas and spaces.
   */
  static boolean echoable(String requested) {
    if (requested.isEmpty() || requested.length() > MAX_REQUEST_HEADERS) {
      return false;
    }
    for (int i = 0; i < requested.length(); i++) {
      char c = requested.charAt(i);
      boolean token = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!token && c != ',' && c != ' ') {
        return false;
      }
    }
    return true;
  }
}
