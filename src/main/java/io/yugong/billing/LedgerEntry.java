package io.yugong.billing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One entry of an account's ledger (the Redis stream {@code yg:{a:ID}:ledger}).
 *
 * <p>{@code amount} is the entry's signed effect on the wallet balance in nano-dollars: negative
 * for {@code charge}, {@code transfer_out} and {@code expired}; positive for {@code minted},
 * {@code transfer_in} and {@code refund}; zero for {@code merged}. The sum of {@code amount} over
 * an account's ledger equals its balance while the stream is below its cap (the latest
 * YUGONG_LEDGER_ENTRIES entries, {@link Retention#ledgerEntries()}).
 *
 * <p>{@code cost} is the amount the entry is about, unsigned: for a charge, the price asked of
 * this entry ({@code cost = -amount + uncovered}, {@code uncovered} being what the balance could
 * not cover and was forgiven); for the other kinds, the amount moved; 0 for {@code merged}.
 * {@code balanceAfter} is the wallet balance right after the entry, {@code at} is Redis's clock
 * in epoch milliseconds. A charge whose hold expired (its node died) is written with status 0 and
 * note {@code "abandoned"}, model {@code "unknown"}.
 */
public record LedgerEntry(String requestId, String accountId, String kind, String model,
    long promptTokens, long cachedTokens, long completionTokens, long cost, String upstreamKeyId,
    String node, long latencyMs, int status, long at, long amount, long uncovered,
    long balanceAfter, String note) {

  /** Stream field names, in the order the scripts write them (see lib.lua). */
  public static final List<String> FIELDS = List.of("requestId", "accountId", "kind", "model",
      "promptTokens", "cachedTokens", "completionTokens", "cost", "upstreamKeyId", "node",
      "latencyMs", "status", "at", "amount", "uncovered", "balanceAfter", "note");

  public LedgerEntry {
    requestId = orEmpty(requestId);
    accountId = orEmpty(accountId);
    kind = orEmpty(kind);
    model = orEmpty(model);
    upstreamKeyId = orEmpty(upstreamKeyId);
    node = orEmpty(node);
    note = orEmpty(note);
  }

  /**
   * What the caller knows of a served request, to pass to {@link Wallets#settle}. The settle
   * script fills in the rest (request and account id, cost, amount, uncovered, balance, time).
   */
  public static LedgerEntry charge(String model, long promptTokens, long cachedTokens,
      long completionTokens, String upstreamKeyId, String node, long latencyMs, int status) {
    return new LedgerEntry("", "", "charge", model, promptTokens, cachedTokens, completionTokens,
        0, upstreamKeyId, node, latencyMs, status, 0, 0, 0, 0, "");
  }

  /** The stream fields of this entry, in {@link #FIELDS} order. */
  public Map<String, String> toFields() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("requestId", requestId);
    m.put("accountId", accountId);
    m.put("kind", kind);
    m.put("model", model);
    m.put("promptTokens", Long.toString(promptTokens));
    m.put("cachedTokens", Long.toString(cachedTokens));
    m.put("completionTokens", Long.toString(completionTokens));
    m.put("cost", Long.toString(cost));
    m.put("upstreamKeyId", upstreamKeyId);
    m.put("node", node);
    m.put("latencyMs", Long.toString(latencyMs));
    m.put("status", Integer.toString(status));
    m.put("at", Long.toString(at));
    m.put("amount", Long.toString(amount));
    m.put("uncovered", Long.toString(uncovered));
    m.put("balanceAfter", Long.toString(balanceAfter));
    m.put("note", note);
    return m;
  }

  /**
   * The one field of a compact entry: a charge settled on a credit slice, as flush.lua writes it
   * (one field per entry, not 17: the write-behind flush's cost per request). Its value is
   * {@link #COMPACT_PARTS} joined by tabs; kind {@code charge}, note {@code slice}.
   */
  public static final String COMPACT = "c";
  static final List<String> COMPACT_PARTS = List.of("requestId", "model", "promptTokens",
      "cachedTokens", "completionTokens", "cost", "upstreamKeyId", "latencyMs", "status", "node", "at",
      "amount", "uncovered", "balanceAfter");

  /** A field value safe in a compact or batch entry: no tab, no line break (a model name is the client's). */
  static String compactSafe(String s) {
    if (s == null) {
      return "";
    }
    if (s.indexOf('\t') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
  }

  /**
   * The field of a batch entry that holds its charges: one stream entry for a whole write-behind
   * batch whose charges the balance covered (flush.lua). Its lines, joined by newlines, are
   * {@link #BATCH_PARTS} joined by tabs; the entry's other fields are {@code k} (the count),
   * {@code n} (the node), {@code at} and {@code l} (the balance before the batch). Each charge
   * took all it asked: amount {@code -cost}, nothing uncovered, the balance after it counted
   * down from {@code l}.
   */
  public static final String BATCH = "b";
  static final List<String> BATCH_PARTS = List.of("requestId", "model", "promptTokens",
      "cachedTokens", "completionTokens", "cost", "upstreamKeyId", "latencyMs", "status");

  /** How many ledger entries one stream entry holds. */
  public static int count(Map<String, String> f) {
    String k = f.get("k");
    return k == null || f.get(BATCH) == null ? 1 : Integer.parseInt(k);
  }

  /** The ledger entries of one stream entry of account {@code accountId}, oldest first. */
  public static List<LedgerEntry> entries(Map<String, String> f, String accountId) {
    String lines = f.get(BATCH);
    if (lines == null) {
      return List.of(fromFields(f, accountId));
    }
    String node = orEmpty(f.get("n"));
    long at = num(orEmpty(f.get("at")));
    long balance = num(orEmpty(f.get("l")));
    List<LedgerEntry> out = new ArrayList<>(count(f));
    for (String line : lines.split("\n", -1)) {
      String[] p = line.split("\t", -1);
      if (p.length != BATCH_PARTS.size()) {
        throw new IllegalStateException("a batch ledger line with " + p.length + " parts");
      }
      long cost = num(p[5]);
      balance -= cost;
      out.add(new LedgerEntry(p[0], accountId, "charge", p[1], num(p[2]), num(p[3]), num(p[4]),
          cost, p[6], node, num(p[7]), (int) num(p[8]), at, -cost, 0, balance, "slice"));
    }
    return out;
  }

  /** An entry read back from account {@code accountId}'s stream, compact or not (not a batch). */
  public static LedgerEntry fromFields(Map<String, String> f, String accountId) {
    String packed = f.get(COMPACT);
    if (packed == null) {
      return fromFields(f);
    }
    String[] p = packed.split("\t", -1);
    if (p.length != COMPACT_PARTS.size()) {
      throw new IllegalStateException("a compact ledger entry with " + p.length + " parts");
    }
    return new LedgerEntry(p[0], accountId, "charge", p[1], num(p[2]), num(p[3]), num(p[4]), num(p[5]),
        p[6], p[9], num(p[7]), (int) num(p[8]), num(p[10]), num(p[11]), num(p[12]), num(p[13]), "slice");
  }

  private static long num(String v) {
    return v.isEmpty() ? 0 : Long.parseLong(v);
  }

  /** An entry read back from the stream (its full form); missing fields are empty or 0. */
  public static LedgerEntry fromFields(Map<String, String> f) {
    return new LedgerEntry(f.get("requestId"), f.get("accountId"), f.get("kind"), f.get("model"),
        num(f, "promptTokens"), num(f, "cachedTokens"), num(f, "completionTokens"),
        num(f, "cost"), f.get("upstreamKeyId"), f.get("node"), num(f, "latencyMs"),
        (int) num(f, "status"), num(f, "at"), num(f, "amount"), num(f, "uncovered"),
        num(f, "balanceAfter"), f.get("note"));
  }

  private static long num(Map<String, String> f, String name) {
    String v = f.get(name);
    return v == null || v.isEmpty() ? 0 : Long.parseLong(v);
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
