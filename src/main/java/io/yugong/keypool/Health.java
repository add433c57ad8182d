package io.yugong.keypool;

import io.vertx.core.json.JsonObject;

/**
 * The shared health of one key: active, cooling until a time, or disabled with a reason.
 * A transient disable (repeated upstream failures) is probed and lifted automatically; a
 * permanent one (no quota, revoked, deactivated) waits for an operator.
 */
record Health(String state, long until, String reason, boolean permanent, int failures,
    String lastError, long lastErrorAt) {

  static final String ACTIVE = "active";
  static final String COOLING = "cooling";
  static final String DISABLED = "disabled";

  static final Health FRESH = new Health(ACTIVE, 0, null, false, 0, null, 0);

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
    return new Health(COOLING, untilMs, why, false, failureCount, why, now);
  }

  Health disabled(String why, boolean forever, long nextProbeAt, int failureCount, long now) {
    return new Health(DISABLED, forever ? 0 : nextProbeAt, why, forever, failureCount, why, now);
  }

  Health withoutStreak() {
    return new Health(state, until, reason, permanent, 0, lastError, lastErrorAt);
  }

  Health recovered() {
    return new Health(ACTIVE, 0, null, false, 0, lastError, lastErrorAt);
  }

  JsonObject toJson() {
    return new JsonObject().put("state", state).put("until", until).put("reason", reason)
        .put("permanent", permanent).put("failures", failures).put("lastError", lastError)
        .put("lastErrorAt", lastErrorAt);
  }

  static Health fromJson(JsonObject j) {
    return new Health(j.getString("state", ACTIVE), j.getLong("until", 0L), j.getString("reason"),
        j.getBoolean("permanent", false), j.getInteger("failures", 0), j.getString("lastError"),
        j.getLong("lastErrorAt", 0L));
  }
}
