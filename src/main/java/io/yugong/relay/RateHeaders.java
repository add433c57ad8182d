package io.yugong.relay;

import io.vertx.core.MultiMap;
import io.yugong.billing.Headroom;

/**
 * The {@code x-ratelimit-*} headers of an account with limits of its own, computed from those
 * limits (upstream's, which describe a pool key, never reach the client): limit, remaining and
 * reset, for requests and for tokens.
 */
final class RateHeaders {

  private RateHeaders() {
  }

  static void put(MultiMap headers, Headroom h) {
    if (h == null) {
      return;
    }
    if (h.hasRequests()) {
      headers.set("x-ratelimit-limit-requests", Long.toString(h.requestLimit()));
      headers.set("x-ratelimit-remaining-requests", Long.toString(h.requestsRemaining()));
      headers.set("x-ratelimit-reset-requests", Headroom.duration(h.requestsResetMs()));
    }
    if (h.hasTokens()) {
      headers.set("x-ratelimit-limit-tokens", Long.toString(h.tokenLimit()));
      headers.set("x-ratelimit-remaining-tokens", Long.toString(h.tokensRemaining()));
      headers.set("x-ratelimit-reset-tokens", Headroom.duration(h.tokensResetMs()));
    }
  }
}
