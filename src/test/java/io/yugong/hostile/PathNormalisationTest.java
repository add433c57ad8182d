package io.yugong.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.mock.ServedRequest;
import io.yugong.testing.Eventually;
import io.yugong.testing.TestCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What is billed and policed is what is forwarded: every spelling of a request target is either
 * served, billed and policed exactly like its normal form (and forwarded upstream under that
 * normal form), or refused with an OpenAI-shaped 4xx that costs nothing and reaches no upstream.
 * Targets go over a raw socket, byte for byte as written here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PathNormalisationTest {

  private static final String CHAT = "/v1/chat/completions";
  private static final String ALLOWED_MODEL = "gpt-4o-mini";
  private static final String DENIED_MODEL = "gpt-4o";
  private static final String ALLOWED_PREFIX = "/v1/evals";

  /** What a variant gets. */
  enum Expect {
    /** served as a chat completion: charged like the normal form, denied model refused */
    BILLED,
    /** served free, like GET /v1/models */
    FREE,
    /** refused like the normal form of an endpoint Yugong cannot price: 403 endpoint_not_allowed */
    NOT_ALLOWED,
    /** refused as ambiguous: 400 invalid_request_target */
    REFUSED,
    /** answered like {@code normal}, on a route of Yugong's own */
    LIKE
  }

  record Variant(String method, String target, Expect expect, String normal) {
    @Override
    public String toString() {
      return method + " " + target;
    }
  }

  private TestCluster c;
  private String key;
  private long chatCharge;
  private final List<String> table = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    // One setting under test (not a changed default): the operator lets accounts use evals (not
    // vector stores: those are kept per account and key, see StoredObjectAffinityTest).
    c = TestCluster.start(2, new MockOptions(), Map.of("YUGONG_UNMETERED_ALLOWED", ALLOWED_PREFIX));
    c.addKey(0, "sk-paths-one-1234567890", null);
    key = HostileKit.secret(c.createAccount(0, new JsonObject().put("Name", "paths")
        .put("CreditGranted", 100).put("DenyModels", DENIED_MODEL)));
    long before = balance();
    WireClient.Answer normal = send(0, "POST", CHAT, chatBody(ALLOWED_MODEL));
    assertThat(normal.status()).as(normal.body()).isEqualTo(200);
    Eventually.eventually(Duration.ofSeconds(5), () -> assertThat(balance()).isLessThan(before));
    chatCharge = before - balance();
    assertThat(chatCharge).isPositive();
  }

  @AfterAll
  void stop() throws Exception {
    System.out.println("request target variants -> what each gets");
    table.forEach(System.out::println);
    if (c != null) {
      c.close();
    }
  }

  Stream<Variant> variants() {
    return Stream.of(
        // the normal forms themselves
        new Variant("POST", CHAT, Expect.BILLED, CHAT),
        new Variant("GET", "/v1/models", Expect.FREE, "/v1/models"),
        new Variant("GET", "/v1/files", Expect.NOT_ALLOWED, null),
        // dot segments, plain and encoded
        new Variant("POST", "/v1/x/../chat/completions", Expect.BILLED, CHAT),
        new Variant("POST", "/v1/models/../chat/completions", Expect.BILLED, CHAT),
        new Variant("POST", "/v1/./chat/completions", Expect.BILLED, CHAT),
        new Variant("POST", "/v1/chat/./completions", Expect.BILLED, CHAT),
        new Variant("POST", "/v1/../v1/chat/completions", Expect.BILLED, CHAT),
        new Variant("POST", "/v1/x/y/../../chat/completions", Expect.BILLED, CHAT),
        new Variant("POST", "/v1/%2e/chat/completions", Expect.BILLED, CHAT),
        new Variant("POST", "/v1/%2E%2e/v1/chat/completions", Expect.BILLED, CHAT),
        new Variant("POST", "/v1/chat/%2e%2E/chat/completions", Expect.BILLED, CHAT),
        new Variant("POST", "/v1/%7e/../chat/completions", Expect.BILLED, CHAT),
        new Variant("POST", "/v1/%C3%A9/../chat/completions", Expect.BILLED, CHAT),
        new Variant("POST", "/admin/../v1/chat/completions", Expect.BILLED, CHAT),
        new Variant("POST", "http://127.0.0.1/v1/x/../chat/completions", Expect.BILLED, CHAT),
        // encoded unreserved characters, either case
        new Variant("POST", "/v1/ch%61t/completions", Expect.BILLED, CHAT),
        new Variant("POST", "/v1/chat/complet%69ons", Expect.BILLED, CHAT),
        new Variant("POST", "/%76%31/chat/completions", Expect.BILLED, CHAT),
        new Variant("POST", "/v1/%63%68%61%74/completions", Expect.BILLED, CHAT),
        new Variant("POST", "/v1/chat/compl%65tions", Expect.BILLED, CHAT),
        // query strings and trailing slashes
        new Variant("POST", CHAT + "?foo=bar&x=..%2F", Expect.BILLED, CHAT),
        new Variant("POST", CHAT + "/", Expect.BILLED, CHAT),
        new Variant("POST", CHAT + "/.", Expect.BILLED, CHAT),
        new Variant("POST", CHAT + "/x/..", Expect.BILLED, CHAT),
        // free endpoints stay free, and only free
        new Variant("GET", "/v1/./models", Expect.FREE, "/v1/models"),
        new Variant("GET", "/v1/chat/../models", Expect.FREE, "/v1/models"),
        new Variant("GET", "/v1/mod%65ls", Expect.FREE, "/v1/models"),
        new Variant("GET", "/v1/models/", Expect.FREE, "/v1/models"),
        // endpoints Yugong cannot price, however spelled
        new Variant("GET", "/v1/./files", Expect.NOT_ALLOWED, null),
        new Variant("GET", "/v1/%2e/fine_tuning/jobs", Expect.NOT_ALLOWED, null),
        new Variant("POST", "/v1/x/../batches", Expect.NOT_ALLOWED, null),
        new Variant("GET", "/v1/fi%6Ces", Expect.NOT_ALLOWED, null),
        new Variant("POST", "/v1/models/../files", Expect.NOT_ALLOWED, null),
        // paths Yugong does not know: not served free
        new Variant("POST", CHAT + ";x=1", Expect.NOT_ALLOWED, null),
        new Variant("POST", "/v1/chat;x=1/completions", Expect.NOT_ALLOWED, null),
        new Variant("POST", CHAT + "/..", Expect.NOT_ALLOWED, null),
        new Variant("POST", "/v1/chat%20completions", Expect.NOT_ALLOWED, null),
        new Variant("POST", "/v1/unknown/endpoint", Expect.NOT_ALLOWED, null),
        // ambiguous: refused
        new Variant("POST", "/v1/chat%2Fcompletions", Expect.REFUSED, null),
        new Variant("POST", "/v1/chat%2fcompletions", Expect.REFUSED, null),
        new Variant("POST", "/v1/x%2F..%2Fchat/completions", Expect.REFUSED, null),
        new Variant("POST", "/v1/chat%5Ccompletions", Expect.REFUSED, null),
        new Variant("POST", "/v1\\chat\\completions", Expect.REFUSED, null),
        new Variant("POST", "/v1/x/..\\chat/completions", Expect.REFUSED, null),
        new Variant("POST", CHAT + "%00", Expect.REFUSED, null),
        new Variant("POST", "/v1/chat/%0Acompletions", Expect.REFUSED, null),
        new Variant("POST", "/v1/caf\u00e9/../chat/completions", Expect.REFUSED, null),
        new Variant("POST", "/v1/%7F/../chat/completions", Expect.REFUSED, null),
        new Variant("POST", "/v1/%252e%252e/chat/completions", Expect.REFUSED, null),
        new Variant("POST", "/v1/%25/chat/completions", Expect.REFUSED, null),
        new Variant("POST", CHAT + "%", Expect.REFUSED, null),
        new Variant("POST", CHAT + "%2", Expect.REFUSED, null),
        new Variant("POST", "/v1/chat/completions%zz", Expect.REFUSED, null),
        new Variant("POST", "//v1/chat/completions", Expect.REFUSED, null),
        new Variant("POST", "/v1//chat/completions", Expect.REFUSED, null),
        new Variant("POST", "/v1/chat/completions//", Expect.REFUSED, null),
        new Variant("POST", "/../v1/chat/completions", Expect.REFUSED, null),
        new Variant("POST", "/v1/../../v1/chat/completions", Expect.REFUSED, null),
        new Variant("POST", "/%2e%2e/v1/chat/completions", Expect.REFUSED, null),
        // Yugong's own routes normalise the same way
        new Variant("GET", "/dashboard/./x_user/info", Expect.LIKE, "/dashboard/x_user/info"),
        new Variant("GET", "/dashboard/x/../x_user/inf%6F", Expect.LIKE, "/dashboard/x_user/info"),
        new Variant("GET", "/x/../admin/keys", Expect.LIKE, "/admin/keys"),
        new Variant("GET", "/v1/../admin/keys", Expect.LIKE, "/admin/keys"),
        new Variant("GET", "/v1/../health", Expect.LIKE, "/health"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void aRequestTargetIsBilledAndPolicedLikeItsNormalFormOrRefused(Variant v) throws Exception {
    int node = table.size() % 2;
    switch (v.expect()) {
      case BILLED -> billed(node, v);
      case FREE -> free(node, v);
      case NOT_ALLOWED -> refused(node, v, 403, "endpoint_not_allowed");
      case REFUSED -> refused(node, v, 400, "invalid_request_target");
      case LIKE -> like(node, v);
      default -> throw new AssertionError(v.expect());
    }
  }

  @Test
  void anOperatorAllowedPrefixCoversItsCanonicalPathsAndWholeSegmentsOnly() throws Exception {
    for (String target : new String[] {ALLOWED_PREFIX, "/v1/x/../evals",
        "/v1/ev%61ls/eval_1/runs", ALLOWED_PREFIX + "/eval_1/../eval_2"}) {
      int seen = upstreamRequests();
      long before = balance();
      WireClient.Answer a = send(1, "GET", target, null);
      List<ServedRequest> forwarded = upstreamSince(seen);
      assertThat(forwarded).as("%s -> %s %s", target, a.status(), a.body()).hasSize(1);
      assertThat(forwarded.get(0).path()).startsWith(ALLOWED_PREFIX);
      assertThat(forwarded.get(0).path()).doesNotContain("..", "%61", "//");
      assertThat(balance()).isEqualTo(before);
    }
    for (String target : new String[] {ALLOWED_PREFIX + "_evil", "/v1/evalsx/../files"}) {
      int seen = upstreamRequests();
      WireClient.Answer a = send(0, "GET", target, null);
      assertThat(a.status()).as(target).isEqualTo(403);
      assertThat(code(a)).isEqualTo("endpoint_not_allowed");
      assertThat(upstreamRequests()).isEqualTo(seen);
    }
  }

  private void billed(int node, Variant v) throws Exception {
    int seen = upstreamRequests();
    long before = balance();
    WireClient.Answer ok = send(node, v.method(), v.target(), chatBody(ALLOWED_MODEL));
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    Eventually.eventually(Duration.ofSeconds(5), () -> assertThat(before - balance()).isEqualTo(chatCharge));
    List<ServedRequest> forwarded = upstreamSince(seen);
    assertThat(forwarded).hasSize(1);
    assertThat(forwarded.get(0).path()).isEqualTo(v.normal());
    assertThat(forwarded.get(0).model()).isEqualTo(ALLOWED_MODEL);

    int seen2 = upstreamRequests();
    long before2 = balance();
    WireClient.Answer denied = send(node, v.method(), v.target(), chatBody(DENIED_MODEL));
    assertThat(denied.status()).as(denied.body()).isEqualTo(403);
    assertThat(code(denied)).isEqualTo("model_not_allowed");
    assertThat(upstreamRequests()).isEqualTo(seen2);
    assertThat(balance()).isEqualTo(before2);
    table.add(row(v, "200, charged " + chatCharge + " nano$ like " + CHAT + ", forwarded as " + v.normal()
        + "; " + DENIED_MODEL + " -> 403 model_not_allowed"));
  }

  private void free(int node, Variant v) throws Exception {
    int seen = upstreamRequests();
    long before = balance();
    WireClient.Answer ok = send(node, v.method(), v.target(), null);
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    // the model list is the account's, answered here: never forwarded
    assertThat(new JsonObject(ok.body()).getString("object")).isEqualTo("list");
    assertThat(upstreamSince(seen)).isEmpty();
    assertThat(balance()).isEqualTo(before);
    table.add(row(v, "200 free, answered as " + v.normal() + " (not forwarded)"));
  }

  private void refused(int node, Variant v, int status, String code) throws Exception {
    int seen = upstreamRequests();
    long before = balance();
    WireClient.Answer a = send(node, v.method(), v.target(), "POST".equals(v.method()) ? chatBody(ALLOWED_MODEL) : null);
    assertThat(a.status()).as(a.body()).isEqualTo(status);
    assertThat(code(a)).as(a.body()).isEqualTo(code);
    assertThat(upstreamRequests()).isEqualTo(seen);
    assertThat(balance()).isEqualTo(before);
    table.add(row(v, status + " " + code + ", not forwarded, no charge"));
  }

  private void like(int node, Variant v) throws Exception {
    int seen = upstreamRequests();
    WireClient.Answer normal = send(node, v.method(), v.normal(), null);
    WireClient.Answer a = send(node, v.method(), v.target(), null);
    assertThat(a.status()).as(a.body()).isEqualTo(normal.status());
    if (a.status() >= 400) {
      assertThat(code(a)).isEqualTo(code(normal));
    } else {
      assertThat(a.body()).isEqualTo(normal.body());
    }
    assertThat(upstreamRequests()).isEqualTo(seen);
    table.add(row(v, a.status() + " like " + v.normal()));
  }

  private static String row(Variant v, String outcome) {
    return String.format("| `%s %s` | %s |", v.method(), v.target(), outcome);
  }

  private WireClient.Answer send(int node, String method, String target, String json) throws Exception {
    try (WireClient w = new WireClient(c.nodes.get(node).port())) {
      return w.send(WireClient.request(method, target, key, json)).read();
    }
  }

  private static String chatBody(String model) {
    return HostileKit.chat(model, "hello there", 5).encode();
  }

  private static String code(WireClient.Answer a) {
    return new JsonObject(a.body()).getJsonObject("error").getString("code");
  }

  private long balance() throws Exception {
    return HostileKit.nanos(HostileKit.info(c, 0, key).getValue("Balance"));
  }

  private int upstreamRequests() {
    return c.mock.control().requests().size();
  }

  private List<ServedRequest> upstreamSince(int seen) {
    List<ServedRequest> all = c.mock.control().requests();
    return all.subList(seen, all.size());
  }
}
