package io.yugong.gateway;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The request id of a request: always Yugong's own ({@code req_} + 24 hex), since it keys the
 * request's hold and ledger entry and must be unique; it is sent upstream as
 * {@code x-request-id} and returned to the client as {@code x-yugong-request-id}.
 */
public final class RequestIds {

  static final String KEY = "yugong.rid";
  private static final CharSequence X_REQUEST_ID = HttpHeaders.createOptimized("x-request-id");
  private static final CharSequence X_YUGONG_REQUEST_ID = HttpHeaders.createOptimized("x-yugong-request-id");

  private RequestIds() {
  }

  public static String of(RoutingContext ctx) {
    String id = ctx.get(KEY);
    if (id == null) {
      id = fresh();
      ctx.put(KEY, id);
    }
    return id;
  }

  /** A new request id. */
  static String fresh() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return "req_" + hex(r.nextLong(), 16) + hex(r.nextLong(), 8);
  }

  /**
   * Marks an answer with its request id: {@code x-yugong-request-id} always, {@code x-request-id}
   * unless the answer has one (upstream's, on a relayed answer).
   */
  static void stamp(MultiMap headers, String id) {
    if (!headers.contains(X_REQUEST_ID)) {
      headers.set(X_REQUEST_ID, id);
    }
    headers.set(X_YUGONG_REQUEST_ID, id);
  }

  private static String hex(long v, int digits) {
    String h = Long.toHexString(v);
    if (h.length() >= digits) {
      return h.substring(h.length() - digits);
    }
    return "0".repeat(digits - h.length()) + h;
  }
}
