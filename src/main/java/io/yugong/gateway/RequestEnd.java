package io.yugong.gateway;

import io.vertx.ext.web.RoutingContext;

/**
 * The end of a request as the node counts it (in flight / served), run once: when its answer ends
 * or its connection closes — or, for a request upgraded to a WebSocket (whose answer never ends),
 * when its session ends, told by the handler that upgraded it.
 */
public final class RequestEnd {

  private static final String KEY = "yugong.request.end";

  private final Runnable action;
  private boolean done;

  private RequestEnd(Runnable action) {
    this.action = action;
  }

  /** Registers what ending {@code ctx} does; returns it, to run from the context's end handler. */
  static RequestEnd install(RoutingContext ctx, Runnable action) {
    RequestEnd end = new RequestEnd(action);
    ctx.put(KEY, end);
    return end;
  }

  /** Ends the request behind {@code ctx} (a WebSocket session that is over). Idempotent. */
  public static void upgradedEnded(RoutingContext ctx) {
    RequestEnd end = ctx.get(KEY);
    if (end != null) {
      end.run();
    }
  }

  void run() {
    if (!done) {
      done = true;
      action.run();
    }
  }
}
