package io.yugong.mock;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** POST /v1/moderations: nothing is ever flagged. */
final class ModerationsEndpoint implements Endpoint {

  static final String[] CATEGORIES = {
      "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent",
      "self-harm", "self-harm/intent", "self-harm/instructions", "sexual", "sexual/minors", "violence",
      "violence/graphic"};

  @Override
  public void handle(Exchange ex) {
    if (!Validation.optionalModel(ex) || !Validation.required(ex, "input")) {
      return;
    }
    Object input = ex.json.getValue("input");
    int count;
    if (input instanceof String) {
      count = 1;
    } else if (input instanceof JsonArray array && !array.isEmpty()) {
      boolean multimodal = array.getValue(0) instanceof JsonObject;
      count = multimodal ? 1 : array.size();
    } else {
      ex.invalid("Invalid type for 'input': expected a string or an array.", "input", "invalid_type");
      return;
    }
    JsonArray results = new JsonArray();
    for (int i = 0; i < count; i++) {
      JsonObject categories = new JsonObject();
      JsonObject scores = new JsonObject();
      JsonObject applied = new JsonObject();
      for (String c : CATEGORIES) {
        categories.put(c, false);
        scores.put(c, 1.0e-6);
        applied.put(c, new JsonArray().add("text"));
      }
      results.add(new JsonObject().put("flagged", false).put("categories", categories)
          .put("category_scores", scores).put("category_applied_input_types", applied));
    }
    ex.json(new JsonObject().put("id", Ids.random("modr-", 29))
        .put("model", ex.model == null ? "omni-moderation-latest" : ex.model)
        .put("results", results));
  }
}
