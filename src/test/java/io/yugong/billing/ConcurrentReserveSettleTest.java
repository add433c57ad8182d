package io.yugong.billing;

import static io.yugong.billing.WalletFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConcurrentReserveSettleTest {

  private static final long HOLD = 1_000_000;
  private static final long FLOOR = 100_000;
  private static final int CALLS = 200;

  private record Outcome(String requestId, Reservation reservation, Settlement settlement) {}

  @Test
  void twoNodesRacingOnOneAccountNeverOverspendAndLedgerMatchesToTheNano() throws Exception {
    try (WalletFixture node1 = new WalletFixture()) {
      Vertx vertx2 = Vertx.vertx();
      Redis redis2 = WalletFixture.client(vertx2);
      try {
        Wallets wallets2 = new Wallets(redis2);
        await(wallets2.start());
        String account = WalletFixture.newAccount();
        long initial = 40 * HOLD;
        await(node1.wallets.mint(account, initial, 30, "race"));

        Context ctx1 = node1.vertx.getOrCreateContext();
        Context ctx2 = vertx2.getOrCreateContext();
        Random random = new Random(42);
        List<CompletableFuture<Outcome>> all = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
          String req = "req-" + i;
          long charge = (long) (random.nextDouble() * 1.5 * HOLD); // some exceed their hold
          boolean first = i % 2 == 0;
          Wallets w = first ? node1.wallets : wallets2;
          Promise<Outcome> p = Promise.promise();
          (first ? ctx1 : ctx2).runOnContext(v -> w
              .reserve(account, req, HOLD, FLOOR, 0, 0, 0, 60_000)
              .compose(r -> !r.ok() ? Future.succeededFuture(new Outcome(req, r, null))
                  : w.settle(account, req, charge,
                          LedgerEntry.charge("m", 10, 0, 5, "k1", first ? "n1" : "n2", 3, 200))
                      .map(s -> new Outcome(req, r, s)))
              .onComplete(p));
          all.add(p.future().toCompletionStage().toCompletableFuture());
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        List<Outcome> outcomes = all.stream().map(CompletableFuture::join).toList();
        List<Outcome> served = outcomes.stream().filter(o -> o.reservation().ok()).toList();
        List<Outcome> refused = outcomes.stream().filter(o -> !o.reservation().ok()).toList();
        assertThat(served).isNotEmpty();
        assertThat(refused).isNotEmpty();
        assertThat(refused).allSatisfy(
            o -> assertThat(o.reservation().refusal()).isEqualTo("insufficient_quota"));

        WalletView after = await(node1.wallets.view(account));
        assertThat(after.balance()).isNotNegative();
        assertThat(after.held()).isZero();

        List<LedgerEntry> ledger = node1.assertLedgerExplainsBalance(account);
        Map<String, Integer> chargesPerRequest = new HashMap<>();
        long charged = 0;
        for (LedgerEntry e : ledger) {
          if (e.kind().equals("charge")) {
            chargesPerRequest.merge(e.requestId(), 1, Integer::sum);
            charged -= e.amount();
          }
        }
        assertThat(charged).isEqualTo(initial - after.balance());
        assertThat(charged).isEqualTo(served.stream().mapToLong(o -> o.settlement().charged()).sum());
        for (Outcome o : served) {
          assertThat(chargesPerRequest.get(o.requestId())).as(o.requestId()).isEqualTo(1);
        }
        for (Outcome o : refused) {
          assertThat(chargesPerRequest).doesNotContainKey(o.requestId());
        }
        assertThat(chargesPerRequest).hasSize(served.size());
      } finally {
        await(redis2.close());
        await(vertx2.close());
      }
    }
  }
}
