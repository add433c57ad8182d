package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What balance tools (new-api's channel check, NextChat, one-api) read: OpenAI's legacy
 * {@code credit_grants} and {@code billing/usage}, answered by Yugong, never by upstream (issue 9,
 * point 5).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BalanceToolsTest {

  private static final List<String> PREFIXES = List.of("/v1/dashboard/billing", "/dashboard/billing");
  private TestCluster c;
  private String key;
  /** The UTC days the spend may be recorded on: the day it began, and the day it ended. */
  private final Set<LocalDate> spentOn = new LinkedHashSet<>();

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(1, new MockOptions(), Map.of());
    c.addKey(0, "sk-balance-tools-1234567890", null);
    key = c.createAccount(0, new JsonObject().put("Name", "balance-tools").put("CreditGranted", "5"))
        .getJsonObject("User").getString("SecretKey");
    spentOn.add(LocalDate.now(ZoneOffset.UTC));
    HttpResponse<String> spent = c.call(0, "POST", "/v1/chat/completions", key, new JsonObject()
        .put("model", "gpt-4o-mini").put("max_tokens", 5).put("messages", new JsonArray()
            .add(new JsonObject().put("role", "user").put("content", "hello"))).encode());
    assertThat(spent.statusCode()).as(spent.body()).isEqualTo(200);
    c.settled();
    spentOn.add(LocalDate.now(ZoneOffset.UTC));
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private JsonObject get(String path) throws Exception {
    HttpResponse<String> r = c.call(0, "GET", path, key, null);
    assertThat(r.statusCode()).as(path + " -> " + r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  @Test
  void creditGrantsAnswerInOpenAisShapeFromTheAccountAndNeverGoUpstream() throws Exception {
    int forwarded = c.mock.control().requests().size();
    JsonObject info = get("/dashboard/x_user/info");
    BigDecimal available = new BigDecimal(String.valueOf(info.getValue("Available")));
    for (String prefix : PREFIXES) {
      JsonObject g = get(prefix + "/credit_grants");
      assertThat(g.getString("object")).isEqualTo("credit_summary");
      BigDecimal granted = new BigDecimal(String.valueOf(g.getValue("total_granted")));
      BigDecimal used = new BigDecimal(String.valueOf(g.getValue("total_used")));
      BigDecimal left = new BigDecimal(String.valueOf(g.getValue("total_available")));
      assertThat(granted).isEqualByComparingTo("5");
      assertThat(left).isEqualByComparingTo(available);
      assertThat(used).isPositive().isEqualByComparingTo(granted.subtract(left));
      JsonArray data = g.getJsonObject("grants").getJsonArray("data");
      assertThat(data).hasSize(1);
      JsonObject grant = data.getJsonObject(0);
      assertThat(grant.getString("object")).isEqualTo("credit_grant");
      assertThat(new BigDecimal(String.valueOf(grant.getValue("grant_amount")))).isEqualByComparingTo("5");
      assertThat(grant.getLong("expires_at")).isGreaterThan(grant.getLong("effective_at"));
    }
    assertThat(c.mock.control().requests()).as("nothing forwarded").hasSize(forwarded);
  }

  @Test
  void aRangeOfOneDayAskedAsStartEqualsEndIsThatDay() throws Exception {
    // the day of the spend, not of this test (midnight UTC may have passed since): one of spentOn
    for (String prefix : PREFIXES) {
      List<JsonObject> answers = new ArrayList<>();
      for (LocalDate day : spentOn) {
        JsonObject u = get(prefix + "/usage?start_date=" + day + "&end_date=" + day);
        assertThat(u.getJsonArray("daily_costs")).as(u.encode()).hasSize(1);
        answers.add(u);
      }
      assertThat(answers).as("the usage of the day spent on, one of " + spentOn)
          .anySatisfy(u -> assertThat(u.getDouble("total_usage")).as(u.encode()).isPositive());
    }
  }

  @Test
  void rangesOfUpToTwelveMonthsAreAnswered() throws Exception {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    JsonObject year = get("/dashboard/billing/usage?start_date=" + today.minusDays(365) + "&end_date="
        + today.plusDays(1));
    assertThat(year.getJsonArray("daily_costs")).hasSize(366);
    assertThat(year.getDouble("total_usage")).isPositive();
    HttpResponse<String> tooLong = c.call(0, "GET", "/dashboard/billing/usage?start_date="
        + today.minusDays(400) + "&end_date=" + today, key, null);
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(tooLong.body()).getJsonObject("error").getString("param")).isEqualTo("end_date");
  }
}
