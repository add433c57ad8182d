package io.yugong.hostile;

import static io.yugong.hostile.HostileKit.create;
import static io.yugong.hostile.HostileKit.customer;
import static io.yugong.hostile.HostileKit.error;
import static io.yugong.hostile.HostileKit.id;
import static io.yugong.hostile.HostileKit.json;
import static io.yugong.hostile.HostileKit.secret;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
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
 * Every field of the account API is bounded in length and range before it is parsed, the tree is
 * bounded in breadth and depth, and one customer learns nothing about another's names or emails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InputBoundsTest {

  /** The child cap is the setting under test here; every other setting is the default. */
  private static final int CAP = 3;
  private TestCluster c;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of("YUGONG_MAX_CHILDREN", Integer.toString(CAP)));
  }

  @AfterAll
  void stop() throws Exception {
    c.close();
  }

  private void refused(String key, JsonObject body, String why) throws Exception {
    long t0 = System.nanoTime();
    HttpResponse<String> r = c.call(0, "POST", "/x-users", key, body.encode());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(400, r.statusCode(), why + ": " + r.body());
    assertNotNull(error(r).getString("message"), why);
    assertTrue(ms < 5_000, why + " took " + ms + " ms");
  }

  @Test
  void absurdNumbersAreRefusedWithA400BeforeTheyAreParsed() throws Exception {
    String key = secret(customer(c, "numbers", "1"));
    List<Object> absurd = List.of("1e-1000000000", "1e1000000000", "9".repeat(5000), "-1e999999",
        "0x10", "NaN", "Infinity", new JsonArray().add(1), new JsonObject().put("a", 1), true);
    int n = 0;
    for (Object v : absurd) {
      for (String field : List.of("CreditGranted", "HardLimit", "SoftLimit", "Rates", "RateLimit", "Days")) {
        refused(key, new JsonObject().put("Name", "n" + n++).put(field, v), field + "=" + v);
      }
    }
    refused(key, new JsonObject().put("Name", "big-rpm").put("RateLimit", 4_294_967_297L), "RateLimit 2^32+1");
    refused(key, new JsonObject().put("Name", "big-days").put("Days", 1e300), "Days 1e300");
    refused(key, new JsonObject().put("Name", "fine-rates").put("Rates", "1.00001"), "Rates with 5 decimals");
    refused(key, new JsonObject().put("Name", "huge-rates").put("Rates", 5000), "Rates above 1000");
    refused(key, new JsonObject().put("Name", "rich").put("CreditGranted", "1000000.000000001"), "over 1M USD");
    assertEquals(200, c.call(1, "GET", "/health", null, null).statusCode());
  }

  @Test
  void stringFieldsAndListsHaveMaximumLengths() throws Exception {
    String key = secret(customer(c, "strings", "1"));
    refused(key, new JsonObject().put("Name", "n".repeat(64)), "a 64-character Name");
    refused(key, new JsonObject().put("Name", "alias").put("Alias", "a".repeat(129)), "a 129-character Alias");
    refused(key, new JsonObject().put("Name", "ctl").put("Alias", "be\u0007ll"), "an Alias with a control character");
    refused(key, new JsonObject().put("Name", "mail").put("Email", "a".repeat(250) + "@x.io"), "a 255-character Email");
    refused(key, new JsonObject().put("Name", "models").put("AllowModels", "m,".repeat(300)), "300 model rules");
    refused(key, new JsonObject().put("Name", "longmodel").put("DenyModels", "m".repeat(129)), "a 129-character model");
    refused(key, new JsonObject().put("Name", "huge").put("Alias", "x".repeat(40_000)), "a 40 KB string");
  }

  @Test
  void anAccountRouteBodyLargerThanAFormIsRefusedAfterTheKeyIsChecked() throws Exception {
    String key = secret(customer(c, "bodies", "1"));
    String big = new JsonObject().put("Name", "big").put("Alias", "x".repeat(70_000)).encode();
    HttpResponse<String> r = c.call(0, "POST", "/x-users", key, big);
    assertEquals(413, r.statusCode(), r.body());
    assertEquals("request_too_large", error(r).getString("code"));
    HttpResponse<String> anonymous = c.call(1, "POST", "/x-users", "sk-not-a-key", big);
    assertEquals(401, anonymous.statusCode(), "no body is read for a caller without a key: " + anonymous.body());
  }

  @Test
  void anAccountCannotHaveMoreChildrenThanTheCap() throws Exception {
    String key = secret(customer(c, "breadth", "1"));
    for (int i = 0; i < CAP; i++) {
      create(c, i % 2, key, new JsonObject().put("Name", "kid-" + i));
    }
    HttpResponse<String> r = c.call(1, "POST", "/x-users", key, new JsonObject().put("Name", "kid-extra").encode());
    assertEquals(403, r.statusCode(), r.body());
    assertEquals("too_many_children", error(r).getString("code"));
  }

  @Test
  void theTreeCannotGrowDeeperThanTheLimit() throws Exception {
    String key = secret(customer(c, "depth", "1")); // level 1 below root
    for (int level = 2; level <= 8; level++) {
      key = secret(create(c, level % 2, key, new JsonObject().put("Name", "level-" + level)));
    }
    HttpResponse<String> r = c.call(0, "POST", "/x-users", key, new JsonObject().put("Name", "level-9").encode());
    assertEquals(403, r.statusCode(), r.body());
    assertEquals("tree_too_deep", error(r).getString("code"));
  }

  @Test
  void oneCustomerCannotLearnWhetherAnotherCustomersNameOrEmailExists() throws Exception {
    String alice = secret(customer(c, "alice-corp", "1"));
    String bob = secret(customer(c, "bob-corp", "1"));
    JsonObject alices = create(c, 0, alice, new JsonObject().put("Name", "shared").put("Email", "ops@shared.example"));
    // Bob gets exactly the answer he would get if Alice's sub-account did not exist
    JsonObject bobs = create(c, 1, bob, new JsonObject().put("Name", "shared").put("Email", "ops@shared.example"));
    assertEquals(404, c.call(1, "GET", "/x-users/" + id(alices), bob, null).statusCode());
    HttpResponse<String> byName = c.call(0, "GET", "/x-users/shared", bob, null);
    assertEquals(200, byName.statusCode(), byName.body());
    assertEquals(id(bobs), json(byName).getString("ID"));
    HttpResponse<String> byEmail = c.call(1, "GET", "/x-users/ops@shared.example", alice, null);
    assertEquals(id(alices), json(byEmail).getString("ID"));
    // among one's own sub-accounts names stay unique
    HttpResponse<String> again = c.call(0, "POST", "/x-users", bob, new JsonObject().put("Name", "shared").encode());
    assertEquals(409, again.statusCode(), again.body());
  }
}
