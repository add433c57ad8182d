package io.yugong.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.HttpServerConnection;
import io.vertx.core.http.impl.http1.VertxHttpRequestDecoder;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vert.x's HTTP/1 request decoder with the guards a public edge needs.
 *
 * <ul>
 *   <li>A request with more than one Host header is an invalid message (400, connection closed):
 *   which host it is for cannot be told; so is one in a version other than HTTP/1.1 or 1.0
 *   (505).</li>
 *   <li>Request smuggling: a request whose body length could be read two ways (Content-Length
 *   together with Transfer-Encoding, more than one Transfer-Encoding, any Transfer-Encoding other
 *   than {@code chunked}, or a header line starting with whitespace, which a proxy in front may
 *   read as a header of its own) is an invalid message. Netty then discards everything after it on the
 *   connection, so a request hidden in its body never runs, and the invalid-request handler answers
 *   400 and closes ({@link InvalidRequests}). Repeated Content-Length headers are refused by Netty
 *   itself the same way.</li>
 *   <li>Slow heads: a request head must be complete within the header deadline, counted from its
 *   first byte, or for a connection's first request from its opening (like nginx's
 *   {@code client_header_timeout}); otherwise the connection is closed. A keep-alive connection
 *   idle between requests is not timed. Past the first request, a timer is set only when a head
 *   spans more than one read.</li>
 * </ul>
 *
 * Installed on each HTTP/1 connection by {@link #install}, before its first byte is read (so the
 * server must not offer cleartext HTTP/2, whose pipeline Vert.x completes only after the first
 * request head).
 */
final class RequestDecoder extends VertxHttpRequestDecoder {

  private static final Logger LOG = LoggerFactory.getLogger(RequestDecoder.class);
  private static final String NAME = "httpDecoder";

  /** Thrown (and so turned into an invalid message) for a head Yugong will not read. */
  static final class BadHead extends IllegalArgumentException {
    final int status;
    final String code;

    BadHead(int status, String message, String code) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  private final long headTimeoutNanos;
  private boolean inHead;
  private boolean inBody;
  private long headStartedNanos;
  private ScheduledFuture<?> timer;
  private int hosts;
  /** Some line of the current head has been consumed, so the next byte starts a line. */
  private boolean headLinesRead;
  /** The current head has a line starting with whitespace (obs-fold, or a hidden header). */
  private boolean folded;

  private RequestDecoder(HttpServerOptions options, long headTimeoutMs) {
    super(options.getHttp1Config());
    this.headTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(headTimeoutMs);
  }

  /** Puts this decoder in place of Vert.x's on an HTTP/1 connection (others are left alone). */
  static void install(HttpConnection conn, HttpServerOptions options, long headTimeoutMs) {
    if (!(conn instanceof HttpServerConnection internal)) {
      return;
    }
    ChannelPipeline pipeline = internal.channelHandlerContext().pipeline();
    if (pipeline.get(NAME) instanceof VertxHttpRequestDecoder && pipeline.get("h2c") == null) {
      pipeline.replace(NAME, NAME, new RequestDecoder(options, headTimeoutMs));
    }
  }

  /** A new connection owes its first request head within the deadline too, from its opening. */
  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    super.handlerAdded(ctx);
    inHead = true;
    headStartedNanos = System.nanoTime();
    schedule(ctx);
  }

  @Override
  protected HttpMessage createMessage(String[] initialLine) {
    hosts = 0;
    return super.createMessage(initialLine);
  }

