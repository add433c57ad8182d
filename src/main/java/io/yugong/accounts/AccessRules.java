package io.yugong.accounts;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * An account's allow and deny lists, as ProxyXAI documents them: models by name (and its dated
 * snapshots), ignoring case, or {@code prefix*}, client IPs by address or CIDR (IPv4 and IPv6). An empty allow list allows
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
   * {@code gpt-4}, but {@code gpt-4o} does not cover {@code gpt-4o-mini}); {@code prefix*} matches
   * every name that starts with the prefix.
   */
  private static boolean matches(String pattern, String model) {
    if (pattern.equals("*")) {
      return true;
    }
    if (pattern.endsWith("*")) {
      String prefix = pattern.substring(0, pattern.length() - 1);
      return model.regionMatches(true, 0, prefix, 0, prefix.length());
    }
    if (model.equalsIgnoreCase(pattern)) {
      return true;
    }
    return model.length() > pattern.length() + 1 && model.regionMatches(true, 0, pattern, 0, pattern.length())
        && model.charAt(pattern.length()) == '-' && snapshot(model, pattern.length() + 1);
  }

  /** Digits and dashes from {@code from} on, starting with a digit: a dated snapshot. */
  private static boolean snapshot(String model, int from) {
    if (!Character.isDigit(model.charAt(from))) {
      return false;
    }
    for (int i = from; i < model.length(); i++) {
      char c = model.charAt(i);
      if (c != '-' && (c < '0' || c > '9')) {
        return false;
      }
    }
    return true;
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
