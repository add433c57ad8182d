package io.yugong.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.billing.Endpoint;
import io.yugong.gateway.ApiError;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which stored objects a request names, by its path and its body. */
class ObjectRouteTest {

  @Test
  void aPathNamesTheObjectOfItsCollection() {
    assertThat(ObjectRoute.of("GET", "/v1/files/file-abc/content"))
        .isEqualTo(new ObjectRoute("/v1/files", "file-abc", "/content", ObjectRoute.Kind.ADDRESS));
    assertThat(ObjectRoute.of("POST", "/v1/fine_tuning/jobs/ftjob-1/cancel").id()).isEqualTo("ftjob-1");
    assertThat(ObjectRoute.of("GET", "/v1/threads/thread_1/runs/run_1").id()).isEqualTo("thread_1");
    assertThat(ObjectRoute.of("DELETE", "/v1/responses/resp_1").deletes("DELETE")).isTrue();
  }

  @Test
  void creationsListsAndModelRunsAreToldApart() {
    assertThat(ObjectRoute.of("POST", "/v1/files").kind()).isEqualTo(ObjectRoute.Kind.CREATE);
    assertThat(ObjectRoute.of("POST", "/v1/vector_stores").kind()).isEqualTo(ObjectRoute.Kind.CREATE);
    assertThat(ObjectRoute.of("GET", "/v1/files").kind()).isEqualTo(ObjectRoute.Kind.LIST);
    assertThat(ObjectRoute.of("GET", "/v1/responses").kind()).isEqualTo(ObjectRoute.Kind.LIST);
    assertThat(ObjectRoute.of("POST", "/v1/batches").kind()).isEqualTo(ObjectRoute.Kind.RUNS_MODELS);
    assertThat(ObjectRoute.of("POST", "/v1/fine_tuning/jobs").kind()).isEqualTo(ObjectRoute.Kind.RUNS_MODELS);
    assertThat(ObjectRoute.of("POST", "/v1/threads/runs").kind()).isEqualTo(ObjectRoute.Kind.RUNS_MODELS);
    assertThat(ObjectRoute.of("POST", "/v1/threads/thread_1/runs").kind()).isEqualTo(ObjectRoute.Kind.RUNS_MODELS);
    assertThat(ObjectRoute.of("POST", "/v1/threads/thread_1/runs/run_1/submit_tool_outputs").kind())
        .isEqualTo(ObjectRoute.Kind.RUNS_MODELS);
  }

  @Test
  void pathsOutsideTheKeptCollectionsAreNotObjectRoutes() {
    assertThat(ObjectRoute.of("POST", "/v1/responses")).isNull();
    assertThat(ObjectRoute.of("POST", "/v1/responses/input_tokens")).isNull();
    assertThat(ObjectRoute.of("GET", "/v1/files-x")).isNull();
    assertThat(ObjectRoute.of("GET", "/v1/evals/eval_1")).isNull();
    assertThat(ObjectRoute.of("POST", "/v1/chat/completions")).isNull();
    assertThat(ObjectRoute.of("POST", "/v1/chat/completions-x")).isNull();
  }

  @Test
  void storedChatCompletionsAreAKeptCollection() {
    assertThat(ObjectRoute.of("GET", "/v1/chat/completions").kind()).isEqualTo(ObjectRoute.Kind.LIST);
    assertThat(ObjectRoute.of("DELETE", "/v1/chat/completions").kind()).isEqualTo(ObjectRoute.Kind.LIST);
    assertThat(ObjectRoute.of("GET", "/v1/chat/completions/chatcmpl-1"))
        .isEqualTo(new ObjectRoute("/v1/chat/completions", "chatcmpl-1", "", ObjectRoute.Kind.ADDRESS));
    assertThat(ObjectRoute.of("GET", "/v1/chat/completions/chatcmpl-1/messages"))
        .isEqualTo(new ObjectRoute("/v1/chat/completions", "chatcmpl-1", "/messages", ObjectRoute.Kind.ADDRESS));
    assertThat(ObjectRoute.of("POST", "/v1/chat/completions/chatcmpl-1").kind()).isEqualTo(ObjectRoute.Kind.ADDRESS);
    ObjectRoute delete = ObjectRoute.of("DELETE", "/v1/chat/completions/chatcmpl-1");
    assertThat(delete.deletes("DELETE")).isTrue();
    assertThat(delete.content()).isFalse();
  }

  @Test
  void noCollectionBeginsALaterOne() {
    // a path is matched against the first collection it begins with: a collection that began a
    // later one at a '/' would take that one's paths
    List<String> c = ObjectRoute.COLLECTIONS;
    for (int i = 0; i < c.size(); i++) {
      for (int j = i + 1; j < c.size(); j++) {
        assertThat(c.get(j).startsWith(c.get(i) + "/") || c.get(j).equals(c.get(i)))
            .as("%s before %s", c.get(i), c.get(j)).isFalse();
        assertThat(c.get(i).length()).as("%s before %s", c.get(i), c.get(j)).isGreaterThanOrEqualTo(c.get(j).length());
      }
    }
  }

