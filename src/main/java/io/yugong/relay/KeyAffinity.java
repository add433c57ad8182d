package io.yugong.relay;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.gateway.ApiError;
import io.yugong.keypool.KeyPool;
import io.yugong.node.StoreHealth;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stored objects stay with their key and their account. Before a request is priced: the objects it
 * names (in its path and body) must be ones its account created, and the request is pinned to the
 * key that holds them — an id of another account, or one never created here, is OpenAI's 404, as
 * if it did not exist. After a served answer: the objects it created are recorded against the key
 * and the account before the answer ends, so the next request, on any node, finds them.
 */
final class KeyAffinity {

  private static final Logger LOG = LoggerFactory.getLogger(KeyAffinity.class);
  /** The largest answer read for the ids it creates. */
  static final int MAX_ANSWER_BYTES = 1024 * 1024;

  private final ObjectOwners owners;
  private final KeyPool pool;
  private final StoreHealth storeHealth;

  KeyAffinity(ObjectOwners owners, KeyPool pool, StoreHealth storeHealth) {
    this.owners = owners;
    this.pool = pool;
    this.storeHealth = storeHealth;
  }

  /** Refuses what would reach other customers' objects, and pins the request to its objects' key. */
  Future<Void> resolve(Exchange x) {
    ObjectRoute route = x.route;
    List<String> ids = new ArrayList<>();
    if (route != null) {
      switch (route.kind()) {
        case LIST -> {
          return Future.failedFuture(ApiError.forbidden(x.req.method() + " " + x.req.path() + " lists every "
              + "object of the upstream organisation, which other customers share; it is not offered. "
              + "Keep the ids of the objects you create and address them by id.", "endpoint_not_allowed"));
        }
        case RUNS_MODELS -> {
          return Future.failedFuture(ApiError.forbidden(x.req.method() + " " + x.req.path() + " runs models "
              + "upstream later, which this service cannot bill per request; it is not enabled.",
              "endpoint_not_allowed"));
        }
        case ADDRESS -> ids.add(route.id());
        default -> {
        }
      }
    }
    try {
      List<ObjectRefs.Ref> refs = x.json != null ? ObjectRefs.of(x.json)
          : x.upload != null ? x.upload.objectRefs() : List.of();
      for (ObjectRefs.Ref r : refs) {
        ids.add(r.id());
      }
    } catch (ApiError e) {
      return Future.failedFuture(e);
    }
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    for (String id : ids) {
      if (!ObjectRoute.validId(id)) {
        return Future.failedFuture(notFound(null));
      }
    }
    String account = x.account.id();
    return owners.keysOf(account, ids).recover(e -> Future.failedFuture(storeHealth.refusal(e))).compose(found -> {
      String key = null;
      for (String id : ids) {
        String holder = found.get(id);
        if (holder == null) {
          LOG.debug("{} names object {} that account {} did not create here", x.requestId, id, account);
          return Future.failedFuture(notFound(id));
        }
        if (key != null && !key.equals(holder)) {
          return Future.failedFuture(ApiError.invalidRequest("The objects this request names were created "
              + "through different upstream keys and cannot be used together.", null));
        }
        key = holder;
      }
      if (!pool.inService(key)) {
        LOG.info("{} names object(s) held by upstream key {}, which is no longer in service", x.requestId, key);
        return Future.failedFuture(new ApiError(404, "No such object: " + ids.get(0) + ". The upstream key "
            + "that stored it is no longer in service.", "invalid_request_error", null, "object_not_found"));
      }
      x.pinnedKey = key;
      return Future.succeededFuture();
    });
  }

  /** OpenAI's 404 for an object that does not exist (for this account). */
  static ApiError notFound(String id) {
    return new ApiError(404, id == null ? "No such object." : "No such object: " + id + ".",
        "invalid_request_error", null, "object_not_found");
  }

  /** True when the answer's body must be kept to read the ids it creates. */
  static boolean readsAnswer(Exchange x) {
    return x.storesResponse || x.route != null && !x.route.content() && x.route.kind() != ObjectRoute.Kind.LIST;
  }

