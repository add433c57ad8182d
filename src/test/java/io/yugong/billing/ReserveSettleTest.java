package io.yugong.billing;

import static io.yugong.billing.WalletFixture.DOLLAR;
import static io.yugong.billing.WalletFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.yugong.testing.LimitWindows;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReserveSettleTest extends WalletTest {

  private static LedgerEntry entry(String model) {
    return LedgerEntry.charge(model, 100, 20, 50, "key-1", "node-a", 42, 200);
  }

  private static List<LedgerEntry> charges(String account, String requestId) {
    return fx.ledgerOldestFirst(account).stream()
        .filter(e -> e.kind().equals("charge") && e.requestId().equals(requestId)).toList();
  }

  @Test
  void settlingTwiceChargesOnce() {
    String a = WalletFixture.newAccount();
    await(wallets.mint(a, 10_000, 30, "t"));
    assertThat(await(wallets.reserve(a, "r1", 5_000, 1_000, 0, 0, 0, 60_000)).ok()).isTrue();

    Settlement first = await(wallets.settle(a, "r1", 3_000, entry("gpt-x")));
    Settlement second = await(wallets.settle(a, "r1", 3_000, entry("gpt-x")));

    assertThat(first).isEqualTo(new Settlement(false, 3_000, 7_000));
    assertThat(second).isEqualTo(new Settlement(true, 3_000, 7_000));
    assertThat(charges(a, "r1")).hasSize(1);
    LedgerEntry e = charges(a, "r1").get(0);
    assertThat(e.amount()).isEqualTo(-3_000);
    assertThat(e.cost()).isEqualTo(3_000);
    assertThat(e.model()).isEqualTo("gpt-x");
    assertThat(e.promptTokens()).isEqualTo(100);
    assertThat(e.cachedTokens()).isEqualTo(20);
    assertThat(e.completionTokens()).isEqualTo(50);
    assertThat(e.upstreamKeyId()).isEqualTo("key-1");
    assertThat(e.node()).isEqualTo("node-a");
    assertThat(e.latencyMs()).isEqualTo(42);
    assertThat(e.status()).isEqualTo(200);
    assertThat(e.accountId()).isEqualTo(a);
    assertThat(e.at()).isPositive();
    WalletView v = await(wallets.view(a));
    assertThat(v.held()).isZero();
    assertThat(v.monthRequests()).isEqualTo(1);
    assertThat(v.monthPromptTokens()).isEqualTo(100);
    assertThat(v.monthCachedTokens()).isEqualTo(20);
    assertThat(v.monthCompletionTokens()).isEqualTo(50);
    fx.assertLedgerExplainsBalance(a);
  }

  @Test
  void aChargeBeyondTheBalanceTakesTheBalanceAndRecordsTheRest() {
    String a = WalletFixture.newAccount();
    await(wallets.mint(a, 1_000, 30, "t"));
    assertThat(await(wallets.reserve(a, "r1", 800, 100, 0, 0, 0, 60_000)).ok()).isTrue();

    Settlement s = await(wallets.settle(a, "r1", 2_500, entry("m")));

    assertThat(s).isEqualTo(new Settlement(false, 1_000, 0));
    LedgerEntry e = charges(a, "r1").get(0);
    assertThat(e.amount()).isEqualTo(-1_000);
    assertThat(e.uncovered()).isEqualTo(1_500);
    fx.assertLedgerExplainsBalance(a);
  }

  @Test
  void sixtyOfAHundredConcurrentReservesPassAnRpmLimitOfSixty() {
    String a = WalletFixture.newAccount();
    await(wallets.mint(a, 1_000 * DOLLAR, 30, "t"));
    List<Future<Reservation>> calls = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      calls.add(wallets.reserve(a, "r" + i, 1_000, 100, 60, 0, 0, 60_000));
    }
    List<Reservation> rs = calls.stream().map(WalletFixture::await).toList();

    assertThat(rs.stream().filter(Reservation::ok).count()).isEqualTo(60);
    List<Reservation> refused = rs.stream().filter(r -> !r.ok()).toList();
    assertThat(refused).hasSize(40).allSatisfy(r -> {
      assertThat(r.refusal()).isEqualTo("rate_limit_exceeded");
      assertThat(r.retryAfterMs()).isBetween(1L, 60_000L);
    });
    WalletView v = await(wallets.view(a));
    assertThat(v.rpmUsed()).isEqualTo(60);
    assertThat(v.held()).isEqualTo(60 * 1_000);
  }

  @Test
  void theMonthlyHardLimitRefusesWhatWouldPassIt() {
    String a = WalletFixture.newAccount();
    await(wallets.mint(a, 1_000_000, 30, "t"));
    assertThat(await(wallets.reserve(a, "r1", 500, 0, 0, 1_000, 0, 60_000)).ok()).isTrue();
    await(wallets.settle(a, "r1", 800, entry("m")));

    Reservation over = await(wallets.reserve(a, "r2", 300, 0, 0, 1_000, 0, 60_000));
    Reservation fits = await(wallets.reserve(a, "r3", 200, 0, 0, 1_000, 0, 60_000));

    assertThat(over.ok()).isFalse();
    assertThat(over.refusal()).isEqualTo("monthly_limit_reached");
    assertThat(fits.ok()).isTrue();
    assertThat(await(wallets.view(a)).held()).isEqualTo(200);
  }

  @Test
  void insufficientQuotaHonoursTheMinimumBalanceAndChangesNothing() {
    String a = WalletFixture.newAccount();
    await(wallets.mint(a, 1_000, 30, "t"));

    Reservation tooBig = await(wallets.reserve(a, "r1", 1_001, 0, 100, 0, 0, 60_000));
    Reservation belowMin = await(wallets.reserve(a, "r2", 600, 0, 100, 0, 500, 60_000));
    Reservation fine = await(wallets.reserve(a, "r3", 500, 0, 100, 0, 500, 60_000));

    assertThat(tooBig).usingRecursiveComparison().ignoringFields("placed", "headroom").isEqualTo(new Reservation(false, "insufficient_quota", 1_000, 0));
    assertThat(belowMin).usingRecursiveComparison().ignoringFields("placed", "headroom").isEqualTo(new Reservation(false, "insufficient_quota", 1_000, 0));
    assertThat(fine).usingRecursiveComparison().ignoringFields("placed", "headroom").isEqualTo(new Reservation(true, null, 500, 0));
    assertThat(await(wallets.view(a)).rpmUsed()).as("refused attempts are not counted").isEqualTo(1);
  }

  @Test
  void releaseGivesTheHoldBackWithoutChargeOrLedgerEntry() {
    String a = WalletFixture.newAccount();
    await(wallets.mint(a, 1_000, 30, "t"));
    await(wallets.reserve(a, "r1", 700, 100, 10, 0, 0, 60_000));

    await(wallets.release(a, "r1"));

    WalletView v = await(wallets.view(a));
    assertThat(v.held()).isZero();
    assertThat(v.balance()).isEqualTo(1_000);
    assertThat(v.rpmUsed()).isZero();
    assertThat(fx.ledgerOldestFirst(a)).extracting(LedgerEntry::kind).containsExactly("minted");
  }

  @Test
  void anAbandonedHoldIsChargedItsFloorAndALateSettleOnlyTheRest() {
    String a = WalletFixture.newAccount();
    await(wallets.mint(a, 10_000, 30, "t"));
    assertThat(await(wallets.reserve(a, "dead", 1_000, 300, 0, 0, 0, 1)).ok()).isTrue();
    fx.untilRedisPasses(fx.redisNow() + 1); // the 1 ms hold is now past its expiry

    assertThat(await(wallets.reserve(a, "next", 100, 10, 0, 0, 0, 60_000)).ok()).isTrue();

    List<LedgerEntry> abandoned = charges(a, "dead");
    assertThat(abandoned).hasSize(1);
    assertThat(abandoned.get(0).amount()).isEqualTo(-300);
    assertThat(abandoned.get(0).status()).isZero();
    assertThat(abandoned.get(0).note()).isEqualTo("abandoned");
    WalletView v = await(wallets.view(a));
    assertThat(v.balance()).isEqualTo(9_700);
    assertThat(v.held()).isEqualTo(100);

    Settlement late = await(wallets.settle(a, "dead", 800, entry("m")));

    assertThat(late).isEqualTo(new Settlement(false, 500, 9_200));
    assertThat(charges(a, "dead")).extracting(LedgerEntry::amount).containsExactly(-300L, -500L);
    assertThat(await(wallets.settle(a, "dead", 800, entry("m"))).duplicate()).isTrue();
    WalletView after = await(wallets.view(a));
    assertThat(after.monthRequests()).as("an abandoned request counts once").isEqualTo(1);
    assertThat(after.monthCost()).isEqualTo(800);
    fx.assertLedgerExplainsBalance(a);
  }

  @Test
  void aDisabledAccountIsRefused() {
    String a = WalletFixture.newAccount();
    await(wallets.mint(a, 1_000, 30, "t"));
    await(wallets.setDisabled(a, true));
    assertThat(await(wallets.reserve(a, "r1", 1, 0, 0, 0, 0, 60_000)).refusal())
        .isEqualTo("account_disabled");
    await(wallets.setDisabled(a, false));
    assertThat(await(wallets.reserve(a, "r2", 1, 0, 0, 0, 0, 60_000)).ok()).isTrue();
  }

  @Test
  void dailyAndMonthlyCostsAddUpPerModel() throws Exception {
    // the three settles fall on one UTC day (and month), the one asked about
    LimitWindows.awaitRoomIn(LimitWindows.DAY, 5_000);
    String a = WalletFixture.newAccount();
    await(wallets.mint(a, 10_000, 30, "t"));
    await(wallets.settle(a, "r1", 123, entry("gpt-x")));
    await(wallets.settle(a, "r2", 77, entry("gpt-y")));
    await(wallets.settle(a, "r3", 100, entry("gpt-x")));
    var today = fx.redisToday();

    Map<String, Long> days = await(wallets.dailyCosts(a, today.minusDays(2), today));

    assertThat(days).containsOnly(Map.entry(today + "|gpt-x", 223L),
        Map.entry(today + "|gpt-y", 77L));
    assertThat(await(wallets.monthCost(a, YearMonth.from(today)))).isEqualTo(300);
    assertThat(await(wallets.monthCost(a, YearMonth.from(today).minusMonths(1)))).isZero();
  }
}
