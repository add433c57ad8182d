package io.yugong.billing;

/**
 * An account's own request and token limits, ProxyXAI's RPM, RPH, RPD, TPM, TPH, TPD and
 * ModelLimits; 0 is no limit. They bound the account's whole subtree: reserve.lua counts every
 * descendant's requests and tokens against them too (see {@code docs/billing.md}).
 *
 * <p>RPM is a sliding 60 s window; the others are fixed UTC windows (the minute, the hour, the
 * day), counted in Redis by the exact reserve path.
 */
public record Limits(int rpm, int rph, int rpd, long tpm, long tph, long tpd, ModelLimits models) {

  public static final Limits NONE = new Limits(0, 0, 0, 0, 0, 0, ModelLimits.NONE);
  /** Largest request limit: a billion a window. */
  public static final long MAX_REQUESTS = 1_000_000_000L;
  /** Largest token limit: 10^12 a window (exact in the scripts' doubles). */
  public static final long MAX_TOKENS = 1_000_000_000_000L;

  public Limits {
    if (models == null) {
      models = ModelLimits.NONE;
    }
  }

  /** Only a requests-per-minute limit (0 = none). */
  public static Limits ofRpm(int rpm) {
    return new Limits(rpm, 0, 0, 0, 0, 0, ModelLimits.NONE);
  }

  /** True when any limit is set. */
  public boolean any() {
    return rpm > 0 || rph > 0 || rpd > 0 || tpm > 0 || tph > 0 || tpd > 0 || !models.isEmpty();
  }

  /** A copy with another RPM. */
  public Limits withRpm(int r) {
    return new Limits(r, rph, rpd, tpm, tph, tpd, models);
  }

  /**
   * The script argument for a request to {@code model}: {@code rph,rpd,tpm,tph,tpd,modelRpm,
   * modelTpm}, the model's limits being this account's own or {@code global}'s, whichever is
   * tighter (global ModelLimits bind every account).
   */
  String arg(String model, ModelLimits global) {
    ModelLimits.Of m = models.of(model).min(global == null ? ModelLimits.Of.NONE : global.of(model));
    return rph + "," + rpd + "," + tpm + "," + tph + "," + tpd + "," + m.rpm() + "," + m.tpm();
  }

  /**
   * A whole-number limit field: absent, null or "" is 0; else 0..max. Throws
   * IllegalArgumentException naming {@code field}.
   */
  public static long count(Object v, String field, long max) {
    long n;
    if (v == null || v instanceof String s && s.isBlank()) {
      return 0;
    } else if (v instanceof Number num && num.doubleValue() == Math.rint(num.doubleValue())
        && Math.abs(num.doubleValue()) < 9e15) {
      n = num.longValue();
    } else if (v instanceof String s && s.length() <= 16) {
      try {
        n = Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(field + " must be a whole number");
      }
    } else {
      throw new IllegalArgumentException(field + " must be a whole number");
    }
    if (n < 0 || n > max) {
      throw new IllegalArgumentException(field + " must be from 0 (no limit) to " + max);
    }
    return n;
  }
}
