package io.yugong.billing;

import static io.yugong.billing.WalletFixture.DOLLAR;
import static io.yugong.billing.WalletFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FundTest extends WalletTest {

  private static long balance(String a) {
    return await(wallets.view(a)).balance();
  }

  /** delete.lua works on accounts that have a record (the account store writes it): a bare one. */
  private void record(String id) {
    fx.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.HSET)
        .arg("yg:{a:" + id + "}:account").arg("status").arg("active"));
  }

  @Test
  void fundingAChildAtRateTwoCostsAParentAtRateOneHalfAndComesBackExactly() {
    String parent = WalletFixture.newAccount();
    String child = WalletFixture.newAccount();
    await(wallets.mint(parent, 1_000 * DOLLAR, 365, "root"));

    Transfer in = await(wallets.fund(parent, child, 100 * DOLLAR, "1", "2", 30));

    assertThat(in).isEqualTo(new Transfer(50 * DOLLAR, 100 * DOLLAR));
    assertThat(balance(parent)).isEqualTo(950 * DOLLAR);
    assertThat(balance(child)).isEqualTo(100 * DOLLAR);
    WalletView.Grant g = await(wallets.view(child)).grants().get(0);
    assertThat(g.source()).isEqualTo("fund:" + parent);
    assertThat(g.expiresAt() - g.grantedAt()).isEqualTo(30 * 86_400_000L);

    Transfer back = await(wallets.fund(parent, child, -40 * DOLLAR, "1", "2", 30));

    assertThat(back).isEqualTo(new Transfer(-20 * DOLLAR, -40 * DOLLAR));
    assertThat(balance(child)).isEqualTo(60 * DOLLAR);
    assertThat(balance(parent)).isEqualTo(970 * DOLLAR);

    record(child);
    long refunded = await(wallets.delete(child, parent, Rate.ONE, Rate.of(2)));

    assertThat(refunded).isEqualTo(30 * DOLLAR);
    assertThat(balance(child)).isZero();
    assertThat(await(wallets.view(child)).grants()).isEmpty();
    assertThat(balance(parent)).isEqualTo(1_000 * DOLLAR);
    assertThat(await(wallets.reserve(child, "r", 1, 0, 0, 0, 0, 1_000)).refusal())
        .isEqualTo("account_disabled");
    assertThat(fx.assertLedgerExplainsBalance(parent)).extracting(LedgerEntry::kind)
        .containsExactly("minted", "transfer_out", "transfer_in", "refund");
    assertThat(fx.assertLedgerExplainsBalance(child)).extracting(LedgerEntry::kind)
        .containsExactly("transfer_in", "transfer_out", "transfer_out");
  }

  @Test
  void conversionRoundsInTheParentsDisfavourBothWays() {
    String parent = WalletFixture.newAccount();
    String child = WalletFixture.newAccount();
    await(wallets.mint(parent, 1_000, 30, "root"));

    assertThat(await(wallets.fund(parent, child, 100, "1", "3", 30)))
        .isEqualTo(new Transfer(34, 100));
    assertThat(await(wallets.fund(parent, child, -100, "1", "3", 30)))
        .isEqualTo(new Transfer(-33, -100));
    assertThat(balance(parent)).isEqualTo(999);
    fx.assertLedgerExplainsBalance(parent);
    fx.assertLedgerExplainsBalance(child);
  }

  @Test
  void fundingBeyondTheParentsAvailableBalanceIsRefusedWithNoChange() {
    String parent = WalletFixture.newAccount();
    String child = WalletFixture.newAccount();
    await(wallets.mint(parent, 10 * DOLLAR, 30, "root"));
    await(wallets.reserve(parent, "inflight", 3 * DOLLAR, 0, 0, 0, 0, 60_000));
    List<LedgerEntry> before = fx.ledgerOldestFirst(parent);

    Throwable err = WalletFixture.failure(wallets.fund(parent, child, 8 * DOLLAR, "1", "1", 30));

    assertThat(err).isInstanceOf(InsufficientBalanceException.class);
    assertThat(((InsufficientBalanceException) err).available()).isEqualTo(7 * DOLLAR);
    assertThat(balance(parent)).isEqualTo(10 * DOLLAR);
    assertThat(fx.ledgerOldestFirst(parent)).isEqualTo(before);
    assertThat(balance(child)).isZero();
    assertThat(fx.ledgerOldestFirst(child)).isEmpty();
  }

  @Test
  void takingBackMoreThanTheChildHasIsRefused() {
    String parent = WalletFixture.newAccount();
    String child = WalletFixture.newAccount();
    await(wallets.mint(parent, 10 * DOLLAR, 30, "root"));
    await(wallets.fund(parent, child, 5 * DOLLAR, "1", "1", 30));

    Throwable err = WalletFixture.failure(wallets.fund(parent, child, -6 * DOLLAR, "1", "1", 30));

    assertThat(err).isInstanceOf(InsufficientBalanceException.class);
    assertThat(balance(child)).isEqualTo(5 * DOLLAR);
    assertThat(balance(parent)).isEqualTo(5 * DOLLAR);
  }

  @Test
  void aDeletedAccountsHeldMoneyGoesToTheParentWhenItsRequestSettles() {
    String parent = WalletFixture.newAccount();
    String child = WalletFixture.newAccount();
    record(child);
    await(wallets.mint(parent, 10 * DOLLAR, 30, "root"));
    await(wallets.fund(parent, child, 5 * DOLLAR, "1", "1", 30));
    await(wallets.reserve(child, "inflight", DOLLAR, 0, 0, 0, 0, 60_000));

    assertThat(await(wallets.delete(child, parent, Rate.ONE, Rate.ONE))).isEqualTo(4 * DOLLAR);
    assertThat(await(wallets.view(child)).available()).isZero();
    assertThat(balance(parent)).isEqualTo(9 * DOLLAR);
    Settlement s = await(wallets.settle(child, "inflight", DOLLAR / 2, null));

    assertThat(s.charged()).isEqualTo(DOLLAR / 2);
    assertThat(balance(child)).isZero();
    assertThat(balance(parent)).isEqualTo(9 * DOLLAR + DOLLAR / 2);
    fx.assertLedgerExplainsBalance(parent);
    fx.assertLedgerExplainsBalance(child);
  }

  @Test
  void aDeletedAccountCannotBeFundedAndIsNotDeletedTwice() {
    String parent = WalletFixture.newAccount();
    String child = WalletFixture.newAccount();
    record(child);
    await(wallets.mint(parent, 10 * DOLLAR, 30, "root"));
    await(wallets.fund(parent, child, 5 * DOLLAR, "1", "1", 30));
    await(wallets.delete(child, parent, Rate.ONE, Rate.ONE));

    assertThat(WalletFixture.failure(wallets.fund(parent, child, DOLLAR, "1", "1", 30)))
        .isInstanceOf(AccountGoneException.class);
    assertThat(WalletFixture.failure(wallets.delete(child, parent, Rate.ONE, Rate.ONE)))
        .isInstanceOf(AccountGoneException.class);
    assertThat(balance(parent)).isEqualTo(10 * DOLLAR);
    assertThat(balance(child)).isZero();
  }

  @Test
  void changingRatesRescalesGrantsAndHoldsSoTheirValueStaysTheSame() {
    String parent = WalletFixture.newAccount();
    String child = WalletFixture.newAccount();
    await(wallets.mint(parent, 10 * DOLLAR, 30, "root"));
    await(wallets.setRate(child, Rate.of(2)));
    await(wallets.fund(parent, child, 20 * DOLLAR, "1", "2", 30)); // costs the parent 10
    await(wallets.reserve(child, "inflight", 2 * DOLLAR, 0, 0, 0, 0, 60_000, List.of(), Rate.of(2)));

    await(wallets.rescale(child, Rate.of(2), Rate.ONE));

    WalletView v = await(wallets.view(child));
    assertThat(v.balance()).isEqualTo(10 * DOLLAR);
    assertThat(v.held()).isEqualTo(DOLLAR);
    // a charge priced at the old Rates is converted into the wallet's new units
    assertThat(await(wallets.settle(child, "inflight", 2 * DOLLAR, null, List.of(), Rate.of(2))).charged())
        .isEqualTo(DOLLAR);
    // taking everything back at the new Rates returns exactly what is left of what the parent paid
    await(wallets.fund(parent, child, -9 * DOLLAR, "1", "1", 30));
    assertThat(balance(parent)).isEqualTo(9 * DOLLAR);
    assertThat(WalletFixture.failure(wallets.rescale(child, Rate.of(2), Rate.of(3))))
        .isInstanceOf(RatesChangedException.class);
    fx.assertLedgerExplainsBalance(child);
  }
}
