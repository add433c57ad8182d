package io.yugong.gateway;

import io.vertx.ext.web.RoutingContext;
import io.yugong.security.Secrets;

/** The request id of a request: the client's {@code x-request-id} when sane, else a new one. */
public final class RequestIds {

  static final String KEY = "yugong.rid";

  private RequestIds() {
  }

  public static String of(RoutingContext ctx) {
    String id = ctx.get(KEY);
    if (id == null) {
      String given = ctx.request().getHeader("x-request-id");
      id = given != null && given.length() <= 128 && given.matches("[A-Za-z0-9_.:-]+")
          ? given : "req_" + Secrets.randomHex(24);
      ctx.put(KEY, id);
    }
    return id;
  }
}
