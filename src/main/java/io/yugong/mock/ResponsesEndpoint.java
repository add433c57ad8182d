package io.yugong.mock;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** POST /v1/responses: a JSON response object, or SSE with OpenAI's named events. */
final class ResponsesEndpoint implements Endpoint {

  @Override
  public void handle(Exchange ex) {
    if (!Validation.model(ex) || !Validation.required(ex, "input")) {
      return;
    }
    Object input = ex.json.getValue("input");
    if (!(input instanceof String) && !(input instanceof JsonArray)) {
      ex.invalid("Invalid type for 'input': expected a string or an array, but got " + Validation.typeName(input)
          + " instead.", "input", "invalid_type");
      return;
    }
    int k = Tokens.completionBudget(ex, "max_output_tokens");
    if (k < 0) {
      return;
    }
    Object previous = ex.json.getValue("previous_response_id");
    if (previous != null && !isResponse(ex.env.control().stored.get(ex.apiKey,
        previous instanceof String p ? p : null))) {
      // the previous response lives in the project of the key that stored it: any other key is told so
      ex.error(400, "Previous response with id '" + previous + "' not found.", "invalid_request_error",
          "previous_response_id", "previous_response_not_found");
      return;
    }
    Answer a = new Answer(ex.json, ex.model, k, inputTokens(ex.json));
    if (!Boolean.FALSE.equals(ex.json.getValue("store"))) {
      ex.env.control().stored.put(ex.apiKey, a.id, a.response("completed", true), null);
    }
    if (ex.stream) {
      Pump.start(ex, Hdr.SSE, new EventFrames(a), true);
    } else {
      ex.json(a.response("completed", true));
    }
  }

  private static boolean isResponse(StoredObjects.Stored s) {
    return s != null && "response".equals(s.object().getString("object"));
  }

  /** GET /v1/responses/{id}: a response the calling key stored. */
  static void retrieve(Exchange ex) {
    String id = ex.ctx.pathParam("id");
    StoredObjects.Stored s = ex.env.control().stored.get(ex.apiKey, id);
    if (!isResponse(s)) {
      notFound(ex, id);
    } else {
      ex.json(s.object());
    }
  }

  /** DELETE /v1/responses/{id}. */
  static void delete(Exchange ex) {
    String id = ex.ctx.pathParam("id");
    if (!isResponse(ex.env.control().stored.get(ex.apiKey, id))) {
      notFound(ex, id);
      return;
    }
    ex.env.control().stored.remove(ex.apiKey, id);
    ex.json(new JsonObject().put("id", id).put("object", "response").put("deleted", true));
  }

  private static void notFound(Exchange ex, String id) {
    ex.error(404, "Response with id '" + id + "' not found.", "invalid_request_error", null, null);
  }

  /** Words + 4 per input message (a string input is one message, instructions another), plus 3. */
  static int inputTokens(JsonObject json) {
    int count = 3;
    if (json.getValue("instructions") instanceof String instructions) {
      count += Tokens.words(instructions) + 4;
    }
    Object input = json.getValue("input");
    if (input instanceof String s) {
      count += Tokens.words(s) + 4;
    } else if (input instanceof JsonArray items) {
      for (Object item : items) {
        count += 4;
        if (item instanceof JsonObject o) {
          count += Tokens.contentWords(o.getValue("content"));
        }
      }
    }
    return count;
  }

  /** Everything the JSON answer and the events say. */
  private static final class Answer {
    final JsonObject request;
    final String id = Ids.hex("resp_", 48);
    final String itemId = Ids.hex("msg_", 48);
    final long createdAt = System.currentTimeMillis() / 1000;
    final String model;
    final int k;
    final int inputTokens;

    Answer(JsonObject request, String model, int k, int inputTokens) {
      this.request = request;
      this.model = model;
      this.k = k;
      this.inputTokens = inputTokens;
    }

    JsonObject part(String text) {
      return new JsonObject().put("type", "output_text").put("annotations", new JsonArray())
          .put("logprobs", new JsonArray()).put("text", text);
    }

    JsonObject item(boolean done) {
      return new JsonObject().put("id", itemId).put("type", "message").put("status", done ? "completed" : "in_progress")
          .put("content", done ? new JsonArray().add(part(Tokens.text(k))) : new JsonArray()).put("role", "assistant");
    }

    JsonObject response(String status, boolean done) {
      Object maxOutput = request.getValue("max_output_tokens");
      return new JsonObject()
          .put("id", id).put("object", "response").put("created_at", createdAt).put("status", status)
          .put("background", false).put("error", null).put("incomplete_details", null)
          .put("instructions", request.getValue("instructions"))
          .put("max_output_tokens", maxOutput)
          .put("model", model)
          .put("output", done ? new JsonArray().add(item(true)) : new JsonArray())
          .put("parallel_tool_calls", true)
          .put("previous_response_id", request.getValue("previous_response_id"))
          .put("reasoning", new JsonObject().put("effort", null).put("summary", null))
          .put("service_tier", "default")
          .put("store", !Boolean.FALSE.equals(request.getValue("store")))
          .put("temperature", request.getValue("temperature") instanceof Number t ? t.doubleValue() : 1.0)
          .put("text", new JsonObject().put("format", new JsonObject().put("type", "text")))
          .put("tool_choice", "auto")
          .put("tools", new JsonArray())
          .put("top_p", request.getValue("top_p") instanceof Number p ? p.doubleValue() : 1.0)
          .put("truncation", "disabled")
          .put("usage", done ? new JsonObject(Usage.responses(new StringBuilder(), inputTokens, k).toString()) : null)
          .put("user", null)
          .put("metadata", request.getValue("metadata") instanceof JsonObject m ? m : new JsonObject());
    }
  }

  /** created, in_progress, item added, part added, k deltas, text done, part done, item done, completed. */
  private static final class EventFrames implements Frames {
    private final Answer a;

    EventFrames(Answer a) {
      this.a = a;
    }

    @Override
    public int count() {
      return 8 + a.k;
    }

    @Override
    public boolean paced(int index) {
      return index >= 4 && index < 4 + a.k;
    }

    @Override
    public Buffer frame(int index) {
      int k = a.k;
      JsonObject data;
      if (index == 0) {
        data = event("response.created").put("response", a.response("in_progress", false));
      } else if (index == 1) {
        data = event("response.in_progress").put("response", a.response("in_progress", false));
      } else if (index == 2) {
        data = event("response.output_item.added").put("output_index", 0).put("item", a.item(false));
      } else if (index == 3) {
        data = located("response.content_part.added").put("part", a.part(""));
      } else if (index < 4 + k) {
        data = located("response.output_text.delta").put("delta", Tokens.token(index - 4))
            .put("logprobs", new JsonArray());
      } else if (index == 4 + k) {
        data = located("response.output_text.done").put("text", Tokens.text(k)).put("logprobs", new JsonArray());
      } else if (index == 5 + k) {
        data = located("response.content_part.done").put("part", a.part(Tokens.text(k)));
      } else if (index == 6 + k) {
        data = event("response.output_item.done").put("output_index", 0).put("item", a.item(true));
      } else {
        data = event("response.completed").put("response", a.response("completed", true));
      }
      data.put("sequence_number", index);
      return Buffer.buffer("event: " + data.getString("type") + "\ndata: " + data.encode() + "\n\n");
    }

    private static JsonObject event(String type) {
      return new JsonObject().put("type", type);
    }

    private JsonObject located(String type) {
      return event(type).put("item_id", a.itemId).put("output_index", 0).put("content_index", 0);
    }
  }
}
