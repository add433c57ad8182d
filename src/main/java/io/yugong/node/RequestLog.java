package io.yugong.node;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import io.vertx.core.json.JsonObject;
import io.yugong.config.NodeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.LoggerFactory;

/**
 * The node's per-request log: one JSON line per request (time, request id, account, model,
 * upstream key id, node, status, attempts, tokens, cost, time to first byte, duration), never a
 * key. The archive for log shippers: Redis keeps only the latest ledger entries of an account.
 *
 * <p>Lines go through a logback {@link AsyncAppender}, so the event loop only queues them; a
 * worker thread writes them to {@code requests-PORT.jsonl} in the configured directory, rolled
 * daily and at 100 MB, gzipped, 14 days and 5 GB kept — or to stdout. The queue holds 16,384
 * lines; when the disk cannot keep up and it is full, lines are dropped rather than the event
 * loop stalled.
 */
public final class RequestLog {

  /** What one request did, as its log line says it. Costs are nano-dollars. */
  public record Entry(String requestId, String accountId, String model, String upstreamKeyId,
      int status, int attempts, long promptTokens, long cachedTokens, long completionTokens,
      long costNanos, long firstByteMs, long durationMs) {}

  private static final String LOGGER_PREFIX = "yugong.requests.";
  private static final int QUEUE = 16_384;
  private static final Map<String, RequestLog> OPEN = new ConcurrentHashMap<>();

  private final String nodeId;
  private final ch.qos.logback.classic.Logger logger;

  private RequestLog(String nodeId, ch.qos.logback.classic.Logger logger) {
    this.nodeId = nodeId;
    this.logger = logger;
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
      log.logger.detachAndStopAllAppenders();
    }
  }

  /** Queues the line of one finished request; never blocks. */
  public void write(Entry e) {
    if (logger == null) {
      return;
    }
    logger.info(new JsonObject()
        .put("time", java.time.Instant.now().toString())
        .put("requestId", e.requestId())
        .put("accountId", e.accountId())
        .put("model", e.model())
        .put("upstreamKeyId", e.upstreamKeyId())
        .put("node", nodeId)
        .put("status", e.status())
        .put("attempts", e.attempts())
        .put("promptTokens", e.promptTokens())
        .put("cachedTokens", e.cachedTokens())
        .put("completionTokens", e.completionTokens())
        .put("cost", e.costNanos())
        .put("firstByteMs", e.firstByteMs())
        .put("durationMs", e.durationMs())
        .encode());
  }

  private static RequestLog open(NodeConfig cfg, String nodeId) {
    String where = cfg.requestLog();
    if (where.equalsIgnoreCase("off")) {
      return new RequestLog(nodeId, null);
    }
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext lc)) {
      LoggerFactory.getLogger(RequestLog.class).warn("the request log needs logback as the SLF4J "
          + "binding; it is off");
      return new RequestLog(nodeId, null);
    }
    Appender<ILoggingEvent> sink = where.equalsIgnoreCase("stdout") ? console(lc)
        : file(lc, Path.of(where), cfg.port());
    AsyncAppender async = new AsyncAppender();
    async.setContext(lc);
    async.setName("requests-async-" + nodeId);
    async.setQueueSize(QUEUE);
    async.setDiscardingThreshold(0);
    async.setNeverBlock(true);
    async.setIncludeCallerData(false);
    async.addAppender(sink);
    async.start();
    ch.qos.logback.classic.Logger logger = lc.getLogger(LOGGER_PREFIX + nodeId);
    logger.setAdditive(false);
    logger.setLevel(Level.INFO);
    logger.addAppender(async);
    return new RequestLog(nodeId, logger);
  }

  private static PatternLayoutEncoder lines(LoggerContext lc) {
    PatternLayoutEncoder enc = new PatternLayoutEncoder();
    enc.setContext(lc);
    enc.setPattern("%msg%n");
    enc.start();
    return enc;
  }

  private static Appender<ILoggingEvent> console(LoggerContext lc) {
    ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
    out.setContext(lc);
    out.setName("requests-stdout");
    out.setEncoder(lines(lc));
    out.start();
    return out;
  }

  private static Appender<ILoggingEvent> file(LoggerContext lc, Path dir, int port) {
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
    SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
    policy.setContext(lc);
    policy.setParent(file);
    policy.setFileNamePattern(base + ".%d{yyyy-MM-dd}.%i.jsonl.gz");
    policy.setMaxFileSize(FileSize.valueOf("100MB"));
    policy.setMaxHistory(14);
    policy.setTotalSizeCap(FileSize.valueOf("5GB"));
    policy.start();
    file.setRollingPolicy(policy);
    file.setEncoder(lines(lc));
    file.start();
    return file;
  }
}
