package io.yugong.mock;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Chat completions made with {@code "store": true}, kept per API key as OpenAI keeps them per
 * project: {@code GET /v1/chat/completions/{id}}, its {@code /messages}, {@code POST} (its metadata)
 * and {@code DELETE}. Another key's completion is not found.
 */
final class StoredChatCompletions {

  static final String OBJECT = "chat.completion";
  /** The most messages one page of {@code /messages} holds, and how many it holds unless asked. */
  private static final int MAX_LIMIT = 100;
  private static final int DEFAULT_LIMIT = 20;
  /** The most metadata pairs OpenAI takes, and their key and value lengths. */
  private static final int MAX_METADATA = 16;
  private static final int MAX_METADATA_KEY = 64;
  private static final int MAX_METADATA_VALUE = 512;

  private StoredChatCompletions() {
  }

  /**
   * Keeps the completion the answer tells (its JSON text, as sent or as its stream adds up to) with
   * the request's messages and metadata.
   */
  static void store(Exchange ex, String id, JsonArray messages, String answer) {
    JsonObject completion = new JsonObject(answer);
    completion.put("metadata", ex.json.getValue("metadata") instanceof JsonObject m ? m.copy() : new JsonObject());
    JsonArray stored = new JsonArray();
    for (int i = 0; i < messages.size(); i++) {
      if (messages.getValue(i) instanceof JsonObject m) {
        stored.add(message(id + "-" + i, m));
      }
    }
    ex.env.control().stored.put(ex.apiKey, id, completion, stored.toBuffer());
  }

  /** A stored message: an input message with its id, its text as {@code content} and its parts. */
  private static JsonObject message(String id, JsonObject m) {
    Object content = m.getValue("content");
    Object text = content;
    JsonArray parts = null;
    if (content instanceof JsonArray array) {
      StringBuilder sb = new StringBuilder();
      for (Object part : array) {
        if (part instanceof JsonObject p && p.getValue("text") instanceof String s) {
          sb.append(s);
        }
      }
      text = sb.toString();
      parts = array.copy();
    } else if (!(content instanceof String)) {
      text = null;
    }
    return new JsonObject().put("id", id).put("role", m.getValue("role") instanceof String r ? r : "user")
        .put("content", text).put("name", m.getValue("name") instanceof String n ? n : null)
        .put("content_parts", parts);
  }

  /** GET /v1/chat/completions/{id}. */
  static void retrieve(Exchange ex) {
    StoredObjects.Stored s = find(ex);
    if (s != null) {
      ex.json(s.object());
    }
  }

  /** POST /v1/chat/completions/{id}: replaces its metadata, answers the completion. */
  static void update(Exchange ex) {
    if (!Validation.required(ex, "metadata")) {
      return;
    }
    Object metadata = ex.json.getValue("metadata");
    if (!(metadata instanceof JsonObject m)) {
      ex.invalid("Invalid type for 'metadata': expected an object, but got " + Validation.typeName(metadata)
          + " instead.", "metadata", "invalid_type");
      return;
    }
    if (m.size() > MAX_METADATA) {
      ex.invalid("Invalid 'metadata': too many properties. Expected an object with at most " + MAX_METADATA
          + " properties, but got an object with " + m.size() + " properties instead.", "metadata",
          "object_above_max_properties");
      return;
    }
    for (String k : m.fieldNames()) {
      if (k.length() > MAX_METADATA_KEY || !(m.getValue(k) instanceof String v) || v.length() > MAX_METADATA_VALUE) {
        ex.invalid("Invalid 'metadata': keys are strings of at most " + MAX_METADATA_KEY + " characters, values "
            + "strings of at most " + MAX_METADATA_VALUE + ".", "metadata", "invalid_value");
        return;
      }
    }
    StoredObjects.Stored s = find(ex);
    if (s == null) {
      return;
    }
    JsonObject updated = s.object().copy().put("metadata", m.copy());
    if (!ex.env.control().stored.replace(ex.apiKey, updated.getString("id"), updated, s.content())) {
      notFound(ex); // deleted meanwhile
      return;
    }
    ex.json(updated);
  }

  /** DELETE /v1/chat/completions/{id}. */
  static void delete(Exchange ex) {
    StoredObjects.Stored s = find(ex);
    if (s != null) {
      String id = s.object().getString("id");
      ex.env.control().stored.remove(ex.apiKey, id);
      ex.json(new JsonObject().put("object", "chat.completion.deleted").put("id", id).put("deleted", true));
    }
  }

  /** GET /v1/chat/completions/{id}/messages?limit=&after=&order=: a page of its input messages. */
  static void messages(Exchange ex) {
    StoredObjects.Stored s = find(ex);
    if (s == null) {
      return;
    }
    int limit = DEFAULT_LIMIT;
    String asked = ex.req.getParam("limit");
    if (asked != null) {
      try {
        limit = Integer.parseInt(asked.trim());
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > MAX_LIMIT) {
        ex.invalid("Invalid 'limit': expected an integer between 1 and " + MAX_LIMIT + ".", "limit", "invalid_value");
        return;
      }
    }
    String order = ex.req.getParam("order");
    if (order != null && !order.equals("asc") && !order.equals("desc")) {
      ex.invalid("Invalid value for 'order': expected one of 'asc' or 'desc'.", "order", "invalid_value");
      return;
    }
    JsonArray all = new JsonArray(s.content() == null ? Buffer.buffer("[]") : s.content());
    if ("desc".equals(order)) {
      JsonArray reversed = new JsonArray();
      for (int i = all.size() - 1; i >= 0; i--) {
        reversed.add(all.getValue(i));
      }
      all = reversed;
    }
    int from = 0;
    String after = ex.req.getParam("after");
    if (after != null) {
      for (int i = 0; i < all.size(); i++) {
        if (after.equals(all.getJsonObject(i).getString("id"))) {
          from = i + 1;
          break;
        }
      }
    }
    JsonArray data = new JsonArray();
    for (int i = from; i < all.size() && data.size() < limit; i++) {
      data.add(all.getValue(i));
    }
    ex.json(new JsonObject().put("object", "list").put("data", data)
        .put("first_id", data.isEmpty() ? null : data.getJsonObject(0).getString("id"))
        .put("last_id", data.isEmpty() ? null : data.getJsonObject(data.size() - 1).getString("id"))
        .put("has_more", from + data.size() < all.size()));
  }

  /** The key's stored completion named by the path, or null after answering OpenAI's 404. */
  private static StoredObjects.Stored find(Exchange ex) {
    String id = ex.ctx.pathParam("id");
    StoredObjects.Stored s = ex.env.control().stored.get(ex.apiKey, id);
    if (s == null || !OBJECT.equals(s.object().getString("object"))) {
      notFound(ex);
      return null;
    }
    return s;
  }

  private static void notFound(Exchange ex) {
    ex.error(404, "Chat completion with id '" + ex.ctx.pathParam("id") + "' not found.", "invalid_request_error",
        null, null);
  }
}
