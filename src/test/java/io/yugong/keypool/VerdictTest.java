package io.yugong.keypool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.yugong.keypool.Verdict.Kind;
import org.junit.jupiter.api.Test;

/** How an upstream answer is judged: for the key that got it, and for the request. */
class VerdictTest {

  private static MultiMap headers(String... pairs) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < pairs.length; i += 2) {
      h.add(pairs[i], pairs[i + 1]);
    }
    return h;
  }

  private static Buffer error(String type, String code) {
    return Buffer.buffer("{\"error\":{\"message\":\"m\",\"type\":" + (type == null ? "null" : "\"" + type + "\"")
        + ",\"param\":null,\"code\":" + (code == null ? "null" : "\"" + code + "\"") + "}}");
  }

  @Test
  void rateLimitedKeyCoolsForRetryAfterAndTheRequestMovesOn() {
    Verdict v = Verdict.of(429, headers("retry-after", "2"), error("requests", "rate_limit_exceeded"));
    assertEquals(Kind.RATE_LIMITED, v.kind());
    assertEquals(2_000, v.retryAfterMs());
    assertEquals("rate_limit_exceeded", v.reason());
    assertTrue(v.retryElsewhere());
  }

  @Test
  void rateLimitCooldownFallsBackToResetHeadersAndIsBoundedBetweenOneSecondAndFiveMinutes() {
    assertEquals(7_000, Verdict.of(429, headers("x-ratelimit-remaining-requests", "0",
        "x-ratelimit-reset-requests", "7s", "x-ratelimit-reset-tokens", "120ms"), null).retryAfterMs());
    // Requests left: the token budget is what ran out, so its reset counts.
    assertEquals(8_000, Verdict.of(429, headers("x-ratelimit-remaining-requests", "499",
        "x-ratelimit-reset-requests", "20ms", "x-ratelimit-reset-tokens", "8s"), null).retryAfterMs());
    assertEquals(6_000, Verdict.of(429, headers("x-ratelimit-reset-requests", "6s",
        "x-ratelimit-reset-tokens", "120ms"), null).retryAfterMs());
    // retry-after-ms is milliseconds and wins over retry-after.
    assertEquals(1_500, Verdict.of(429, headers("retry-after-ms", "1500", "retry-after", "9"), null).retryAfterMs());
    assertEquals(1_000, Verdict.of(429, headers("retry-after", "0"), null).retryAfterMs());
    assertEquals(1_000, Verdict.of(429, headers(), null).retryAfterMs());
    assertEquals(300_000, Verdict.of(429, headers("retry-after", "3600"), null).retryAfterMs());
    assertEquals(300_000, Verdict.of(429, headers("x-ratelimit-remaining-requests", "0",
        "x-ratelimit-reset-requests", "6m0s"), null).retryAfterMs());
  }

  @Test
  void keysWithoutQuotaRevokedOrDeactivatedAreDeadAndTheRequestMovesOn() {
    Verdict quota = Verdict.of(429, headers(), error("insufficient_quota", "insufficient_quota"));
    assertEquals(Kind.KEY_DEAD, quota.kind());
    assertEquals("insufficient_quota", quota.reason());
    assertTrue(quota.retryElsewhere());

    Verdict revoked = Verdict.of(401, headers(), error("invalid_request_error", "invalid_api_key"));
    assertEquals(Kind.KEY_DEAD, revoked.kind());
    assertEquals("invalid_api_key", revoked.reason());
    assertEquals(Kind.KEY_DEAD, Verdict.of(401, headers(), null).kind());

    Verdict deactivated = Verdict.of(403, headers(), error("invalid_request_error", "account_deactivated"));
    assertEquals(Kind.KEY_DEAD, deactivated.kind());
    assertEquals("account_deactivated", deactivated.reason());
  }

  @Test
  void serverAndGatewayFailuresAreUpstreamsFaultAndTheRequestMovesOn() {
    for (int status : new int[] {500, 502, 503, 504, 520, 521, 522, 523, 524}) {
      Verdict v = Verdict.of(status, headers(), Buffer.buffer("<html>bad gateway</html>"));
      assertEquals(Kind.UPSTREAM_FAILED, v.kind(), "status " + status);
      assertTrue(v.retryElsewhere(), "status " + status);
      assertTrue(Verdict.needsBody(status), "status " + status);
    }
    Verdict net = Verdict.network("ConnectException");
    assertEquals(Kind.UPSTREAM_FAILED, net.kind());
    assertTrue(net.retryElsewhere());
  }

  @Test
  void theRequestsOwnFaultsAndSuccessesGoBackToTheClientUntouched() {
    for (int status : new int[] {200, 201, 400, 404, 413, 422}) {
      Verdict v = Verdict.of(status, headers(), error("invalid_request_error", "model_not_found"));
      assertEquals(Kind.SERVED, v.kind(), "status " + status);
      assertFalse(v.retryElsewhere(), "status " + status);
      assertFalse(Verdict.needsBody(status), "status " + status);
    }
  }

  // ------------------------------------------------------------ the classification, row by row

  private static Buffer error(String message, String type, String code) {
    return Buffer.buffer(new io.vertx.core.json.JsonObject().put("error", new io.vertx.core.json.JsonObject()
        .put("message", message).put("type", type).putNull("param").put("code", code)).encode());
  }

  private static Verdict judge(int status, Buffer body, String model) {
    return Verdict.of(status, headers(), body, model);
  }

  @Test
  void aProjectWithoutAccessToAModelExcludesTheKeyForThatModelOnly() {
    Verdict v = judge(403, error("Project `proj_9KoeXdtHe0YQJbsF2FQAKmzl` does not have access to model `gpt-4o`",
        "invalid_request_error", "model_not_found"), "gpt-4o");
    assertEquals(Kind.MODEL_EXCLUDED, v.kind());
    assertEquals("gpt-4o", v.model());
    assertTrue(v.retryElsewhere());
    assertTrue(Verdict.needsBody(403, "gpt-4o"));
  }

  @Test
  void aModelThatDoesNotExistForTheKeyExcludesTheKeyForThatModel() {
    Verdict v = judge(404, error("The model `gpt-4.5-preview` does not exist or you do not have access to it.",
        "invalid_request_error", "model_not_found"), "gpt-4.5-preview");
    assertEquals(Kind.MODEL_EXCLUDED, v.kind());
    assertEquals("gpt-4.5-preview", v.model());
    assertTrue(Verdict.needsBody(404, "gpt-4.5-preview"));
    assertFalse(Verdict.needsBody(404, null), "a request without a model is not judged by its 404");
  }

  @Test
  void anOrganisationThatMustBeVerifiedExcludesTheKeyForThatModel() {
    Verdict v = judge(400, error("Your organization must be verified to use the model `o3`. Please go to: "
        + "https://platform.openai.com/settings/organization/general and click on Verify Organization.",
        "invalid_request_error", null), "o3");
    assertEquals(Kind.MODEL_EXCLUDED, v.kind());
    assertEquals("unverified_organization (400)", v.reason());
  }

  @Test
  void aRestrictedKeyWithoutTheScopeIsExcludedForTheModelNotKilled() {
    Buffer body = error("You have insufficient permissions for this operation. Missing scopes: api.responses.write.",
        "invalid_request_error", "missing_scope");
    assertEquals(Kind.MODEL_EXCLUDED, judge(401, body, "gpt-4o").kind());
    assertEquals(Kind.SERVED, judge(401, body, null).kind(), "without a model it is returned, the key untouched");
  }

  @Test
  void aModelRefusalThatIsNotAboutTheRequestedModelIsTheRequestsOwn() {
    // a tool's model, or a message that merely echoes what the client sent
    assertEquals(Kind.SERVED, judge(403, error("Project `proj_x` does not have access to model `gpt-image-1`",
        "invalid_request_error", "model_not_found"), "gpt-4o").kind());
    assertEquals(Kind.SERVED, judge(400, error("Invalid value: 'Project `p` does not have access to model `gpt-4o`'."
        + " Supported values are: 'none', 'auto', and 'required'.", "invalid_request_error", "invalid_value"),
        "gpt-4o").kind());
    assertEquals(Kind.SERVED, judge(400, error("Invalid value: 'Your organization must be verified to use the model "
        + "`gpt-4o`'.", "invalid_request_error", null), "gpt-4o").kind());
    assertEquals(Kind.SERVED, judge(404, error("The model `gpt-4o` does not exist or you do not have access to it.",
        "invalid_request_error", "model_not_found"), null).kind(), "no model asked: nothing to exclude");
  }

  @Test
  void clientErrorsNeverTouchTheKey() {
    String[][] rows = {
        {"400", "We could not parse the JSON body of your request.", "invalid_request_error", null},
        {"400", "This model's maximum context length is 16385 tokens. However, you requested 20000 tokens.",
            "invalid_request_error", "context_length_exceeded"},
        {"400", "Invalid 'messages': empty array.", "invalid_request_error", "empty_array"},
        {"400", "Invalid service_tier argument: The requested service tier is not allowed for this project.",
            "invalid_request_error", null},
        {"403", "This request is not allowed.", "invalid_request_error", null},
        {"403", "Your request was flagged by our safety system.", "invalid_request_error", null},
        {"404", "Invalid URL (POST /v1/foo)", "invalid_request_error", null},
        {"409", "The request conflicted with another request.", "invalid_request_error", null},
        {"413", "The request entity is too large.", "invalid_request_error", null},
        {"415", "Unsupported content type.", "invalid_request_error", null},
        {"422", "The request could not be processed.", "invalid_request_error", null},
        {"451", "Unavailable for legal reasons.", "invalid_request_error", null},
    };
    for (String[] r : rows) {
      Verdict v = judge(Integer.parseInt(r[0]), error(r[1], r[2], r[3]), "gpt-4o");
      assertEquals(Kind.SERVED, v.kind(), r[0] + " " + r[1]);
      assertFalse(v.retryElsewhere(), r[0] + " " + r[1]);
    }
  }

  @Test
  void deadKeysAreThoseWhoseAccountOrCredentialsAreGone() {
    String[][] rows = {
        {"401", "Incorrect API key provided: sk-ab****wxyz.", "invalid_request_error", "invalid_api_key", "invalid_api_key"},
        {"401", "You must be a member of an organization to use the API.", "invalid_request_error", "no_organization",
            "no_organization"},
        {"401", "Invalid Authentication", "invalid_request_error", null, "invalid_api_key"},
        {"402", "Insufficient Balance", "unknown_error", null, "payment_required"},
        {"403", "This key is associated with a deactivated account.", "invalid_request_error", null,
            "account_deactivated"},
        {"403", "This account is disabled.", "permission_error", "account_disabled", "account_disabled"},
        {"429", "You exceeded your current quota.", "insufficient_quota", "insufficient_quota", "insufficient_quota"},
        {"429", "Billing hard limit has been reached.", "insufficient_quota", "billing_hard_limit_reached",
            "billing_hard_limit_reached"},
        {"429", "Your account is not active, please check your billing details on our website.", "insufficient_quota",
            "billing_not_active", "billing_not_active"},
    };
    for (String[] r : rows) {
      Verdict v = judge(Integer.parseInt(r[0]), error(r[1], r[2], r[3]), "gpt-4o");
      assertEquals(Kind.KEY_DEAD, v.kind(), r[0] + " " + r[1]);
      assertEquals(r[4], v.reason(), r[0] + " " + r[1]);
    }
  }

  @Test
  void overloadCoolsTheKeyWithoutCountingAsItsFailure() {
    Verdict engine = Verdict.of(503, headers("retry-after", "3"),
        error("The engine is currently overloaded, please try again later.", "server_error", null), "gpt-4o");
    assertEquals(Kind.RATE_LIMITED, engine.kind());
    assertEquals(3_000, engine.retryAfterMs());
    assertEquals(Kind.RATE_LIMITED, judge(503, error("Slow Down: a sudden increase in your request rate.",
        "service_unavailable_error", "slow_down"), null).kind());
    assertEquals(Kind.UPSTREAM_FAILED, judge(503, error("The server is overloaded or not ready yet.", "server_error",
        null), null).kind(), "a plain 503 is an outage");
  }

  @Test
  void routeRefusalsAreOutagesNotDeadKeys() {
    Verdict region = judge(403, error("Country, region, or territory not supported", "request_forbidden",
        "unsupported_country_region_territory"), "gpt-4o");
    assertEquals(Kind.UPSTREAM_FAILED, region.kind());
    assertEquals("unsupported_country_region_territory", region.reason());
    assertEquals(Kind.UPSTREAM_FAILED, judge(401, error("IP not authorized", "invalid_request_error",
        "ip_not_authorized"), null).kind());
  }
}
