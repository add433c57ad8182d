package io.yugong.billing;

import static io.yugong.billing.WalletFixture.DOLLAR;
import static io.yugong.billing.WalletFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.yugong.testing.Eventually;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node's credit slice is a hold on a lease: when the node dies with it (its Vert.x gone, no
 * clean stop), the slice goes back to its account once the lease expires, minus what the node had
 * flushed; a flush retried after it landed changes nothing.
 */
class SliceLeaseTest {

  private final WalletFixture f = new WalletFixture();

  @AfterEach
  void close() {
    f.close();
  }

  private long sliceHeld(String account, String node) {
    Response h = f.send(Request.cmd(Command.HGET).arg(Keys.account(account).get(4)).arg("slice:" + node));
    return h == null ? -1 : new JsonObject(h.toString()).getLong("amount");
  }

  @Test
  void aDeadNodesSliceGoesBackWhenItsLeaseExpiresMinusWhatItFlushed() throws Exception {
    String account = WalletFixture.newAccount();
    await(f.wallets.mint(account, 10 * DOLLAR, 30, "test"));
    Vertx doomed = Vertx.vertx();
    Slices slices = new Wallets(WalletFixture.client(doomed))
        .slices(doomed, "doomed-node", SliceOptions.defaults(0).withLeaseMs(1500));

    assertNull(slices.reserve(account, null, 1000), "no slice yet: the first request is held exactly");
    Eventually.eventually(Duration.ofSeconds(5), () -> assertTrue(sliceHeld(account, "doomed-node") > 0));
    long slice = sliceHeld(account, "doomed-node");
    WalletView held = await(f.wallets.view(account));
    assertEquals(slice, held.sliced(), "the slice is held in Redis");
    assertEquals(0, held.held(), "the account's view leaves the node's slice out of Held");

    SliceHold served = slices.reserve(account, null, 1_000_000);
    assertNotNull(served, "a request held on the slice");
    slices.settle(served, "req-served", 700_000, LedgerEntry.charge("gpt-4o", 10, 0, 5, "k1",
        "doomed-node", 12, 200));
    await(slices.flushed(5_000));
    assertEquals(0, slices.unflushed());
    assertEquals(slice - 700_000, sliceHeld(account, "doomed-node"), "the flush spent the slice");
    SliceHold inFlight = slices.reserve(account, null, 2_000_000);
    assertNotNull(inFlight, "a request in flight when the node dies");

    await(doomed.close()); // the node dies: no flush, no return, no renewal

    Eventually.eventually(Duration.ofSeconds(5), () -> {
      // the account's next reserve expires a lapsed lease
      await(f.wallets.reserve(account, "probe", 1, 0, 0, 0, 0, 60_000));
      await(f.wallets.release(account, "probe"));
      assertEquals(-1, sliceHeld(account, "doomed-node"), "the slice went back");
    });
    WalletView v = await(f.wallets.view(account));
    assertEquals(0, v.held());
    assertEquals(0, v.sliced());
    assertEquals(10 * DOLLAR - 700_000, v.balance(), "the account lost only what was flushed");
    List<LedgerEntry> ledger = f.assertLedgerExplainsBalance(account);
    assertEquals(1, ledger.stream().filter(e -> e.kind().equals("charge")).count(),
        "one charge: the served request; the slice's return is no charge");
    assertEquals("req-served", ledger.stream().filter(e -> e.kind().equals("charge")).findFirst()
        .orElseThrow().requestId());
  }

  @Test
  void aBatchFlushedTwiceLandsOnce() {
    String account = WalletFixture.newAccount();
    await(f.wallets.mint(account, DOLLAR, 30, "test"));
    SliceStore store = new SliceStore(new Scripts(f.redis, Retention.DEFAULTS), "node-a", "run-1");
    List<SliceCharge> batch = List.of(
        new SliceCharge("r1", 1000, LedgerEntry.charge("gpt-4o", 1, 0, 1, "k", "node-a", 1, 200)),
        new SliceCharge("r2", 2000, LedgerEntry.charge("gpt-4o", 1, 0, 1, "k", "node-a", 1, 200)));
    assertEquals(false, await(store.flush(account, 1, "", batch)));
    assertEquals(true, await(store.flush(account, 1, "", batch)), "the retry is seen as one");
    assertEquals(DOLLAR - 3000, await(f.wallets.view(account)).balance());
    assertEquals(2, f.assertLedgerExplainsBalance(account).stream()
        .filter(e -> e.kind().equals("charge")).count());
  }
}
