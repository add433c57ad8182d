package io.yugong.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import org.junit.jupiter.api.Test;

/**
 * The relay's header rules hold in whatever case a peer spells a name: a client's credentials,
 * hop-by-hop headers and the headers its Connection header lists never reach upstream, and
 * upstream's per-key rate limits, CORS and cookies never reach the client.
 */
class HeaderRulesTest {

  @Test
  void theClientsCredentialsAndHopByHopHeadersStayBehindInAnyCase() {
    MultiMap client = HttpHeaders.headers()
        .add("AUTHORIZATION", "Bearer sk-customer").add("Cookie", "a=b").add("X-Forwarded-For", "10.0.0.1")
        .add("Keep-Alive", "timeout=5").add("Connection", "X-Secret-Hop, Upgrade").add("x-secret-hop", "1")
        .add("Content-Type", "application/json").add("OpenAI-Beta", "assistants=v2").add("ORIGIN", "https://x");
    MultiMap out = HeaderRules.upstream(client, "Bearer sk-upstream", "req_1");
    assertThat(out.getAll("authorization")).containsExactly("Bearer sk-upstream");
    assertThat(out.names()).map(String::toLowerCase).doesNotContain("cookie", "x-forwarded-for",
        "keep-alive", "connection", "x-secret-hop", "origin");
    assertThat(out.get("content-type")).isEqualTo("application/json");
    assertThat(out.get("openai-beta")).isEqualTo("assistants=v2");
    assertThat(out.get("x-request-id")).isEqualTo("req_1");
  }

  @Test
  void upstreamsKeyHeadersStayBehindInAnyCase() {
    MultiMap upstream = HttpHeaders.headers()
        .add("X-RateLimit-Remaining-Requests", "9").add("x-ratelimit-limit-tokens", "100")
        .add("Access-Control-Allow-Origin", "*").add("SET-COOKIE", "s=1").add("OpenAI-Organization", "org-x")
        .add("Transfer-Encoding", "chunked").add("Content-Type", "application/json")
        .add("OpenAI-Processing-Ms", "12").add("X-Request-Id", "req_up");
    MultiMap client = HttpHeaders.headers();
    HeaderRules.downstream(upstream, client);
    assertThat(client.names()).map(String::toLowerCase)
        .containsExactlyInAnyOrder("content-type", "openai-processing-ms", "x-request-id");
  }

  @Test
  void aConnectionHeaderListingOddTokensDropsTheNamesItListsAndNothingElse() {
    // tokens no header could be named (a space, a colon, empty ones) are only names not to send
    MultiMap client = HttpHeaders.headers()
        .add("Connection", " ,x-hop-one ,bad token,:, close,,KEEP-ALIVE, X-Hop-Two,")
        .add("X-HOP-ONE", "1").add("x-hop-two", "2").add("X-Kept", "3");
    MultiMap out = HeaderRules.upstream(client, "Bearer sk-upstream", "req_2");
    assertThat(out.names()).map(String::toLowerCase)
        .containsExactlyInAnyOrder("x-kept", "authorization", "x-request-id");

    MultiMap upstream = HttpHeaders.headers().add("Connection", "keep-alive").add("X-Kept", "1");
    MultiMap down = HttpHeaders.headers();
    HeaderRules.downstream(upstream, down);
    assertThat(down.names()).map(String::toLowerCase).containsExactly("x-kept");
  }
}
