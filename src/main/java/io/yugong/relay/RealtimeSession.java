package io.yugong.relay;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import io.yugong.billing.Tariff;
import io.yugong.billing.Usage;
import io.yugong.gateway.ApiError;
import io.yugong.keypool.KeyLease;
import io.yugong.keypool.Verdict;
import io.yugong.node.RequestLog;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Realtime session once both WebSockets are open: the client's frames go up and upstream's
 * come down as they are (no re-encoding, no message assembly), each direction paused while the
 * other side's write queue is full. Only upstream's text messages are looked at, by their
 * top-level type ({@link EventType}, a few bytes); {@code response.done} and {@code error} events
 * are parsed (at most {@link #MAX_EVENT} bytes), nothing else. Each {@code response.done} is
 * charged ({@link RealtimeMeter}); when the balance cannot cover the next response the client gets
 * an {@code error} event and a 1008 close. A close on either side closes the other with the same
 * code and reason. Confined to one event loop.
 */
final class RealtimeSession {

  private static final Logger LOG = LoggerFactory.getLogger(RealtimeSession.class);
  /** The largest upstream event read for billing (a response.done or an error); bigger ones pass unread. */
  static final int MAX_EVENT = 1024 * 1024;
  private static final short NORMAL = 1000;
  private static final short GOING_AWAY = 1001;
  private static final short POLICY = 1008;
  private static final short UPSTREAM_ERROR = 1011;

  private final String rid;
  private final String accountId;
  private final String model;
  private final KeyLease lease;
  private final RealtimeMeter meter;
  private final ServerWebSocket client;
  private final WebSocket upstream;
  private final RequestLog requestLog;
  private final io.vertx.ext.web.RoutingContext ctx;
  private final int attempts;
  private final long startNanos;
  private final long openNanos = System.nanoTime();
  private final io.yugong.metrics.RequestMetrics metrics;

  /** A fragmented upstream text message being read (copied) for billing; null when none. */
  private Buffer reading;
  /** True while the fragments of an upstream text message pass unread. */
  private boolean skipping;
  private boolean ended;
  /** True once Yugong itself is closing the client (1008): upstream's close then must not race it. */
  private boolean closingClient;
  private String upstreamErrorCode;

  RealtimeSession(String rid, String accountId, String model, KeyLease lease, RealtimeMeter meter,
      ServerWebSocket client, WebSocket upstream, RequestLog requestLog, io.vertx.ext.web.RoutingContext ctx,
      int attempts, long startNanos, io.yugong.metrics.RequestMetrics metrics) {
    this.metrics = metrics;
    this.ctx = ctx;
    this.rid = rid;
    this.accountId = accountId;
    this.model = model;
    this.lease = lease;
    this.meter = meter;
    this.client = client;
    this.upstream = upstream;
    this.requestLog = requestLog;
    this.attempts = attempts;
    this.startNanos = startNanos;
  }

  void start() {
    client.frameHandler(f -> relay(f, client, upstream));
    upstream.frameHandler(f -> {
      if (!ended) {
        down(f);
      }
    });
    client.closeHandler(v -> closed(client, upstream, GOING_AWAY));
    upstream.closeHandler(v -> closed(upstream, client, UPSTREAM_ERROR));
    client.exceptionHandler(e -> LOG.debug("{} Realtime client socket: {}", rid, e.toString()));
    upstream.exceptionHandler(e -> LOG.debug("{} Realtime upstream socket: {}", rid, e.toString()));
    upstream.resume();
  }

  /** Writes a data frame to the other side, pausing its source while that side cannot keep up. */
  private static void relay(WebSocketFrame f, WebSocketBase from, WebSocketBase to) {
    if (f.isClose() || f.isPing() || f.type() == io.vertx.core.http.WebSocketFrameType.PONG || to.isClosed()) {
      return; // each hop answers its own pings; closes are relayed by the close handlers
    }
    to.writeFrame(f);
    if (to.writeQueueFull()) {
      from.pause();
      to.drainHandler(v -> from.resume());
    }
  }

  /** An upstream frame: looked at (response.done and error only), then relayed. */
  private void down(WebSocketFrame f) {
    JsonObject event = null;
    if (f.isText()) {
      reading = null;
      skipping = false;
      Buffer data = f.binaryData();
      String type = EventType.of(data);
      if (f.isFinal()) {
        event = wanted(type) ? parse(data) : null;
      } else if (type != null && !wanted(type)) {
        skipping = true;
      } else {
        reading = data.copy();
      }
    } else if (f.isContinuation() && reading != null) {
      Buffer data = f.binaryData();
      if (reading.length() + data.length() > MAX_EVENT) {
        LOG.warn("{} an upstream Realtime event over {} bytes passes unread", rid, MAX_EVENT);
        reading = null;
        skipping = true;
      } else {
        reading.appendBuffer(data);
        if (f.isFinal()) {
          Buffer whole = reading;
          reading = null;
          event = wanted(EventType.of(whole)) ? parse(whole) : null;
        }
      }
    }
    relay(f, upstream, client);
    if (event != null) {
      onEvent(event);
    }
  }

  private static boolean wanted(String type) {
    return "response.done".equals(type) || "error".equals(type);
  }

  private JsonObject parse(Buffer data) {
    if (data.length() > MAX_EVENT) {
      LOG.warn("{} an upstream Realtime event over {} bytes passes unread", rid, MAX_EVENT);
      return null;
    }
    try {
      return new JsonObject(data);
    } catch (RuntimeException e) {
      LOG.warn("{} upstream sent a Realtime event that is not JSON", rid);
      return null;
    }
  }

  private void onEvent(JsonObject event) {
    Object type = event.getValue("type");
    if ("error".equals(type)) {
      Object e = event.getValue("error");
      Object code = e instanceof JsonObject o ? o.getValue("code") : null;
      upstreamErrorCode = code instanceof String s && s.length() <= 64 ? s : upstreamErrorCode;
      LOG.info("{} upstream Realtime error event: {}", rid, upstreamErrorCode);
      return;
    }
    if (!"response.done".equals(type)) {
      return;
    }
    Object response = event.getValue("response");
    Object usage = response instanceof JsonObject r ? r.getValue("usage") : null;
    Usage used = usage instanceof JsonObject u ? Tariff.realtimeFrom(u) : null;
    if (used == null && !(usage instanceof JsonObject)) {
      // a response that produced nothing (cancelled before it began) may come without usage
      used = Usage.none();
    }
    meter.responseDone(used).onFailure(this::cannotContinue);
  }

  /** The next response cannot be held: the client is told why, then the session ends. */
  private void cannotContinue(Throwable cause) {
    if (ended) {
      return;
    }
    ApiError e = cause instanceof ApiError a ? a : ApiError.internal(rid);
    if (!(cause instanceof ApiError)) {
      LOG.error("{} Realtime metering failed inside Yugong", rid, cause);
    } else {
      LOG.info("{} Realtime session ends: {} ({})", rid, e.code(), e.getMessage());
    }
    JsonObject error = new JsonObject().put("message", e.getMessage()).put("type", e.type())
        .put("param", (Object) null).put("code", e.code()).put("event_id", (Object) null);
    JsonObject event = new JsonObject().put("type", "error").put("event_id", "event_" + rid)
        .put("error", error);
    closingClient = true;
    end();
    upstream.close(NORMAL, "session ended by the proxy");
    client.writeTextMessage(event.encode()).eventually(() -> client.close(POLICY, reason(e.code())));
  }

  /** One side closed: the other is closed with the same code and reason. */
  private void closed(WebSocketBase side, WebSocketBase other, short fallback) {
    boolean first = !ended;
    end();
    if (!other.isClosed() && !(other == client && closingClient)) {
      Short code = side.closeStatusCode();
      short c = code == null || !sendable(code) ? fallback : code;
      other.close(c, reason(side.closeReason()));
    }
    if (first) {
      LOG.debug("{} Realtime session closed by {}", rid, side == client ? "the client" : "upstream");
    }
  }

  private void end() {
    if (ended) {
      return;
    }
    ended = true;
    reading = null;
    meter.close();
    lease.release(leaseVerdict(), 0);
    io.yugong.gateway.RequestEnd.upgradedEnded(ctx);
    long now = System.nanoTime();
    requestLog.write(new RequestLog.Entry(rid, accountId, model, lease.keyId(), 101, attempts,
        meter.promptTokens(), meter.cachedTokens(), meter.completionTokens(), meter.charged(),
        (openNanos - startNanos) / 1_000_000L, (now - startNanos) / 1_000_000L));
    metrics.request(io.yugong.billing.Endpoint.REALTIME, model, 101, io.yugong.metrics.RequestMetrics.Outcome.SERVED,
        openNanos - startNanos, now - startNanos, attempts);
    metrics.charged(model, meter.charged());
  }

  /** What the session says of its key: served, unless upstream said in an error event that the key is spent. */
  private Verdict leaseVerdict() {
    String code = upstreamErrorCode;
    if ("insufficient_quota".equals(code) || "invalid_api_key".equals(code) || "account_deactivated".equals(code)) {
      int status = "insufficient_quota".equals(code) ? 429 : "invalid_api_key".equals(code) ? 401 : 403;
      return Verdict.of(status, io.vertx.core.MultiMap.caseInsensitiveMultiMap(),
          Buffer.buffer(new JsonObject().put("error", new JsonObject().put("code", code)).encode()));
    }
    return Verdict.served(101);
  }

  /** Close codes a peer may send (not 1005, 1006, 1015, or outside the registered ranges). */
  private static boolean sendable(short code) {
    return code >= 1000 && code <= 4999 && code != 1004 && code != 1005 && code != 1006 && code != 1015;
  }

  /** A close reason within a close frame's 123 bytes. */
  private static String reason(String r) {
    if (r == null) {
      return null;
    }
    byte[] b = r.getBytes(StandardCharsets.UTF_8);
    if (b.length <= 123) {
      return r;
    }
    int n = 123;
    while (n > 0 && (b[n] & 0xC0) == 0x80) {
      n--;
    }
    return new String(b, 0, n, StandardCharsets.UTF_8);
  }
}