  /** Counts Host headers as they are read, so a second one costs no lookup. */
  @Override
  protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
    AsciiString name = super.splitHeaderName(sb, start, length);
    if (length == 4 && name.contentEqualsIgnoreCase(HttpHeaderNames.HOST)) {
      hosts++;
    }
    return name;
  }

  /** Called by the decoder once a head is read, before its body: where the head is judged. */
  @Override
  protected boolean isContentAlwaysEmpty(HttpMessage msg) {
    if (folded) {
      throw new BadHead(400, "A header line may not start with whitespace (obs-fold).", "invalid_http_request");
    }
    if (msg.protocolVersion() != HttpVersion.HTTP_1_1 && msg.protocolVersion() != HttpVersion.HTTP_1_0) {
      throw new BadHead(505, "Only HTTP/1.1 and HTTP/1.0 are served.", "http_version_not_supported");
    }
    if (hosts > 1) {
      throw new BadHead(400, "The request has more than one Host header.", "invalid_request_target");
    }
    HttpHeaders headers = msg.headers();
    if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
      List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
      if (codings.size() != 1 || !"chunked".equalsIgnoreCase(codings.get(0).trim())) {
        throw new BadHead(400, "Transfer-Encoding must be exactly 'chunked', once.", "ambiguous_framing");
      }
      if (headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
        throw new BadHead(400, "A request may not have both Content-Length and Transfer-Encoding.",
            "ambiguous_framing");
      }
    }
    return super.isContentAlwaysEmpty(msg);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    if (!inHead && !inBody && startsHead(in)) {
      inHead = true;
      headStartedNanos = System.nanoTime();
      headLinesRead = false;
      folded = false;
    }
    if (inHead && !folded) {
      folded = foldIn(in, headLinesRead);
    }
    int before = out.size();
    int readFrom = in.readerIndex();
    super.decode(ctx, in, out);
    if (inHead && in.readerIndex() > readFrom) {
      headLinesRead = true;
    }
    for (int i = before, n = out.size(); i < n; i++) {
      Object o = out.get(i);
      if (o instanceof HttpMessage) {
        inHead = false;
        inBody = true;
        headLinesRead = false;
        folded = false;
      }
      if (o instanceof LastHttpContent) {
        inBody = false;
      }
    }
  }

  /**
   * True when a line of the head in {@code in} (up to its blank line) starts with a space or tab:
   * a folded header, which a proxy in front may read as a header of its own. The decoder has
   * consumed whole lines only, so {@code atLineStart} says whether {@code in} begins a line.
   */
  private static boolean foldIn(ByteBuf in, boolean atLineStart) {
    boolean lineStart = atLineStart;
    for (int i = in.readerIndex(), end = in.writerIndex(); i < end; i++) {
      byte b = in.getByte(i);
      if (lineStart) {
        if (b == ' ' || b == '\t') {
          return true;
        }
        if (b == '\n' || b == '\r' && i + 1 < end && in.getByte(i + 1) == '\n') {
          return false;
        }
      }
      lineStart = b == '\n';
    }
    return false;
  }

  /** Line breaks between requests are skipped by the decoder and start no head. */
  private static boolean startsHead(ByteBuf in) {
    for (int i = in.readerIndex(), end = in.writerIndex(); i < end; i++) {
      byte b = in.getByte(i);
      if (b != '\r' && b != '\n') {
        return true;
      }
    }
    return false;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    super.channelRead(ctx, msg);
    if (inHead && timer == null && ctx.channel().isActive()) {
      schedule(ctx);
    }
  }

  private void schedule(ChannelHandlerContext ctx) {
    long left = headStartedNanos + headTimeoutNanos - System.nanoTime();
    timer = ctx.executor().schedule(() -> onTimer(ctx), Math.max(0, left), TimeUnit.NANOSECONDS);
  }

  private void onTimer(ChannelHandlerContext ctx) {
    timer = null;
    if (!inHead || !ctx.channel().isActive()) {
      return;
    }
    if (System.nanoTime() - headStartedNanos >= headTimeoutNanos) {
      LOG.debug("closing a connection from {}: its request head took longer than {} ms",
          ctx.channel().remoteAddress(), TimeUnit.NANOSECONDS.toMillis(headTimeoutNanos));
      ctx.close();
    } else {
      schedule(ctx);
    }
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    super.handlerRemoved0(ctx);
  }
}
