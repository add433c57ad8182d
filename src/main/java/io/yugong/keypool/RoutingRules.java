package io.yugong.keypool;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The live routing settings: {@code MODEL_MAPPER} (rewrite the model sent upstream),
 * {@code LEVEL_MAPPER} (which level of keys serves a model) and {@code SWITCH_OVER} (where a level
 * falls to when it has no capacity). Each is a comma-separated list of {@code source=target};
 * a source ending in {@code *} matches by prefix, the longest prefix winning, an exact name first.
 */
public final class RoutingRules {

  public static final RoutingRules NONE = new RoutingRules("", "", "");

  private final String modelMapperText;
  private final String levelMapperText;
  private final String switchOverText;
  private final List<Map.Entry<String, String>> modelMapper;
  private final List<Map.Entry<String, String>> levelMapper;
  private final Map<Integer, Integer> switchOver;
  /** Level → the levels tried for it (it, then where SWITCH_OVER falls), worked out once. */
  private final Map<Integer, int[]> chains = new java.util.concurrent.ConcurrentHashMap<>();

  private RoutingRules(String models, String levels, String switchOver) {
    this.modelMapperText = models == null ? "" : models.trim();
    this.levelMapperText = levels == null ? "" : levels.trim();
    this.switchOverText = switchOver == null ? "" : switchOver.trim();
    this.modelMapper = pairs(modelMapperText, "MODEL_MAPPER");
    this.levelMapper = pairs(levelMapperText, "LEVEL_MAPPER");
    for (Map.Entry<String, String> e : levelMapper) {
      level(e.getValue(), "LEVEL_MAPPER");
    }
    this.switchOver = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : pairs(switchOverText, "SWITCH_OVER")) {
      this.switchOver.put(level(e.getKey(), "SWITCH_OVER"), level(e.getValue(), "SWITCH_OVER"));
    }
  }

  /** Parses the three settings; throws IllegalArgumentException saying what is wrong. */
  public static RoutingRules parse(String modelMapper, String levelMapper, String switchOver) {
    return new RoutingRules(modelMapper, levelMapper, switchOver);
  }

  /** From the stored JSON {@code {"MODEL_MAPPER": "...", "LEVEL_MAPPER": "...", "SWITCH_OVER": "..."}}. */
  public static RoutingRules fromJson(JsonObject j) {
    if (j == null) {
      return NONE;
    }
    return parse(j.getString("MODEL_MAPPER", ""), j.getString("LEVEL_MAPPER", ""),
        j.getString("SWITCH_OVER", ""));
  }

  public JsonObject toJson() {
    return new JsonObject().put("MODEL_MAPPER", modelMapperText).put("LEVEL_MAPPER", levelMapperText)
        .put("SWITCH_OVER", switchOverText);
  }

  private static int level(String s, String setting) {
    try {
      int n = Integer.parseInt(s.trim());
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(setting + ": '" + s + "' is not a level (a whole number from 1)");
    }
  }

  private static List<Map.Entry<String, String>> pairs(String text, String setting) {
    List<Map.Entry<String, String>> exact = new ArrayList<>();
    List<Map.Entry<String, String>> wild = new ArrayList<>();
    if (text.isEmpty()) {
      return exact;
    }
    for (String item : text.split(",")) {
      if (item.isBlank()) {
        continue;
      }
      int eq = item.indexOf('=');
      if (eq <= 0 || eq == item.length() - 1) {
        throw new IllegalArgumentException(setting + ": '" + item.trim() + "' is not of the form source=target");
      }
      String src = item.substring(0, eq).trim();
      String dst = item.substring(eq + 1).trim();
      (src.endsWith("*") ? wild : exact).add(Map.entry(src, dst));
    }
    wild.sort(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed());
    exact.addAll(wild);
    return exact;
  }

  private static String lookup(List<Map.Entry<String, String>> rules, String model) {
    if (model == null) {
      return null;
    }
    for (Map.Entry<String, String> e : rules) {
      String src = e.getKey();
      if (src.endsWith("*") ? model.startsWith(src.substring(0, src.length() - 1)) : src.equals(model)) {
        return e.getValue();
      }
    }
    return null;
  }

  /** The client-side names MODEL_MAPPER maps by exact name (not its {@code prefix*} rules). */
  public List<String> aliases() {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, String> e : modelMapper) {
      if (!e.getKey().endsWith("*")) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  /** The model MODEL_MAPPER maps the named one to, or null when no rule of it does. */
  public String mappedModel(String model) {
    return lookup(modelMapper, model);
  }

  /** The level LEVEL_MAPPER gives the (upstream) model, or -1 when no rule of it does. */
  public int mappedLevel(String model) {
    String l = lookup(levelMapper, model);
    return l == null ? -1 : Integer.parseInt(l);
  }

  /** The model to send upstream for the one the client named. */
  public String upstreamModel(String model) {
    String mapped = lookup(modelMapper, model);
    return mapped == null ? model : mapped;
  }

  /** The level of keys that serves an (upstream) model; 1 unless LEVEL_MAPPER says otherwise. */
  public int levelOf(String model) {
    String l = lookup(levelMapper, model);
    return l == null ? 1 : Integer.parseInt(l);
  }

  /** Where a level falls to when it has nothing to offer, or -1. */
  public int fallbackOf(int level) {
    return switchOver.getOrDefault(level, -1);
  }

  /** The levels to try for a level, in order: itself, then its SWITCH_OVER chain, each once. */
  public int[] levelsFrom(int level) {
    return chains.computeIfAbsent(level, start -> {
      java.util.LinkedHashSet<Integer> seen = new java.util.LinkedHashSet<>();
      for (int l = start; l > 0 && seen.add(l); l = fallbackOf(l)) {
        // follows the chain until it ends or repeats
      }
      return seen.stream().mapToInt(Integer::intValue).toArray();
    });
  }
}
