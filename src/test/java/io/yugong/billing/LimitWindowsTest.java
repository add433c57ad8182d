package io.yugong.billing;

import static io.yugong.billing.WalletFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.yugong.testing.LimitWindows;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fixed-window limits of reserve.lua: what a request is counted with, what it gives back when
 * it is never served, what settling changes, and how an ancestor's stored limits count its
 * descendants.
 */
class LimitWindowsTest extends WalletTest {

  private static final long TTL = 60_000;
  /** Each test's few Redis calls fit in this long; a window that ends meanwhile would start counting afresh. */
  private static final long ROOM_MS = 5_000;

  private static void roomIn(long window) throws InterruptedException {
    LimitWindows.awaitRoomIn(window, ROOM_MS);
  }

  private static Reservation reserve(String account, String req, Limits limits, String model, long tokens,
      List<String> ancestors) {
    return await(wallets.reserve(account, req, 1_000, 100, limits, model, tokens, ModelLimits.NONE, 0, 0,
        TTL, ancestors, null));
  }

  private static Reservation reserve(String account, String req, Limits limits, long tokens) {
    return reserve(account, req, limits, "gpt-x", tokens, List.of());
  }

  private static String funded() {
    String a = WalletFixture.newAccount();
    await(wallets.mint(a, 1_000_000, 30, "t"));
    return a;
  }

  private static Limits tpm(long n) {
    return new Limits(0, 0, 0, n, 0, 0, ModelLimits.NONE);
  }

  @Test
  void aRequestThatIsNeverServedGivesBackItsRequestAndTokenCounts() throws Exception {
    roomIn(LimitWindows.HOUR);
    String a = funded();
    Limits limits = new Limits(0, 1, 0, 100, 0, 0, ModelLimits.NONE);
    assertThat(reserve(a, "r1", limits, 80).ok()).isTrue();
    Reservation full = reserve(a, "r2", limits, 10);
    assertThat(full.ok()).isFalse();
    assertThat(full.limit()).isEqualTo("RPH");
    assertThat(full.retryAfterMs()).isBetween(1L, 3_600_000L);

    await(wallets.release(a, "r1"));

    assertThat(reserve(a, "r2", limits, 100).ok()).isTrue();
  }

  @Test
  void settlingReplacesTheEstimateByTheTokensUsed() throws Exception {
    roomIn(LimitWindows.MINUTE);
    String a = funded();
    assertThat(reserve(a, "r1", tpm(100), 90).ok()).isTrue();
    Reservation full = reserve(a, "r2", tpm(100), 20);
    assertThat(full.limit()).isEqualTo("TPM");

    await(wallets.settle(a, "r1", 500, LedgerEntry.charge("gpt-x", 6, 0, 4, "k", "n", 1, 200)));

    assertThat(reserve(a, "r2", tpm(100), 90).ok()).as("10 used, 90 admitted").isTrue();
    assertThat(reserve(a, "r3", tpm(100), 1).limit()).isEqualTo("TPM");
  }

  @Test
  void aRetriedReservationIsCountedOnce() throws Exception {
    roomIn(LimitWindows.DAY);
    String a = funded();
    Limits limits = new Limits(0, 0, 2, 0, 0, 0, ModelLimits.NONE);
    assertThat(reserve(a, "r1", limits, 1).ok()).isTrue();
    assertThat(reserve(a, "r1", limits, 1).ok()).isTrue();
    assertThat(reserve(a, "r2", limits, 1).ok()).isTrue();
    assertThat(reserve(a, "r3", limits, 1).limit()).isEqualTo("RPD");
  }

  @Test
  void aModelLimitCountsOnlyItsModel() throws Exception {
    roomIn(LimitWindows.MINUTE);
    String a = funded();
    Limits limits = new Limits(0, 0, 0, 0, 0, 0, ModelLimits.fromJson(new io.vertx.core.json.JsonObject()
        .put("gpt-x", new io.vertx.core.json.JsonObject().put("rpm", 1))));
    assertThat(reserve(a, "r1", limits, "gpt-x", 1, List.of()).ok()).isTrue();
    assertThat(reserve(a, "r2", limits, "gpt-x", 1, List.of()).limit()).isEqualTo("model_RPM");
    assertThat(reserve(a, "r3", limits, "gpt-y", 1, List.of()).ok()).isTrue();
  }

  @Test
  void anAncestorsStoredLimitsCountItsWholeSubtree() throws Exception {
    roomIn(LimitWindows.MINUTE);
    String parent = WalletFixture.newAccount();
    await(fx.redis.send(Request.cmd(Command.HSET).arg("yg:{a:" + parent + "}:account").arg("status")
        .arg("active").arg("tpm").arg("50").arg("modelLimits").arg("{\"gpt-x\":{\"rpm\":2}}")));
    String c1 = funded();
    String c2 = funded();
    assertThat(reserve(c1, "r1", Limits.NONE, "gpt-x", 40, List.of(parent)).ok()).isTrue();
    Reservation tokens = reserve(c2, "r2", Limits.NONE, "gpt-x", 20, List.of(parent));
    assertThat(tokens.limit()).as("the sibling shares the parent's TPM").isEqualTo("TPM");
    assertThat(reserve(c2, "r3", Limits.NONE, "gpt-x", 5, List.of(parent)).ok()).isTrue();
    assertThat(reserve(c2, "r4", Limits.NONE, "gpt-x", 0, List.of(parent)).limit())
        .as("the parent's per-model RPM").isEqualTo("model_RPM");
  }

  @Test
  void aGlobalModelLimitBindsAnAccountWithoutOne() throws Exception {
    roomIn(LimitWindows.MINUTE);
    String a = funded();
    ModelLimits global = ModelLimits.fromJson(new io.vertx.core.json.JsonObject()
        .put("gpt-x", new io.vertx.core.json.JsonObject().put("tpm", 10)));
    assertThat(await(wallets.reserve(a, "r1", 1_000, 100, Limits.NONE, "gpt-x", 8, global, 0, 0, TTL,
        List.of(), null)).ok()).isTrue();
    assertThat(await(wallets.reserve(a, "r2", 1_000, 100, Limits.NONE, "gpt-x", 8, global, 0, 0, TTL,
        List.of(), null)).limit()).isEqualTo("model_TPM");
  }
}
