package io.yugong.mock;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Objects the emulator keeps for each API key, as OpenAI keeps them for each organisation or
 * project: files, stored responses and stored chat completions. An object created with one key is invisible to every
 * other key. Thread-safe; bounded per key (the oldest are not evicted: past the bound, creating
 * fails as a full project would).
 */
final class StoredObjects {

  /** Objects one key may keep. */
  static final int MAX_PER_KEY = 10_000;

  /** One stored object: its JSON and, for files, its content (for chat completions, its messages as a JSON array). */
  record Stored(JsonObject object, Buffer content) {
  }

  private final Map<String, Map<String, Stored>> byKey = new ConcurrentHashMap<>();

  /** False when the key already keeps {@link #MAX_PER_KEY} objects. */
  boolean put(String apiKey, String id, JsonObject object, Buffer content) {
    Map<String, Stored> objects = byKey.computeIfAbsent(apiKey, k -> new ConcurrentHashMap<>());
    if (objects.size() >= MAX_PER_KEY) {
      return false;
    }
    objects.put(id, new Stored(object, content));
    return true;
  }

  /** Replaces an object the key stores; false when it stores none under this id. */
  boolean replace(String apiKey, String id, JsonObject object, Buffer content) {
    Map<String, Stored> objects = byKey.get(apiKey);
    return objects != null && objects.computeIfPresent(id, (k, old) -> new Stored(object, content)) != null;
  }

  /** The object the key stored under this id, or null (another key's objects are never found). */
  Stored get(String apiKey, String id) {
    Map<String, Stored> objects = byKey.get(apiKey);
    return objects == null || id == null ? null : objects.get(id);
  }

  boolean remove(String apiKey, String id) {
    Map<String, Stored> objects = byKey.get(apiKey);
    return objects != null && objects.remove(id) != null;
  }

  /** The key's objects whose JSON {@code object} field is {@code kind}. */
  java.util.List<JsonObject> list(String apiKey, String kind) {
    Map<String, Stored> objects = byKey.get(apiKey);
    java.util.List<JsonObject> out = new java.util.ArrayList<>();
    if (objects != null) {
      for (Stored s : objects.values()) {
        if (kind.equals(s.object().getString("object"))) {
          out.add(s.object());
        }
      }
    }
    out.sort(java.util.Comparator.comparingLong(o -> -o.getLong("created_at", 0L)));
    return out;
  }

  void clear() {
    byKey.clear();
  }
}
