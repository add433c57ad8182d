package io.yugong.billing;

import static io.yugong.billing.WalletFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.Test;

class ScriptsFallbackTest {

  @Test
  void callsStillWorkAfterScriptFlushAndPutTheScriptBack() {
    try (WalletFixture fx = new WalletFixture()) {
      String a = WalletFixture.newAccount();
      await(fx.wallets.mint(a, 100, 30, "before"));
      fx.send(Request.cmd(Command.SCRIPT).arg("FLUSH"));
      String sha = fx.wallets.scriptSha(Scripts.MINT);
      assertThat(fx.send(Request.cmd(Command.SCRIPT).arg("EXISTS").arg(sha)).get(0).toInteger())
          .isZero();

      assertThat(await(fx.wallets.mint(a, 50, 30, "after"))).isEqualTo(150);

      assertThat(fx.send(Request.cmd(Command.SCRIPT).arg("EXISTS").arg(sha)).get(0).toInteger())
          .isEqualTo(1);
      assertThat(await(fx.wallets.reserve(a, "r1", 10, 0, 0, 0, 0, 60_000)).ok()).isTrue();
    }
  }

  @Test
  void anUnstartedWalletsWorksThroughEval() {
    try (WalletFixture fx = new WalletFixture(false)) {
      fx.send(Request.cmd(Command.SCRIPT).arg("FLUSH"));
      String a = WalletFixture.newAccount();
      assertThat(await(fx.wallets.mint(a, 100, 30, "x"))).isEqualTo(100);
    }
  }
}
