package io.yugong.apidocs;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The API's description: {@code GET /openapi.json} (OpenAPI 3.1, the hand-written
 * {@code io/yugong/apidocs/openapi.json}; OpenApiTest holds it to the router's routes) and the same
 * document in Swagger UI at {@code /docs}, from the swagger-ui WebJar in the jar — no internet
 * needed. The page runs no inline script (its initializer is a file of its own) under a strict
 * Content-Security-Policy. No key is needed to read either: they hold no secret.
 */
public final class ApiDocs {

  private static final String HERE = "io/yugong/apidocs/";
  /**
   * Scripts, styles, images and the document from this node only. The one inline style Swagger
   * UI's bundle injects is allowed by its hash (that exact text, nothing else; ConsoleTest opens
   * the page in Chromium and fails on any blocked resource, so a new Swagger UI with another
   * style shows there).
   */
  static final String CSP = "default-src 'none'; script-src 'self'; "
      + "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; img-src 'self' data:; "
      + "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  private final Buffer openapi = resource(HERE + "openapi.json");
  private final Buffer page = resource(HERE + "index.html");
  private final Buffer init = resource(HERE + "yugong-docs.js");
  private final StaticHandler assets = StaticHandler.create("META-INF/resources/webjars/swagger-ui/" + swaggerVersion())
      .setCachingEnabled(true).setMaxAgeSeconds(86_400).setDirectoryListing(false).setIncludeHidden(false);

  /** Mounts {@code /openapi.json}, {@code /docs} and {@code /docs/*} (the canonical /docs/ is /docs). */
  public void mount(Router router) {
    router.get("/openapi.json").handler(ctx -> send(ctx, "application/json", openapi));
    router.get("/docs").handler(ctx -> send(ctx, "text/html; charset=utf-8", page));
    router.get("/docs/*").handler(this::asset);
  }

  private void asset(RoutingContext ctx) {
    ctx.response().putHeader("content-security-policy", CSP).putHeader("x-content-type-options", "nosniff");
    String path = ctx.request().path();
    if (path.equals("/docs/yugong-docs.js")) {
      send(ctx, "text/javascript; charset=utf-8", init);
    } else if (path.equals("/docs/index.html")) {
      send(ctx, "text/html; charset=utf-8", page);
    } else if (path.equals("/docs/swagger-initializer.js")) {
      ctx.next(); // the WebJar's initializer points at a demo API: not served
    } else {
      ctx.request().resume();
      assets.handle(ctx);
    }
  }

  private static void send(RoutingContext ctx, String type, Buffer body) {
    ctx.request().resume();
    HttpServerResponse r = ctx.response();
    r.putHeader(HttpHeaders.CONTENT_TYPE, type).putHeader("content-security-policy", CSP)
        .putHeader("x-content-type-options", "nosniff").putHeader("cache-control", "no-cache").end(body);
  }

  /** The WebJar's version, from its Maven metadata (so upgrading the dependency is all it takes). */
  private static String swaggerVersion() {
    Properties p = new Properties();
    try (InputStream in = ApiDocs.class.getClassLoader()
        .getResourceAsStream("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
      if (in == null) {
        throw new IllegalStateException("the swagger-ui WebJar is not on the class path");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.getProperty("version");
  }

  private static Buffer resource(String name) {
    try (InputStream in = ApiDocs.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the jar");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