  @Test
  void aChatCompletionIsStoredOnlyWhenStoreIsTrueAndAResponseUnlessItIsFalse() {
    assertThat(Relay.storesResponse(Endpoint.CHAT, true)).isTrue();
    assertThat(Relay.storesResponse(Endpoint.CHAT, null)).isFalse();
    assertThat(Relay.storesResponse(Endpoint.CHAT, false)).isFalse();
    assertThat(Relay.storesResponse(Endpoint.CHAT, "true")).isFalse();
    assertThat(Relay.storesResponse(Endpoint.CHAT, 1)).isFalse();
    assertThat(Relay.storesResponse(Endpoint.RESPONSES, null)).isTrue();
    assertThat(Relay.storesResponse(Endpoint.RESPONSES, false)).isFalse();
    assertThat(Relay.storesResponse(Endpoint.COMPLETION, true)).isFalse();
    assertThat(Relay.storesResponse(Endpoint.EMBEDDINGS, true)).isFalse();
  }

  @Test
  void anIdIsBoundedInLengthAndCharacters() {
    assertThat(ObjectRoute.validId("file-AbC_09.x:y")).isTrue();
    assertThat(ObjectRoute.validId("x".repeat(ObjectRoute.MAX_ID))).isTrue();
    assertThat(ObjectRoute.validId("x".repeat(ObjectRoute.MAX_ID + 1))).isFalse();
    assertThat(ObjectRoute.validId("")).isFalse();
    assertThat(ObjectRoute.validId("a}b")).isFalse();
    assertThat(ObjectRoute.validId("a b")).isFalse();
    assertThat(ObjectRoute.validId("a*")).isFalse();
  }

  @Test
  void aBodyNamesItsObjectsWhereverTheyStand() {
    JsonObject body = new JsonObject().put("model", "gpt-4o").put("previous_response_id", "resp_1")
        .put("conversation", new JsonObject().put("id", "conv_1"))
        .put("input", new JsonArray().add(new JsonObject().put("role", "user").put("content", new JsonArray()
            .add(new JsonObject().put("type", "input_file").put("file_id", "file-1")))))
        .put("tools", new JsonArray().add(new JsonObject().put("type", "file_search")
            .put("vector_store_ids", new JsonArray().add("vs_1").add("vs_2"))));
    assertThat(ObjectRefs.of(body).stream().map(ObjectRefs.Ref::id))
        .containsExactly("resp_1", "conv_1", "file-1", "vs_1", "vs_2");
    assertThat(ObjectRefs.of(new JsonObject().put("training_file", "file-t").put("validation_file", "file-v"))
        .stream().map(ObjectRefs.Ref::field)).containsExactly("training_file", "validation_file");
    assertThat(ObjectRefs.of(new JsonObject().put("model", "gpt-4o").put("messages", new JsonArray()))).isEmpty();
    // stored items and an earlier answer's audio are upstream's objects too
    JsonObject items = new JsonObject().put("input", new JsonArray()
        .add(new JsonObject().put("type", "item_reference").put("id", "msg_1")))
        .put("messages", new JsonArray().add(new JsonObject().put("role", "assistant")
            .put("audio", new JsonObject().put("id", "audio_1"))));
    assertThat(ObjectRefs.of(items).stream().map(ObjectRefs.Ref::id)).containsExactly("msg_1", "audio_1");
    assertThat(ObjectRefs.of(new JsonObject().put("messages", new JsonArray().add(new JsonObject()
        .put("role", "user").put("content", new JsonArray().add(new JsonObject().put("type", "input_audio")
            .put("input_audio", new JsonObject().put("data", "AAAA")))))))).isEmpty();
  }

  @Test
  void aBodyNamingTooManyObjectsIsRefused() {
    JsonArray ids = new JsonArray();
    for (int i = 0; i <= ObjectRefs.MAX_REFS; i++) {
      ids.add("file-" + i);
    }
    assertThatThrownBy(() -> ObjectRefs.of(new JsonObject().put("file_ids", ids)))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.status()).isEqualTo(400));
  }

  @Test
  void aChatCompletionsIdIsReadFromTheStartOfItsAnswer() {
    assertThat(KeyAffinity.leadingId(Buffer.buffer("{\"id\":\"chatcmpl-abc\",\"object\":\"chat.completion\"}")))
        .isEqualTo("chatcmpl-abc");
  }

  @Test
  void aResponsesIdIsReadFromTheStartOfItsAnswer() {
    assertThat(KeyAffinity.leadingId(Buffer.buffer("{\n  \"id\": \"resp_abc\",\n  \"object\": \"response\"}")))
        .isEqualTo("resp_abc");
    assertThat(KeyAffinity.leadingId(Buffer.buffer("{\"object\":\"response\",\"id\":\"resp_abc\"}"))).isNull();
  }
}
