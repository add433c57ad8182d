package io.yugong.node;

import ch.qos.logback.core.rolling.RolloverFailure;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.rolling.TimeBasedFileNamingAndTriggeringPolicy;
import ch.qos.logback.core.rolling.helper.ArchiveRemover;
import ch.qos.logback.core.rolling.helper.CompressionMode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * The request log's rolling: logback's size-and-time policy, with its file names, index, history
 * and size cap, except that a rolled file is gzipped at zlib's fastest level instead of its
 * default (6). Gzipping rolled files took about 6 % of a loaded node's CPU. Level 1 takes 2.2–2.7×
 * less time, for an archive about 18 % larger (docs/benchmarks.md). Logback has no setting for
 * the level.
 *
 * <p>It rolls over as logback does. On the writer thread, the active file is renamed aside. On
 * logback's executor, the renamed file is compressed into {@code <archive>.gz} and then deleted,
 * and logback's remover applies the history and the size cap. The archive is written under a
 * {@code .part} name and renamed when whole, so the remover never counts half an archive. An
 * archive that exists already is never overwritten. A file that cannot be compressed is kept as
 * it is, with an error in logback's status.
 */
final class RequestLogRolling<E> extends SizeAndTimeBasedRollingPolicy<E> {

  private static final int BUFFER = 64 * 1024;
  /** How long stopping waits for a rolled file's compression (logback's own wait is 30 s). */
  private static final long STOP_WAIT_SECONDS = 30;

  private volatile Future<?> compression;
  private volatile Future<?> cleanUp;

  @Override
  public void start() {
    super.start();
    if (getCompressionMode() != CompressionMode.GZ) {
      throw new IllegalStateException("the request log's archive pattern must end in .gz: " + getFileNamePattern());
    }
  }

  @Override
  public void rollover() throws RolloverFailure {
    String active = getParentsRawFileProperty();
    if (active == null) {
      super.rollover(); // no file of its own to rename: logback's way
      return;
    }
    TimeBasedFileNamingAndTriggeringPolicy<E> naming = getTimeBasedFileNamingAndTriggeringPolicy();
    Path archive = Path.of(naming.getElapsedPeriodsFileName() + ".gz");
    Path raw = Path.of(active);
    Path aside = raw.resolveSibling(raw.getFileName() + "." + System.nanoTime() + ".tmp");
    try {
      Files.move(raw, aside, StandardCopyOption.ATOMIC_MOVE);
      compression = getContext().getExecutorService().submit(() -> compress(aside, archive));
    } catch (NoSuchFileException e) {
      addWarn("the request log " + raw + " was gone at rollover; nothing to archive");
    } catch (IOException e) {
      throw new RolloverFailure("could not rename " + raw + " to " + aside + ": " + e);
    }
    ArchiveRemover remover = naming.getArchiveRemover();
    if (remover != null) {
      cleanUp = remover.cleanAsynchronously(Instant.ofEpochMilli(naming.getCurrentTime()));
    }
  }

  private void compress(Path source, Path archive) {
    if (Files.exists(archive)) {
      addError("the archive " + archive + " exists already; " + source + " is kept uncompressed");
      return;
    }
    Path partial = archive.resolveSibling(archive.getFileName() + ".part");
    try {
      try (InputStream in = Files.newInputStream(source);
          OutputStream out = new FastestGzip(new BufferedOutputStream(Files.newOutputStream(partial), BUFFER))) {
        in.transferTo(out);
      }
      Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE);
      Files.delete(source);
    } catch (IOException e) {
      addError("could not compress " + source + " into " + archive + "; it is kept uncompressed", e);
      try {
        Files.deleteIfExists(partial);
      } catch (IOException ignored) {
        // the error above says what happened; a stray .part is not counted by the remover
      }
    }
  }

  @Override
  public void stop() {
    await(compression, "compression");
    await(cleanUp, "clean-up");
    super.stop();
  }

  private void await(Future<?> job, String what) {
    if (job == null) {
      return;
    }
    try {
      job.get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      addError("the request log's archive " + what + " did not finish within " + STOP_WAIT_SECONDS + " s");
    } catch (ExecutionException e) {
      addError("the request log's archive " + what + " failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Gzip at the fastest level, with a large buffer. */
  private static final class FastestGzip extends GZIPOutputStream {
    FastestGzip(OutputStream out) throws IOException {
      super(out, BUFFER);
      def.setLevel(Deflater.BEST_SPEED);
    }
  }
}
