package io.yugong.accounts;

import java.util.ArrayList;
import java.util.List;

/**
 * ProxyXAI's {@code Resources}: the API endpoints a key may call, as canonical paths
 * ({@code /v1/chat/completions,/v1/embeddings}). An entry allows its path and everything below it
 * ({@code /v1/audio} allows {@code /v1/audio/speech}); an entry ending in {@code *} allows every
 * path it begins ({@code /v1/chat*}); {@code *} alone, or an empty list, allows every endpoint.
 * Used for an account's own list and for the global {@code RESOURCES} setting.
 */
public final class Resources {

  public static final Resources ALL = new Resources(List.of());
  /** The runtime setting ({@code config.RuntimeConfig}) that holds the global list: {@code {"RESOURCES": "..."}}. */
  public static final String SETTING = "resources";
  static final int MAX_ENTRIES = 64;
  static final int MAX_ENTRY = 128;

  private final List<String> entries;

  private Resources(List<String> entries) {
    this.entries = List.copyOf(entries);
  }

  /** From comma- or space-separated text; throws IllegalArgumentException naming the bad entry. */
  public static Resources parse(String text) {
    List<String> out = new ArrayList<>();
    if (text != null) {
      for (String item : text.split("[,\\s]+")) {
        if (!item.isBlank()) {
          out.add(item.trim());
        }
      }
    }
    return of(out);
  }

  static Resources of(List<String> items) {
    if (items.size() > MAX_ENTRIES) {
      throw new IllegalArgumentException("at most " + MAX_ENTRIES + " endpoints");
    }
    List<String> out = new ArrayList<>();
    for (String item : items) {
      String e = check(item);
      if (e.equals("*")) {
        return ALL;
      }
      out.add(e);
    }
    return new Resources(out);
  }

  /** One entry, checked: {@code *}, or a path of {@code A-Z a-z 0-9 / - _ . ~} with an optional trailing {@code *}. */
  static String check(String entry) {
    String e = entry.trim();
    if (e.equals("*")) {
      return e;
    }
    boolean ok = e.length() >= 2 && e.length() <= MAX_ENTRY && e.charAt(0) == '/' && !e.contains("//")
        && !e.contains("/./") && !e.contains("/../") && !e.endsWith("/.") && !e.endsWith("/..");
    for (int i = 0; ok && i < e.length(); i++) {
      char c = e.charAt(i);
      ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '-'
          || c == '_' || c == '.' || c == '~' || (c == '*' && i == e.length() - 1);
    }
    if (!ok) {
      throw new IllegalArgumentException("'" + (e.length() > 40 ? e.substring(0, 40) + "..." : e).replaceAll(
          "\\p{Cntrl}", "?") + "' is not an endpoint path such as /v1/chat/completions");
    }
    return e.length() > 1 && e.endsWith("/") ? e.substring(0, e.length() - 1) : e;
  }

  /** True when every endpoint is allowed. */
  public boolean all() {
    return entries.isEmpty();
  }

  /** True when the canonical {@code path} is allowed. */
  public boolean allows(String path) {
    if (entries.isEmpty()) {
      return true;
    }
    for (String e : entries) {
      if (e.endsWith("*") ? path.startsWith(e.substring(0, e.length() - 1))
          : path.equals(e) || (path.startsWith(e) && path.charAt(e.length()) == '/')) {
        return true;
      }
    }
    return false;
  }

  public List<String> entries() {
    return entries;
  }

  @Override
  public String toString() {
    return String.join(",", entries);
  }
}
