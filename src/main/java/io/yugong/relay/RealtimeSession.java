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
 * other side's write queue is full. Upstream's text messages are looked at by their top-level type
 * ({@link EventType}, a few bytes): {@code response.created} places the next response's hold,
 * {@code response.done} and {@code error} events are parsed (at most {@link #MAX_EVENT} bytes),
 * nothing else. The client's session updates are read ({@link SessionUpdates}) and those that turn
 * on input transcription are refused. Money: {@link RealtimeMeter}.
 *
 * <p>Ends: upstream's close closes the client with the same code and reason, and every response
 * under way is charged its whole hold. The client's close (or Yugong ending the session: the
 * balance cannot cover the next response, or the session reached {@link #maxSessionMs}) does not
 * drop upstream while responses are under way: {@code response.cancel} is sent, upstream's events
 * are read (not relayed) until each has its {@code response.done} or {@link #DRAIN_MS} pass, and
 * only then is upstream closed. Confined to one event loop.
 */
final class RealtimeSession {

  private static final Logger LOG = LoggerFactory.getLogger(RealtimeSession.class);
  /** The largest upstream event read for billing (a response.done or an error); bigger ones pass unread. */
  static final int MAX_EVENT = 1024 * 1024;
  /** How long upstream is read, after the client is gone, for the done events of the responses under way. */
  static final long DRAIN_MS = 5_000;
  private static final String CANCEL = "{\"type\":\"response.cancel\"}";
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
  private final long maxSessionMs;
  private final long openNanos = System.nanoTime();
  private final io.yugong.metrics.RequestMetrics metrics;

  /** A fragmented upstream text message being read (copied) for billing; null when none. */
  private Buffer reading;
  /** True while the fragments of an upstream text message pass unread. */
  private boolean skipping;
  /** A fragmented client message held back until its type is known (and, for a session update, until it is whole). */
  private Buffer holding;
  /** True while the rest of a refused client message is dropped. */
  private boolean dropping;
  /** True once the client's side is over (it closed, or Yugong closed it): nothing more is relayed to it. */
  private boolean clientDone;
  /** True once the client is gone and upstream is read only for the done events of the responses under way. */
  private boolean draining;
  /** True once the session is wrapped up (money settled, key released, logged). */
  private boolean finished;
  /** Upstream is paused while the client cannot keep up... */
  private boolean clientFull;
  /** ...and while a response's next hold is being placed. */
  private int placing;
  private short upstreamCloseCode = NORMAL;
  private String upstreamCloseReason;
  private long drainTimer = -1;
  private long expiryTimer = -1;
  private String upstreamErrorCode;

  RealtimeSession(String rid, String accountId, String model, KeyLease lease, RealtimeMeter meter,
      ServerWebSocket client, WebSocket upstream, RequestLog requestLog, io.vertx.ext.web.RoutingContext ctx,
      int attempts, long startNanos, io.yugong.metrics.RequestMetrics metrics, long maxSessionMs) {
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
    this.maxSessionMs = maxSessionMs;
  }

  void start() {
    client.frameHandler(this::up);
    upstream.frameHandler(this::down);
    client.closeHandler(v -> clientClosed());
    upstream.closeHandler(v -> upstreamClosed());
    client.exceptionHandler(e -> LOG.debug("{} Realtime client socket: {}", rid, e.toString()));
    upstream.exceptionHandler(e -> LOG.debug("{} Realtime upstream socket: {}", rid, e.toString()));
    expiryTimer = ctx.vertx().setTimer(maxSessionMs, t -> {
      expiryTimer = -1;
      endByProxy(NORMAL, "session_expired", "invalid_request_error", "Your session hit the maximum duration of "
          + (maxSessionMs / 1000) + " seconds on this service.");
    });
    upstream.resume();
  }

  /** A client frame: session updates are read whole first; everything else goes up as it is. */
  private void up(WebSocketFrame f) {
    if (f.isClose() || f.isPing() || f.type() == io.vertx.core.http.WebSocketFrameType.PONG || upstream.isClosed()
        || draining || finished) {
      return; // each hop answers its own pings; closes are handled by the close handlers
    }
    if (f.isText()) {
      holding = null;
      dropping = false;
      Buffer data = f.binaryData();
      String type = EventType.of(data);
      if (f.isFinal()) {
        if (SessionUpdates.inspected(type)) {
          inspect(data);
          return;
        }
      } else if (type == null || SessionUpdates.inspected(type)) {
        holding = data.copy();
        return;
      }
    } else if (f.isContinuation() && dropping) {
      dropping = !f.isFinal();
      return;
    } else if (f.isContinuation() && holding != null) {
      Buffer data = f.binaryData();
      if (holding.length() + data.length() > SessionUpdates.MAX_UPDATE) {
        holding = null;
        dropping = !f.isFinal();
        refuse(SessionUpdates.tooLarge(rid));
        return;
      }
      holding.appendBuffer(data);
      String type = EventType.of(holding);
      if (f.isFinal()) {
        Buffer whole = holding;
        holding = null;
        if (SessionUpdates.inspected(type)) {
          inspect(whole);
        } else {
          send(upstream, whole);
        }
        return;
      }
      if (type != null && !SessionUpdates.inspected(type)) {
        // the type is known at last and is not read: what was held goes up, the rest streams through
        Buffer held = holding;
        holding = null;
        int k = utf8Prefix(held);
        upstream.writeFrame(WebSocketFrame.textFrame(held.getString(0, k, "UTF-8"), false));
        if (k < held.length()) {
          upstream.writeFrame(WebSocketFrame.continuationFrame(held.getBuffer(k, held.length()), false));
        }
        return;
      }
      return;
    }
    relay(f, client, upstream);
  }

  /** The length of the longest prefix of {@code b} that does not end inside a UTF-8 sequence. */
  private static int utf8Prefix(Buffer b) {
    int n = b.length();
    int i = n;
    while (i > 0 && i > n - 4 && (b.getByte(i - 1) & 0xC0) == 0x80) {
      i--;
    }
    if (i == 0) {
      return n;
    }
    int lead = b.getByte(i - 1) & 0xFF;
    int len = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return n - (i - 1) >= len ? n : i - 1;
  }

  private void send(WebSocketBase to, Buffer whole) {
    to.writeTextMessage(whole.toString(StandardCharsets.UTF_8));
  }

  /** A whole session update: forwarded, unless it would turn on what cannot be billed. */
  private void inspect(Buffer update) {
    if (update.length() > SessionUpdates.MAX_UPDATE) {
      refuse(SessionUpdates.tooLarge(rid));
      return;
    }
    JsonObject refusal = SessionUpdates.refusal(update, rid);
    if (refusal == null) {
      send(upstream, update);
    } else {
      refuse(refusal);
    }
  }

  private void refuse(JsonObject errorEvent) {
    LOG.info("{} a Realtime session update is refused: {}", rid, errorEvent.getJsonObject("error").getString("code"));
    if (!clientDone && !client.isClosed()) {
      client.writeTextMessage(errorEvent.encode());
    }
  }

  /** Writes a data frame to the other side, pausing its source while that side cannot keep up. */
  private static void relay(WebSocketFrame f, WebSocketBase from, WebSocketBase to) {
    if (f.isClose() || f.isPing() || f.type() == io.vertx.core.http.WebSocketFrameType.PONG || to.isClosed()) {
      return;
    }
    to.writeFrame(f);
    if (to.writeQueueFull()) {
      from.pause();
      to.drainHandler(v -> from.resume());
    }
  }

  /** An upstream frame: relayed to the client (while it is there), and looked at for the money. */
  private void down(WebSocketFrame f) {
    if (finished) {
      return;
    }
    String event = null;
    Buffer whole = null;
    if (f.isText()) {
      reading = null;
      skipping = false;
      Buffer data = f.binaryData();
      String type = EventType.of(data);
      if (f.isFinal()) {
        event = type;
        whole = data;
      } else if (type != null && !parsed(type)) {
        skipping = true;
        event = type; // response.created counts at its first fragment
      } else {
        reading = data.copy();
      }
    } else if (f.isContinuation() && reading != null) {
      Buffer data = f.binaryData();
      if (reading.length() + data.length() > MAX_EVENT) {
        String type = EventType.of(reading);
        LOG.warn("{} an upstream Realtime event ({}) over {} bytes passes unread", rid, type, MAX_EVENT);
        reading = null;
        skipping = true;
        event = type;
      } else {
        reading.appendBuffer(data);
        if (f.isFinal()) {
          whole = reading;
          reading = null;
          event = EventType.of(whole);
        }
      }
    }
    // read before the frame is relayed: a written frame's buffer is not ours any more
    JsonObject parsedEvent = event != null && whole != null && parsed(event) ? parse(whole) : null;
    relayDown(f);
    if (event != null) {
      onEvent(event, parsedEvent);
    }
  }

  private static boolean parsed(String type) {
    return "response.done".equals(type) || "error".equals(type);
  }

  private void relayDown(WebSocketFrame f) {
    if (clientDone || client.isClosed() || f.isClose() || f.isPing()
        || f.type() == io.vertx.core.http.WebSocketFrameType.PONG) {
      return;
    }
    client.writeFrame(f);
    if (client.writeQueueFull()) {
      clientFull = true;
      upstream.pause();
      client.drainHandler(v -> {
        clientFull = false;
        flow();
      });
    }
  }

  /** Upstream flows again once nothing holds it. */
  private void flow() {
    if (!clientFull && placing == 0 && !finished) {
      upstream.resume();
    }
  }

  /** Upstream is held until the hold placed for the next response is known. */
  private void placing(io.vertx.core.Future<Void> placement) {
    placing++;
    upstream.pause();
    placement.onComplete(ar -> {
      placing--;
      if (ar.failed()) {
        cannotContinue(ar.cause());
      }
      flow();
      drained();
    });
  }

  /** An upstream event of {@code type}; {@code event} is it parsed when it was read whole (else null). */
  private void onEvent(String type, JsonObject event) {
    switch (type) {
      case "response.created" -> {
        if (draining) {
          upstream.writeTextMessage(CANCEL);
        }
        placing(meter.responseCreated());
      }
      case "response.done" -> {
        Object response = event == null ? null : event.getValue("response");
        Object usage = response instanceof JsonObject r ? r.getValue("usage") : null;
        Usage used = usage instanceof JsonObject u ? Tariff.realtimeFrom(u) : null;
        if (event != null && used == null && !(usage instanceof JsonObject)) {
          // a response that produced nothing (cancelled before it began) may come without usage
          used = Usage.none();
        }
        placing(meter.responseDone(used));
      }
      case "error" -> {
        Object e = event == null ? null : event.getValue("error");
        Object code = e instanceof JsonObject o ? o.getValue("code") : null;
        upstreamErrorCode = code instanceof String s && s.length() <= 64 ? s : upstreamErrorCode;
        LOG.info("{} upstream Realtime error event: {}", rid, upstreamErrorCode);
      }
      default -> {
      }
    }
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

  /** The next response cannot be held: the client is told why, then the session ends. */
  private void cannotContinue(Throwable cause) {
    ApiError e = cause instanceof ApiError a ? a : ApiError.internal(rid);
    if (!(cause instanceof ApiError)) {
      LOG.error("{} Realtime metering failed inside Yugong", rid, cause);
    }
    endByProxy(POLICY, e.code(), e.type(), e.getMessage());
  }

  /** Yugong ends the session: an error event and a close to the client, then upstream's drain. */
  private void endByProxy(short closeCode, String code, String type, String message) {
    if (clientDone) {
      return;
    }
    LOG.info("{} Realtime session ends: {} ({})", rid, code, message);
    clientDone = true;
    JsonObject error = new JsonObject().put("message", message).put("type", type)
        .put("param", (Object) null).put("code", code).put("event_id", (Object) null);
    JsonObject event = new JsonObject().put("type", "error").put("event_id", "event_" + rid)
        .put("error", error);
    if (!client.isClosed()) {
      client.writeTextMessage(event.encode()).eventually(() -> client.close(closeCode, reason(code)));
    }
    drain(NORMAL, "session ended by the proxy");
  }

  /** The client closed: upstream is drained of the responses under way, then closed the same way. */
  private void clientClosed() {
    if (clientDone) {
      return;
    }
    clientDone = true;
    LOG.debug("{} Realtime session closed by the client", rid);
    Short code = client.closeStatusCode();
    drain(code == null || !sendable(code) ? GOING_AWAY : code, reason(client.closeReason()));
  }

  /**
   * The client is gone: each response under way is asked to stop, and upstream is read until each
   * is done, or {@link #DRAIN_MS} pass; then it is closed with {@code code} and {@code reason}.
   */
  private void drain(short code, String reason) {
    if (draining || finished) {
      return;
    }
    draining = true;
    upstreamCloseCode = code;
    upstreamCloseReason = reason;
    clientFull = false;
    if (meter.openResponses() > 0 || placing > 0) {
      LOG.debug("{} {} Realtime response(s) under way: cancelling them", rid, meter.openResponses());
      upstream.writeTextMessage(CANCEL);
      drainTimer = ctx.vertx().setTimer(DRAIN_MS, t -> {
        drainTimer = -1;
        LOG.info("{} Realtime responses still under way {} ms after the client left", rid, DRAIN_MS);
        closeUpstream();
      });
    }
    flow();
    drained();
  }

  /** While draining: once no response is under way, upstream is closed. */
  private void drained() {
    if (draining && !finished && placing == 0 && meter.openResponses() == 0) {
      closeUpstream();
    }
  }

  private void closeUpstream() {
    finish(499);
    if (!upstream.isClosed()) {
      upstream.close(upstreamCloseCode, upstreamCloseReason);
    }
  }

  /** Upstream closed: the client is closed the same way; responses under way are charged their hold. */
  private void upstreamClosed() {
    if (finished) {
      return;
    }
    LOG.debug("{} Realtime session closed by upstream", rid);
    finish(502);
    if (!clientDone && !client.isClosed()) {
      clientDone = true;
      Short code = upstream.closeStatusCode();
      client.close(code == null || !sendable(code) ? UPSTREAM_ERROR : code, reason(upstream.closeReason()));
    }
  }

  private void finish(int status) {
    if (finished) {
      return;
    }
    finished = true;
    reading = null;
    holding = null;
    if (drainTimer >= 0) {
      ctx.vertx().cancelTimer(drainTimer);
    }
    if (expiryTimer >= 0) {
      ctx.vertx().cancelTimer(expiryTimer);
    }
    meter.close(status);
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
