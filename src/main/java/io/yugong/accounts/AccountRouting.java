package io.yugong.accounts;

import io.yugong.keypool.RoutingRules;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * An account's own routing settings, ProxyXAI's per-account {@code ModelMapper} and
 * {@code LevelMapper} (in the form of the global {@code MODEL_MAPPER} and {@code LEVEL_MAPPER}:
 * {@code source=target,...}, a source ending in {@code *} matching by prefix) and
 * {@code AllowLevels} (the key levels that may serve it, empty = any). How they combine along the
 * tree is {@link Account}'s: see {@link Account#upstreamModel}.
 */
public record AccountRouting(String modelMapper, String levelMapper, List<Integer> allowLevels,
    RoutingRules rules) {

  /** No settings of its own. */
  public static final AccountRouting NONE = new AccountRouting("", "", List.of(), RoutingRules.NONE);
  /** Stored settings that cannot be read: no level may serve (fail closed). */
  static final AccountRouting UNREADABLE = new AccountRouting("", "", List.of(0), RoutingRules.NONE);

  public static final int MAX_LEVEL = 1_000_000;
  static final int MAX_LEVELS = 100;

  public AccountRouting {
    allowLevels = List.copyOf(allowLevels);
  }

  /**
   * Parses the three settings as stored or sent; throws IllegalArgumentException naming the one
   * that is wrong.
   */
  static AccountRouting parse(String modelMapper, String levelMapper, String allowLevels) {
    String mm = modelMapper == null ? "" : modelMapper.trim();
    String lm = levelMapper == null ? "" : levelMapper.trim();
    RoutingRules rules;
    try {
      rules = RoutingRules.parse(mm, "", "");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage().replace("MODEL_MAPPER", "ModelMapper"));
    }
    try {
      rules = RoutingRules.parse(mm, lm, "");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage().replace("LEVEL_MAPPER", "LevelMapper"));
    }
    for (String part : lm.split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0 && Long.parseLong(part.substring(eq + 1).trim()) > MAX_LEVEL) {
        throw new IllegalArgumentException("LevelMapper: levels are at most " + MAX_LEVEL);
      }
    }
    List<Integer> levels = levels(allowLevels);
    if (mm.isEmpty() && lm.isEmpty() && levels.isEmpty()) {
      return NONE;
    }
    return new AccountRouting(mm, lm, levels, rules);
  }

  /** {@code "1,2"} as levels, sorted and each once; throws naming AllowLevels. */
  static List<Integer> levels(String csv) {
    TreeSet<Integer> out = new TreeSet<>();
    if (csv != null) {
      for (String s : csv.split(",")) {
        if (s.isBlank()) {
          continue;
        }
        String t = s.trim();
        if (!t.matches("[0-9]{1,7}") || Integer.parseInt(t) < 1 || Integer.parseInt(t) > MAX_LEVEL) {
          throw new IllegalArgumentException("AllowLevels: '" + (t.length() > 20 ? t.substring(0, 20) + "..." : t)
              + "' is not a level (a whole number from 1 to " + MAX_LEVEL + ")");
        }
        out.add(Integer.parseInt(t));
      }
    }
    if (out.size() > MAX_LEVELS) {
      throw new IllegalArgumentException("AllowLevels: at most " + MAX_LEVELS + " levels");
    }
    return new ArrayList<>(out);
  }

  boolean any() {
    return this != NONE && (!modelMapper.isEmpty() || !levelMapper.isEmpty() || !allowLevels.isEmpty());
  }

  String allowLevelsText() {
    StringBuilder b = new StringBuilder();
    for (int l : allowLevels) {
      b.append(b.length() == 0 ? "" : ",").append(l);
    }
    return b.toString();
  }
}
