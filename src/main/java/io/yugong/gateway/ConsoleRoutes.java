package io.yugong.gateway;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The web console: static pages, scripts and styles from the jar, under {@code /console}. The
 * pages are public (no key); their data calls carry the key the person signed in with, to the
 * same routes any client uses. Every answer here has a strict Content-Security-Policy: scripts,
 * styles and connections only from this node, no inline script or style, no framing.
 */
final class ConsoleRoutes {

  /** Where the console's own files are, on the class path. */
  static final String WEB_ROOT = "io/yugong/console";
  /** The uPlot WebJar's files; its URLs carry the version, so they may be cached for a year. */
  private static final String UPLOT_ROOT = "META-INF/resources/webjars/uplot";

  private static final CharSequence CSP = HttpHeaders.createOptimized(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          + "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
          + "form-action 'none'; frame-ancestors 'none'");
  private static final CharSequence CONTENT_SECURITY_POLICY = HttpHeaders.createOptimized("Content-Security-Policy");
  private static final CharSequence NOSNIFF = HttpHeaders.createOptimized("nosniff");
  private static final CharSequence X_CONTENT_TYPE_OPTIONS = HttpHeaders.createOptimized("X-Content-Type-Options");
  private static final CharSequence REFERRER_POLICY = HttpHeaders.createOptimized("Referrer-Policy");
  private static final CharSequence NO_REFERRER = HttpHeaders.createOptimized("no-referrer");
  private static final CharSequence X_FRAME_OPTIONS = HttpHeaders.createOptimized("X-Frame-Options");
  private static final CharSequence DENY = HttpHeaders.createOptimized("DENY");
  private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");
  private static final CharSequence HTML = HttpHeaders.createOptimized("text/html; charset=utf-8");
  private static final long APP_MAX_AGE_S = 60;
  private static final long VENDOR_MAX_AGE_S = 365L * 24 * 3600;

  private ConsoleRoutes() {
  }

  static void mount(Router router) {
    // "/" is where a new user looks first
    router.get("/").handler(ctx -> ctx.response().setStatusCode(302)
        .putHeader(HttpHeaders.LOCATION, "/console").end());
    // "/console/" arrives here too: the canonical request target has no trailing slash
    router.route("/console").handler(ConsoleRoutes::secure);
    router.get("/console").handler(ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, HTML)
        .putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE).sendFile(WEB_ROOT + "/index.html"));
    router.route("/console/*").handler(ConsoleRoutes::secure);
    router.get("/console/vendor/uplot/*").handler(StaticHandler.create(UPLOT_ROOT)
        .setCachingEnabled(true).setMaxAgeSeconds(VENDOR_MAX_AGE_S).setDirectoryListing(false)
        .setDefaultContentEncoding("UTF-8"));
    router.get("/console/*").handler(StaticHandler.create(WEB_ROOT)
        .setCachingEnabled(true).setMaxAgeSeconds(APP_MAX_AGE_S).setDirectoryListing(false)
        .setIndexPage("index.html").setDefaultContentEncoding("UTF-8"));
  }

  /** The headers every console answer carries; then the next handler. */
  private static void secure(RoutingContext ctx) {
    MultiMap h = ctx.response().headers();
    h.set(CONTENT_SECURITY_POLICY, CSP);
    h.set(X_CONTENT_TYPE_OPTIONS, NOSNIFF);
    h.set(REFERRER_POLICY, NO_REFERRER);
    h.set(X_FRAME_OPTIONS, DENY);
    ctx.next();
  }
}
