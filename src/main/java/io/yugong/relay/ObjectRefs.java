package io.yugong.relay;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.gateway.ApiError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The stored objects a JSON request body names, wherever they stand in it: {@code
 * previous_response_id}, {@code file_id} (input_file and file content parts), {@code
 * input_file_id} (batches), {@code training_file} / {@code validation_file} (fine-tuning), {@code
 * conversation}, {@code vector_store_ids} and {@code file_ids} (tools, tool resources), {@code
 * assistant_id}, {@code vector_store_id}, a code interpreter's {@code container}, a Responses
 * {@code item_reference}'s {@code id} (an output item of a stored response, recorded with it) and
 * an assistant message's {@code audio.id} (audio upstream stored, which Yugong does not record, so
 * a request naming one is answered 404). The walk is bounded in depth and in the ids it collects.
 */
final class ObjectRefs {

  /** A named object: the field that named it and its id (not yet checked). */
  record Ref(String field, String id) {
  }

  static final int MAX_REFS = 64;
  private static final int MAX_DEPTH = 32;
  private static final Set<String> ONE = Set.of("previous_response_id", "file_id", "input_file_id",
      "training_file", "validation_file", "vector_store_id", "assistant_id", "container", "conversation");
  private static final Set<String> MANY = Set.of("vector_store_ids", "file_ids");

  private ObjectRefs() {
  }

  /**
   * True for a multipart form field that names a stored object: the names above, and the
   * {@code name[]} form of a list. A form sends each such field once (a second, different value is
   * refused), so a list there names one object.
   */
  static boolean namesObject(String formField) {
    if (ONE.contains(formField) || MANY.contains(formField)) {
      return true;
    }
    return formField.endsWith("[]") && MANY.contains(formField.substring(0, formField.length() - 2));
  }

  /** The ids a multipart form's fields name ({@link #namesObject}), as read by {@link FormFields}. */
  static List<Ref> ofForm(Map<String, String> fields) {
    List<Ref> out = new ArrayList<>();
    for (Map.Entry<String, String> f : fields.entrySet()) {
      if (namesObject(f.getKey())) {
        add(out, f.getKey(), f.getValue());
      }
    }
    return out;
  }

  /**
   * The ids of a stored response's output items ({@code output[].id}: messages, reasoning, tool
   * calls), which a later request may name by {@code item_reference}; at most {@link #MAX_REFS}.
   */
  static List<String> outputItemIds(JsonObject response) {
    List<String> out = new ArrayList<>();
    if (response != null && response.getValue("output") instanceof JsonArray output) {
      for (Object item : output) {
        if (out.size() >= MAX_REFS) {
          break;
        }
        if (item instanceof JsonObject o && o.getValue("id") instanceof String id) {
          out.add(id);
        }
      }
    }
    return out;
  }

  /** The ids the body names, in the order they stand; an ApiError (400) past {@link #MAX_REFS}. */
  static List<Ref> of(JsonObject body) {
    List<Ref> out = new ArrayList<>();
    walk(body, 0, out);
    return out;
  }

  private static void walk(Object node, int depth, List<Ref> out) {
    if (depth > MAX_DEPTH) {
      return; // deeper than any OpenAI request; upstream refuses it
    }
    if (node instanceof JsonObject o) {
      // a Responses input item that points at a stored item, and an earlier answer's audio: both
      // are objects upstream keeps under the key that made them
      if ("item_reference".equals(o.getValue("type")) && o.getValue("id") instanceof String id) {
        add(out, "item_reference", id);
      }
      for (Map.Entry<String, Object> e : o) {
        String name = e.getKey();
        Object v = e.getValue();
        if (ONE.contains(name) && v instanceof String id) {
          add(out, name, id);
        } else if (name.equals("conversation") && v instanceof JsonObject c && c.getValue("id") instanceof String id) {
          add(out, name, id);
        } else if (name.equals("audio") && v instanceof JsonObject au && au.getValue("id") instanceof String id
            && "assistant".equals(o.getValue("role"))) {
          add(out, name, id);
        } else if (MANY.contains(name) && v instanceof JsonArray ids) {
          for (Object id : ids) {
            if (id instanceof String s) {
              add(out, name, s);
            }
          }
        } else if (v instanceof JsonObject || v instanceof JsonArray) {
          walk(v, depth + 1, out);
        }
      }
    } else if (node instanceof JsonArray a) {
      for (Object v : a) {
        if (v instanceof JsonObject || v instanceof JsonArray) {
          walk(v, depth + 1, out);
        }
      }
    }
  }

  private static void add(List<Ref> out, String field, String id) {
    if (out.size() >= MAX_REFS) {
      throw ApiError.invalidRequest("The request names more than " + MAX_REFS + " stored objects.", field);
    }
    out.add(new Ref(field, id));
  }
}
