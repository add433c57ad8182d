package io.yugong.node;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.TimeBasedFileNamingAndTriggeringPolicy;
import ch.qos.logback.core.rolling.TimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The request log's file rolls over into gzip archives at the fastest level: every line is kept,
 * once and in order, across the archives and the active file; nothing half-done is left beside
 * them; and logback's size cap still removes the oldest archives. The request log's own appender,
 * with small files so that a test rolls it many times.
 */
class RequestLogRollingTest {

  private static final int PORT = 8123;
  private static final Pattern ARCHIVE = Pattern.compile("requests-" + PORT + "\\.\\d{4}-\\d\\d-\\d\\d\\.(\\d+)\\.jsonl\\.gz");

  @TempDir
  Path dir;

  @Test
  void rolledFilesBecomeWholeArchivesAtTheFastestLevelAndNoLineIsLost() throws Exception {
    List<String> written = write(FileSize.valueOf("256KB"), FileSize.valueOf("1GB"), 6_000);

    TreeMap<Integer, Path> archives = archives();
    assertThat(archives).hasSizeGreaterThanOrEqualTo(3);
    assertThat(archives.firstKey()).isZero();
    assertThat(archives.lastKey()).isEqualTo(archives.size() - 1);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .allMatch(name -> name.equals("requests-" + PORT + ".jsonl") || ARCHIVE.matcher(name).matches());
    }

    List<String> read = new ArrayList<>();
    for (Path archive : archives.values()) {
      byte[] content = gunzip(archive);
      read.addAll(lines(content));
      // zlib's fastest level leaves a file well larger than its default level would
      long fastest = Files.size(archive);
      assertThat(fastest).isGreaterThan(gzip(content, 6) * 105 / 100);
      assertThat(fastest).isLessThanOrEqualTo(gzip(content, 1) * 101 / 100 + 64);
    }
    read.addAll(lines(Files.readAllBytes(dir.resolve("requests-" + PORT + ".jsonl"))));
    assertThat(read).isEqualTo(written);
  }

  @Test
  void theArchiveCapStillRemovesTheOldestArchives() throws Exception {
    write(FileSize.valueOf("128KB"), FileSize.valueOf("200KB"), 14_000);

    TreeMap<Integer, Path> archives = archives();
    assertThat(archives.lastKey()).as("rolled many times").isGreaterThanOrEqualTo(10);
    assertThat(archives).doesNotContainKey(0);
    assertThat(archives.size()).isLessThan(archives.lastKey());
  }

  /** Writes {@code n} request-log lines as the writer does, in chunks, and stops the appender. */
  private List<String> write(FileSize maxFile, FileSize cap, int n) {
    LoggerContext lc = (LoggerContext) LoggerFactory.getILoggerFactory();
    OutputStreamAppender<ILoggingEvent> file = RequestLog.file(lc, dir, PORT, maxFile, cap);
    Logger logger = lc.getLogger("rolling-test-" + dir.getFileName());
    logger.setAdditive(false);
    logger.setLevel(Level.INFO);
    logger.addAppender(file);
    // logback looks at the file's size at most every few tens of ms of its clock: the test's clock
    // moves on by the writer's drain interval per chunk, as a loaded node's does
    TimeBasedFileNamingAndTriggeringPolicy<?> clock = ((TimeBasedRollingPolicy<?>) ((RollingFileAppender<?>) file)
        .getRollingPolicy()).getTimeBasedFileNamingAndTriggeringPolicy();
    long now = System.currentTimeMillis();
    clock.setCurrentTime(now);
    Random random = new Random(8);
    List<String> written = new ArrayList<>(n);
    StringBuilder chunk = new StringBuilder();
    for (int i = 0; i < n; i++) {
      String id = "req_" + Long.toHexString(random.nextLong()) + Integer.toHexString(i);
      String line = RequestLog.line(new RequestLog.Entry(id, "acct-" + (i % 5), "gpt-4o-mini",
          "key_" + Integer.toHexString(random.nextInt(16)), 200, 1, 10 + random.nextInt(90), 0,
          random.nextInt(200), random.nextInt(100_000), random.nextInt(9), random.nextInt(30)), "node-a",
          1_764_000_000_000L + i);
      written.add(line);
      chunk.append(line).append('\n');
      if (i % 256 == 255 || i == n - 1) {
        logger.info(chunk.toString());
        chunk.setLength(0);
        now += RequestLog.DRAIN_MS;
        clock.setCurrentTime(now);
      }
    }
    logger.detachAppender(file);
    file.stop(); // waits for the last archive
    return written;
  }

  private TreeMap<Integer, Path> archives() throws IOException {
    TreeMap<Integer, Path> out = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.forEach(p -> {
        Matcher m = ARCHIVE.matcher(p.getFileName().toString());
        if (m.matches()) {
          out.put(Integer.parseInt(m.group(1)), p);
        }
      });
    }
    return out;
  }

  private static List<String> lines(byte[] content) {
    String text = new String(content, StandardCharsets.UTF_8);
    assertThat(text).as("a file ends with a whole line").endsWith("\n");
    return List.of(text.substring(0, text.length() - 1).split("\n", -1));
  }

  private static byte[] gunzip(Path archive) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(archive))) {
      return in.readAllBytes();
    }
  }

  private static long gzip(byte[] content, int level) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out, 64 * 1024) {
      {
        def.setLevel(level);
      }
    }) {
      gz.write(content);
    }
    return out.size();
  }
}
