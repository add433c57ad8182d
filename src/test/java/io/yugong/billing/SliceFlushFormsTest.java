package io.yugong.billing;

import static io.yugong.billing.WalletFixture.DOLLAR;
import static io.yugong.billing.WalletFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A write-behind batch goes to Redis whole, as one ledger entry, when the balance covers it; when
 * it does not, or the account's Rates changed after the charges were priced, the same batch goes
 * charge by charge. Either way the ledger reads back one entry per charge that explains the
 * balance, a retried batch changes nothing, and the ledger keeps the latest entries of its cap.
 */
class SliceFlushFormsTest {

  private final WalletFixture f = new WalletFixture();

  @AfterEach
  void close() {
    f.close();
  }

  private SliceStore store(String node, Retention retention) {
    Scripts scripts = new Scripts(f.redis, retention);
    await(scripts.load());
    return new SliceStore(scripts, node, node + "-run");
  }

  private static List<SliceCharge> charges(int n, long each, String tag) {
    List<SliceCharge> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      // a client's model name may carry a tab or a line break: it must not split the entry
      String model = i % 2 == 0 ? "gpt-4o" : "odd\tmodel\nname";
      out.add(new SliceCharge(tag + "-" + i, each,
          LedgerEntry.charge(model, 10 + i, i, 5, "k" + (i % 3), "n1", 7, 200)));
    }
    return out;
  }

  private long streamEntries(String account) {
    Response r = f.send(Request.cmd(Command.XLEN).arg(Keys.ledger(account)));
    return r.toLong();
  }

  private JsonObject monthUsage(String account) {
    WalletView v = await(f.wallets.view(account));
    return new JsonObject().put("cost", v.monthCost()).put("requests", v.monthRequests());
  }

  @Test
  void aCoveredBatchIsOneStreamEntryThatReadsBackAsOneEntryPerCharge() {
    String account = WalletFixture.newAccount();
    await(f.wallets.mint(account, DOLLAR, 30, "test"));
    SliceStore store = store("n1", Retention.DEFAULTS);
    long before = streamEntries(account);

    assertThat(await(store.flush(account, 1, "", charges(40, 1_000_000, "a")))).isFalse();

    assertThat(streamEntries(account)).as("the whole batch is one stream entry").isEqualTo(before + 1);
    List<LedgerEntry> ledger = f.assertLedgerExplainsBalance(account);
    List<LedgerEntry> charged = ledger.stream().filter(e -> e.kind().equals("charge")).toList();
    assertThat(charged).hasSize(40);
    assertThat(charged.get(0).requestId()).isEqualTo("a-0");
    assertThat(charged.get(39).requestId()).isEqualTo("a-39");
    assertThat(charged).allSatisfy(e -> {
      assertThat(e.cost()).isEqualTo(1_000_000);
      assertThat(e.amount()).isEqualTo(-1_000_000);
      assertThat(e.uncovered()).isZero();
      assertThat(e.note()).isEqualTo("slice");
      assertThat(e.node()).isEqualTo("n1");
      assertThat(e.status()).isEqualTo(200);
      assertThat(e.model()).isIn("gpt-4o", "odd model name");
    });
    assertThat(charged.get(3).promptTokens()).isEqualTo(13);
    assertThat(charged.get(3).cachedTokens()).isEqualTo(3);
    assertThat(charged.get(3).upstreamKeyId()).isEqualTo("k0");
    assertThat(await(f.wallets.view(account)).balance()).isEqualTo(DOLLAR - 40 * 1_000_000L);
    JsonObject usage = monthUsage(account);
    assertThat(usage.getLong("cost")).isEqualTo(40 * 1_000_000L);
    assertThat(usage.getLong("requests")).isEqualTo(40);

    // the newest entries come first, and a limit cuts inside a batch
    List<LedgerEntry> newest = await(f.wallets.ledger(account, 3));
    assertThat(newest).extracting(LedgerEntry::requestId).containsExactly("a-39", "a-38", "a-37");

    // the same batch again (a retry after a lost answer) changes nothing
    assertThat(await(store.flush(account, 1, "", charges(40, 1_000_000, "a")))).isTrue();
    assertThat(streamEntries(account)).isEqualTo(before + 1);
    assertThat(await(f.wallets.view(account)).balance()).isEqualTo(DOLLAR - 40 * 1_000_000L);
  }

  @Test
  void aBatchTheBalanceCannotCoverGoesChargeByChargeAndTakesOnlyTheBalance() {
    String account = WalletFixture.newAccount();
    await(f.wallets.mint(account, 25_000_000, 30, "test"));
    SliceStore store = store("n1", Retention.DEFAULTS);

    assertThat(await(store.flush(account, 1, "", charges(4, 10_000_000, "b")))).isFalse();

    List<LedgerEntry> ledger = f.assertLedgerExplainsBalance(account);
    List<LedgerEntry> charged = ledger.stream().filter(e -> e.kind().equals("charge")).toList();
    assertThat(charged).extracting(LedgerEntry::amount)
        .containsExactly(-10_000_000L, -10_000_000L, -5_000_000L, 0L);
    assertThat(charged).extracting(LedgerEntry::uncovered)
        .containsExactly(0L, 0L, 5_000_000L, 10_000_000L);
    assertThat(await(f.wallets.view(account)).balance()).isZero();
    assertThat(monthUsage(account).getLong("requests")).as("no charge counted twice").isEqualTo(4);
    assertThat(await(store.flush(account, 1, "", charges(4, 10_000_000, "b")))).isTrue();
    assertThat(monthUsage(account).getLong("requests")).isEqualTo(4);
  }

  @Test
  void aBatchPricedAtOldRatesIsConvertedChargeByCharge() {
    String account = WalletFixture.newAccount();
    await(f.wallets.mint(account, DOLLAR, 30, "test"));
    await(f.wallets.setRate(account, Rate.of("2")));
    SliceStore store = store("n1", Retention.DEFAULTS);

    // priced at Rates 1 (10^4 scaled), the account is at 2 now: each charge is worth double
    assertThat(await(store.flush(account, 1, "10000", charges(3, 1_000_000, "c")))).isFalse();

    List<LedgerEntry> charged = f.assertLedgerExplainsBalance(account).stream()
        .filter(e -> e.kind().equals("charge")).toList();
    assertThat(charged).extracting(LedgerEntry::cost).containsOnly(2_000_000L);
    assertThat(await(f.wallets.view(account)).balance()).isEqualTo(DOLLAR - 6_000_000L);
  }

  @Test
  void aLedgerFromBeforeTheCountIsCountedRightByEitherForm() {
    for (boolean whole : new boolean[] {true, false}) {
      String account = WalletFixture.newAccount();
      // uncovered (the charge-by-charge form) or covered (the whole form)
      await(f.wallets.mint(account, whole ? DOLLAR : 1_000, 30, "test"));
      await(f.wallets.mint(account, 1_000, 30, "test 2"));
      // a ledger written before its count was kept: no ledgerLen in the wallet
      f.send(Request.cmd(Command.HDEL).arg(Keys.wallet(account)).arg("ledgerLen"));
      SliceStore store = store("n1", Retention.DEFAULTS);
      await(store.flush(account, 1, "", charges(5, 1_000_000, "legacy")));
      long count = 0;
      Response r = f.send(Request.cmd(Command.XRANGE).arg(Keys.ledger(account)).arg("-").arg("+"));
      for (Response e : r) {
        java.util.Map<String, String> fields = new java.util.HashMap<>();
        for (int i = 0; i + 1 < e.get(1).size(); i += 2) {
          fields.put(e.get(1).get(i).toString(), e.get(1).get(i + 1).toString());
        }
        count += LedgerEntry.count(fields);
      }
      assertThat(count).isEqualTo(7);
      Response len = f.send(Request.cmd(Command.HGET).arg(Keys.wallet(account)).arg("ledgerLen"));
      assertThat(len.toLong()).as(whole ? "whole" : "charge by charge").isEqualTo(count);
    }
  }

  @Test
  void theLedgerKeepsTheLatestEntriesOfItsCapAcrossBatchesAndSingleEntries() {
    String account = WalletFixture.newAccount();
    int cap = 50;
    Retention retention = Retention.forSettings(cap, 150, 60_000);
    Wallets wallets = new Wallets(f.redis, retention);
    await(wallets.start());
    await(wallets.mint(account, DOLLAR, 30, "test"));
    SliceStore store = store("n1", retention);
    int seq = 0;
    for (int round = 0; round < 12; round++) {
      assertThat(await(store.flush(account, ++seq, "", charges(7, 1_000, "r" + round)))).isFalse();
      // entries of other kinds between the batches: one stream entry each
      await(wallets.mint(account, 1_000, 30, "top-up " + round));
      List<LedgerEntry> l = await(wallets.ledger(account, 1_000_000));
      assertThat(l.size()).as("round %d", round)
          .isLessThanOrEqualTo(cap + Math.max(cap / 10, 7) + 1);
      if (round >= 8) {
        assertThat(l.size()).as("round %d", round).isGreaterThanOrEqualTo(cap);
      }
      assertThat(l.get(0).note()).startsWith("top-up " + round + " ");
      assertThat(l.get(1).requestId()).isEqualTo("r" + round + "-6");
    }
  }
}
