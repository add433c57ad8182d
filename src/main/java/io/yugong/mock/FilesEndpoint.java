package io.yugong.mock;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * {@code /v1/files}: upload (multipart {@code file} + {@code purpose}), retrieve, content, delete
 * and list, each seeing only the files of the calling key, as OpenAI's files are seen only by
 * their organisation or project.
 */
final class FilesEndpoint {

  /** The largest file the emulator keeps. */
  static final int MAX_FILE_BYTES = 8 * 1024 * 1024;

  private FilesEndpoint() {
  }

  /** POST /v1/files (the request body still paused). */
  static void upload(Exchange ex) {
    Buffer content = Buffer.buffer();
    String[] filename = {null};
    boolean[] tooLarge = {false};
    ex.req.setExpectMultipart(true);
    ex.req.uploadHandler(u -> {
      if (!"file".equals(u.name())) {
        u.handler(b -> { });
        return;
      }
      filename[0] = u.filename();
      u.handler(b -> {
        if (content.length() + b.length() > MAX_FILE_BYTES) {
          tooLarge[0] = true;
        } else {
          content.appendBuffer(b);
        }
      });
    });
    ex.req.endHandler(v -> {
      String purpose = ex.req.formAttributes().get("purpose");
      if (filename[0] == null) {
        ex.invalid("Missing required parameter: 'file'.", "file", "missing_required_parameter");
      } else if (purpose == null || purpose.isBlank()) {
        ex.invalid("Missing required parameter: 'purpose'.", "purpose", "missing_required_parameter");
      } else if (tooLarge[0]) {
        ex.error(413, "File is too large for the emulator.", "invalid_request_error", "file", null);
      } else {
        JsonObject file = new JsonObject().put("id", Ids.random("file-", 22)).put("object", "file")
            .put("bytes", content.length()).put("created_at", System.currentTimeMillis() / 1000)
            .put("filename", filename[0]).put("purpose", purpose).put("status", "processed")
            .put("status_details", null).put("expires_at", null);
        if (ex.env.control().stored.put(ex.apiKey, file.getString("id"), file, content)) {
          ex.json(file);
        } else {
          ex.error(400, "This project keeps too many files.", "invalid_request_error", null, "quota_exceeded");
        }
      }
    });
    ex.req.resume();
  }

  /** GET /v1/files/{id}. */
  static void retrieve(Exchange ex) {
    StoredObjects.Stored f = find(ex);
    if (f != null) {
      ex.json(f.object());
    }
  }

  /** GET /v1/files/{id}/content. */
  static void content(Exchange ex) {
    StoredObjects.Stored f = find(ex);
    if (f != null) {
      ex.send(200, "application/octet-stream", f.content());
    }
  }

  /** DELETE /v1/files/{id}. */
  static void delete(Exchange ex) {
    StoredObjects.Stored f = find(ex);
    if (f != null) {
      ex.env.control().stored.remove(ex.apiKey, f.object().getString("id"));
      ex.json(new JsonObject().put("id", f.object().getString("id")).put("object", "file").put("deleted", true));
    }
  }

  /** GET /v1/files: the calling key's files, newest first. */
  static void list(Exchange ex) {
    JsonArray data = new JsonArray(ex.env.control().stored.list(ex.apiKey, "file"));
    ex.json(new JsonObject().put("object", "list").put("data", data).put("has_more", false)
        .put("first_id", data.isEmpty() ? null : data.getJsonObject(0).getString("id"))
        .put("last_id", data.isEmpty() ? null : data.getJsonObject(data.size() - 1).getString("id")));
  }

  /** The key's file named by the path, or null after answering OpenAI's 404. */
  private static StoredObjects.Stored find(Exchange ex) {
    String id = ex.ctx.pathParam("id");
    StoredObjects.Stored f = ex.env.control().stored.get(ex.apiKey, id);
    if (f == null || !"file".equals(f.object().getString("object"))) {
      ex.error(404, "No such File object: " + id, "invalid_request_error", "id", null);
      return null;
    }
    return f;
  }
}
