package io.yugong.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import io.yugong.config.NodeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.LoggerFactory;

/**
 * The node's per-request log: one JSON line per request (time, request id, account, model,
 * upstream key id, node, status, attempts, tokens, cost, time to first byte, duration), never a
 * key. The archive for log shippers: Redis keeps only the latest ledger entries of an account.
 *
 * <p>The event loop only puts the entry and its instant in a bounded queue: no syscall, no thread
 * woken, no text built on the request's path. A writer thread of the node's drains the queue every
 * {@link #DRAIN_MS} ms and writes the entries' lines through logback, a few hundred lines per
 * logging event, to {@code requests-PORT.jsonl} in the configured directory, rolled daily and at
 * 100 MB, gzipped at the fastest level ({@link RequestLogRolling}), 14 days and 5 GB kept — or to
 * stdout — and flushes once per batch. (Logback's own AsyncAppender woke its worker and wrote to the file once per line: a write and a futex per
 * request, issue 8's strace.) The queue holds 16,384 lines; when the disk cannot keep up and it
 * is full, lines are dropped, counted and warned of, rather than the event loop stalled.
 */
public final class RequestLog {

  /** What one request did, as its log line says it. Costs are nano-dollars. */
  public record Entry(String requestId, String accountId, String model, String upstreamKeyId,
      int status, int attempts, long promptTokens, long cachedTokens, long completionTokens,
      long costNanos, long firstByteMs, long durationMs) {}

  private static final String LOGGER_PREFIX = "yugong.requests.";
  private static final int QUEUE = 16_384;
  /** How often the writer drains the queue: a line reaches the file within about this. */
  static final long DRAIN_MS = 100;
  /** Lines per logback event: about 85 KB of usual lines, the most a file outgrows its 100 MB by. */
  private static final int CHUNK_LINES = 256;
  private static final Map<String, RequestLog> OPEN = new ConcurrentHashMap<>();

  private final String nodeId;
  private final ch.qos.logback.classic.Logger logger;
  private final OutputStreamAppender<ILoggingEvent> sink;
  private final ArrayBlockingQueue<Queued> queue = new ArrayBlockingQueue<>(QUEUE);
  private final AtomicLong dropped = new AtomicLong();
  private final Thread writer;
  private volatile boolean closing;

  private RequestLog(String nodeId, ch.qos.logback.classic.Logger logger, OutputStreamAppender<ILoggingEvent> sink) {
    this.nodeId = nodeId;
    this.logger = logger;
    this.sink = sink;
    if (logger == null) {
      writer = null;
      return;
    }
    writer = new Thread(this::drainUntilClosed, "yugong-request-log-" + nodeId);
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * The request log of node {@code nodeId}, opened on first use from YUGONG_REQUEST_LOG.
   *
   * @throws NodeConfig.Invalid when the directory cannot be created or written
   */
  public static RequestLog of(NodeConfig cfg, String nodeId) {
    return OPEN.computeIfAbsent(nodeId, id -> open(cfg, id));
  }

  /** Stops node {@code nodeId}'s log, writing what is queued. */
  public static void close(String nodeId) {
    RequestLog log = OPEN.remove(nodeId);
    if (log != null && log.logger != null) {
      log.closing = true;
      LockSupport.unpark(log.writer);
      try {
        log.writer.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      log.logger.detachAndStopAllAppenders();
    }
  }

  /** An entry and the instant it was written at (its line is built by the writer). */
  private record Queued(Entry entry, long atMs) {}

  /** Queues the line of one finished request; never blocks, never wakes a thread. */
  public void write(Entry e) {
    if (logger == null) {
      return;
    }
    if (!queue.offer(new Queued(e, System.currentTimeMillis()))) {
      dropped.incrementAndGet();
    }
  }

  private void drainUntilClosed() {
    List<Queued> batch = new ArrayList<>(1024);
    while (true) {
      boolean last = closing;
      queue.drainTo(batch);
      if (!batch.isEmpty()) {
        try {
          // a few hundred lines per logback event: its event, encoder and rollover check once per
          // chunk, not per line (the appender's pattern adds nothing; each line ends itself)
          StringBuilder chunk = new StringBuilder(Math.min(batch.size(), CHUNK_LINES) * 352);
          int lines = 0;
          for (Queued q : batch) {
            append(chunk, q.entry(), nodeId, q.atMs()).append('\n');
            if (++lines == CHUNK_LINES) {
              logger.info(chunk.toString());
              chunk.setLength(0);
              lines = 0;
            }
          }
          if (lines > 0) {
            logger.info(chunk.toString());
          }
          sink.getOutputStream().flush();
        } catch (IOException | RuntimeException e) {
          LoggerFactory.getLogger(RequestLog.class).warn("node {}: writing the request log failed: {}", nodeId,
              e.toString());
        }
        batch.clear();
      }
      long lost = dropped.getAndSet(0);
      if (lost > 0) {
        LoggerFactory.getLogger(RequestLog.class).warn("node {}: the request log could not keep up; {} line(s) "
            + "dropped", nodeId, lost);
      }
      if (last) {
        return;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(DRAIN_MS));
    }
  }

  /**
   * The JSON line of one request, written by hand: a JsonObject and its encoder cost the hot
   * path more than the rest of the line (issue 8's profile).
   */
  static String line(Entry e, String nodeId, long nowMs) {
    return append(new StringBuilder(320), e, nodeId, nowMs).toString();
  }

  /** Appends {@link #line}'s text to {@code b}. */
  private static StringBuilder append(StringBuilder b, Entry e, String nodeId, long nowMs) {
    b.append("{\"time\":\"");
    Clock.iso(b, nowMs);
    b.append('"');
    text(b, "requestId", e.requestId());
    text(b, "accountId", e.accountId());
    text(b, "model", e.model());
    text(b, "upstreamKeyId", e.upstreamKeyId());
    text(b, "node", nodeId);
    b.append(",\"status\":").append(e.status())
        .append(",\"attempts\":").append(e.attempts())
        .append(",\"promptTokens\":").append(e.promptTokens())
        .append(",\"cachedTokens\":").append(e.cachedTokens())
        .append(",\"completionTokens\":").append(e.completionTokens())
        .append(",\"cost\":").append(e.costNanos())
        .append(",\"firstByteMs\":").append(e.firstByteMs())
        .append(",\"durationMs\":").append(e.durationMs());
    return b.append('}');
  }

  /** {@code ,"name":"value"} with the value escaped as JSON requires, or {@code null}. */
  private static void text(StringBuilder b, String name, String value) {
    b.append(",\"").append(name).append("\":");
    if (value == null) {
      b.append("null");
      return;
    }
    b.append('"');
    int plain = 0;
    while (plain < value.length() && plain(value.charAt(plain))) {
      plain++;
    }
    // nearly every value (ids, model names) needs no escape: one copy, not a char at a time
    b.append(value, 0, plain);
    for (int i = plain; i < value.length(); i++) {
      char ch = value.charAt(i);
      switch (ch) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (ch < 0x20 || ch == 0x2028 || ch == 0x2029) {
            b.append(String.format("\\u%04x", (int) ch));
          } else {
            b.append(ch);
          }
        }
      }
    }
    b.append('"');
  }

