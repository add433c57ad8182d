package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.KeyBehaviour;
import io.yugong.mock.MockOptions;
import io.yugong.testing.Eventually;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code /metrics} as an operator's Prometheus sees it, on a real two-node cluster with real Redis:
 * who may scrape, what a request, a failover, the key pool and the money look like, and that the
 * exposition never names an account, a key or a request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsTest {

  private static final String GOOD = "sk-metrics-good-upstream-1234567890";
  private static final String FAILOVER_GOOD = "sk-metrics-failover-good-1234567890";
  private static final String FAILOVER_DEAD = "sk-metrics-failover-dead-1234567890";
  private static final String FAILOVER_LIMITED = "sk-metrics-failover-limited-1234567890";
  private static final String POOL_LIMITED = "sk-metrics-pool-limited-1234567890";
  private static final String POOL_DEAD = "sk-metrics-pool-dead-1234567890";
  /** Served by GOOD only. */
  private static final String MODEL = "gpt-4o-mini";
  /** Served by the failover keys only. */
  private static final String FAILOVER_MODEL = "gpt-4.1-mini";
  /** Served by the pool keys only, at a level of their own. */
  private static final String POOL_MODEL = "gpt-4.1-nano";
  private static final int POOL_LEVEL = 7;

  private final String metricsToken = "mt-" + TestCluster.randomHex(32);
  private final List<String> secrets = new ArrayList<>();
  private TestCluster c;
  private String failoverDeadId;
  private String failoverLimitedId;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of("YUGONG_METRICS_TOKEN", metricsToken));
    c.addKey(0, GOOD, new JsonObject().put("models", new JsonArray().add(MODEL)));
    c.addKey(0, FAILOVER_GOOD, new JsonObject().put("models", new JsonArray().add(FAILOVER_MODEL)));
    failoverDeadId = c.addKey(0, FAILOVER_DEAD, new JsonObject().put("models", new JsonArray().add(FAILOVER_MODEL)));
    failoverLimitedId = c.addKey(0, FAILOVER_LIMITED,
        new JsonObject().put("models", new JsonArray().add(FAILOVER_MODEL)));
    c.addKey(0, POOL_LIMITED, new JsonObject().put("models", new JsonArray().add(POOL_MODEL)).put("level", POOL_LEVEL));
    c.addKey(0, POOL_DEAD, new JsonObject().put("models", new JsonArray().add(POOL_MODEL)).put("level", POOL_LEVEL));
    c.mock.control().behave(FAILOVER_DEAD, KeyBehaviour.insufficientQuota());
    c.mock.control().behave(FAILOVER_LIMITED, KeyBehaviour.rateLimited(600));
    c.mock.control().behave(POOL_LIMITED, KeyBehaviour.rateLimited(600));
    c.mock.control().behave(POOL_DEAD, KeyBehaviour.invalidKey());
    HttpResponse<String> routing = c.call(0, "PUT", "/admin/config/routing", c.adminKey,
        new JsonObject().put("LEVEL_MAPPER", POOL_MODEL + "=" + POOL_LEVEL).encode());
    assertThat(routing.statusCode()).as(routing.body()).isEqualTo(200);
    c.awaitSettings(); // node 1 applies the change when the announcement reaches it
    secrets.addAll(List.of(GOOD, FAILOVER_GOOD, FAILOVER_DEAD, FAILOVER_LIMITED, POOL_LIMITED, POOL_DEAD, c.adminKey,
        c.masterKey, metricsToken));
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private String customer(String name, String dollars) throws Exception {
    JsonObject user = c.createAccount(0, new JsonObject().put("Name", name).put("CreditGranted", dollars))
        .getJsonObject("User");
    secrets.add(user.getString("SecretKey"));
    return user.getString("SecretKey");
  }

  private static String chat(String model) {
    return new JsonObject().put("model", model).put("max_tokens", 5).put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "hello"))).encode();
  }

  private HttpResponse<String> ask(int node, String key, String model) throws Exception {
    return c.call(node, "POST", "/v1/chat/completions", key, chat(model));
  }

  private String scrape(int node) throws Exception {
    HttpResponse<String> r = c.call(node, "GET", "/metrics", metricsToken, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }

  /** The value of the sample {@code name{labels}} whose labels include all of {@code want}; 0 when absent. */
  static double sample(String exposition, String name, Map<String, String> want) {
    double sum = 0;
    boolean found = false;
    Pattern line = Pattern.compile("^" + Pattern.quote(name) + "(\\{([^}]*)\\})? (\\S+)$", Pattern.MULTILINE);
    Matcher m = line.matcher(exposition);
    while (m.find()) {
      Map<String, String> labels = new java.util.HashMap<>();
      if (m.group(2) != null) {
        Matcher l = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      if (labels.entrySet().containsAll(want.entrySet())) {
        sum += Double.parseDouble(m.group(3));
        found = true;
      }
    }
    return found ? sum : 0;
  }

  @Test
  void metricsNeedTheAdminKeyOrTheMetricsToken() throws Exception {
    String customerKey = customer("metrics-nosy", "1");
    HttpResponse<String> none = c.call(0, "GET", "/metrics", null, null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(none.body()).getJsonObject("error").getString("message")).isNotBlank();
    HttpResponse<String> wrong = c.call(0, "GET", "/metrics", "mt-not-the-token", null);
    assertThat(wrong.statusCode()).isEqualTo(401);
    HttpResponse<String> account = c.call(0, "GET", "/metrics", customerKey, null);
    assertThat(account.statusCode()).as("an account key is not an operator's").isEqualTo(403);
    assertThat(new JsonObject(account.body()).getJsonObject("error").getString("type")).isNotBlank();

    for (String key : List.of(c.adminKey, metricsToken)) {
      for (int node = 0; node < 2; node++) {
        HttpResponse<String> ok = c.call(node, "GET", "/metrics", key, null);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        assertThat(ok.body()).contains("# TYPE yugong_requests_in_flight gauge", "jvm_memory_used_bytes",
            "yugong_event_loop_lag_seconds_count", "yugong_redis_up 1.0");
      }
    }
  }

  @Test
  void aServedRequestIsCountedWithItsEndpointModelAndStatusClass() throws Exception {
    String key = customer("metrics-served", "5");
    Map<String, String> served = Map.of("endpoint", "chat", "model", MODEL, "status", "2xx", "outcome", "served");
    double before = sample(scrape(1), "yugong_requests_total", served);
    double durationsBefore = sample(scrape(1), "yugong_request_duration_seconds_count", Map.of("endpoint", "chat",
        "model", MODEL));
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = ask(1, key, MODEL);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
    // the line is recorded once the answer is over (its end handler may run after the client read it)
    Eventually.eventually(Duration.ofSeconds(5), () ->
        assertThat(sample(scrape(1), "yugong_requests_total", served) - before).isEqualTo(3));
    String text = scrape(1);
    assertThat(sample(text, "yugong_request_duration_seconds_count", Map.of("endpoint", "chat", "model", MODEL))
        - durationsBefore).isEqualTo(3);
    assertThat(sample(text, "yugong_request_first_byte_seconds_count", Map.of("endpoint", "chat", "model", MODEL)))
        .isGreaterThanOrEqualTo(3);
    assertThat(text).contains("yugong_request_duration_seconds_bucket{endpoint=\"chat\",model=\"" + MODEL
        + "\",le=\"0.1\"}");
    assertThat(sample(text, "yugong_upstream_attempts_total", Map.of("endpoint", "chat"))).isGreaterThanOrEqualTo(3);
    assertThat(sample(text, "yugong_upstream_answers_total", Map.of("classification", "served")))
        .isGreaterThanOrEqualTo(3);
    // the remaining capacity upstream's x-ratelimit headers told, summed for level 1
    assertThat(sample(text, "yugong_keypool_remaining_requests", Map.of("level", "1"))).isPositive();
    assertThat(sample(text, "yugong_keypool_remaining_tokens", Map.of("level", "1"))).isPositive();

    // a refused request (model not allowed to a broke account) has its own outcome and class
    String broke = customer("metrics-broke", "0");
    Map<String, String> refused = Map.of("endpoint", "chat", "model", MODEL, "status", "4xx", "outcome", "refused");
    double refusedBefore = sample(scrape(1), "yugong_requests_total", refused);
    assertThat(ask(1, broke, MODEL).statusCode()).isEqualTo(429);
    Eventually.eventually(Duration.ofSeconds(5), () ->
        assertThat(sample(scrape(1), "yugong_requests_total", refused) - refusedBefore).isEqualTo(1));
  }

  @Test
  void openConnectionsAreCountedWithoutPerRequestMeters() throws Exception {
    String key = customer("metrics-connections", "5");
    assertThat(ask(0, key, MODEL).statusCode()).isEqualTo(200);
    String text = scrape(0);
    // the scrape's own connection is open while it is answered; upstream's is kept alive after the answer
    assertThat(sample(text, "yugong_client_connections", Map.of())).isGreaterThanOrEqualTo(1);
    assertThat(sample(text, "yugong_upstream_connections", Map.of())).isGreaterThanOrEqualTo(1);
    assertThat(text).as("Vert.x's per-request HTTP meters are off by default").doesNotContain("vertx_http_server_",
        "vertx_http_client_");
  }

  @Test
  void aFailoverIsCountedWithItsReason() throws Exception {
    String key = customer("metrics-failover", "5");
    // the pool picks among the model's three keys; ask until the dead and the limited one were each tried once
    boolean deadSpread = false;
    boolean limitedSpread = false;
    for (int i = 0; i < 40 && (c.mock.control().requests(FAILOVER_DEAD).isEmpty()
        || c.mock.control().requests(FAILOVER_LIMITED).isEmpty()); i++) {
      HttpResponse<String> r = ask(i % 2, key, FAILOVER_MODEL);
      assertThat(r.statusCode()).as("a failover the client never sees: " + r.body()).isEqualTo(200);
      // the node that met the failing key knows at once; the other learns through the replicated
      // health map (asynchronously), and until then may pick the same key and fail over again
      if (!deadSpread && !c.mock.control().requests(FAILOVER_DEAD).isEmpty()) {
        awaitKeyState(failoverDeadId, "disabled");
        deadSpread = true;
      }
      if (!limitedSpread && !c.mock.control().requests(FAILOVER_LIMITED).isEmpty()) {
        awaitKeyState(failoverLimitedId, "cooling");
        limitedSpread = true;
      }
    }
    assertThat(c.mock.control().requests(FAILOVER_DEAD)).isNotEmpty();
    assertThat(c.mock.control().requests(FAILOVER_LIMITED)).isNotEmpty();
    Eventually.eventually(Duration.ofSeconds(5), () -> {
      String a = scrape(0);
      String b = scrape(1);
      assertThat(sample(a, "yugong_upstream_failovers_total", Map.of("reason", "dead_key", "key", failoverDeadId))
          + sample(b, "yugong_upstream_failovers_total", Map.of("reason", "dead_key", "key", failoverDeadId)))
          .isEqualTo(1);
      assertThat(sample(a, "yugong_upstream_failovers_total", Map.of("reason", "cooldown", "key", failoverLimitedId))
          + sample(b, "yugong_upstream_failovers_total", Map.of("reason", "cooldown", "key", failoverLimitedId)))
          .isEqualTo(1);
      assertThat(sample(a, "yugong_upstream_answers_total", Map.of("classification", "dead_key"))
          + sample(b, "yugong_upstream_answers_total", Map.of("classification", "dead_key"))).isGreaterThanOrEqualTo(1);
      assertThat(sample(a, "yugong_upstream_answers_total", Map.of("classification", "cooldown"))
          + sample(b, "yugong_upstream_answers_total", Map.of("classification", "cooldown"))).isGreaterThanOrEqualTo(1);
    });
  }

  /** Waits until every node's view of the key shows {@code status}. */
  private void awaitKeyState(String id, String status) throws Exception {
    for (int node = 0; node < 2; node++) {
      int n = node;
      Eventually.eventually(Duration.ofSeconds(5), () -> {
        HttpResponse<String> v = c.call(n, "GET", "/admin/keys/" + id, c.adminKey, null);
        assertThat(v.statusCode()).as(v.body()).isEqualTo(200);
        assertThat(new JsonObject(v.body()).getString("status")).as("node " + n + ": " + v.body()).isEqualTo(status);
      });
    }
  }

  @Test
  void theKeyPoolGaugesShowCoolingAndDisabledKeys() throws Exception {
    String key = customer("metrics-pool", "5");
    String level = Integer.toString(POOL_LEVEL);
    // both keys of the level fail: one is cooled (429), one disabled (401); the client gets 503
    assertThat(ask(0, key, POOL_MODEL).statusCode()).isEqualTo(503);
    for (int i = 0; i < 5 && (c.mock.control().requests(POOL_LIMITED).isEmpty()
        || c.mock.control().requests(POOL_DEAD).isEmpty()); i++) {
      assertThat(ask(0, key, POOL_MODEL).statusCode()).isEqualTo(503);
    }
    Eventually.eventually(Duration.ofSeconds(10), () -> {
      for (int node = 0; node < 2; node++) {
        String text = scrape(node);
        assertThat(sample(text, "yugong_keypool_keys", Map.of("level", level, "state", "cooling")))
            .as("node " + node).isEqualTo(1);
        assertThat(sample(text, "yugong_keypool_keys", Map.of("level", level, "state", "disabled")))
            .as("node " + node).isEqualTo(1);
        assertThat(sample(text, "yugong_keypool_keys", Map.of("level", level, "state", "usable")))
            .as("node " + node).isZero();
      }
    });
    assertThat(scrape(0)).contains("yugong_requests_total{endpoint=\"chat\",model=\"" + POOL_MODEL
        + "\",outcome=\"unavailable\",status=\"5xx\"}");
  }

  @Test
  void chargedDollarsMatchTheLedger() throws Exception {
    String key = customer("metrics-charged", "5");
    c.settled();
    double before = sample(scrape(0), "yugong_charged_usd_total", Map.of("model", MODEL))
        + sample(scrape(1), "yugong_charged_usd_total", Map.of("model", MODEL));
    for (int i = 0; i < 4; i++) {
      assertThat(ask(i % 2, key, MODEL).statusCode()).isEqualTo(200);
    }
    c.settled();
    JsonArray ledger = new JsonObject(c.call(0, "GET", "/dashboard/x_user/ledger?limit=100", key, null).body())
        .getJsonArray("data");
    long nanos = 0;
    int charges = 0;
    for (int i = 0; i < ledger.size(); i++) {
      JsonObject e = ledger.getJsonObject(i);
      if (MODEL.equals(e.getString("model")) && e.getLong("cost_nanos") > 0) {
        nanos += e.getLong("cost_nanos");
        charges++;
      }
    }
    assertThat(charges).isEqualTo(4);
    long ledgerNanos = nanos;
    Eventually.eventually(Duration.ofSeconds(5), () -> {
      double after = sample(scrape(0), "yugong_charged_usd_total", Map.of("model", MODEL))
          + sample(scrape(1), "yugong_charged_usd_total", Map.of("model", MODEL));
      assertThat(after - before).isCloseTo(ledgerNanos / 1e9, org.assertj.core.data.Offset.offset(1e-12));
    });
    String text = scrape(0) + scrape(1);
    assertThat(sample(text, "yugong_holds_total", Map.of())).isGreaterThanOrEqualTo(4);
  }

  @Test
  void anUnknownModelNeverCreatesANewSeries() throws Exception {
    String key = customer("metrics-inventive", "5");
    List<String> invented = List.of("no-such-model-" + TestCluster.randomHex(8), "Ⅻ-" + TestCluster.randomHex(8),
        "x\"},evil=\"1", "");
    for (String model : invented) {
      HttpResponse<String> r = ask(0, key, model);
      assertThat(r.statusCode()).as(r.body()).isBetween(400, 499);
    }
    Eventually.eventually(Duration.ofSeconds(5), () -> assertThat(sample(scrape(0), "yugong_requests_total",
        Map.of("model", "other", "status", "4xx"))).isGreaterThanOrEqualTo(3));
    String text = scrape(0);
    for (String model : invented.subList(0, 3)) {
      assertThat(text).doesNotContain(model);
    }
    assertThat(text).doesNotContain("no-such-model").doesNotContain("evil");
    Matcher m = Pattern.compile("model=\"([^\"]*)\"").matcher(text);
    java.util.Set<String> priced = new java.util.HashSet<>(
        c.nodes.get(0).services().tariff().prices().models().keySet());
    while (m.find()) {
      assertThat(m.group(1)).satisfiesAnyOf(
          v -> assertThat(priced).contains(v),
          v -> assertThat(v).isIn("other", "none"));
    }
  }

  @Test
  void noAccountOrRequestIdEverAppearsInTheExposition() throws Exception {
    String key = customer("metrics-private", "5");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = ask(i % 2, key, i == 2 ? FAILOVER_MODEL : MODEL);
      ids.add(r.headers().firstValue("x-yugong-request-id").orElseThrow());
    }
    ids.add(ask(0, "sk-not-a-key-" + TestCluster.randomHex(24), MODEL).headers()
        .firstValue("x-yugong-request-id").orElseThrow());
    c.settled();
    String text = scrape(0) + scrape(1);
    for (String id : ids) {
      assertThat(text).doesNotContain(id).doesNotContain(id.substring(4));
    }
    for (String secret : secrets) {
      assertThat(text).doesNotContain(secret).doesNotContain(secret.substring(secret.length() - 12));
    }
    // account ids, names and keys never label anything
    Matcher labels = Pattern.compile("(\\w+)=\"").matcher(text);
    java.util.Set<String> names = new java.util.TreeSet<>();
    while (labels.find()) {
      names.add(labels.group(1));
    }
    assertThat(names).doesNotContain("account", "account_id", "accountId", "request_id", "requestId", "user",
        "path", "remote", "uri");
    // nor does an account's name (the ids are small numbers, as a level or a bucket may be: the
    // label names above are what keeps them out)
    assertThat(text).doesNotContain("metrics-private");
  }
}
