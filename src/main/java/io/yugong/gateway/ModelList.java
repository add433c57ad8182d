package io.yugong.gateway;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.yugong.accounts.Account;
import io.yugong.billing.PriceBook;
import io.yugong.keypool.KeyPool;
import io.yugong.billing.Tariff;
import io.yugong.keypool.RoutingRules;
import java.util.TreeSet;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}} answered by Yugong for the calling key:
 * the models its account (and every ancestor) may use that this service can price, and the
 * MODEL_MAPPER names that lead to them; any other id is OpenAI's 404 {@code model_not_found}.
 * Never forwarded: a pool key's project may list models no account may use. Other requests pass
 * to the next handler.
 */
final class ModelList implements Handler<RoutingContext> {

  private static final String PREFIX = "/v1/models/";
  private static final int MAX_ID = 256;

  private final Tariff tariff;
  private final KeyPool keys;
  /** What {@code created} says: OpenAI's clients need a number; the node's start is honest. */
  private final long created = System.currentTimeMillis() / 1000;

  ModelList(Tariff tariff, KeyPool keys) {
    this.tariff = tariff;
    this.keys = keys;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpMethod m = ctx.request().method();
    String path = ctx.request().path();
    if (m != HttpMethod.GET && m != HttpMethod.HEAD) {
      ctx.next();
      return;
    }
    Account a = ctx.get("account");
    if ("/v1/models".equals(path)) {
      Replies.json(ctx, 200, new JsonObject().put("object", "list").put("data", list(a)));
    } else if (path.startsWith(PREFIX) && path.length() > PREFIX.length()) {
      // the path is already canonical (TargetCheck decoded what may be decoded, refused the rest)
      String id = path.substring(PREFIX.length());
      if (id.length() <= MAX_ID && usable(a, id)) {
        Replies.json(ctx, 200, model(id));
      } else {
        new ApiError(404, "The model '" + (id.length() <= MAX_ID ? id : id.substring(0, MAX_ID) + "...")
            + "' does not exist or you do not have access to it.", "invalid_request_error", "model",
            "model_not_found").send(ctx.response());
      }
    } else {
      ctx.next();
    }
  }

  private JsonArray list(Account a) {
    PriceBook book = tariff.prices();
    RoutingRules rules = keys.routing();
    TreeSet<String> ids = new TreeSet<>();
    for (String name : book.models().keySet()) {
      if (a.allowsModel(name) && mappingAllowed(a, name)) {
        ids.add(name);
      }
    }
    for (String alias : rules.aliases()) {
      if (usable(a, alias)) {
        ids.add(alias);
      }
    }
    for (String alias : a.modelAliases()) {
      if (usable(a, alias)) {
        ids.add(alias);
      }
    }
    JsonArray data = new JsonArray();
    ids.forEach(id -> data.add(model(id)));
    return data;
  }

  /** The account may name it, and what it leads to upstream has a price here. */
  private boolean usable(Account a, String id) {
    return a.allowsModel(id) && mappingAllowed(a, id)
        && tariff.prices().find(a.upstreamModel(id, keys.routing())).isPresent();
  }

  /** What an account's ModelMapper maps the name to (if it does) passes the account's rules too. */
  private static boolean mappingAllowed(Account a, String id) {
    String mapped = a.accountMappedModel(id);
    return mapped == null || a.allowsModel(mapped);
  }

  private JsonObject model(String id) {
    return new JsonObject().put("id", id).put("object", "model").put("created", created)
        .put("owned_by", "yugong");
  }
}
