package io.yugong.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Pricing a huge prompt (the tokenizer over megabytes) never runs on an event loop: while a
 * customer without money sends several 2.6 MB prompts at once, {@code /health} keeps answering
 * promptly on both nodes, and every big request gets its proper refusal.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExpensiveInputTest {

  /**
   * The 95th percentile of the {@code /health} answers while the big prompts are priced. An idle
   * node answers in about a millisecond; tokenizing one 2.6 MB prompt on an event loop takes
   * several hundred, and each loop would meet several prompts, so a stalled loop slows many polls
   * far beyond this bound even on a busy machine. One poll that met a GC pause of the test JVM
   * (the nodes run in it) is not a stall: the percentile leaves it out, {@link #HEALTH_MAX_MS}
   * bounds it.
   */
  private static final long HEALTH_P95_MS = 200;
  /** The slowest {@code /health} answer allowed at all. */
  private static final long HEALTH_MAX_MS = 1000;
  /** At least this many polls, so that the 95th percentile leaves out the slowest one. */
  private static final int MIN_POLLS = 20;
  private static final int PROMPTS = 8;

  private TestCluster c;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  /**
   * The polls' own client: a java.net.http client serves all its connections from one selector
   * thread, so sharing the uploads' client would time the 20 MB of uploads, not the node.
   */
  private final HttpClient healthHttp = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    c.addKey(0, "sk-expensive-input-0123456789", null);
  }

  @AfterAll
  void stop() throws Exception {
    c.close();
  }

  /** About {@code bytes} of English-like words, varied so the tokenizer does real work. */
  private static String prose(int bytes, long seed) {
    String[] vocabulary = ("time person year way day thing man world life hand part child eye woman place work "
        + "week case point government company number group problem fact be have do say get make go know take "
        + "see come think look want give use find tell ask seem feel try leave call good new first last long "
        + "great little own other old right big high different small large next early young important few "
        + "public bad same able to of in for on with at by from up about into over after").split(" ");
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder(bytes + 32);
    while (sb.length() < bytes) {
      sb.append(vocabulary[r.nextInt(vocabulary.length)]);
      sb.append(r.nextInt(12) == 0 ? ". " : " ");
    }
    return sb.toString();
  }

  private long healthMs(int node) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(c.base(node) + "/health")).timeout(Duration.ofSeconds(10))
        .GET().build();
    long t0 = System.nanoTime();
    HttpResponse<String> r = healthHttp.send(req, HttpResponse.BodyHandlers.ofString());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.statusCode()).isEqualTo(200);
    return ms;
  }

  /** Time this JVM (the test and both nodes) has spent collecting garbage so far. */
  private static long gcMillis() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(GarbageCollectorMXBean::getCollectionTime).filter(t -> t > 0).sum();
  }

  @Test
  void hugePromptsFromAnEmptyAccountNeverStallHealth() throws Exception {
    String key = HostileKit.secret(c.createAccount(0, new JsonObject().put("Name", "expensive-empty")));
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < PROMPTS; i++) {
      bodies.add(HostileKit.chat("gpt-4o", prose(2_600_000, i), 100).encode());
    }
    // warm both nodes' paths (and the tokenizer) before measuring
    for (int node = 0; node < 2; node++) {
      healthMs(node);
      c.call(node, "POST", "/v1/chat/completions", key, HostileKit.chat("gpt-4o", "warm up", 5).encode());
    }
    List<CompletableFuture<HttpResponse<String>>> big = new ArrayList<>();
    for (int i = 0; i < PROMPTS; i++) {
      HttpRequest req = HttpRequest.newBuilder(URI.create(c.base(i % 2) + "/v1/chat/completions"))
          .timeout(Duration.ofSeconds(60))
          .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(bodies.get(i))).build();
      big.add(http.sendAsync(req, HttpResponse.BodyHandlers.ofString()));
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(big.toArray(CompletableFuture[]::new));
    List<Long> latencies = new ArrayList<>();
    long gcBefore = gcMillis();
    while (!all.isDone() || latencies.size() < MIN_POLLS) {
      latencies.add(healthMs(latencies.size() % 2));
      Thread.sleep(10); // the pace of the polls, not a wait for anything
    }
    all.get(60, TimeUnit.SECONDS);
    for (CompletableFuture<HttpResponse<String>> f : big) {
      HttpResponse<String> r = f.get();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
      assertThat(HostileKit.error(r).getString("code")).isEqualTo("insufficient_quota");
    }
    long gcMs = gcMillis() - gcBefore;
    List<Long> sorted = latencies.stream().sorted().toList();
    int polls = sorted.size();
    long p95 = sorted.get((int) Math.ceil(0.95 * polls) - 1);
    long slowest = sorted.get(polls - 1);
    System.out.println("ExpensiveInputTest: /health p95 " + p95 + " ms, slowest " + slowest + " ms over " + polls
        + " polls " + latencies + "; the JVM spent " + gcMs + " ms in GC meanwhile");
    assertThat(p95).as("95th percentile of /health answers (ms) over %d polls: %s (GC: %d ms)", polls, latencies,
        gcMs).isLessThan(HEALTH_P95_MS);
    assertThat(slowest).as("slowest /health answer (ms) over %d polls: %s (GC: %d ms)", polls, latencies, gcMs)
        .isLessThan(HEALTH_MAX_MS);
  }
}
