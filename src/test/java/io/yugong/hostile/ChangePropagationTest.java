package io.yugong.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A change to an account is in force on every node when its call returns. A parent P and its child
 * G live under a customer; 100 random changes — key rotations, disables and re-enables of either,
 * model rules on either, a request-rate limit on G and its removal, deletes of G — are each made on one node, with the other node's cache
 * warmed just before, and checked on the other node right after the call answers: no waiting, no
 * retries.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChangePropagationTest {

  private static final int CHANGES = 100;

  private TestCluster c;
  private String ownerKey;

  /** What the test believes about P and G; the nodes must agree after every change. */
  private String pKey;
  private String gKey;
  private String gName;
  private boolean pOff;
  private boolean gOff;
  private boolean pDenies;
  private boolean gDenies;
  private int generation;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    c.addKey(0, "sk-propagation-1234567890", null);
    ownerKey = HostileKit.secret(HostileKit.customer(c, "prop-owner", "100"));
    pKey = HostileKit.secret(HostileKit.create(c, 0, ownerKey, new JsonObject().put("Name", "prop-p")
        .put("CreditGranted", 50)));
    newChild(1);
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  @Test
  void aChangeIsInForceOnTheOtherNodeWhenItsCallReturns() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    List<String> done = new ArrayList<>();
    int changes = 0;
    while (changes < CHANGES) {
      int here = random.nextInt(2);
      int there = 1 - here;
      String what = pick(random);
      done.add(what + "@" + here);
      String context = "change " + changes + " (" + what + " on node " + here + ", seed " + seed + ") after "
          + done.subList(Math.max(0, done.size() - 6), done.size() - 1);
      change(what, here, there, context);
      changes += what.equals("limit-g") ? 2 : 1;
    }
  }

  private String pick(Random random) {
    List<String> can = new ArrayList<>(List.of("disable-p", "enable-p", "deny-p", "allow-p", "disable-g",
        "enable-g", "deny-g", "allow-g"));
    if (!gOff && !pOff) {
      can.addAll(List.of("rotate-g", "rotate-g", "delete-g", "limit-g"));
    }
    if (!pOff) {
      can.addAll(List.of("rotate-p", "rotate-p"));
    }
    return can.get(random.nextInt(can.size()));
  }

  private void change(String what, int here, int there, String context) throws Exception {
    // The other node holds both keys in its cache before the change.
    expectInfo(there, pKey, pOff ? 403 : 200, context + " [warm P]");
    expectInfo(there, gKey, pOff || gOff ? 403 : 200, context + " [warm G]");
    switch (what) {
      case "rotate-p" -> {
        String old = pKey;
        pKey = rotate(here, pKey, context);
        expectInfo(there, old, 401, context + " [old P key]");
        expectInfo(there, pKey, 200, context + " [new P key]");
        expectInfo(there, gKey, gOff ? 403 : 200, context + " [G unaffected]");
      }
      case "rotate-g" -> {
        String old = gKey;
        gKey = rotate(here, gKey, context);
        expectInfo(there, old, 401, context + " [old G key]");
        expectInfo(there, gKey, 200, context + " [new G key]");
      }
      case "disable-p", "enable-p" -> {
        pOff = what.startsWith("disable");
        update(here, "prop-p", new JsonObject().put("Status", pOff ? "disabled" : "active"), context);
        expectInfo(there, pKey, pOff ? 403 : 200, context + " [P]");
        expectInfo(there, gKey, pOff || gOff ? 403 : 200, context + " [G under P]");
      }
      case "disable-g", "enable-g" -> {
        gOff = what.startsWith("disable");
        update(here, gName, new JsonObject().put("Status", gOff ? "disabled" : "active"), context);
        expectInfo(there, gKey, pOff || gOff ? 403 : 200, context + " [G]");
      }
      case "deny-p", "allow-p" -> {
        pDenies = what.startsWith("deny");
        update(here, "prop-p", pDenies ? new JsonObject().put("AllowModels", "gpt-4o-mini")
            : new JsonObject().put("AllowModels", ""), context);
        expectGpt4o(there, context);
      }
      case "deny-g", "allow-g" -> {
        gDenies = what.startsWith("deny");
        update(here, gName, new JsonObject().put("DenyModels", gDenies ? "gpt-4o" : ""), context);
        expectGpt4o(there, context);
      }
      case "limit-g" -> {
        // Two changes: a limit of one request a minute, then none.
        update(here, gName, new JsonObject().put("RateLimit", 1), context);
        HttpResponse<String> a = mini(there);
        HttpResponse<String> b = mini(there);
        assertEquals(429, b.statusCode(), () -> context + " [limited, second request]: " + b.body());
        assertEquals("rate_limit_exceeded", HostileKit.error(b).getString("code"), context);
        assertTrue(a.statusCode() == 200 || a.statusCode() == 429, () -> context + ": " + a.body());
        update(here, gName, new JsonObject().put("RateLimit", 0), context);
        HttpResponse<String> free = mini(there);
        assertEquals(200, free.statusCode(), () -> context + " [limit lifted]: " + free.body());
      }
      case "delete-g" -> {
        HttpResponse<String> r = c.call(here, "DELETE", "/x-users/" + gName, pKey, null);
        assertEquals(200, r.statusCode(), () -> context + ": " + r.body());
        expectInfo(there, gKey, 401, context + " [deleted G]");
        newChild(here);
      }
      default -> throw new IllegalStateException(what);
    }
  }

  /** The answer G gets for gpt-4o on a node, by the rules the test believes in. */
  private void expectGpt4o(int node, String context) throws Exception {
    HttpResponse<String> r = c.call(node, "POST", "/v1/chat/completions", gKey,
        HostileKit.chat("gpt-4o", "propagate", 2).encode());
    if (pOff || gOff) {
      assertEquals(403, r.statusCode(), () -> context + " [gpt-4o, disabled]: " + r.body());
      assertEquals("account_disabled", HostileKit.error(r).getString("code"), context);
    } else if (pDenies || gDenies) {
      assertEquals(403, r.statusCode(), () -> context + " [gpt-4o denied]: " + r.body());
      assertEquals("model_not_allowed", HostileKit.error(r).getString("code"), context);
    } else {
      assertEquals(200, r.statusCode(), () -> context + " [gpt-4o allowed]: " + r.body());
    }
  }

  private HttpResponse<String> mini(int node) throws Exception {
    return c.call(node, "POST", "/v1/chat/completions", gKey, HostileKit.chat("gpt-4o-mini", "limit", 2).encode());
  }

  private void expectInfo(int node, String key, int status, String context) throws Exception {
    HttpResponse<String> r = c.call(node, "GET", "/dashboard/x_user/info", key, null);
    assertEquals(status, r.statusCode(), () -> context + ": " + r.body());
  }

  private String rotate(int node, String key, String context) throws Exception {
    HttpResponse<String> r = c.call(node, "POST", "/x-self", key, null);
    assertEquals(200, r.statusCode(), () -> context + ": " + r.body());
    return HostileKit.json(r).getString("SecretKey");
  }

  private void update(int node, String who, JsonObject body, String context) throws Exception {
    HttpResponse<String> r = c.call(node, "PUT", "/x-users/" + who, ownerKey, body.encode());
    assertEquals(200, r.statusCode(), () -> context + ": " + r.body());
  }

  private void newChild(int node) throws Exception {
    gName = "prop-g" + (++generation);
    gKey = HostileKit.secret(HostileKit.create(c, node, pKey, new JsonObject().put("Name", gName)
        .put("CreditGranted", 1)));
    gOff = false;
    gDenies = false;
  }
}
