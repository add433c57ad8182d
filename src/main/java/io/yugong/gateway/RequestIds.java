package io.yugong.gateway;

import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The request id of a request: always Yugong's own ({@code req_} + 24 hex), since it keys the
 * request's hold and ledger entry and must be unique; it is sent upstream as
 * {@code x-request-id} and returned to the client as {@code x-yugong-request-id}.
 */
public final class RequestIds {

  static final String KEY = "yugong.rid";

  private RequestIds() {
  }

  public static String of(RoutingContext ctx) {
    String id = ctx.get(KEY);
    if (id == null) {
      ThreadLocalRandom r = ThreadLocalRandom.current();
      id = "req_" + hex(r.nextLong(), 16) + hex(r.nextLong(), 8);
      ctx.put(KEY, id);
    }
    return id;
  }

  private static String hex(long v, int digits) {
    String h = Long.toHexString(v);
    if (h.length() >= digits) {
      return h.substring(h.length() - digits);
    }
    return "0".repeat(digits - h.length()) + h;
  }
}
