package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.StoreReader;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An operator in China sets YUGONG_BILLING_TIMEZONE=Asia/Shanghai (issue 9, point 5): a charge
 * counts on the Shanghai date and month, whichever node served it and whichever way it was
 * settled (a credit slice's write-behind flush, or a per-request hold), and the balance tools
 * ask for Shanghai dates. Dates are taken from the clock before and after each request, so the
 * test holds across a midnight.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BillingTimeZoneTest {

  private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
  private TestCluster c;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of("YUGONG_BILLING_TIMEZONE", "Asia/Shanghai"));
    c.addKey(0, "sk-billing-zone-1234567890", null);
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private record Served(String accountId, String key, Set<LocalDate> shanghaiDays, LocalDate utcDay) {}

  /** One chat completion on node 1 for a new account; the Shanghai dates it may have landed on. */
  private Served serve(JsonObject account) throws Exception {
    JsonObject user = c.createAccount(0, account.put("CreditGranted", "5")).getJsonObject("User");
    String key = user.getString("SecretKey");
    LocalDate before = LocalDate.now(SHANGHAI);
    LocalDate utc = LocalDate.now(ZoneOffset.UTC);
    HttpResponse<String> r = c.call(1, "POST", "/v1/chat/completions", key, new JsonObject()
        .put("model", "gpt-4o-mini").put("max_tokens", 5).put("messages", new JsonArray()
            .add(new JsonObject().put("role", "user").put("content", "hello"))).encode());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    c.settled();
    LocalDate after = LocalDate.now(SHANGHAI);
    return new Served(user.getString("ID"), key, days(before, after), utc);
  }

  private static Set<LocalDate> days(LocalDate before, LocalDate after) {
    return new java.util.TreeSet<>(java.util.List.of(before, after));
  }

  private static String dayKey(String id, LocalDate d) {
    return "yg:{a:" + id + "}:day:" + d.toString().replace("-", "");
  }

  /** The one Shanghai day the account's usage is recorded on. */
  private LocalDate recordedDay(Served s) throws Exception {
    try (StoreReader store = new StoreReader(c)) {
      LocalDate found = null;
      for (LocalDate d : s.shanghaiDays()) {
        if (store.send("EXISTS", dayKey(s.accountId(), d)).toInteger() == 1) {
          assertThat(found).as("one day only").isNull();
          found = d;
        }
      }
      assertThat(found).as("usage on the Shanghai date " + s.shanghaiDays()).isNotNull();
      if (!s.shanghaiDays().contains(s.utcDay())) {
        assertThat(store.send("EXISTS", dayKey(s.accountId(), s.utcDay())).toInteger())
            .as("nothing on the UTC date " + s.utcDay()).isZero();
      }
      YearMonth month = YearMonth.from(found);
      assertThat(store.send("HGET", "yg:{a:" + s.accountId() + "}:month:"
          + String.format("%04d%02d", month.getYear(), month.getMonthValue()), "cost").toLong())
          .as("the Shanghai month's spend").isPositive();
      return found;
    }
  }

  private JsonObject get(String key, String path) throws Exception {
    HttpResponse<String> r = c.call(0, "GET", path, key, null);
    assertThat(r.statusCode()).as(path + " -> " + r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  private void assertBalanceToolsShowItOn(Served s, LocalDate day) throws Exception {
    for (String prefix : new String[] {"/v1/dashboard/billing", "/dashboard/billing"}) {
      JsonObject u = get(s.key(), prefix + "/usage?start_date=" + day + "&end_date=" + day);
      assertThat(u.getDouble("total_usage")).as(u.encode()).isPositive();
      JsonArray daily = u.getJsonArray("daily_costs");
      assertThat(daily).hasSize(1);
      assertThat(daily.getJsonObject(0).getLong("timestamp")).as("the Shanghai day's first second")
          .isEqualTo(day.atStartOfDay(SHANGHAI).toEpochSecond());
      JsonObject other = get(s.key(), prefix + "/usage?start_date=" + day.minusDays(1) + "&end_date="
          + day.minusDays(1));
      assertThat(other.getDouble("total_usage")).as("the day before").isZero();
    }
    JsonObject info = get(s.key(), "/dashboard/x_user/info");
    assertThat(info.getJsonObject("Usage").getDouble("Month")).as("this Shanghai month").isPositive();
  }

  @Test
  void aChargeSettledFromACreditSliceCountsOnTheShanghaiDate() throws Exception {
    Served s = serve(new JsonObject().put("Name", "tz-slice"));
    LocalDate day = recordedDay(s);
    assertBalanceToolsShowItOn(s, day);
  }

  @Test
  void aChargeSettledPerRequestCountsOnTheShanghaiDateAndMonth() throws Exception {
    // a rate limit puts the account on per-request holds (reserve.lua, settle.lua)
    Served s = serve(new JsonObject().put("Name", "tz-hold").put("RPM", 100).put("HardLimit", 4));
    LocalDate day = recordedDay(s);
    assertBalanceToolsShowItOn(s, day);
  }

  @Test
  void theBillOfASubtreeAsksForShanghaiDates() throws Exception {
    JsonObject boss = c.createAccount(0, new JsonObject().put("Name", "tz-boss").put("CreditGranted", "5"));
    String bossKey = boss.getJsonObject("User").getString("SecretKey");
    HttpResponse<String> child = c.call(0, "POST", "/x-users", bossKey,
        new JsonObject().put("Name", "tz-child").put("CreditGranted", 1).encode());
    assertThat(child.statusCode()).as(child.body()).isEqualTo(201);
    JsonObject user = new JsonObject(child.body()).getJsonObject("User");
    LocalDate before = LocalDate.now(SHANGHAI);
    HttpResponse<String> r = c.call(1, "POST", "/v1/chat/completions", user.getString("SecretKey"),
        new JsonObject().put("model", "gpt-4o-mini").put("max_tokens", 5).put("messages", new JsonArray()
            .add(new JsonObject().put("role", "user").put("content", "hello"))).encode());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    c.settled();
    LocalDate day = recordedDay(new Served(user.getString("ID"), user.getString("SecretKey"),
        days(before, LocalDate.now(SHANGHAI)), LocalDate.now(ZoneOffset.UTC)));
    JsonObject bill = get(bossKey, "/x-bill?date=" + day);
    assertThat(bill.getJsonObject("total_usage").getLong("requests")).as(bill.encode()).isEqualTo(1);
    JsonObject d = bill.getJsonArray("data").getJsonObject(0);
    assertThat(d.getString("date")).isEqualTo(day.toString());
    assertThat(d.getLong("aggregation_timestamp")).isEqualTo(day.atStartOfDay(SHANGHAI).toEpochSecond());
  }
}
