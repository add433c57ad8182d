package io.yugong.foundation;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PfxOptions;
import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Upstreams over HTTPS, as api.openai.com is: certificates are verified, a private CA can be
 * added with YUGONG_UPSTREAM_CA_FILE, and HTTP/2 is offered by ALPN (an upstream that does not
 * take it is spoken to in HTTP/1.1). Two local TLS servers stand in for upstreams: one with a
 * certificate the node trusts through that file, one with a certificate nobody vouches for.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpsUpstreamTest {

  private static final String PASSWORD = "changeit";
  private static final String ANSWER = new JsonObject()
      .put("id", "chatcmpl-tls").put("object", "chat.completion").put("created", 1).put("model", "gpt-4o-mini")
      .put("choices", new JsonArray().add(new JsonObject().put("index", 0)
          .put("message", new JsonObject().put("role", "assistant").put("content", "over TLS"))
          .put("finish_reason", "stop")))
      .put("usage", new JsonObject().put("prompt_tokens", 7).put("completion_tokens", 2).put("total_tokens", 9))
      .encode();

  private Path dir;
  private Vertx vertx;
  private HttpServer trusted;
  private HttpServer trustedHttp11;
  private HttpServer untrusted;
  /** The protocol of each request a trusted server answered, by server. */
  private final java.util.Map<HttpServer, java.util.List<io.vertx.core.http.HttpVersion>> versions =
      new java.util.concurrent.ConcurrentHashMap<>();
  private TestCluster cluster;

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory("yugong-tls");
    Path trustedStore = keyStore("trusted");
    Path untrustedStore = keyStore("untrusted");
    Path ca = dir.resolve("upstream-ca.pem");
    keytool("-exportcert", "-rfc", "-alias", "trusted", "-keystore", trustedStore.toString(),
        "-storepass", PASSWORD, "-file", ca.toString());
    vertx = Vertx.vertx();
    trusted = tlsServer(trustedStore, true);
    trustedHttp11 = tlsServer(trustedStore, false);
    untrusted = tlsServer(untrustedStore, false);
    cluster = TestCluster.start(1, new MockOptions(), Map.of("YUGONG_UPSTREAM_CA_FILE", ca.toString()));
  }

  @AfterAll
  void stop() throws Exception {
    cluster.close();
    TestCluster.await(vertx.close());
  }

  private Path keyStore(String name) throws Exception {
    Path store = dir.resolve(name + ".p12");
    keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
        "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD);
    return store;
  }

  private static void keytool(String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("keytool: " + out).isZero();
  }

  /** A TLS upstream; {@code alpn}: it offers HTTP/2 (and HTTP/1.1) by ALPN, else it speaks HTTP/1.1 only. */
  private HttpServer tlsServer(Path store, boolean alpn) throws Exception {
    java.util.List<io.vertx.core.http.HttpVersion> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    HttpServer server = TestCluster.await(vertx.createHttpServer(new HttpServerOptions().setSsl(true).setUseAlpn(alpn)
            .setKeyCertOptions(new PfxOptions().setPath(store.toString()).setPassword(PASSWORD)))
        .requestHandler(req -> {
          seen.add(req.version());
          req.body().onSuccess(b -> req.response().putHeader("content-type", "application/json").end(ANSWER));
        })
        .listen(0, "127.0.0.1"));
    versions.put(server, seen);
    return server;
  }

  private HttpResponse<String> chat(String key, String model) throws Exception {
    return cluster.call(0, "POST", "/v1/chat/completions", key,
        new JsonObject().put("model", model).put("messages", new JsonArray()
            .add(new JsonObject().put("role", "user").put("content", "hello"))).encode());
  }

  @Test
  void relaysToAnHttpsUpstreamWhoseCaIsTrustedAndRefusesAnUnvouchedCertificate() throws Exception {
    cluster.addKey(0, "sk-tls-trusted-000000001", new JsonObject()
        .put("baseUrl", "https://localhost:" + trusted.actualPort()).put("models", new JsonArray().add("gpt-4o-mini")));
    cluster.addKey(0, "sk-tls-untrusted-00000001", new JsonObject()
        .put("baseUrl", "https://localhost:" + untrusted.actualPort()).put("models", new JsonArray().add("gpt-4o")));
    String key = cluster.createAccount(0, new JsonObject().put("Name", "tls-user").put("CreditGranted", 5))
        .getJsonObject("User").getString("SecretKey");

    HttpResponse<String> ok = chat(key, "gpt-4o-mini");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(ok.body()).getJsonArray("choices").getJsonObject(0)
        .getJsonObject("message").getString("content")).isEqualTo("over TLS");

    cluster.addKey(0, "sk-tls-trusted-h1-0000001", new JsonObject()
        .put("baseUrl", "https://localhost:" + trustedHttp11.actualPort()).put("models", new JsonArray().add("gpt-4.1")));
    HttpResponse<String> overHttp11 = chat(key, "gpt-4.1");
    assertThat(overHttp11.statusCode()).isEqualTo(200);
    assertThat(versions.get(trusted)).as("a TLS upstream offering HTTP/2 by ALPN gets it")
        .containsExactly(io.vertx.core.http.HttpVersion.HTTP_2);
    assertThat(versions.get(trustedHttp11)).as("one that does not gets HTTP/1.1")
        .containsExactly(io.vertx.core.http.HttpVersion.HTTP_1_1);

    HttpResponse<String> refused = chat(key, "gpt-4o");
    assertThat(refused.statusCode()).as("a certificate nobody vouches for is not talked to").isEqualTo(503);
    assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("code")).isEqualTo("upstream_unavailable");
  }
}
