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


  private final Vertx vertx;
  private final String path;
  private long size;
  /** The form's small fields as they pass; null when the body is not a multipart form. */
  private FormFields form;

  private UploadSpool(Vertx vertx, String path) {
    this.vertx = vertx;
    this.path = path;
  }

  /** Streams the request body into a new temporary file, refusing it past {@code limit} bytes. */
  static Future<UploadSpool> receive(Vertx vertx, HttpServerRequest req, long limit) {
    FormFields form;
    try {
      form = FormFields.of(req.getHeader(io.vertx.core.http.HttpHeaders.CONTENT_TYPE));
    } catch (ApiError e) {
      return Future.failedFuture(e);
    }
    return vertx.fileSystem().createTempFile("yugong-upload-", ".part").compose(path -> {
      UploadSpool spool = new UploadSpool(vertx, path);
      spool.form = form;
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
      if (form != null) {
        try {
          form.feed(chunk);
        } catch (ApiError e) {
          req.pause();
          done.tryFail(e);
          return;
        }
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

  /** A small text field of a multipart upload (model, response_format, n, size, quality), or null. */
  String field(String name) {
    return form == null ? null : form.fields().get(name);
  }

  /** The stored objects the form's fields name. */
  java.util.List<ObjectRefs.Ref> objectRefs() {
    return form == null ? java.util.List.of() : ObjectRefs.ofForm(form.fields());
  }

  /** The fields that set an upload's price (image edits and variations): n, size, quality. */
  io.vertx.core.json.JsonObject pricedFields() {
    io.vertx.core.json.JsonObject o = new io.vertx.core.json.JsonObject();
    for (String f : new String[] {"n", "size", "quality"}) {
      String v = field(f);
      if (v != null) {
        o.put(f, v);
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
