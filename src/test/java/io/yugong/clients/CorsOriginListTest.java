package io.yugong.clients;

import static io.yugong.clients.CorsTest.SDK_HEADERS;
import static io.yugong.clients.CorsTest.chatBody;
import static io.yugong.clients.Preflights.EXPOSED;
import static io.yugong.clients.Preflights.fetch;
import static io.yugong.clients.Preflights.names;
import static io.yugong.clients.Preflights.preflight;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Browsers (CORS) with a list of origins in YUGONG_CORS_ORIGINS: a listed Origin is named back
 * (with Vary: Origin); any other gets no CORS header at all, its preflight still answered here,
 * without a key and without reaching upstream.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CorsOriginListTest {

  private static final String LISTED = "https://chat.example.com";
  private static final String ALSO_LISTED = "http://localhost:3000";
  private static final String UNLISTED = "https://evil.example";

  private TestCluster c;
  private String key;

  @BeforeAll
  void start() throws Exception {
    // as an operator might write it: spaces, a trailing slash, capitals
    c = TestCluster.start(1, new MockOptions(),
        Map.of("YUGONG_CORS_ORIGINS", " HTTPS://Chat.Example.com/ , http://localhost:3000"));
    c.addKey(0, "sk-cors-list-emulator-1234567890", null);
    key = c.createAccount(0, new JsonObject().put("Name", "cors-list").put("CreditGranted", "5"))
        .getJsonObject("User").getString("SecretKey");
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private int port() {
    return c.nodes.get(0).port();
  }

  private static List<String> vary(HttpResponse<String> r) {
    return names(String.join(",", r.headers().allValues("vary")));
  }

  @Test
  void aListedOriginsPreflightIsAllowedByName() throws Exception {
    for (String origin : List.of(LISTED, ALSO_LISTED)) {
      Preflights.Head h = preflight(port(), "/v1/chat/completions", origin, "POST", SDK_HEADERS);
      assertThat(h.status()).isEqualTo(204);
      assertThat(h.header("access-control-allow-origin")).isEqualTo(origin);
      assertThat(h.header("access-control-allow-headers")).isEqualTo(SDK_HEADERS);
      assertThat(h.header("access-control-max-age")).isEqualTo("600");
      assertThat(h.header("access-control-allow-credentials")).isNull();
      assertThat(names(String.join(",", h.values("vary")))).contains("origin", "access-control-request-headers");
    }
  }

  @Test
  void anUnlistedOriginsPreflightGetsNoAllowHeadersNeedsNoKeyAndStaysHere() throws Exception {
    int before = c.mock.control().requests().size();
    for (String origin : List.of(UNLISTED, LISTED + ".evil.example", "https://chat.example.com:444",
        "http://chat.example.com", LISTED + "/", "null", LISTED + "\u0001", "https://" + "c".repeat(6000))) {
      Preflights.Head h = preflight(port(), "/v1/chat/completions", origin, "POST", SDK_HEADERS);
      assertThat(h.status()).as(origin).isIn(204, 400);
      assertThat(h.cors()).as(origin).isEmpty();
      assertThat(h.headers()).as(origin).noneMatch(kv -> kv[1].contains(origin));
    }
    assertThat(c.mock.control().requests()).hasSize(before);
  }

  @Test
  void answersNameAListedOriginAndNoOther() throws Exception {
    for (boolean stream : new boolean[] {false, true}) {
      HttpResponse<String> listed = fetch(port(), "POST", "/v1/chat/completions", LISTED, key, chatBody("gpt-4o-mini", stream));
      assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
      assertThat(listed.headers().allValues("access-control-allow-origin")).containsExactly(LISTED);
      assertThat(names(listed.headers().firstValue("access-control-expose-headers").orElse(null))).containsAll(EXPOSED);
      assertThat(vary(listed)).contains("origin");

      // the request itself is served (a script outside a browser has the key anyway); the
      // browser keeps the answer from the page
      HttpResponse<String> unlisted = fetch(port(), "POST", "/v1/chat/completions", UNLISTED, key, chatBody("gpt-4o-mini", stream));
      assertThat(unlisted.statusCode()).as(unlisted.body()).isEqualTo(200);
      assertThat(unlisted.headers().map().keySet()).noneMatch(n -> n.toLowerCase().startsWith("access-control-"));
      assertThat(vary(unlisted)).contains("origin");
    }

    HttpResponse<String> none = fetch(port(), "GET", "/dashboard/x_user/info", null, key, null);
    assertThat(none.statusCode()).isEqualTo(200);
    assertThat(none.headers().map().keySet()).noneMatch(n -> n.toLowerCase().startsWith("access-control-"));
    assertThat(vary(none)).contains("origin");

    HttpResponse<String> error = fetch(port(), "POST", "/v1/chat/completions", ALSO_LISTED, null, chatBody("gpt-4o-mini", false));
    assertThat(error.statusCode()).isEqualTo(401);
    assertThat(error.headers().allValues("access-control-allow-origin")).containsExactly(ALSO_LISTED);
    assertThat(names(error.headers().firstValue("access-control-expose-headers").orElse(null))).containsAll(EXPOSED);
  }

  @Test
  void theAdminApiIsNotOfferedEvenToAListedOrigin() throws Exception {
    Preflights.Head h = preflight(port(), "/admin/keys", LISTED, "GET", "authorization");
    assertThat(h.status()).isEqualTo(204);
    assertThat(h.cors()).isEmpty();
    HttpResponse<String> keys = fetch(port(), "GET", "/admin/keys", LISTED, c.adminKey, null);
    assertThat(keys.statusCode()).isEqualTo(200);
    assertThat(keys.headers().map().keySet()).noneMatch(n -> n.toLowerCase().startsWith("access-control-"));
  }
}
