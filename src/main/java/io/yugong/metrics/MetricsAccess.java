package io.yugong.metrics;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may scrape on the node's own port: a bearer equal to {@code YUGONG_METRICS_TOKEN} (compared
 * in constant time), or whoever the admin authentication lets through (the admin key).
 */
final class MetricsAccess implements Handler<RoutingContext> {

  private static final String BEARER = "bearer ";

  private final byte[] token;
  private final Handler<RoutingContext> adminAuth;

  MetricsAccess(String token, Handler<RoutingContext> adminAuth) {
    this.token = token == null || token.isBlank() ? null : token.getBytes(StandardCharsets.UTF_8);
    this.adminAuth = adminAuth;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (token != null) {
      String h = ctx.request().getHeader("authorization");
      if (h != null && h.length() > BEARER.length() && h.regionMatches(true, 0, BEARER, 0, BEARER.length())
          && MessageDigest.isEqual(token, h.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8))) {
        ctx.request().resume();
        ctx.next();
        return;
      }
    }
    adminAuth.handle(ctx);
  }
}
