package io.yugong.billing;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;

/**
 * The time zone whose calendar days and months the usage aggregates follow
 * (YUGONG_BILLING_TIMEZONE, default UTC): the {@code day:YYYYMMDD} and {@code month:YYYYMM}
 * counters the scripts write, the monthly HardLimit, and the dates the balance tools read.
 *
 * <p>The scripts take "now" from Redis's clock, so they convert it themselves: {@link #fill}
 * puts the zone's UTC offsets into lib.lua as a table of {@code from-ms, offset-ms} pairs, from
 * a month before the node started to {@link #YEARS_AHEAD} years after, so a daylight-saving
 * change falls on the right instant without a round trip. Every node of a cluster must have the
 * same zone.
 */
public final class BillingZone {

  /** UTC: the default. */
  public static final BillingZone UTC = new BillingZone(ZoneOffset.UTC);

  /** How far ahead the offsets table reaches (a node is not expected to run longer unrestarted). */
  static final int YEARS_AHEAD = 30;

  private final ZoneId zone;

  private BillingZone(ZoneId zone) {
    this.zone = zone;
  }

  /**
   * The zone of an IANA name ({@code Asia/Shanghai}, {@code America/New_York}) or a fixed offset
   * ({@code +08:00}, {@code UTC}); blank = UTC.
   *
   * @throws IllegalArgumentException naming the value when it is no zone
   */
  public static BillingZone of(String name) {
    if (name == null || name.isBlank()) {
      return UTC;
    }
    try {
      return new BillingZone(ZoneId.of(name.trim()));
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("'" + name.trim() + "' is not a time zone: use an IANA "
          + "name such as Asia/Shanghai or UTC, or an offset such as +08:00");
    }
  }

  /** The billing zone of a zone. */
  public static BillingZone of(ZoneId zone) {
    return new BillingZone(zone);
  }

  public ZoneId zone() {
    return zone;
  }

  /** Today's date in this zone. */
  public LocalDate today() {
    return LocalDate.now(zone);
  }

  /** This month in this zone. */
  public YearMonth thisMonth() {
    return YearMonth.now(zone);
  }

  /** The date of an instant (ms since the epoch) in this zone. */
  public LocalDate dateOf(long epochMs) {
    return Instant.ofEpochMilli(epochMs).atZone(zone).toLocalDate();
  }

  /** Seconds since the epoch of the start of {@code day} in this zone. */
  public long startOfDay(LocalDate day) {
    return day.atStartOfDay(zone).toEpochSecond();
  }

  /** lib.lua with this zone's offsets table in place of {@code ${zoneOffsets}}. */
  String fill(String lib) {
    return lib.replace("${zoneOffsets}", luaOffsets(Instant.now()));
  }

  /**
   * {@code from, offset} pairs in ms, ascending: the first pair's {@code from} is 0 (the offset
   * a month before {@code at}), then one pair per transition up to {@link #YEARS_AHEAD} years on.
   */
  String luaOffsets(Instant at) {
    ZoneRules rules = zone.getRules();
    Instant from = at.minus(Duration.ofDays(31));
    Instant until = at.plus(Duration.ofDays(366L * YEARS_AHEAD));
    StringBuilder out = new StringBuilder();
    out.append("0, ").append(rules.getOffset(from).getTotalSeconds() * 1000L);
    ZoneOffsetTransition t = rules.nextTransition(from);
    while (t != null && t.getInstant().isBefore(until)) {
      out.append(", ").append(t.toEpochSecond() * 1000L).append(", ")
          .append(t.getOffsetAfter().getTotalSeconds() * 1000L);
      t = rules.nextTransition(t.getInstant());
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return zone.getId();
  }
}
