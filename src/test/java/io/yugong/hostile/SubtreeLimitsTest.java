package io.yugong.hostile;

import io.yugong.testing.StoreReader;
import static io.yugong.hostile.HostileKit.chat;
import static io.yugong.hostile.HostileKit.create;
import static io.yugong.hostile.HostileKit.customer;
import static io.yugong.hostile.HostileKit.error;
import static io.yugong.hostile.HostileKit.id;
import static io.yugong.hostile.HostileKit.secret;
import static io.yugong.hostile.HostileKit.together;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A sub-account can't escape its parent's limits by making sub-accounts of its own: an account's
 * RateLimit counts the requests of its whole subtree, its HardLimit the month's spend of its whole
 * subtree, cluster-wide.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SubtreeLimitsTest {

  private TestCluster c;
  private StoreReader store;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    c.addKey(0, "sk-subtree-1", null);
    store = new StoreReader(c);
  }

  @AfterAll
  void stop() throws Exception {
    store.close();
    c.close();
  }

  private Callable<HttpResponse<String>> ask(int node, String key) {
    return () -> c.call(node, "POST", "/v1/chat/completions", key,
        chat("gpt-4o-mini", "Hello from below", 20).encode());
  }

  @Test
  void aChildsRequestRateBoundsAllItsDescendantsOnBothNodes() throws Exception {
    String top = secret(customer(c, "rate-top", "20"));
    JsonObject child = create(c, 0, top, new JsonObject().put("Name", "rate-child").put("RateLimit", 3)
        .put("CreditGranted", 5));
    String childKey = secret(child);
    // the grandchildren's own limits are higher, or none: the child's still applies
    String g1 = secret(create(c, 1, childKey, new JsonObject().put("Name", "rate-g1").put("RateLimit", 100)
        .put("CreditGranted", 1)));
    String g2 = secret(create(c, 0, childKey, new JsonObject().put("Name", "rate-g2").put("CreditGranted", 1)));
    List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      calls.add(ask(i % 2, g1));
      calls.add(ask((i + 1) % 2, g2));
    }
    calls.add(ask(0, childKey));
    calls.add(ask(1, childKey));

    List<HttpResponse<String>> answers = together(calls);

    long served = answers.stream().filter(r -> r.statusCode() == 200).count();
    assertEquals(3, served, "3 requests a minute for the child's whole subtree");
    for (HttpResponse<String> r : answers) {
      if (r.statusCode() != 200) {
        assertEquals(429, r.statusCode(), r.body());
        assertEquals("rate_limit_exceeded", error(r).getString("code"));
        assertTrue(r.headers().firstValue("retry-after").isPresent());
      }
    }
  }

  @Test
  void aChildsMonthlyLimitBoundsItsDescendantsSpendOnBothNodes() throws Exception {
    String top = secret(customer(c, "month-top", "20"));
    JsonObject child = create(c, 0, top, new JsonObject().put("Name", "month-child")
        .put("HardLimit", "0.00005").put("CreditGranted", 5));
    JsonObject grand = create(c, 1, secret(child), new JsonObject().put("Name", "month-g")
        .put("CreditGranted", 2));
    List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      calls.add(ask(i % 2, secret(grand)));
    }

    List<HttpResponse<String>> answers = together(calls);

    long served = answers.stream().filter(r -> r.statusCode() == 200).count();
    assertTrue(served >= 1 && served < 10, served + " served");
    for (HttpResponse<String> r : answers) {
      if (r.statusCode() != 200) {
        assertEquals(429, r.statusCode(), r.body());
        assertEquals("monthly_limit_reached", error(r).getString("code"), r.body());
      }
    }
    long spent = 0;
    for (JsonObject e : store.ledger(id(grand))) {
      if ("charge".equals(e.getString("kind"))) {
        spent -= Long.parseLong(e.getString("amount"));
      }
    }
    assertTrue(spent > 0 && spent <= 50_000, "the subtree spent " + spent + " nano-USD against a 50,000 limit");
    HttpResponse<String> more = ask(0, secret(grand)).call();
    assertEquals(429, more.statusCode(), more.body());
  }
}
