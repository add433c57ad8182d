package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionDeleted;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionUpdateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.KeyBehaviour;
import io.yugong.mock.MockOptions;
import io.yugong.mock.ServedRequest;
import io.yugong.testing.Eventually;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Stored objects stay with the upstream key that created them, and with the account (issue 9,
 * point 7): a two-node cluster over two upstream keys whose projects (in the emulator) cannot see
 * each other's files, responses and chat completions. Driven by the official SDK where it can say it, raw HTTP where
 * an error's exact shape is the point.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StoredObjectAffinityTest {

  private static final String ONE = "sk-affinity-one-1234567890";
  private static final String TWO = "sk-affinity-two-1234567890";
  private static final String MODEL = "gpt-4o-mini";

  private TestCluster c;
  private final Map<String, String> keyIds = new java.util.HashMap<>();
  private String alice;
  private String bob;

  @BeforeAll
  void start() throws Exception {
    // the operator lets accounts use files, stored responses and chat completions (the default refuses them)
    c = TestCluster.start(2, new MockOptions(), Map.of("YUGONG_UNMETERED_ALLOWED",
        "/v1/files,/v1/responses,/v1/batches,/v1/chat/completions"));
    keyIds.put(ONE, c.addKey(0, ONE, null));
    keyIds.put(TWO, c.addKey(0, TWO, null));
    alice = account("alice");
    bob = account("bob");
    Eventually.eventually(Duration.ofSeconds(10), () ->
        assertThat(c.nodes.get(1).services().keyPool().records()).hasSize(2));
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private String account(String name) throws Exception {
    return c.createAccount(0, new JsonObject().put("Name", name).put("CreditGranted", 10))
        .getJsonObject("User").getString("SecretKey");
  }

  private FileObject upload(int node, String key, String text) throws Exception {
    Path file = Files.createTempFile("affinity", ".jsonl");
    try {
      Files.writeString(file, text);
      return c.openai(node, key).files().create(FileCreateParams.builder().file(file)
          .purpose(FilePurpose.ASSISTANTS).build());
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** The upstream secret whose project holds the object. */
  private String holder(String objectId) {
    boolean one = c.mock.control().stores(ONE, objectId);
    boolean two = c.mock.control().stores(TWO, objectId);
    assertThat(one ^ two).as("exactly one upstream project holds %s", objectId).isTrue();
    return one ? ONE : TWO;
  }

  private List<String> keysThatSaw(String pathPart) {
    return c.mock.control().requests().stream().filter(r -> r.path().contains(pathPart))
        .map(ServedRequest::apiKey).distinct().toList();
  }

  private static JsonObject error(HttpResponse<String> r) {
    return new JsonObject(r.body()).getJsonObject("error");
  }

  @Test
  @Order(1)
  void aFileUploadedThroughOneKeyIsReadThroughTheSameKeyOnTheOtherNode() throws Exception {
    FileObject created = upload(0, alice, "{\"hello\":\"world\"}\n");
    String holder = holder(created.id());
    OpenAIClient other = c.openai(1, alice);
    for (int i = 0; i < 8; i++) {
      assertThat(other.files().retrieve(created.id()).filename()).endsWith(".jsonl");
    }
    HttpResponse<String> content = c.call(1, "GET", "/v1/files/" + created.id() + "/content", alice, null);
    assertThat(content.statusCode()).isEqualTo(200);
    assertThat(content.body()).isEqualTo("{\"hello\":\"world\"}\n");
    assertThat(keysThatSaw("/v1/files/" + created.id())).containsExactly(holder);

    assertThat(c.openai(0, alice).files().delete(created.id()).deleted()).isTrue();
    HttpResponse<String> gone = c.call(1, "GET", "/v1/files/" + created.id(), alice, null);
    assertThat(gone.statusCode()).isEqualTo(404);
  }

  @Test
  @Order(2)
  void aPreviousResponseIdIsAnsweredByTheKeyThatStoredIt() throws Exception {
    Response first = c.openai(0, alice).responses().create(ResponseCreateParams.builder()
        .model(MODEL).input("Remember the number seven.").build());
    String holder = holder(first.id());
    String previous = first.id();
    for (int i = 0; i < 6; i++) {
      // the emulator answers 400 previous_response_not_found through the other key
      Response next = c.openai(i % 2, alice).responses().create(ResponseCreateParams.builder()
          .model(MODEL).input("And now?").previousResponseId(previous).build());
      assertThat(holder(next.id())).isEqualTo(holder);
      previous = next.id();
    }
    assertThat(c.openai(1, alice).responses().retrieve(previous).id()).isEqualTo(previous);
    assertThat(keysThatSaw("/v1/responses/" + previous)).containsExactly(holder);
  }

  @Test
  @Order(3)
  void aStreamedResponseIsRecordedBeforeItsCompletedEventReachesTheClient() throws Exception {
    String streamed = null;
    try (StreamResponse<ResponseStreamEvent> s = c.openai(0, alice).responses().createStreaming(
        ResponseCreateParams.builder().model(MODEL).input("Stream it.").build())) {
      for (ResponseStreamEvent e : (Iterable<ResponseStreamEvent>) s.stream()::iterator) {
        if (e.completed().isPresent()) {
          streamed = e.completed().get().response().id();
          break; // continue at once, on the other node, as an eager client does
        }
      }
    }
    assertThat(streamed).isNotNull();
    String holder = holder(streamed);
    Response next = c.openai(1, alice).responses().create(ResponseCreateParams.builder()
        .model(MODEL).input("Go on.").previousResponseId(streamed).build());
    assertThat(holder(next.id())).isEqualTo(holder);
  }

  @Test
  @Order(3)
  void aStoredResponsesOutputItemsCanBeReferencedByTheirOwnerOnly() throws Exception {
    Response json = c.openai(0, alice).responses().create(ResponseCreateParams.builder()
        .model(MODEL).input("Keep this answer.").build());
    String jsonItem = json.output().get(0).asMessage().id();
    String streamedItem = null;
    try (StreamResponse<ResponseStreamEvent> s = c.openai(1, alice).responses().createStreaming(
        ResponseCreateParams.builder().model(MODEL).input("And this one.").build())) {
      for (ResponseStreamEvent e : (Iterable<ResponseStreamEvent>) s.stream()::iterator) {
        if (e.completed().isPresent()) {
          streamedItem = e.completed().get().response().output().get(0).asMessage().id();
          break;
        }
      }
    }
    assertThat(streamedItem).isNotNull();
    for (String item : List.of(jsonItem, streamedItem)) {
      JsonObject referencing = new JsonObject().put("model", MODEL).put("input", new io.vertx.core.json.JsonArray()
          .add(new JsonObject().put("type", "item_reference").put("id", item))
          .add(new JsonObject().put("role", "user").put("content", "Go on.")));
      int before = c.mock.control().requests().size();
      HttpResponse<String> bobs = c.call(1, "POST", "/v1/responses", bob, referencing.encode());
      assertThat(bobs.statusCode()).as(bobs.body()).isEqualTo(404);
      assertThat(error(bobs).getString("code")).isEqualTo("object_not_found");
      assertThat(c.mock.control().requests()).as("nothing of Bob's went upstream").hasSize(before);
      HttpResponse<String> alices = c.call(0, "POST", "/v1/responses", alice, referencing.encode());
      assertThat(alices.statusCode()).as(alices.body()).isEqualTo(200);
    }
    // each reference went to the key that made the item (the answer is stored under that key)
    HttpResponse<String> again = c.call(1, "POST", "/v1/responses", alice, new JsonObject().put("model", MODEL)
        .put("input", new io.vertx.core.json.JsonArray().add(new JsonObject().put("type", "item_reference")
            .put("id", jsonItem))).encode());
    assertThat(holder(new JsonObject(again.body()).getString("id"))).isEqualTo(holder(json.id()));
  }

  @Test
  @Order(4)
  void anotherAccountCannotReachTheObject() throws Exception {
    String file = upload(0, alice, "alice's secret\n").id();
    String response = c.openai(0, alice).responses().create(ResponseCreateParams.builder()
        .model(MODEL).input("Alice's question.").build()).id();
    int upstreamBefore = c.mock.control().requests().size();

    HttpResponse<String> guessed = c.call(1, "GET", "/v1/files/" + file, bob, null);
    HttpResponse<String> invented = c.call(1, "GET", "/v1/files/file-nobodyhasthisone", bob, null);
    for (HttpResponse<String> r : List.of(guessed, invented)) {
      assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
      assertThat(error(r).getString("type")).isEqualTo("invalid_request_error");
      assertThat(error(r).getValue("param")).isNull();
      assertThat(error(r).getString("code")).isEqualTo("object_not_found");
    }
    // exactly as if it did not exist: the same answer but for the id it names
    assertThat(error(guessed).getString("message").replace(file, "ID"))
        .isEqualTo(error(invented).getString("message").replace("file-nobodyhasthisone", "ID"));
    assertThat(c.call(0, "GET", "/v1/files/" + file + "/content", bob, null).statusCode()).isEqualTo(404);
    assertThat(c.call(0, "DELETE", "/v1/files/" + file, bob, null).statusCode()).isEqualTo(404);
    assertThat(c.call(1, "GET", "/v1/responses/" + response, bob, null).statusCode()).isEqualTo(404);
    HttpResponse<String> continued = c.call(0, "POST", "/v1/responses", bob, new JsonObject().put("model", MODEL)
        .put("input", "What did Alice ask?").put("previous_response_id", response).encode());
    assertThat(continued.statusCode()).as(continued.body()).isEqualTo(404);
    HttpResponse<String> attached = c.call(1, "POST", "/v1/responses", bob, new JsonObject().put("model", MODEL)
        .put("input", new io.vertx.core.json.JsonArray().add(new JsonObject().put("role", "user").put("content",
            new io.vertx.core.json.JsonArray().add(new JsonObject().put("type", "input_file").put("file_id", file)))))
        .encode());
    assertThat(attached.statusCode()).as(attached.body()).isEqualTo(404);
    assertThat(c.mock.control().requests()).as("nothing of Bob's went upstream").hasSize(upstreamBefore);
    // and Alice still reaches both
    assertThat(c.openai(1, alice).files().retrieve(file).id()).isEqualTo(file);
  }

  @Test
  @Order(5)
  void listsOfTheWholeUpstreamOrganisationAndBatchesAreRefused() throws Exception {
    String file = upload(1, alice, "{\"custom_id\":\"1\"}\n").id();
    int upstreamBefore = c.mock.control().requests().size();
    for (String[] call : List.of(new String[] {"GET", "/v1/files"}, new String[] {"GET", "/v1/files?purpose=batch"},
        new String[] {"GET", "/v1/responses"}, new String[] {"GET", "/v1/batches"},
        new String[] {"GET", "/v1/chat/completions"}, new String[] {"GET", "/v1/chat/completions?limit=100"},
        new String[] {"DELETE", "/v1/chat/completions"})) {
      HttpResponse<String> r = c.call(0, call[0], call[1], alice, null);
      assertThat(r.statusCode()).as(call[1] + " " + r.body()).isEqualTo(403);
      assertThat(error(r).getString("code")).isEqualTo("endpoint_not_allowed");
    }
    // a batch runs models later, which no hold covers: refused even when the operator allows /v1/batches
    HttpResponse<String> batch = c.call(0, "POST", "/v1/batches", alice, new JsonObject().put("input_file_id", file)
        .put("endpoint", "/v1/chat/completions").put("completion_window", "24h").encode());
    assertThat(batch.statusCode()).as(batch.body()).isEqualTo(403);
    assertThat(error(batch).getString("code")).isEqualTo("endpoint_not_allowed");
    assertThat(c.mock.control().requests()).as("nothing went upstream").hasSize(upstreamBefore);
  }

  @Test
  @Order(6)
  void aStoredChatCompletionIsReadThroughTheSameKeyOnTheOtherNode() throws Exception {
    ChatCompletion created = c.openai(0, alice).chat().completions().create(ChatCompletionCreateParams.builder()
        .model(MODEL).addUserMessage("Keep this answer.").store(true).build());
    String id = created.id();
    String holder = holder(id);
    OpenAIClient other = c.openai(1, alice);
    for (int i = 0; i < 6; i++) {
      assertThat(other.chat().completions().retrieve(id).choices().get(0).message().content())
          .isEqualTo(created.choices().get(0).message().content());
    }
    assertThat(other.chat().completions().messages().list(id).data())
        .singleElement().satisfies(m -> assertThat(m.content()).contains("Keep this answer."));
    other.chat().completions().update(id, ChatCompletionUpdateParams.builder()
        .metadata(ChatCompletionUpdateParams.Metadata.builder()
            .putAdditionalProperty("ticket", JsonValue.from("42")).build()).build());
    HttpResponse<String> read = c.call(0, "GET", "/v1/chat/completions/" + id, alice, null);
    assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
    assertThat(new JsonObject(read.body()).getJsonObject("metadata").getString("ticket")).isEqualTo("42");
    assertThat(keysThatSaw("/v1/chat/completions/" + id)).containsExactly(holder);
  }

  @Test
  @Order(7)
  void aStreamedChatCompletionIsRecordedBeforeItsStreamEnds() throws Exception {
    // a client that did not ask for usage: Yugong asks for it, reads the id from it, and strips it
    String stripped = null;
    try (StreamResponse<ChatCompletionChunk> s = c.openai(0, alice).chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model(MODEL).addUserMessage("Stream and keep.").store(true).build())) {
      for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) s.stream()::iterator) {
        stripped = chunk.id();
        assertThat(chunk.usage()).as("the usage chunk the client did not ask for").isEmpty();
      }
    }
    assertThat(stripped).isNotNull();
    // a client that asked for it goes on as soon as it has the usage chunk, on the other node
    String eager = null;
    try (StreamResponse<ChatCompletionChunk> s = c.openai(0, alice).chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model(MODEL).addUserMessage("Stream and keep too.").store(true)
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
      for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) s.stream()::iterator) {
        if (chunk.usage().isPresent()) {
          eager = chunk.id();
          break;
        }
      }
    }
    assertThat(eager).isNotNull();
    for (String id : List.of(stripped, eager)) {
      String holder = holder(id);
      assertThat(c.openai(1, alice).chat().completions().retrieve(id).id()).isEqualTo(id);
      assertThat(c.openai(1, alice).chat().completions().messages().list(id).data()).hasSize(1);
      assertThat(keysThatSaw("/v1/chat/completions/" + id)).containsExactly(holder);
    }
  }

  @Test
  @Order(8)
  void anotherAccountCannotReachAStoredChatCompletion() throws Exception {
    String id = c.openai(1, alice).chat().completions().create(ChatCompletionCreateParams.builder()
        .model(MODEL).addUserMessage("Alice's private question.").store(true).build()).id();
    int upstreamBefore = c.mock.control().requests().size();
    List<HttpResponse<String>> answers = List.of(
        c.call(0, "GET", "/v1/chat/completions/" + id, bob, null),
        c.call(1, "GET", "/v1/chat/completions/" + id + "/messages", bob, null),
        c.call(0, "POST", "/v1/chat/completions/" + id, bob, "{\"metadata\":{\"mine\":\"now\"}}"),
        c.call(1, "DELETE", "/v1/chat/completions/" + id, bob, null));
    for (HttpResponse<String> r : answers) {
      assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
      assertThat(error(r).getString("type")).isEqualTo("invalid_request_error");
      assertThat(error(r).getValue("param")).isNull();
      assertThat(error(r).getString("code")).isEqualTo("object_not_found");
    }
    assertThat(c.mock.control().requests()).as("nothing of Bob's went upstream").hasSize(upstreamBefore);
    assertThat(c.openai(0, alice).chat().completions().retrieve(id).id()).isEqualTo(id);
  }

  @Test
  @Order(9)
  void deletingAStoredChatCompletionForgetsIt() throws Exception {
    String id = c.openai(0, alice).chat().completions().create(ChatCompletionCreateParams.builder()
        .model(MODEL).addUserMessage("Soon deleted.").store(true).build()).id();
    String holder = holder(id);
    ChatCompletionDeleted deleted = c.openai(1, alice).chat().completions().delete(id);
    assertThat(deleted.deleted()).isTrue();
    assertThat(deleted.id()).isEqualTo(id);
    assertThat(keysThatSaw("/v1/chat/completions/" + id)).containsExactly(holder);
    int upstreamBefore = c.mock.control().requests().size();
    for (String path : List.of("/v1/chat/completions/" + id, "/v1/chat/completions/" + id + "/messages")) {
      HttpResponse<String> gone = c.call(1, "GET", path, alice, null);
      assertThat(gone.statusCode()).as(gone.body()).isEqualTo(404);
      assertThat(error(gone).getString("code")).isEqualTo("object_not_found");
    }
    assertThat(c.mock.control().requests()).as("a forgotten id is not forwarded").hasSize(upstreamBefore);
  }

  @Test
  @Order(10)
  void aChatCompletionWithoutStoreTrueIsNotRecorded() throws Exception {
    String plain = c.openai(0, alice).chat().completions().create(ChatCompletionCreateParams.builder()
        .model(MODEL).addUserMessage("Not kept.").build()).id();
    String unstored = c.openai(0, alice).chat().completions().create(ChatCompletionCreateParams.builder()
        .model(MODEL).addUserMessage("Not kept either.").store(false).build()).id();
    String streamed;
    try (StreamResponse<ChatCompletionChunk> s = c.openai(0, alice).chat().completions().createStreaming(
        ChatCompletionCreateParams.builder().model(MODEL).addUserMessage("Streamed, not kept.").build())) {
      streamed = s.stream().reduce((a, b) -> b).orElseThrow().id();
    }
    int upstreamBefore = c.mock.control().requests().size();
    for (String id : List.of(plain, unstored, streamed)) {
      assertThat(c.mock.control().stores(ONE, id) || c.mock.control().stores(TWO, id)).isFalse();
      HttpResponse<String> r = c.call(1, "GET", "/v1/chat/completions/" + id, alice, null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
      assertThat(error(r).getString("code")).isEqualTo("object_not_found");
    }
    assertThat(c.mock.control().requests()).as("nothing went upstream").hasSize(upstreamBefore);
  }

  @Test
  @Order(11)
  void anObjectWhoseKeyIsGoneAnswersOpenAis404() throws Exception {
    String file = upload(0, alice, "soon orphaned\n").id();
    String response = c.openai(0, alice).responses().create(ResponseCreateParams.builder()
        .model(MODEL).input("Soon orphaned.").build()).id();
    String fileKey = keyIds.get(holder(file));
    String responseKey = keyIds.get(holder(response));
    disable(fileKey);
    disable(responseKey);
    try {
      // node 1 learns of the disable through the replicated key map: until then it would forward
      awaitStatus(fileKey, "disabled");
      awaitStatus(responseKey, "disabled");
      int upstreamBefore = c.mock.control().requests().size();
      for (int node = 0; node < 2; node++) {
        int n = node;
        Eventually.eventually(Duration.ofSeconds(10), () -> {
          HttpResponse<String> r = c.call(n, "GET", "/v1/files/" + file, alice, null);
          assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
          assertThat(error(r).getString("type")).isEqualTo("invalid_request_error");
          assertThat(error(r).getValue("param")).isNull();
          assertThat(error(r).getString("code")).isEqualTo("object_not_found");
          HttpResponse<String> p = c.call(n, "POST", "/v1/responses", alice, new JsonObject().put("model", MODEL)
              .put("input", "Still there?").put("previous_response_id", response).encode());
          assertThat(p.statusCode()).as(p.body()).isEqualTo(404);
          assertThat(error(p).getString("code")).isEqualTo("object_not_found");
        });
      }
      assertThat(c.mock.control().requests()).as("no other key was asked").hasSize(upstreamBefore);
    } finally {
      enable(fileKey);
      enable(responseKey);
    }
  }

  @Test
  @Order(12)
  void aRequestPinnedToACoolingKeyWaitsInsteadOfMovingToAnotherKey() throws Exception {
    // both keys serve on both nodes again (an earlier test disabled and enabled them through node 0)
    awaitStatus(keyIds.get(ONE), "active");
    awaitStatus(keyIds.get(TWO), "active");
    String response = c.openai(0, alice).responses().create(ResponseCreateParams.builder()
        .model(MODEL).input("Pinned.").build()).id();
    String holder = holder(response);
    String other = holder.equals(ONE) ? TWO : ONE;
    long otherBefore = c.mock.control().requests(other).size();
    c.mock.control().behave(holder, KeyBehaviour.rateLimited(30));
    try {
      HttpResponse<String> r = c.call(1, "POST", "/v1/responses", alice, new JsonObject().put("model", MODEL)
          .put("input", "Again?").put("previous_response_id", response).encode());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
      assertThat(error(r).getString("code")).isEqualTo("upstream_unavailable");
      assertThat(r.headers().firstValue("retry-after")).isPresent();
      assertThat(c.mock.control().requests(other)).as("the other key, which cannot see the response, was not asked")
          .hasSize((int) otherBefore);
      // node 0 learns of the cooldown node 1 met through the replicated health map (asynchronously)
      awaitStatus(keyIds.get(holder), "cooling");
      // while the key cools, the next one is told to wait without an upstream call
      int upstreamBefore = c.mock.control().requests().size();
      HttpResponse<String> again = c.call(0, "POST", "/v1/responses", alice, new JsonObject().put("model", MODEL)
          .put("input", "Now?").put("previous_response_id", response).encode());
      assertThat(again.statusCode()).as(again.body()).isEqualTo(503);
      assertThat(c.mock.control().requests()).hasSize(upstreamBefore);
    } finally {
      c.mock.control().behave(holder, null);
    }
  }

  /** Waits until both nodes' view of the key shows {@code status} (active, cooling or disabled). */
  private void awaitStatus(String keyId, String status) throws Exception {
    for (int node = 0; node < 2; node++) {
      int n = node;
      Eventually.eventually(Duration.ofSeconds(5), () -> {
        HttpResponse<String> v = c.call(n, "GET", "/admin/keys/" + keyId, c.adminKey, null);
        assertThat(v.statusCode()).as(v.body()).isEqualTo(200);
        assertThat(new JsonObject(v.body()).getString("status")).as("node " + n + ": " + v.body()).isEqualTo(status);
      });
    }
  }

  private void disable(String keyId) throws Exception {
    HttpResponse<String> r = c.call(0, "POST", "/admin/keys/" + keyId + "/disable", c.adminKey, "{\"reason\":\"test\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private void enable(String keyId) throws Exception {
    c.call(0, "POST", "/admin/keys/" + keyId + "/enable", c.adminKey, "{}");
  }
}
