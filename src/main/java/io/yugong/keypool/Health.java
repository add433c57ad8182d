package io.yugong.keypool;

import io.vertx.core.json.JsonObject;

/**
 * The shared health of one key: active, cooling until a time, or disabled with a reason.
 * A transient disable (repeated upstream failures) is probed and lifted automatically, with the
 * wait between probes ({@code probeMs}) doubling; a permanent one (no quota, revoked,
 * deactivated) waits for an operator.
 */
record Health(String state, long until, String reason, boolean permanent, int failures,
    String lastError, long lastErrorAt, long probeMs) {

  static final String ACTIVE = "active";
  static final String COOLING = "cooling";
  static final String DISABLED = "disabled";

  static final Health FRESH = new Health(ACTIVE, 0, null, false, 0, null, 0, 0);

  /** True when the key may take a request now. */
  boolean usable(long now) {
    return switch (state) {
      case ACTIVE -> true;
      case COOLING -> now >= until;
      default -> false;
    };
  }

  /** The state as an operator sees it now (a cooldown that ended reads as active). */
  String stateAt(long now) {
    return COOLING.equals(state) && now >= until ? ACTIVE : state;
  }

  Health cooled(long untilMs, String why, int failureCount, long now) {
    return new Health(COOLING, untilMs, why, false, failureCount, why, now, 0);
  }

  /** Disabled for good (until an operator acts). */
  Health dead(String why, long now) {
    return new Health(DISABLED, 0, why, true, failures, why, now, 0);
  }

  /** Disabled until a probe passes; the first probe after {@code waitMs}. */
  Health suspended(String why, int failureCount, long waitMs, long now) {
    return new Health(DISABLED, now + waitMs, why, false, failureCount, why, now, waitMs);
  }

  /** A failed probe: wait twice as long before the next one. */
  Health probeFailed(long now, long maxWaitMs) {
    long wait = Math.min(maxWaitMs, Math.max(1000, probeMs) * 2);
    return new Health(DISABLED, now + wait, reason, false, failures, lastError, lastErrorAt, wait);
  }

  Health withoutStreak() {
    return new Health(state, until, reason, permanent, 0, lastError, lastErrorAt, probeMs);
  }

  Health recovered() {
    return new Health(ACTIVE, 0, null, false, 0, lastError, lastErrorAt, 0);
  }

  JsonObject toJson() {
    return new JsonObject().put("state", state).put("until", until).put("reason", reason)
        .put("permanent", permanent).put("failures", failures).put("lastError", lastError)
        .put("lastErrorAt", lastErrorAt).put("probeMs", probeMs);
  }

  static Health fromJson(JsonObject j) {
    return new Health(j.getString("state", ACTIVE), j.getLong("until", 0L), j.getString("reason"),
        j.getBoolean("permanent", false), j.getInteger("failures", 0), j.getString("lastError"),
        j.getLong("lastErrorAt", 0L), j.getLong("probeMs", 0L));
  }
}