  /**
   * Records what a served 2xx answer created through the key (and forgets a deleted object). Always
   * completes; a failure is logged (the object then answers 404 until it is created again).
   *
   * @param ids what {@link #createdIds} read from the answer
   */
  Future<Void> remember(Exchange x, String keyId, List<String> ids) {
    String account = x.account.id();
    Future<Void> done;
    if (x.route != null && x.route.deletes(x.req.method().name())) {
      done = owners.forget(account, x.route.id());
    } else {
      if (ids.isEmpty()) {
        return Future.succeededFuture();
      }
      done = owners.remember(account, ids, keyId);
    }
    return done.recover(e -> {
      LOG.warn("{} recording the stored objects of its answer (key {}) failed: {}", x.requestId, keyId, e.toString());
      return Future.succeededFuture();
    });
  }

  /**
   * The new objects an answer tells of: its {@code id} when the request created it (and a stored
   * response's output items, which {@code item_reference} may name), and the files and threads
   * upstream made for objects of the account (a batch's output and error files, a fine-tuning
   * job's result files, a completed upload's file, a run's thread). It may parse the JSON answer
   * (up to {@link #MAX_ANSWER_BYTES}): the caller runs it off the event loop for a large one.
   *
   * @param responseId the id of the stored response or chat completion read from its event stream, or null
   * @param itemIds that stored response's output item ids, read from its event stream (or empty)
   * @param body the JSON answer as kept, or null
   */
  static List<String> createdIds(Exchange x, String responseId, List<String> itemIds, Buffer body) {
    Set<String> out = new LinkedHashSet<>();
    if (responseId != null) {
      out.add(responseId);
      out.addAll(itemIds);
    }
    boolean fits = body != null && body.length() > 0 && body.length() <= MAX_ANSWER_BYTES;
    if (x.storesResponse && responseId == null && body != null && x.endpoint == io.yugong.billing.Endpoint.RESPONSES
        && fits && parse(body) instanceof JsonObject response) {
      // a stored response, and the output items it keeps
      addString(out, response.getValue("id"));
      out.addAll(ObjectRefs.outputItemIds(response));
    } else if (x.storesResponse && responseId == null && body != null) {
      // a chat completion object begins with its id: read it without parsing the answer
      String id = leadingId(body);
      if (id == null && fits) {
        id = parse(body) instanceof JsonObject j && j.getValue("id") instanceof String s ? s : null;
      }
      addString(out, id);
    } else if (x.route != null && fits && parse(body) instanceof JsonObject json) {
      if (x.route.kind() == ObjectRoute.Kind.CREATE) {
        addString(out, json.getValue("id"));
      }
      addString(out, json.getValue("output_file_id"));
      addString(out, json.getValue("error_file_id"));
      addString(out, json.getValue("thread_id"));
      if (json.getValue("result_files") instanceof JsonArray files) {
        files.forEach(f -> addString(out, f));
      }
      if (json.getValue("file") instanceof JsonObject file) {
        addString(out, file.getValue("id"));
      }
    }
    out.removeIf(id -> !ObjectRoute.validId(id));
    return new ArrayList<>(out);
  }

  private static Object parse(Buffer body) {
    try {
      return new JsonObject(body);
    } catch (RuntimeException notJson) {
      return null;
    }
  }

  /** The value of {@code "id"} when it is the object's first field (as in OpenAI's answers), else null. */
  static String leadingId(Buffer body) {
    int n = Math.min(body.length(), 4 + ObjectRoute.MAX_ID + 64);
    int i = skipSpace(body, 0, n);
    if (i >= n || body.getByte(i) != '{') {
      return null;
    }
    i = skipSpace(body, i + 1, n);
    byte[] key = {'"', 'i', 'd', '"'};
    for (byte k : key) {
      if (i >= n || body.getByte(i++) != k) {
        return null;
      }
    }
    i = skipSpace(body, i, n);
    if (i >= n || body.getByte(i) != ':') {
      return null;
    }
    i = skipSpace(body, i + 1, n);
    if (i >= n || body.getByte(i) != '"') {
      return null;
    }
    int start = ++i;
    while (i < n && body.getByte(i) != '"') {
      if (body.getByte(i) == '\\') {
        return null;
      }
      i++;
    }
    return i < n ? body.getString(start, i) : null;
  }

  private static int skipSpace(Buffer b, int i, int n) {
    while (i < n && (b.getByte(i) == ' ' || b.getByte(i) == '\n' || b.getByte(i) == '\r' || b.getByte(i) == '\t')) {
      i++;
    }
    return i;
  }

  private static void addString(Set<String> out, Object v) {
    if (v instanceof String s) {
      out.add(s);
    }
  }
}