  private static boolean plain(char ch) {
    return ch >= 0x20 && ch != '"' && ch != '\\' && ch != 0x2028 && ch != 0x2029;
  }

  /** ISO-8601 UTC instants with milliseconds, the second's text cached per thread. */
  private static final class Clock {
    private static final ThreadLocal<Object[]> LAST = ThreadLocal.withInitial(() -> new Object[] {-1L, ""});

    static void iso(StringBuilder b, long ms) {
      long second = Math.floorDiv(ms, 1000);
      Object[] last = LAST.get();
      if ((long) last[0] != second) {
        String t = java.time.Instant.ofEpochSecond(second).toString(); // 2026-12-01T15:05:07Z
        last[0] = second;
        last[1] = t.substring(0, t.length() - 1);
      }
      int millis = (int) Math.floorMod(ms, 1000);
      b.append((String) last[1]).append('.');
      if (millis < 100) {
        b.append('0');
      }
      if (millis < 10) {
        b.append('0');
      }
      b.append(millis).append('Z');
    }
  }

  private static RequestLog open(NodeConfig cfg, String nodeId) {
    String where = cfg.requestLog();
    if (where.equalsIgnoreCase("off")) {
      return new RequestLog(nodeId, null, null);
    }
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext lc)) {
      LoggerFactory.getLogger(RequestLog.class).warn("the request log needs logback as the SLF4J "
          + "binding; it is off");
      return new RequestLog(nodeId, null, null);
    }
    OutputStreamAppender<ILoggingEvent> sink = where.equalsIgnoreCase("stdout") ? console(lc)
        : file(lc, Path.of(where), cfg.port());
    ch.qos.logback.classic.Logger logger = lc.getLogger(LOGGER_PREFIX + nodeId);
    logger.setAdditive(false);
    logger.setLevel(Level.INFO);
    logger.addAppender(sink);
    return new RequestLog(nodeId, logger, sink);
  }

  private static PatternLayoutEncoder lines(LoggerContext lc) {
    PatternLayoutEncoder enc = new PatternLayoutEncoder();
    enc.setContext(lc);
    enc.setPattern("%msg");
    enc.start();
    return enc;
  }

  private static OutputStreamAppender<ILoggingEvent> console(LoggerContext lc) {
    ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
    out.setContext(lc);
    out.setName("requests-stdout");
    out.setEncoder(lines(lc));
    out.setImmediateFlush(false); // the writer flushes once per batch
    out.start();
    return out;
  }

  private static OutputStreamAppender<ILoggingEvent> file(LoggerContext lc, Path dir, int port) {
    return file(lc, dir, port, FileSize.valueOf("100MB"), FileSize.valueOf("5GB"));
  }

  /** The file appender, with its file size and archive cap given (the test rolls small files). */
  static OutputStreamAppender<ILoggingEvent> file(LoggerContext lc, Path dir, int port, FileSize maxFile,
      FileSize archiveCap) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new NodeConfig.Invalid("YUGONG_REQUEST_LOG names the directory " + dir + ", which cannot be "
          + "created (" + e.getMessage() + "); name another, or use stdout or off");
    }
    if (!Files.isWritable(dir)) {
      throw new NodeConfig.Invalid("YUGONG_REQUEST_LOG names the directory " + dir + ", which this "
          + "process cannot write; name another, or use stdout or off");
    }
    String base = dir.resolve("requests-" + port).toString();
    RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
    file.setContext(lc);
    file.setName("requests-file-" + port);
    file.setFile(base + ".jsonl");
    SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new RequestLogRolling<>();
    policy.setContext(lc);
    policy.setParent(file);
    policy.setFileNamePattern(base + ".%d{yyyy-MM-dd}.%i.jsonl.gz");
    policy.setMaxFileSize(maxFile);
    policy.setMaxHistory(14);
    policy.setTotalSizeCap(archiveCap);
    policy.start();
    file.setRollingPolicy(policy);
    file.setEncoder(lines(lc));
    file.setImmediateFlush(false); // the writer flushes once per batch
    file.setBufferSize(new FileSize(64 * 1024));
    file.start();
    return file;
  }
}
