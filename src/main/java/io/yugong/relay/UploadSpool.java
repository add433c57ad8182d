package io.yugong.relay;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import io.yugong.gateway.ApiError;

/**
 * Spools an upload (multipart audio, files) to a temporary file as it arrives, without holding
 * it in memory, so that a retry on another key can send it again. The file is deleted when the
 * request is over.
 */
final class UploadSpool {

  /**
   * A small form field Yugong reads: the model (policy, price) and what sets an image request's
   * price (n, size, quality). The name may be quoted or not.
   */
  private static final java.util.regex.Pattern FIELD = java.util.regex.Pattern.compile(
      "(?<![A-Za-z])(?i:name)=(\"?)(model|response_format|n|size|quality)\\1[ \t]*\r\n(?:[^\r\n]*\r\n)*?\r\n"
          + "([^\r\n]{1,200})\r\n");
  private static final int TAIL = 1024;

  private final Vertx vertx;
  private final String path;
  private long size;
  private final java.util.Map<String, String> fields = new java.util.HashMap<>();
  private String tail = "";
  /** A field sent twice with different values: the upload is refused, as it is ambiguous. */
  private String conflicting;

  private UploadSpool(Vertx vertx, String path) {
    this.vertx = vertx;
    this.path = path;
  }

  /** Streams the request body into a new temporary file, refusing it past {@code limit} bytes. */
  static Future<UploadSpool> receive(Vertx vertx, HttpServerRequest req, long limit) {
    return vertx.fileSystem().createTempFile("yugong-upload-", ".part").compose(path -> {
      UploadSpool spool = new UploadSpool(vertx, path);
      return vertx.fileSystem().open(path, new OpenOptions().setWrite(true).setTruncateExisting(true))
          .compose(file -> spool.fill(req, file, limit))
          .map(spool)
          .recover(e -> spool.delete().transform(x -> Future.failedFuture(e)));
    });
  }

  private Future<Void> fill(HttpServerRequest req, AsyncFile file, long limit) {
    Promise<Void> done = Promise.promise();
    req.handler(chunk -> {
      if (done.future().isComplete()) {
        return;
      }
      size += chunk.length();
      if (size > limit) {
        req.pause();
        done.tryFail(ApiError.tooLarge(limit));
        return;
      }
      sniff(chunk);
      if (conflicting != null) {
        req.pause();
        done.tryFail(ApiError.invalidRequest("The form field '" + conflicting + "' is sent more than "
            + "once with different values; send it once.", conflicting));
        return;
      }
      file.write(chunk);
      if (file.writeQueueFull()) {
        req.pause();
        file.drainHandler(v -> req.resume());
      }
    });
    // the client's connection failing mid-upload is the client's doing, not an error of Yugong's
    req.exceptionHandler(e -> done.tryFail(ApiError.invalidRequest("The upload was interrupted ("
        + e.getClass().getSimpleName() + ").", null)));
    req.endHandler(v -> done.tryComplete());
    req.resume();
    return done.future().transform(ar -> file.close().transform(c -> ar.succeeded()
        ? Future.succeededFuture() : Future.failedFuture(ar.cause())));
  }

  /** Looks for the small form fields Yugong needs as the bytes pass; notes conflicting repeats. */
  private void sniff(io.vertx.core.buffer.Buffer chunk) {
    String text = tail + chunk.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    java.util.regex.Matcher m = FIELD.matcher(text);
    while (m.find()) {
      String name = m.group(2);
      String value = m.group(3).trim();
      String before = fields.putIfAbsent(name, value);
      if (before != null && !before.equals(value) && conflicting == null) {
        conflicting = name;
      }
    }
    tail = text.length() > TAIL ? text.substring(text.length() - TAIL) : text;
  }

  /** A small text field of a multipart upload (model, response_format, n, size, quality), or null. */
  String field(String name) {
    return fields.get(name);
  }

  /** The fields that set an upload's price (image edits and variations): n, size, quality. */
  io.vertx.core.json.JsonObject pricedFields() {
    io.vertx.core.json.JsonObject o = new io.vertx.core.json.JsonObject();
    for (String f : new String[] {"n", "size", "quality"}) {
      if (fields.containsKey(f)) {
        o.put(f, fields.get(f));
      }
    }
    return o;
  }

  long size() {
    return size;
  }

  /** Opens the spooled body for one attempt's upload. */
  Future<AsyncFile> open() {
    return vertx.fileSystem().open(path, new OpenOptions().setRead(true).setWrite(false));
  }

  Future<Void> delete() {
    return vertx.fileSystem().delete(path).otherwiseEmpty();
  }
}
