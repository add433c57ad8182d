package io.yugong.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The billing time zone (YUGONG_BILLING_TIMEZONE) as the wallet scripts see it: lib.lua's
 * {@code ymd} gives, for an instant of Redis's clock, the date java.time gives in that zone,
 * daylight-saving changes included.
 */
class BillingZoneTest {

  private static String lib(BillingZone zone) throws Exception {
    try (InputStream in = Scripts.class.getResourceAsStream("lib.lua")) {
      return Retention.DEFAULTS.fill(zone.fill(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
    }
  }

  /** lib.lua's civil date of each instant, as YYYY-MM-DD. */
  private static List<String> luaDates(BillingZone zone, List<Long> instantsMs) throws Exception {
    String script = lib(zone) + "\nlocal out = {}\nfor i, v in ipairs(ARGV) do\n"
        + "  local y, m, d = ymd(tonumber(v))\n"
        + "  out[i] = string.format('%04d-%02d-%02d', y, m, d)\nend\nreturn out\n";
    try (WalletFixture f = new WalletFixture(false)) {
      Request r = Request.cmd(Command.EVAL).arg(script).arg(0);
      for (long ms : instantsMs) {
        r.arg(Long.toString(ms));
      }
      Response out = WalletFixture.await(f.redis.send(r));
      List<String> dates = new ArrayList<>();
      for (Response d : out) {
        dates.add(d.toString());
      }
      return dates;
    }
  }

  private static void assertLuaAgreesWithJava(BillingZone zone, List<Long> instants) throws Exception {
    List<String> expected = new ArrayList<>();
    for (long ms : instants) {
      expected.add(zone.dateOf(ms).toString());
    }
    assertThat(luaDates(zone, instants)).as(zone.toString()).containsExactlyElementsOf(expected);
  }

  private static List<Long> aroundEveryMidnight(ZoneId zone, LocalDate from, int days) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < days; i++) {
      long midnight = from.plusDays(i).atStartOfDay(zone).toInstant().toEpochMilli();
      out.add(midnight - 1);
      out.add(midnight);
      out.add(midnight + 43_200_000L);
    }
    return out;
  }

  @Test
  void utcIsTheDefaultAndHasOneOffsetOfZero() {
    assertThat(BillingZone.of((String) null).zone()).isEqualTo(ZoneId.of("Z"));
    assertThat(BillingZone.of(" ").luaOffsets(Instant.now())).isEqualTo("0, 0");
    assertThat(BillingZone.of("UTC").luaOffsets(Instant.now())).isEqualTo("0, 0");
  }

  @Test
  void shanghaiDaysStartAtSixteenHundredUtc() throws Exception {
    BillingZone sh = BillingZone.of("Asia/Shanghai");
    assertThat(sh.luaOffsets(Instant.now())).isEqualTo("0, 28800000");
    long utcEvening = Instant.parse("2026-11-30T16:30:00Z").toEpochMilli();
    assertThat(luaDates(sh, List.of(utcEvening, utcEvening - 3_600_000L)))
        .containsExactly("2026-12-01", "2026-11-30");
    assertLuaAgreesWithJava(sh, aroundEveryMidnight(sh.zone(), sh.today().minusDays(3), 40));
  }

  @Test
  void daylightSavingChangesMoveTheDayBoundaryAtTheirInstant() throws Exception {
    BillingZone ny = BillingZone.of("America/New_York");
    ZoneOffsetTransition next = ny.zone().getRules().nextTransition(Instant.now());
    long at = next.getInstant().toEpochMilli();
    List<Long> instants = new ArrayList<>(List.of(at - 1, at, at + 1));
    instants.addAll(aroundEveryMidnight(ny.zone(), LocalDate.ofInstant(next.getInstant(), ny.zone())
        .minusDays(3), 7));
    // the one after, and the midnights of a whole year (both changes)
    ZoneOffsetTransition after = ny.zone().getRules().nextTransition(next.getInstant());
    instants.add(after.getInstant().toEpochMilli() - 1);
    instants.add(after.getInstant().toEpochMilli());
    instants.addAll(aroundEveryMidnight(ny.zone(), ny.today(), 366));
    assertLuaAgreesWithJava(ny, instants);
    // a fixed negative offset
    BillingZone hawaii = BillingZone.of("-10:00");
    assertLuaAgreesWithJava(hawaii, aroundEveryMidnight(hawaii.zone(), hawaii.today(), 3));
  }

  @Test
  void aNameThatIsNoZoneIsRefusedNamingIt() {
    assertThatThrownBy(() -> BillingZone.of("Mars/Olympus")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Mars/Olympus");
  }
}
