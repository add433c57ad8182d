package io.yugong.billing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** A test class with one {@link WalletFixture} (real Redis, started scripts) for all its tests. */
abstract class WalletTest {

  static WalletFixture fx;
  static Wallets wallets;

  @BeforeAll
  static void up() {
    fx = new WalletFixture();
    wallets = fx.wallets;
  }

  @AfterAll
  static void down() {
    fx.close();
  }
}
