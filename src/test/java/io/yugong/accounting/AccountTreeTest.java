package io.yugong.accounting;

import io.yugong.testing.StoreReader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The /x-users tree: funding with rates, refunds, grants in expiry order, subtree isolation, key rotation. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccountTreeTest {

  private static final long DOLLAR = 1_000_000_000L;

  private TestCluster c;
  private StoreReader redis;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new io.yugong.mock.MockOptions(), Kit.ENV);
    c.addKey(0, "sk-tree-one-1234567890", null);
    c.addKey(1, "sk-tree-two-1234567890", null);
    redis = new StoreReader(c);
  }

  @AfterAll
  void stop() throws Exception {
    if (redis != null) {
      redis.close();
    }
    if (c != null) {
      c.close();
    }
  }

  private long balance(String id) throws Exception {
    return redis.wallet(id, "balance");
  }

  private HttpResponse<String> put(int node, String key, String who, JsonObject body) throws Exception {
    return c.call(node, "PUT", "/x-users/" + who, key, body.encode());
  }

  @Test
  void transfersConvertExactlyAtTheChildsRatesAndDeleteRefundsTheRest() throws Exception {
    JsonObject p = c.createAccount(0, new JsonObject().put("Name", "parent-p").put("CreditGranted", 1000));
    String pKey = Kit.secret(p);
    String pId = Kit.id(p);
    assertEquals(1000 * DOLLAR, balance(pId));
    JsonObject minted = Kit.ledger(c, 0, pKey).get(0);
    assertEquals("minted", minted.getString("kind"));
    assertEquals(1000 * DOLLAR, minted.getLong("amount_nanos"));
    assertEquals(0, balance("1"), "root mints; its own balance is untouched");

    // 100 at Rates 2 is worth 50 of the parent's money.
    JsonObject child = Kit.create(c, 1, pKey, new JsonObject().put("Name", "child-c").put("Rates", 2)
        .put("CreditGranted", 100));
    String cId = Kit.id(child);
    assertEquals(950 * DOLLAR, balance(pId));
    assertEquals(100 * DOLLAR, balance(cId));
    assertEquals(0, Kit.dollars(child.getJsonObject("Parent").getValue("Balance")).compareTo(
        java.math.BigDecimal.valueOf(950)), child::encode);
    assertEquals(0, Kit.dollars(child.getJsonObject("User").getValue("Rates")).compareTo(
        java.math.BigDecimal.valueOf(2)));

    // Taking 30 back gives the parent 15.
    HttpResponse<String> r = put(0, pKey, "child-c", new JsonObject().put("CreditGranted", -30));
    assertEquals(200, r.statusCode(), r::body);
    assertEquals(965 * DOLLAR, balance(pId));
    assertEquals(70 * DOLLAR, balance(cId));

    // Odd nano-dollars: giving 1 nano costs the parent ceil(0.5) = 1, taking 1 back returns floor(0.5) = 0.
    assertEquals(200, put(1, pKey, cId, new JsonObject().put("CreditGranted", "0.000000001")).statusCode());
    assertEquals(965 * DOLLAR - 1, balance(pId));
    assertEquals(70 * DOLLAR + 1, balance(cId));
    assertEquals(200, put(0, pKey, cId, new JsonObject().put("CreditGranted", "-0.000000001")).statusCode());
    assertEquals(965 * DOLLAR - 1, balance(pId));
    assertEquals(70 * DOLLAR, balance(cId));

    // More than the parent has: refused, nothing moves.
    r = put(0, pKey, cId, new JsonObject().put("CreditGranted", 5000));
    assertEquals(402, r.statusCode(), r::body);
    assertEquals("insufficient_quota", Kit.error(r).getString("code"));
    assertEquals(965 * DOLLAR - 1, balance(pId));

    // Rates below the parent's are refused, on create and on update.
    r = c.call(0, "POST", "/x-users", pKey, new JsonObject().put("Name", "cheap-child").put("Rates", 0.5).encode());
    assertEquals(400, r.statusCode(), r::body);
    assertTrue(Kit.error(r).getString("message").contains("Rates"), r::body);
    r = c.call(0, "GET", "/x-users/cheap-child", pKey, null);
    assertEquals(404, r.statusCode(), "a refused account does not exist");
    r = put(1, "" + c.adminKey, pId, new JsonObject().put("Rates", 3));
    assertEquals(409, r.statusCode(), "a parent's Rates may not rise above its child's: " + r.body());
    r = put(1, pKey, cId, new JsonObject().put("Rates", 0.9));
    assertEquals(400, r.statusCode(), r::body);

    // Deleting the child refunds its 70 at Rates 2: 35.
    r = c.call(1, "DELETE", "/x-users/" + cId, pKey, null);
    assertEquals(200, r.statusCode(), r::body);
    assertEquals(0, Kit.dollars(Kit.json(r).getValue("Refunded")).compareTo(java.math.BigDecimal.valueOf(35)));
    assertEquals(1000 * DOLLAR - 1, balance(pId));
    assertEquals(0, balance(cId));
    List<JsonObject> pLedger = Kit.ledger(c, 0, pKey);
    assertEquals("refund", pLedger.get(0).getString("kind"));
    assertEquals(35 * DOLLAR, pLedger.get(0).getLong("amount_nanos"));
    // Newest first; taking back 1 nano credited the parent floor(0.5) = 0, so it left no entry on P.
    assertEquals(List.of("refund", "transfer_out", "transfer_in", "transfer_out", "minted"), pLedger.stream().map(e -> e.getString("kind")).toList());
    long sum = pLedger.stream().mapToLong(e -> e.getLong("amount_nanos")).sum();
    assertEquals(balance(pId), sum, "P's ledger adds up to its balance");
    assertEquals(404, c.call(0, "GET", "/x-users/" + cId, pKey, null).statusCode());
  }

  @Test
  void grantsAreSpentSoonestExpiryFirst() throws Exception {
    JsonObject g = c.createAccount(0, new JsonObject().put("Name", "grants-g").put("CreditGranted", 1).put("Days", 30));
    String key = Kit.secret(g);
    String id = Kit.id(g);
    // Two more grants, minted out of expiry order: 1000 nano-USD for 1 day, 2 USD for 5 days.
    assertEquals(200, put(0, c.adminKey, id, new JsonObject().put("CreditGranted", "0.000001").put("Days", 1))
        .statusCode());
    assertEquals(200, put(1, c.adminKey, id, new JsonObject().put("CreditGranted", 2).put("Days", 5)).statusCode());
    JsonArray before = Kit.info(c, 1, key).getJsonArray("CreditBalance");
    assertEquals(3, before.size(), before::encode);

    String prompt = "spend my soonest grant";
    int max = 10;
    long charge = Kit.emulatorPromptTokens(prompt) * Kit.MINI_INPUT_NANOS + max * Kit.MINI_OUTPUT_NANOS;
    assertTrue(charge > 1000);
    HttpResponse<String> r = c.call(0, "POST", "/v1/chat/completions", key,
        Kit.chatBody("gpt-4o-mini", prompt, max, false).encode());
    assertEquals(200, r.statusCode(), r::body);

    JsonArray grants = Kit.info(c, 1, key).getJsonArray("CreditBalance");
    assertEquals(2, grants.size(), "the 1-day grant is used up and gone: " + grants.encode());
    JsonObject fiveDays = grants.getJsonObject(0);
    JsonObject thirtyDays = grants.getJsonObject(1);
    assertTrue(fiveDays.getString("expires_at").compareTo(thirtyDays.getString("expires_at")) < 0);
    assertEquals(2 * DOLLAR, Kit.nanos(fiveDays.getValue("amount")));
    assertEquals(2 * DOLLAR - (charge - 1000), Kit.nanos(fiveDays.getValue("balance")), grants::encode);
    assertEquals(DOLLAR, Kit.nanos(thirtyDays.getValue("amount")));
    assertEquals(DOLLAR, Kit.nanos(thirtyDays.getValue("balance")), "the latest grant is untouched");
    assertEquals(3 * DOLLAR + 1000 - charge, balance(id));
  }

  @Test
  void anAccountSeesOnlyItsOwnSubtree() throws Exception {
    JsonObject g = c.createAccount(0, new JsonObject().put("Name", "grandpa").put("CreditGranted", 10));
    String gKey = Kit.secret(g);
    JsonObject a = Kit.create(c, 0, gKey, new JsonObject().put("Name", "sib-a").put("Email", "a@sib.example")
        .put("CreditGranted", 1));
    JsonObject b = Kit.create(c, 1, gKey, new JsonObject().put("Name", "sib-b").put("Email", "b@sib.example")
        .put("CreditGranted", 1));
    String aKey = Kit.secret(a);
    String bKey = Kit.secret(b);
    JsonObject a1 = Kit.create(c, 0, aKey, new JsonObject().put("Name", "sib-a-kid").put("Email", "a1@sib.example"));
    JsonObject b1 = Kit.create(c, 1, bKey, new JsonObject().put("Name", "sib-b-kid").put("Email", "b1@sib.example"));
    String bId = Kit.id(b);
    String b1Id = Kit.id(b1);

    for (String who : List.of(bId, "sib-b", "b@sib.example", b1Id, "sib-b-kid", "b1@sib.example",
        Kit.id(g), "grandpa", "1", "root")) {
      for (int node = 0; node < 2; node++) {
        assertEquals(404, c.call(node, "GET", "/x-users/" + who, aKey, null).statusCode(), "GET " + who);
        assertEquals(404, c.call(node, "GET", "/x-dna/" + who, aKey, null).statusCode(), "GET x-dna " + who);
        assertEquals(404, c.call(node, "PUT", "/x-users/" + who, aKey,
            new JsonObject().put("Alias", "hacked").encode()).statusCode(), "PUT " + who);
        assertEquals(404, c.call(node, "POST", "/x-users/" + who, aKey,
            new JsonObject().put("Status", "disabled").encode()).statusCode(), "POST " + who);
        assertEquals(404, c.call(node, "DELETE", "/x-users/" + who, aKey, null).statusCode(), "DELETE " + who);
      }
    }
    // Nothing changed for B and its child.
    HttpResponse<String> r = c.call(0, "GET", "/x-users/sib-b", gKey, null);
    assertEquals(200, r.statusCode());
    assertEquals("sib-b", Kit.json(r).getString("Alias"));
    assertEquals("active", Kit.json(r).getString("Status"));
    assertEquals(200, c.call(1, "GET", "/x-users/" + b1Id, bKey, null).statusCode());

    assertEquals(Set.of("sib-a-kid"), names(c.call(0, "GET", "/x-users", aKey, null)));
    assertEquals(Set.of("sib-a-kid"), names(c.call(1, "GET", "/x-dna", aKey, null)));
    assertEquals(Set.of("sib-a", "sib-b"), names(c.call(1, "GET", "/x-users", gKey, null)));
    assertEquals(Set.of("sib-a", "sib-b", "sib-a-kid", "sib-b-kid"), names(c.call(0, "GET", "/x-dna", gKey, null)));
    // The grandparent reaches its grandchildren by id, name and email.
    for (String who : List.of(b1Id, "sib-b-kid", "b1@sib.example", Kit.id(a1))) {
      r = c.call(1, "GET", "/x-dna/" + who, gKey, null);
      assertEquals(200, r.statusCode(), who);
    }
    assertEquals("sib-b-kid", Kit.json(c.call(0, "GET", "/x-dna/" + b1Id, gKey, null)).getString("Name"));
  }

  private static Set<String> names(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r::body);
    JsonObject page = Kit.json(r);
    Set<String> names = page.getJsonArray("Users").stream().map(u -> ((JsonObject) u).getString("Name"))
        .collect(Collectors.toSet());
    assertEquals(names.size(), page.getInteger("Total"));
    return names;
  }

  @Test
  void namesAndEmailsAreUniqueAndARefusedAccountClaimsNeither() throws Exception {
    c.createAccount(0, new JsonObject().put("Name", "unique-a").put("Email", "a@unique.example").put("CreditGranted", 1));
    HttpResponse<String> sameName = c.call(1, "POST", "/x-users", c.adminKey,
        new JsonObject().put("Name", "unique-a").put("Email", "b@unique.example").encode());
    assertEquals(409, sameName.statusCode(), sameName.body());
    HttpResponse<String> sameEmail = c.call(1, "POST", "/x-users", c.adminKey,
        new JsonObject().put("Name", "unique-b").put("Email", "A@unique.example").encode());
    assertEquals(409, sameEmail.statusCode(), sameEmail.body());
    // neither refusal kept what it had claimed: both identities are still free
    c.createAccount(0, new JsonObject().put("Name", "unique-b").put("Email", "b@unique.example"));
    JsonObject renamed = Kit.json(c.call(0, "PUT", "/x-users/unique-b", c.adminKey,
        new JsonObject().put("Name", "unique-c").encode()));
    assertEquals("unique-c", renamed.getJsonObject("User").getString("Name"));
    c.createAccount(1, new JsonObject().put("Name", "unique-b"));
  }

  @Test
  void anAncestorManagesDescendantsThroughXDnaButOnlyTheParentMovesCredit() throws Exception {
    JsonObject top = c.createAccount(0, new JsonObject().put("Name", "dna-top").put("CreditGranted", 100));
    String topKey = Kit.secret(top);
    JsonObject mid = Kit.create(c, 0, topKey, new JsonObject().put("Name", "dna-mid").put("CreditGranted", 50));
    JsonObject leaf = Kit.create(c, 1, Kit.secret(mid), new JsonObject().put("Name", "dna-leaf").put("CreditGranted", 10));

    HttpResponse<String> limited = c.call(1, "PUT", "/x-dna/dna-leaf", topKey,
        new JsonObject().put("RateLimit", 30).put("DenyModels", "gpt-4.5*").encode());
    assertEquals(200, limited.statusCode(), limited::body);
    JsonObject seen = Kit.json(c.call(0, "GET", "/x-dna/" + Kit.id(leaf), topKey, null));
    assertEquals(30, seen.getInteger("RateLimit"));
    assertEquals("gpt-4.5*", seen.getString("DenyModels"));

    HttpResponse<String> funding = c.call(0, "PUT", "/x-dna/dna-leaf", topKey,
        new JsonObject().put("CreditGranted", 5).encode());
    assertEquals(403, funding.statusCode(), funding::body);
    assertEquals("not_parent", Kit.error(funding).getString("code"));
    assertEquals(10 * DOLLAR, balance(Kit.id(leaf)), "a refused transfer moves nothing");

    HttpResponse<String> deleted = c.call(1, "DELETE", "/x-dna/dna-leaf", topKey, null);
    assertEquals(200, deleted.statusCode(), deleted::body);
    assertEquals(50 * DOLLAR, balance(Kit.id(mid)), "the leaf's remainder went back to its parent");
    assertEquals(404, c.call(0, "GET", "/x-dna/dna-leaf", topKey, null).statusCode());
  }

  @Test
  void aRotatedKeyStopsWorkingOnEveryNodeAndTheNewOneWorks() throws Exception {
    JsonObject acct = c.createAccount(0, new JsonObject().put("Name", "rotator").put("CreditGranted", 1));
    String oldKey = Kit.secret(acct);
    // Both nodes have authenticated (and cached) the old key.
    assertEquals(200, c.call(0, "GET", "/dashboard/x_user/info", oldKey, null).statusCode());
    assertEquals(200, c.call(1, "GET", "/dashboard/x_user/info", oldKey, null).statusCode());

    HttpResponse<String> r = c.call(0, "POST", "/x-self", oldKey, null);
    assertEquals(200, r.statusCode(), r::body);
    long rotatedAt = System.nanoTime();
    String newKey = Kit.json(r).getString("SecretKey");
    assertNotEquals(oldKey, newKey);
    assertEquals(401, c.call(0, "GET", "/dashboard/x_user/info", oldKey, null).statusCode());
    Kit.eventually(Duration.ofSeconds(1), () -> {
      HttpResponse<String> other = c.call(1, "POST", "/v1/chat/completions", oldKey,
          Kit.chatBody("gpt-4o-mini", "old key", 5, false).encode());
      assertEquals(401, other.statusCode(), other::body);
      assertEquals("invalid_api_key", Kit.error(other).getString("code"));
    });
    System.out.printf("old key refused on the other node %d ms after rotation%n",
        (System.nanoTime() - rotatedAt) / 1_000_000);
    r = c.call(1, "POST", "/v1/chat/completions", newKey, Kit.chatBody("gpt-4o-mini", "new key", 5, false).encode());
    assertEquals(200, r.statusCode(), r::body);
    assertEquals("rotator", Kit.info(c, 1, newKey).getString("Name"));
  }
}
