package io.yugong.accounts;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * An account's allow and deny lists, as ProxyXAI documents them: models by name (and its dated
 * snapshots), ignoring case, or with {@code *} wildcards ({@code gpt-4*}, {@code *-mini}), client IPs by address or CIDR (IPv4 and IPv6). An empty allow list allows
 * all; {@code "*"} in a deny list denies all; a deny always wins over an allow.
 */
public final class AccessRules {

  public static final AccessRules OPEN = new AccessRules(List.of(), List.of(), List.of(), List.of());

  private final List<String> allowModels;
  private final List<String> denyModels;
  private final List<Cidr> allowIps;
  private final List<Cidr> denyIps;
  private final boolean denyAllIps;

  public AccessRules(List<String> allowModels, List<String> denyModels, List<String> allowIps,
      List<String> denyIps) {
    this.allowModels = List.copyOf(allowModels);
    this.denyModels = List.copyOf(denyModels);
    this.allowIps = cidrs(allowIps);
    this.denyIps = cidrs(denyIps);
    this.denyAllIps = denyIps.contains("*");
  }

  /** Parses one list entry set; throws IllegalArgumentException for a malformed address. */
  public static List<Cidr> cidrs(List<String> items) {
    List<Cidr> out = new ArrayList<>();
    for (String s : items) {
      if (!s.equals("*")) {
        out.add(Cidr.parse(s));
      }
    }
    return out;
  }

  /** True when the account may use the model (the name the client sent). */
  public boolean allowsModel(String model) {
    if (model == null) {
      return denyModels.isEmpty() || !denyModels.contains("*");
    }
    for (String d : denyModels) {
      if (matches(d, model)) {
        return false;
      }
    }
    if (allowModels.isEmpty()) {
      return true;
    }
    for (String a : allowModels) {
      if (matches(a, model)) {
        return true;
      }
    }
    return false;
  }

  /** True when some address could be refused (so the client's address is worth working out). */
  public boolean restrictsIps() {
    return denyAllIps || !denyIps.isEmpty() || !allowIps.isEmpty();
  }

  /** True when a request from this client address may pass. */
  public boolean allowsIp(InetAddress ip) {
    if (denyAllIps) {
      return false;
    }
    for (Cidr c : denyIps) {
      if (c.contains(ip)) {
        return false;
      }
    }
    if (allowIps.isEmpty()) {
      return true;
    }
    for (Cidr c : allowIps) {
      if (c.contains(ip)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A rule matches a model by name, ignoring case, and also every dated snapshot of that name
   * ({@code gpt-4o} covers {@code gpt-4o-2024-08-06} and {@code gpt-4-0613} is covered by
   * {@code gpt-4}, but {@code gpt-4o} does not cover {@code gpt-4o-mini}). {@code *} stands for
   * any run of characters anywhere in a rule ({@code gpt-4*}, {@code *-mini}, {@code o*-mini});
   * a rule with {@code *} matches a model when it matches the name or the name without its
   * snapshot date ({@code *-mini} covers {@code gpt-4o-mini-2024-07-18}).
   */
  static boolean matches(String pattern, String model) {
    if (pattern.indexOf('*') >= 0) {
      if (glob(pattern, model)) {
        return true;
      }
      int base = snapshotStart(model);
      return base > 0 && glob(pattern, model.substring(0, base));
    }
    if (model.equalsIgnoreCase(pattern)) {
      return true;
    }
    return model.length() > pattern.length() + 1 && model.regionMatches(true, 0, pattern, 0, pattern.length())
        && snapshotStart(model) == pattern.length();
  }

  /**
   * Where a model name's dated snapshot suffix begins (the index of its {@code -}), or -1: groups
   * of digits joined by {@code -} at the end of the name, the first of at least four digits
   * ({@code -2024-08-06}, {@code -0613}; not {@code -3} of {@code dall-e-3}).
   */
  static int snapshotStart(String model) {
    int start = -1;
    int i = model.length();
    while (i > 0) {
      int j = i;
      while (j > 0 && model.charAt(j - 1) >= '0' && model.charAt(j - 1) <= '9') {
        j--;
      }
      if (j == i || j < 2 || model.charAt(j - 1) != '-') {
        break; // not a "-digits" group: the suffix ends here
      }
      if (i - j >= 4) {
        start = j - 1;
      }
      i = j - 1;
    }
    return start;
  }

  /** {@code *} as any run of characters (none included), the rest ignoring case; no backtracking blow-up. */
  static boolean glob(String pattern, String text) {
    int p = 0;
    int t = 0;
    int star = -1;
    int mark = 0;
    while (t < text.length()) {
      if (p < pattern.length() && pattern.charAt(p) != '*' && same(pattern.charAt(p), text.charAt(t))) {
        p++;
        t++;
      } else if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        mark = t;
      } else if (star >= 0) {
        p = star + 1;
        t = ++mark;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }

  private static boolean same(char a, char b) {
    return a == b || Character.toLowerCase(a) == Character.toLowerCase(b);
  }

  /** An address block: {@code 10.0.0.0/8}, {@code 2001:db8::/32}, or a single address. */
  public record Cidr(byte[] network, int prefix) {

    public static Cidr parse(String text) {
      String s = text.trim();
      int slash = s.indexOf('/');
      String addr = slash < 0 ? s : s.substring(0, slash);
      if (!addr.matches("[0-9A-Fa-f:.]+")) {
        throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR block");
      }
      byte[] bytes;
      try {
        bytes = InetAddress.getByName(addr).getAddress();
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR block");
      }
      int prefix = bytes.length * 8;
      if (slash >= 0) {
        try {
          prefix = Integer.parseInt(s.substring(slash + 1));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("'" + text + "' has a malformed prefix length");
        }
        if (prefix < 0 || prefix > bytes.length * 8) {
          throw new IllegalArgumentException("'" + text + "' has a prefix length out of range");
        }
      }
      return new Cidr(bytes, prefix);
    }

    public boolean contains(InetAddress ip) {
      byte[] a = ip.getAddress();
      if (a.length != network.length) {
        a = mapped(a, network.length);
        if (a == null) {
          return false;
        }
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (a[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (a[full] & mask) == (network[full] & mask);
    }

    /** IPv4-mapped IPv6 (::ffff:a.b.c.d) against an IPv4 block, and back. */
    private static byte[] mapped(byte[] a, int wanted) {
      if (a.length == 16 && wanted == 4) {
        for (int i = 0; i < 10; i++) {
          if (a[i] != 0) {
            return null;
          }
        }
        if (a[10] != (byte) 0xff || a[11] != (byte) 0xff) {
          return null;
        }
        return new byte[] {a[12], a[13], a[14], a[15]};
      }
      return null;
    }
  }
}
