package io.yugong.accounts;

import io.yugong.gateway.ApiError;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * A change to one of an account's allow or deny lists in ProxyXAI's forms: a plain list replaces
 * it ({@code "gpt-4o,o3"}); entries that start with {@code -} remove an entry ({@code
 * "-gpt-3.5-turbo"}, {@code "-1.2.3.4"}), {@code "-*"} removes all, and entries that start with
 * {@code +} add one. Plain and signed entries cannot be mixed in one value.
 *
 * <p>An edit never widens what an allow list lets through by accident: removing the last entry of
 * an allow list (which would leave it empty, that is, unrestricted) is refused; {@code "-*"} or
 * {@code "*"} say so on purpose.
 */
record ListEdit(String field, boolean replace, List<String> add, List<String> remove, boolean clear) {

  private static final int MAX_ITEMS = 256;

  /** Reads the entries of one field's value (already split and bounded). */
  static ListEdit of(String field, List<String> items) {
    boolean signed = false;
    boolean plain = false;
    List<String> add = new ArrayList<>();
    List<String> remove = new ArrayList<>();
    boolean clear = false;
    for (String item : items) {
      char c = item.charAt(0);
      if (c == '-' || c == '+') {
        signed = true;
        String name = item.substring(1).trim();
        if (name.isEmpty()) {
          throw bad(field, field + " has an entry '" + item + "' with nothing after its sign");
        }
        if (c == '-' && name.equals("*")) {
          clear = true;
        } else if (c == '-') {
          remove.add(name);
        } else {
          add.add(name);
        }
      } else {
        plain = true;
        add.add(item);
      }
    }
    if (signed && plain) {
      throw bad(field, field + " mixes entries to set with entries to add (+) or remove (-); send either "
          + "the whole list or only signed entries");
    }
    return new ListEdit(field, !signed, add, remove, clear);
  }

  /**
   * The list after this edit of {@code current}; {@code same} says when two entries name the same
   * thing. {@code allowList}: an empty result means "no restriction", so an edit that empties a
   * non-empty list by removing entries is refused.
   */
  List<String> applyTo(List<String> current, boolean allowList, BiPredicate<String, String> same) {
    if (replace) {
      return add;
    }
    List<String> out = new ArrayList<>(clear ? List.of() : current);
    for (String r : remove) {
      out.removeIf(e -> same.test(e, r));
    }
    for (String a : add) {
      if (out.stream().noneMatch(e -> same.test(e, a))) {
        out.add(a);
      }
    }
    if (allowList && !clear && !current.isEmpty() && out.isEmpty()) {
      throw bad(field, "Removing the last entry of " + field + " would lift the restriction (an empty "
          + field + " allows all); send \"-*\" or \"*\" to lift it on purpose, or DenyModels/DenyIPs \"*\" to "
          + "block all");
    }
    if (out.size() > MAX_ITEMS) {
      throw bad(field, field + " may have at most " + MAX_ITEMS + " entries");
    }
    return out;
  }

  private static ApiError bad(String field, String message) {
    return ApiError.invalidRequest(message, field);
  }
}
