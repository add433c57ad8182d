package io.yugong.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.yugong.testing.TestRedis;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** A Vert.x, a Redis client on the tests' real Redis, and a started {@link Wallets}. */
final class WalletFixture implements AutoCloseable {

  static final long DOLLAR = 1_000_000_000L;

  final Vertx vertx;
  final Redis redis;
  final Wallets wallets;

  WalletFixture() {
    this(true);
  }

  WalletFixture(boolean start) {
    vertx = Vertx.vertx();
    redis = client(vertx);
    wallets = new Wallets(redis);
    if (start) {
      await(wallets.start());
    }
  }

  static Redis client(Vertx vertx) {
    return Redis.createClient(vertx, new RedisOptions()
        .setConnectionString(TestRedis.get().url())
        .setMaxPoolSize(8)
        .setMaxPoolWaiting(10_000));
  }

  static String newAccount() {
    return "t-" + UUID.randomUUID();
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Like {@link #await} but returns the failure of a future expected to fail. */
  static Throwable failure(Future<?> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    throw new AssertionError("expected a failure");
  }

  Response send(Request r) {
    return await(redis.send(r));
  }

  /** Redis's clock, epoch milliseconds. */
  long redisNow() {
    Response t = send(Request.cmd(Command.TIME));
    return t.get(0).toLong() * 1000 + t.get(1).toLong() / 1000;
  }

  LocalDate redisToday() {
    return Instant.ofEpochMilli(redisNow()).atZone(ZoneOffset.UTC).toLocalDate();
  }

  /** Waits (polling Redis TIME, a few ms at most) until Redis's clock has passed {@code ms}. */
  void untilRedisPasses(long ms) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (redisNow() <= ms) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Redis clock stuck");
      }
      Thread.onSpinWait();
    }
  }

  List<LedgerEntry> ledgerOldestFirst(String account) {
    List<LedgerEntry> l = new ArrayList<>(await(wallets.ledger(account, 1_000_000)));
    Collections.reverse(l);
    return l;
  }

  /**
   * The ledger accounts for every nano-dollar: its running sum of signed amounts equals each
   * entry's balanceAfter, and the final balance. Returns the ledger, oldest first.
   */
  List<LedgerEntry> assertLedgerExplainsBalance(String account) {
    WalletView v = await(wallets.view(account));
    List<LedgerEntry> l = ledgerOldestFirst(account);
    long running = 0;
    for (LedgerEntry e : l) {
      running += e.amount();
      assertThat(e.balanceAfter()).as("balanceAfter of %s", e).isEqualTo(running);
      assertThat(e.balanceAfter()).as("balance never negative").isNotNegative();
    }
    assertThat(running).as("ledger sum vs balance").isEqualTo(v.balance());
    long grantSum = v.grants().stream().mapToLong(WalletView.Grant::balance).sum();
    assertThat(grantSum).as("grant balances add up to the balance").isEqualTo(v.balance());
    return l;
  }

  @Override
  public void close() {
    await(redis.close());
    await(vertx.close());
  }
}
