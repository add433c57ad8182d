package io.yugong.relay;

import java.util.List;

/**
 * What a request's path means for objects stored upstream in the key's organisation or project
 * (files, uploads, batches, stored responses and chat completions, conversations, vector stores,
 * assistants, threads, fine-tuning jobs, containers): it creates one, lists a whole collection,
 * addresses one by the id in its path, or starts model work that cannot be billed per request.
 *
 * @param collection the collection's path, e.g. {@code /v1/files}
 * @param id the object id of the path (ADDRESS only), not yet checked; see {@link #validId}
 * @param rest the path after the id ("" when the path ends with it)
 */
record ObjectRoute(String collection, String id, String rest, Kind kind) {

  enum Kind {
    /** POST on the collection: the answer's {@code id} is the new object's. */
    CREATE,
    /** Any other method on the collection: every object of the upstream organisation. */
    LIST,
    /** The object named by the path (and its sub-resources). */
    ADDRESS,
    /** Starts model work upstream later (a batch, a fine-tuning job, an assistants run). */
    RUNS_MODELS
  }

  /**
   * Longest first, so a collection is matched before any shorter one that begins it (a match also
   * needs the path to end there or go on with {@code /}: {@code /v1/files-x} is no collection).
   */
  static final List<String> COLLECTIONS = List.of("/v1/chat/completions", "/v1/fine_tuning/jobs", "/v1/vector_stores",
      "/v1/conversations", "/v1/assistants", "/v1/containers", "/v1/responses", "/v1/batches",
      "/v1/threads", "/v1/uploads", "/v1/files");

  /** The longest id accepted; OpenAI's are under 64 characters. */
  static final int MAX_ID = 128;

  /**
   * The priced endpoints whose POST creates a stored object (a response unless {@code "store"} is
   * false, a chat completion when it is true): that POST is priced, not a {@link Kind#CREATE}.
   */
  private static final List<String> PRICED = List.of("/v1/responses", "/v1/chat/completions");

  /** Words after {@code /v1/responses/} that name an operation, not a response. */
  private static final List<String> RESPONSE_OPERATIONS = List.of("input_tokens", "compact");

  /** The route of a canonical path, or null when the path is not in a kept collection. */
  static ObjectRoute of(String method, String path) {
    for (String c : COLLECTIONS) {
      if (!path.startsWith(c)) {
        continue;
      }
      boolean post = "POST".equals(method);
      if (path.length() == c.length()) {
        if (post && PRICED.contains(c)) {
          return null; // the priced endpoint; what it stores is read from its body (Relay)
        }
        if (!post) {
          return new ObjectRoute(c, null, "", Kind.LIST);
        }
        boolean runs = c.equals("/v1/batches") || c.equals("/v1/fine_tuning/jobs");
        return new ObjectRoute(c, null, "", runs ? Kind.RUNS_MODELS : Kind.CREATE);
      }
      if (path.charAt(c.length()) != '/') {
        return null;
      }
      int end = path.indexOf('/', c.length() + 1);
      String id = path.substring(c.length() + 1, end < 0 ? path.length() : end);
      String rest = end < 0 ? "" : path.substring(end);
      if (c.equals("/v1/threads") && id.equals("runs")) {
        return new ObjectRoute(c, null, rest, post ? Kind.RUNS_MODELS : Kind.LIST);
      }
      if (c.equals("/v1/responses") && RESPONSE_OPERATIONS.contains(id)) {
        return null;
      }
      if (post && c.equals("/v1/threads") && (rest.equals("/runs") || rest.endsWith("/submit_tool_outputs"))) {
        return new ObjectRoute(c, id, rest, Kind.RUNS_MODELS);
      }
      return new ObjectRoute(c, id, rest, Kind.ADDRESS);
    }
    return null;
  }

  /** True when the route deletes the object itself (not one of its sub-resources). */
  boolean deletes(String method) {
    return kind == Kind.ADDRESS && rest.isEmpty() && "DELETE".equals(method);
  }

  /** True when the answer is the object's content (a file's bytes), not JSON to read ids from. */
  boolean content() {
    return rest.endsWith("/content");
  }

  /**
   * True for an id that can be one: 1 to {@link #MAX_ID} characters of letters, digits and
   * {@code - _ . :}. Any other never reaches Redis, and is answered as an object that does not exist.
   */
  static boolean validId(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_ID) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char ch = id.charAt(i);
      if (!(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-'
          || ch == '_' || ch == '.' || ch == ':')) {
        return false;
      }
    }
    return true;
  }
}
