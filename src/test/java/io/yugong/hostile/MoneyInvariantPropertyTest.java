package io.yugong.hostile;

import io.yugong.testing.StoreReader;
import static io.yugong.hostile.HostileKit.chat;
import static io.yugong.hostile.HostileKit.id;
import static io.yugong.hostile.HostileKit.json;
import static io.yugong.hostile.HostileKit.secret;
import static io.yugong.hostile.HostileKit.together;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.math.BigDecimal;
import java.math.MathContext;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * No operation creates or destroys money: random sequences of create / fund / take back / change
 * Rates / delete / spend, run concurrently over both nodes, keep
 * {@code Σ balances + charged = minted} (no grant expires here) after every step, with every
 * account's money valued in root dollars (balance / Rates). At Rates 1 everywhere that holds to the
 * nano-dollar; with other Rates every conversion rounds in the house's favour, so the difference
 * is never negative and at most one nano-dollar per conversion.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MoneyInvariantPropertyTest {

  private static final BigDecimal NANO = new BigDecimal("1e-9");
  private static final MathContext MC = new MathContext(40);
  private static final String[] RATES = {"1", "1.5", "2", "3"};

  private TestCluster c;
  private StoreReader store;

  private final class Acct {
    final String id;
    final String key;
    final Acct parent;
    final List<Acct> children = new ArrayList<>();
    BigDecimal rate;
    boolean deleted;

    Acct(String id, String key, Acct parent, BigDecimal rate) {
      this.id = id;
      this.key = key;
      this.parent = parent;
      this.rate = rate;
    }

    int depth() {
      return parent == null ? 1 : parent.depth() + 1;
    }

    String parentKey() {
      return parent == null ? c.adminKey : parent.key;
    }
  }

  /** The bookkeeping a step's operation leaves for the invariant check. */
  private static final class Effect {
    BigDecimal minted = BigDecimal.ZERO;
    String spentBy;
    String requestId;
    BigDecimal spentAtRate;
    int conversions;
    String what = "";
  }

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    c.addKey(0, "sk-invariant-1", null);
    store = new StoreReader(c);
  }

  @AfterAll
  void stop() throws Exception {
    store.close();
    c.close();
  }

  @Test
  void atRatesOneEveryStepConservesMoneyToTheNanoDollar() throws Exception {
    BigDecimal dust = run(new Random(7), "exact", true, 30);
    assertEquals(0, dust.signum(), "at Rates 1 nothing may be lost or made, not even a nano-dollar");
  }

  @Test
  void withMixedRatesNoStepEverCreatesMoney() throws Exception {
    run(new Random(11), "mixed", false, 30);
  }

  @Test
  void aRatesRoundTripCannotMintMoney() throws Exception {
    Acct top = topCustomer("roundtrip", "10");
    BigDecimal before = balance(top);
    for (int round = 0; round < 3; round++) {
      HttpResponse<String> made = c.call(round % 2, "POST", "/x-users", top.key, new JsonObject()
          .put("Name", "rt-" + round).put("Rates", 2).put("CreditGranted", 20).encode());
      assertEquals(201, made.statusCode(), made::body);
      String child = id(json(made));
      put((round + 1) % 2, top.key, child, new JsonObject().put("Rates", 1), 200);
      // 20 at Rates 2 was worth 10 of the parent's money; at Rates 1 it is 10, and only 10 comes back
      put(round % 2, top.key, child, new JsonObject().put("CreditGranted", -20), 402);
      put(round % 2, top.key, child, new JsonObject().put("CreditGranted", -10), 200);
    }
    assertEquals(0, balance(top).compareTo(before), "three Rates round trips left the parent with "
        + balance(top) + " USD, not " + before);
  }

  private void put(int node, String key, String id, JsonObject body, int expected) throws Exception {
    HttpResponse<String> r = c.call(node, "PUT", "/x-users/" + id, key, body.encode());
    assertEquals(expected, r.statusCode(), () -> "PUT " + body + " -> " + r.body());
  }

  private Acct topCustomer(String name, String dollars) throws Exception {
    JsonObject made = c.createAccount(0, new JsonObject().put("Name", name).put("CreditGranted", dollars));
    return new Acct(id(made), secret(made), null, BigDecimal.ONE);
  }

  private BigDecimal balance(Acct a) throws Exception {
    return BigDecimal.valueOf(store.wallet(a.id, "balance"), 9);
  }

  /** Runs the random steps; returns minted − (value of all balances + value charged). */
  private BigDecimal run(Random rnd, String tag, boolean ratesOne, int steps) throws Exception {
    long rootAtStart = store.wallet("1", "balance");
    Acct top = topCustomer("inv-" + tag, "50");
    List<Acct> all = new ArrayList<>(List.of(top));
    BigDecimal minted = new BigDecimal("50");
    BigDecimal charged = BigDecimal.ZERO;
    int conversions = 0;
    int[] seq = {0};
    BigDecimal dust = BigDecimal.ZERO;
    Map<String, Integer> tally = new LinkedHashMap<>();
    for (int step = 0; step < steps; step++) {
      Set<Acct> touched = new HashSet<>();
      List<Callable<Effect>> ops = new ArrayList<>();
      List<Acct> live = all.stream().filter(a -> !a.deleted).toList();
      for (int tries = 0; tries < 12 && ops.size() < 4; tries++) {
        Acct a = live.get(rnd.nextInt(live.size()));
        int kind = rnd.nextInt(6);
        Set<Acct> needs = new HashSet<>(List.of(a));
        if (kind == 1 || kind == 2 || kind == 4) {
          if (a.parent != null) {
            needs.add(a.parent);
          }
        }
        if (kind == 3) {
          needs.addAll(a.children);
        }
        if (kind == 0 && a.depth() >= 3 || kind == 4 && (a == top || !a.children.isEmpty())) {
          continue;
        }
        if (needs.stream().anyMatch(touched::contains)) {
          continue;
        }
        touched.addAll(needs);
        int node = rnd.nextInt(2);
        String amount = BigDecimal.valueOf(1 + rnd.nextInt(2_000_000), 6).toPlainString();
        tally.merge(List.of("create", "fund", "take", "rates", "delete", "spend").get(kind), 1, Integer::sum);
        ops.add(switch (kind) {
          case 0 -> () -> create(a, node, ratesOne ? "1" : pickRate(rnd, a.rate, null), amount, tag + "-" + seq[0]++, all);
          case 1 -> () -> transfer(a, node, amount);
          case 2 -> () -> transfer(a, node, "-" + amount);
          case 3 -> () -> changeRates(a, node, ratesOne ? "1" : pickRate(rnd, a.parent == null ? BigDecimal.ONE
              : a.parent.rate, a.children.stream().map(x -> x.rate).min(BigDecimal::compareTo).orElse(null)));
          case 4 -> () -> delete(a, node);
          default -> () -> spend(a, node);
        });
      }
      List<String> did = new ArrayList<>();
      for (Effect e : together(ops)) {
        did.add(e.what);
        minted = minted.add(e.minted);
        conversions += e.conversions;
        if (e.requestId != null) {
          charged = charged.add(chargeOf(e.spentBy, e.requestId).divide(e.spentAtRate, MC));
        }
      }
      // root's own balance: what it took back from the top customer
      BigDecimal value = BigDecimal.valueOf(store.wallet("1", "balance") - rootAtStart, 9);
      for (Acct a : all) {
        long bal = store.wallet(a.id, "balance");
        long held = store.wallet(a.id, "held");
        assertTrue(bal >= 0 && held >= 0, "account " + a.id + " balance " + bal + " held " + held);
        if (a.deleted) {
          assertEquals(0, bal, "a deleted account keeps no money: " + a.id);
        } else {
          assertLedgerExplains(a, bal);
        }
        value = value.add(BigDecimal.valueOf(bal, 9).divide(a.rate, MC));
      }
      dust = minted.subtract(value).subtract(charged);
      BigDecimal bound = NANO.multiply(BigDecimal.valueOf(conversions * 21L));
      assertTrue(dust.compareTo(new BigDecimal("-1e-25")) >= 0,
          "step " + step + ": money was created: minted " + minted + ", balances worth " + value
              + ", charged " + charged);
      assertTrue(dust.compareTo(bound) <= 0, "step " + step + ": " + dust + " USD vanished, more than "
          + "rounding (" + conversions + " conversions) explains; this step: " + did);
    }
    System.out.printf("money invariant (%s): minted %s USD = balances %s + charged %s + rounding %s "
        + "(%d accounts, %d conversions; operations %s)%n", tag, minted.toPlainString(),
        minted.subtract(charged).subtract(dust).round(new MathContext(20)).toPlainString(),
        charged.round(new MathContext(20)).toPlainString(), dust.round(new MathContext(6)).toPlainString(),
        all.size(), conversions, tally);
    return dust;
  }

  private static String pickRate(Random rnd, BigDecimal atLeast, BigDecimal atMost) {
    List<String> ok = new ArrayList<>();
    for (String r : RATES) {
      BigDecimal v = new BigDecimal(r);
      if (v.compareTo(atLeast) >= 0 && (atMost == null || v.compareTo(atMost) <= 0)) {
        ok.add(r);
      }
    }
    return ok.isEmpty() ? atLeast.toPlainString() : ok.get(rnd.nextInt(ok.size()));
  }

  private Effect create(Acct parent, int node, String rate, String amount, String name, List<Acct> all)
      throws Exception {
    HttpResponse<String> r = c.call(node, "POST", "/x-users", parent.key, new JsonObject()
        .put("Name", name).put("Rates", new BigDecimal(rate)).put("CreditGranted", amount).encode());
    Effect e = new Effect();
    e.what = "create under " + parent.id + " at " + rate + " with " + amount + ": " + r.statusCode();
    if (r.statusCode() == 201) {
      JsonObject made = json(r);
      Acct child = new Acct(id(made), secret(made), parent, new BigDecimal(rate));
      synchronized (all) {
        all.add(child);
        parent.children.add(child);
      }
      e.conversions = 1;
    } else {
      assertEquals(402, r.statusCode(), r::body);
    }
    return e;
  }

  private Effect transfer(Acct a, int node, String amount) throws Exception {
    HttpResponse<String> r = c.call(node, "PUT", "/x-users/" + a.id, a.parentKey(),
        new JsonObject().put("CreditGranted", amount).encode());
    Effect e = new Effect();
    e.what = "transfer " + amount + " to " + a.id + " (rate " + a.rate + "): " + r.statusCode();
    if (r.statusCode() == 200) {
      e.conversions = 1;
      if (a.parent == null && !amount.startsWith("-")) {
        // root mints what it grants, in the customer's own money: worth amount / Rates of root's
        e.minted = new BigDecimal(amount).divide(a.rate, MC);
      }
    } else {
      assertEquals(402, r.statusCode(), r::body);
    }
    return e;
  }

  private Effect changeRates(Acct a, int node, String rate) throws Exception {
    HttpResponse<String> r = c.call(node, "PUT", "/x-users/" + a.id, a.parentKey(),
        new JsonObject().put("Rates", new BigDecimal(rate)).encode());
    assertEquals(200, r.statusCode(), r::body);
    Effect e = new Effect();
    e.what = "rates of " + a.id + " " + a.rate + " -> " + rate;
    if (new BigDecimal(rate).compareTo(a.rate) != 0) {
      e.conversions = 1;
    }
    a.rate = new BigDecimal(rate);
    return e;
  }

  private Effect delete(Acct a, int node) throws Exception {
    HttpResponse<String> r = c.call(node, "DELETE", "/x-users/" + a.id, a.parentKey(), null);
    assertEquals(200, r.statusCode(), r::body);
    a.deleted = true;
    synchronized (a.parent.children) {
      a.parent.children.remove(a);
    }
    Effect e = new Effect();
    e.what = "delete " + a.id + " (rate " + a.rate + "): " + r.body();
    e.conversions = 1;
    return e;
  }

  private Effect spend(Acct a, int node) throws Exception {
    HttpResponse<String> r = c.call(node, "POST", "/v1/chat/completions", a.key,
        chat("gpt-4o-mini", "Count the coins in the vault please", 20).encode());
    Effect e = new Effect();
    if (r.statusCode() == 200) {
      e.spentBy = a.id;
      e.requestId = r.headers().firstValue("x-yugong-request-id").orElseThrow();
      e.spentAtRate = a.rate;
    } else {
      assertEquals(429, r.statusCode(), r::body);
    }
    return e;
  }

  /** What the ledger says a request took from its account, in that account's dollars. */
  private BigDecimal chargeOf(String accountId, String requestId) throws Exception {
    for (JsonObject e : store.ledger(accountId)) {
      if (requestId.equals(e.getString("requestId")) && "charge".equals(e.getString("kind"))) {
        return BigDecimal.valueOf(-Long.parseLong(e.getString("amount")), 9);
      }
    }
    throw new AssertionError("no charge for " + requestId + " on account " + accountId);
  }

  private void assertLedgerExplains(Acct a, long balance) throws Exception {
    long sum = 0;
    for (JsonObject e : store.ledger(a.id)) {
      sum += Long.parseLong(e.getString("amount"));
    }
    assertEquals(balance, sum, "the ledger of " + a.id + " explains its balance");
  }
}
