package io.yugong.billing;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;

/**
 * Redis key names of one account. Every key starts {@code yg:{a:ID}:}, so all of an account's keys
 * share one hash slot. The order of {@link #account} is the order the Lua scripts expect.
 */
final class Keys {

  private Keys() {}

  static String prefix(String accountId) {
    check(accountId);
    return "yg:{a:" + accountId + "}:";
  }

  /** wallet, grants, grant, grantinfo, holds, holdexp, rpm, ledger — see lib.lua. */
  static List<String> account(String accountId) {
    String p = prefix(accountId);
    return List.of(p + "wallet", p + "grants", p + "grant", p + "grantinfo", p + "holds",
        p + "holdexp", p + "rpm", p + "ledger");
  }

  static String ledger(String accountId) {
    return prefix(accountId) + "ledger";
  }

  static String wallet(String accountId) {
    return prefix(accountId) + "wallet";
  }

  static String month(String accountId, YearMonth month) {
    return prefix(accountId) + String.format("month:%04d%02d", month.getYear(), month.getMonthValue());
  }

  static String day(String accountId, LocalDate day) {
    return prefix(accountId)
        + String.format("day:%04d%02d%02d", day.getYear(), day.getMonthValue(), day.getDayOfMonth());
  }

  /** Account ids go inside a hash tag: they must be non-empty and free of braces. */
  static void check(String accountId) {
    if (accountId == null || accountId.isEmpty() || accountId.indexOf('{') >= 0
        || accountId.indexOf('}') >= 0) {
      throw new IllegalArgumentException("bad account id: " + accountId);
    }
  }
}
