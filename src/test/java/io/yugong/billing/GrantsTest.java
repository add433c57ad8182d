package io.yugong.billing;

import static io.yugong.billing.WalletFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class GrantsTest extends WalletTest {

  @Test
  void spendingConsumesTheSoonestExpiringGrantFirst() {
    String a = WalletFixture.newAccount();
    await(wallets.mint(a, 1_000, 30, "late"));
    await(wallets.mint(a, 500, 10, "soonest"));
    await(wallets.mint(a, 300, 20, "middle"));

    await(wallets.settle(a, "r1", 600, null));

    List<WalletView.Grant> g = await(wallets.view(a)).grants();
    assertThat(g).extracting(WalletView.Grant::amount).containsExactly(300L, 1_000L);
    assertThat(g).extracting(WalletView.Grant::balance).containsExactly(200L, 1_000L);
    assertThat(g.get(0).expiresAt()).isLessThan(g.get(1).expiresAt());
    assertThat(g).extracting(WalletView.Grant::source).containsOnly("mint");
    fx.assertLedgerExplainsBalance(a);
  }

  @Test
  void anExpiredGrantsRemainderLeavesTheWalletWithALedgerEntry() {
    String a = WalletFixture.newAccount();
    await(wallets.mint(a, 1_000, 30, "lasting"));
    await(wallets.mintFor(a, 250, 1, "fleeting"));
    fx.untilRedisPasses(fx.redisNow() + 1);

    WalletView v = await(wallets.view(a));

    assertThat(v.balance()).isEqualTo(1_000);
    assertThat(v.grants()).hasSize(1);
    List<LedgerEntry> l = fx.assertLedgerExplainsBalance(a);
    assertThat(l).extracting(LedgerEntry::kind).containsExactly("minted", "minted", "expired");
    assertThat(l.get(2).amount()).isEqualTo(-250);
    assertThat(l.get(2).cost()).isEqualTo(250);
  }

  @Test
  void theTwentyFirstGrantMergesAllIntoOneKeepingTotalAndLatestExpiry() {
    String a = WalletFixture.newAccount();
    for (int d = 1; d <= 20; d++) {
      await(wallets.mint(a, 10, d, "g" + d));
    }
    WalletView twenty = await(wallets.view(a));
    assertThat(twenty.grants()).hasSize(20);
    long latest = twenty.grants().stream().mapToLong(WalletView.Grant::expiresAt).max().orElseThrow();

    await(wallets.mint(a, 7, 5, "one more"));

    WalletView v = await(wallets.view(a));
    assertThat(v.grants()).hasSize(1);
    assertThat(v.balance()).isEqualTo(207);
    assertThat(v.grants().get(0).balance()).isEqualTo(207);
    assertThat(v.grants().get(0).expiresAt()).isEqualTo(latest);
    assertThat(v.grants().get(0).source()).isEqualTo("merged");
    List<LedgerEntry> l = fx.assertLedgerExplainsBalance(a);
    LedgerEntry last = l.get(l.size() - 1);
    assertThat(last.kind()).isEqualTo("merged");
    assertThat(last.amount()).isZero();
    assertThat(last.cost()).isZero();
  }
}
