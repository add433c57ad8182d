package io.yugong.hostile;

import io.yugong.testing.StoreReader;
import static io.yugong.hostile.HostileKit.chat;
import static io.yugong.hostile.HostileKit.create;
import static io.yugong.hostile.HostileKit.customer;
import static io.yugong.hostile.HostileKit.id;
import static io.yugong.hostile.HostileKit.secret;
import static io.yugong.hostile.HostileKit.together;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.yugong.mock.KeyBehaviour;
import io.yugong.mock.MockOptions;
import io.yugong.testing.Eventually;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Deletes race with what else can happen to an account: a child created under it, credit sent to
 * it, requests of its own still in flight. Whatever wins, no money is left in a deleted wallet and
 * no key works below a deleted account.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TreeRacesTest {

  private static final String KEY = "sk-races-1";
  private TestCluster c;
  private StoreReader store;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    c.addKey(0, KEY, null);
    store = new StoreReader(c);
  }

  @AfterEach
  void calm() {
    c.mock.control().reset();
  }

  @AfterAll
  void stop() throws Exception {
    store.close();
    c.close();
  }

  @Test
  void deletingAnAccountAndCreatingAChildUnderItCannotBothSucceed() throws Exception {
    JsonObject top = customer(c, "race-top", "100");
    String topKey = secret(top);
    String topId = id(top);
    for (int round = 0; round < 20; round++) {
      JsonObject child = create(c, 0, topKey, new JsonObject().put("Name", "rc-" + round).put("CreditGranted", 2));
      String childId = id(child);
      String childKey = secret(child);
      int n = round;
      List<HttpResponse<String>> r = together(List.<Callable<HttpResponse<String>>>of(
          () -> c.call(0, "DELETE", "/x-users/" + childId, topKey, null),
          () -> c.call(1, "POST", "/x-users", childKey,
              new JsonObject().put("Name", "rg-" + n).put("CreditGranted", 1).encode())));
      boolean deleted = r.get(0).statusCode() == 200;
      boolean created = r.get(1).statusCode() == 201;
      assertFalse(deleted && created, "round " + round + ": both the delete and the grandchild succeeded: "
          + r.get(0).body() + " / " + r.get(1).body());
      assertTrue(deleted || created, "round " + round + ": neither succeeded: " + r.get(0).body() + " / "
          + r.get(1).body());
      if (created) {
        String grandKey = secret(HostileKit.json(r.get(1)));
        assertEquals(200, c.call(1, "GET", "/dashboard/x_user/info", grandKey, null).statusCode());
        assertEquals(409, r.get(0).statusCode(), r.get(0).body());
        // tidy up: the grandchild first, then the child
        assertEquals(200, c.call(0, "DELETE", "/x-users/" + id(HostileKit.json(r.get(1))), childKey, null)
            .statusCode());
        assertEquals(200, c.call(1, "DELETE", "/x-users/" + childId, topKey, null).statusCode());
      } else {
        assertEquals(401, c.call(1, "GET", "/dashboard/x_user/info", childKey, null).statusCode());
      }
      assertEquals(0, store.wallet(childId, "balance"), "round " + round + ": the deleted child kept money");
    }
    assertEquals(100_000_000_000L, store.wallet(topId, "balance"), "every dollar came back to the parent");
  }

  @Test
  void fundingAnAccountWhileItIsDeletedLeavesNothingInTheDeletedWallet() throws Exception {
    JsonObject top = customer(c, "fund-race-top", "50");
    String topKey = secret(top);
    String topId = id(top);
    for (int round = 0; round < 20; round++) {
      String childId = id(create(c, 0, topKey, new JsonObject().put("Name", "fr-" + round).put("CreditGranted", 1)));
      List<HttpResponse<String>> r = together(List.<Callable<HttpResponse<String>>>of(
          () -> c.call(0, "PUT", "/x-users/" + childId, topKey, new JsonObject().put("CreditGranted", 2).encode()),
          () -> c.call(1, "DELETE", "/x-users/" + childId, topKey, null),
          () -> c.call(0, "PUT", "/x-users/" + childId, topKey, new JsonObject().put("CreditGranted", 3).encode())));
      assertEquals(200, r.get(1).statusCode(), r.get(1).body());
      for (HttpResponse<String> fund : List.of(r.get(0), r.get(2))) {
        assertTrue(fund.statusCode() == 200 || fund.statusCode() == 404, fund.body());
      }
      assertEquals(0, store.wallet(childId, "balance"), "round " + round + ": the deleted child kept money");
    }
    assertEquals(50_000_000_000L, store.wallet(topId, "balance"), "every dollar came back to the parent");
  }

  @Test
  void aDeletedAccountsRequestInFlightGivesItsUnusedHoldToTheParentWhenItSettles() throws Exception {
    JsonObject top = customer(c, "inflight-top", "10");
    String topKey = secret(top);
    String topId = id(top);
    JsonObject child = create(c, 0, topKey, new JsonObject().put("Name", "inflight-child").put("CreditGranted", 1));
    String childId = id(child);
    c.mock.control().behave(KEY, KeyBehaviour.slowFirstByte(1500));
    CompletableFuture<HttpResponse<String>> request = CompletableFuture.supplyAsync(() -> {
      try {
        return c.call(1, "POST", "/v1/chat/completions", secret(child),
            chat("gpt-4o-mini", "Say something while your account is deleted", 50).encode());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Eventually.eventually(Duration.ofSeconds(10), () -> assertTrue(store.wallet(childId, "held") > 0));
    long held = store.wallet(childId, "held");

    HttpResponse<String> deleted = c.call(0, "DELETE", "/x-users/" + childId, topKey, null);
    assertEquals(200, deleted.statusCode(), deleted.body());
    assertEquals(9_000_000_000L + 1_000_000_000L - held, store.wallet(topId, "balance"),
        "all but the hold came back at once");

    assertEquals(200, request.get().statusCode(), request.get().body());
    long charged = -Long.parseLong(store.ledger(childId).stream()
        .filter(e -> "charge".equals(e.getString("kind"))).findFirst().orElseThrow().getString("amount"));
    assertTrue(charged > 0 && charged < held);
    assertEquals(0, store.wallet(childId, "balance"), "nothing stays in the deleted wallet");
    assertEquals(10_000_000_000L - charged, store.wallet(topId, "balance"),
        "the parent got back everything the request did not spend");
  }
}
