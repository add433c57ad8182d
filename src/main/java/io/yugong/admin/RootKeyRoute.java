package io.yugong.admin;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.yugong.accounts.Account;
import io.yugong.accounts.Accounts;
import io.yugong.gateway.ApiError;
import io.yugong.gateway.Replies;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Map;

/**
 * ProxyXAI's {@code POST /x-root} (admin key only): gives an account a key of the operator's
 * choosing, so customers' existing keys can be imported, or a new generated one. The body is
 * {@code {"name": id|name|email, "key": "sk-..." (or "SecretKey"), "confirm": "YYYY-MM-DD-ROTATE-ROOT"}};
 * {@code confirm} is optional here and, when sent, must carry today's UTC date (a day either side
 * is accepted for clocks in other zones).
 */
final class RootKeyRoute {

  private static final Map<String, String> FIELDS = Map.of(
      "name", "name", "id", "name", "key", "key", "secretkey", "key", "confirm", "confirm");
  private static final int MAX_TEXT = 256;

  private final Accounts accounts;

  RootKeyRoute(Accounts accounts) {
    this.accounts = accounts;
  }

  void handle(RoutingContext ctx) {
    JsonObject sent = Replies.body(ctx);
    if (sent == null) {
      return;
    }
    JsonObject req = new JsonObject();
    for (Map.Entry<String, Object> e : sent) {
      String field = e.getKey().length() > 32 ? null : FIELDS.get(e.getKey().toLowerCase(Locale.ROOT));
      if (field == null) {
        String shown = e.getKey().length() > 32 ? e.getKey().substring(0, 32) + "..." : e.getKey();
        new ApiError(400, "Unknown field '" + shown.replaceAll("\\p{Cntrl}", "?") + "'; /x-root takes name, key "
            + "and confirm.", "invalid_request_error", shown.replaceAll("\\p{Cntrl}", "?"), "unknown_field")
            .send(ctx.response());
        return;
      }
      if (req.containsKey(field)) {
        ApiError.invalidRequest("The field '" + field + "' is sent twice.", field).send(ctx.response());
        return;
      }
      if (e.getValue() != null && !(e.getValue() instanceof String s && s.length() <= MAX_TEXT)) {
        ApiError.invalidRequest(field + " must be a string of at most " + MAX_TEXT + " characters.", field)
            .send(ctx.response());
        return;
      }
      req.put(field, e.getValue());
    }
    String confirm = req.getString("confirm");
    if (confirm != null && !confirmed(confirm.trim())) {
      ApiError.invalidRequest("confirm must be today's date followed by -ROTATE-ROOT, e.g. "
          + LocalDate.now(ZoneOffset.UTC) + "-ROTATE-ROOT.", "confirm").send(ctx.response());
      return;
    }
    String who = req.getString("name");
    if (who == null || who.isBlank()) {
      ApiError.invalidRequest("name is required: the ID, Name or Email of the account whose key is set "
          + "(the admin key itself is YUGONG_ADMIN_KEY).", "name").send(ctx.response());
      return;
    }
    String key = req.getString("key");
    String chosen = key == null || key.isBlank() ? null : key.trim();
    Account admin = ctx.get("account");
    accounts.findBelow(admin, who.trim()).onComplete(ar -> {
      if (ar.failed()) {
        Replies.fail(ctx, ar.cause());
      } else if (ar.result() == null) {
        ApiError.notFound("No account '" + who.trim().replaceAll("\\p{Cntrl}", "?") + "'.").send(ctx.response());
      } else {
        try {
          accounts.assignKey(ar.result(), chosen).onComplete(done -> {
            if (done.failed()) {
              Replies.fail(ctx, done.cause());
            } else {
              Replies.json(ctx, 200, done.result());
            }
          });
        } catch (RuntimeException e) {
          Replies.fail(ctx, e);
        }
      }
    });
  }

  private static boolean confirmed(String confirm) {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    for (int d = -1; d <= 1; d++) {
      if (confirm.equalsIgnoreCase(today.plusDays(d) + "-ROTATE-ROOT")) {
        return true;
      }
    }
    return false;
  }
}
