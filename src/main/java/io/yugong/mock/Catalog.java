package io.yugong.mock;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/** GET /v1/models and /v1/models/{id}: a fixed catalog of realistic models. */
final class Catalog {

  private static final Map<String, JsonObject> MODELS = new LinkedHashMap<>();

  static {
    add("gpt-4o", 1715367049L, "system");
    add("gpt-4o-mini", 1721172741L, "system");
    add("gpt-4.1", 1744316542L, "system");
    add("gpt-4.1-mini", 1744318173L, "system");
    add("gpt-4.1-nano", 1744321707L, "system");
    add("o3-mini", 1737146383L, "system");
    add("o4-mini", 1744225351L, "system");
    add("gpt-3.5-turbo-instruct", 1692901427L, "system");
    add("text-embedding-3-small", 1705948997L, "system");
    add("text-embedding-3-large", 1705953180L, "system");
    add("text-embedding-ada-002", 1671217299L, "openai-internal");
    add("whisper-1", 1677532384L, "openai-internal");
    add("tts-1", 1681940951L, "openai-internal");
    add("tts-1-hd", 1699046015L, "system");
    add("dall-e-3", 1698785189L, "system");
    add("gpt-image-1", 1745517030L, "system");
    add("omni-moderation-latest", 1731689265L, "system");
  }

  private static void add(String id, long created, String owner) {
    MODELS.put(id, new JsonObject().put("id", id).put("object", "model").put("created", created).put("owned_by", owner));
  }

  private static final String LIST = new JsonObject().put("object", "list")
      .put("data", new JsonArray(MODELS.values().stream().map(JsonObject::copy).toList())).encode();

  private Catalog() {
  }

  static void list(Exchange ex) {
    ex.json(LIST);
  }

  static void retrieve(Exchange ex) {
    String id = ex.ctx.pathParam("id");
    JsonObject model = id == null ? null : MODELS.get(id);
    if (model == null) {
      ex.error(404, "The model '" + id + "' does not exist", "invalid_request_error", "model", "model_not_found");
    } else {
      ex.json(model.encode());
    }
  }
}
