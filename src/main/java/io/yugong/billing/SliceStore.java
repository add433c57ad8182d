package io.yugong.billing;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The Redis side of credit slices: slice.lua (take, renew, return) and flush.lua. */
final class SliceStore {

  /** The answer to a take: the slice's size in Redis after it, and why nothing was granted. */
  record Grant(long size, long granted, String refusal) {}

  private final Scripts scripts;
  private final String node;
  private final String run;

  SliceStore(Scripts scripts, String node, String run) {
    this.scripts = scripts;
    this.node = node;
    this.run = run;
  }

  Future<Grant> take(String accountId, long want, long least, long leaseMs, long minBalance,
      String rate) {
    return scripts.run(Scripts.SLICE, Keys.account(accountId), List.of("take", node,
        Long.toString(want), Long.toString(least), Long.toString(leaseMs),
        Long.toString(minBalance), rate)).map(r -> new Grant(Replies.num(r.get(0)),
            Replies.num(r.get(2)), Replies.str(r.get(3))));
  }

  Future<Void> giveBack(String accountId) {
    return scripts.run(Scripts.SLICE, Keys.account(accountId), List.of("return", node, "0", "0",
        "0", "0", "")).mapEmpty();
  }

  /**
   * Applies batch {@code seq} of the account; true when it was applied before (a retry). The
   * batch goes whole (one ledger entry, its usage summed here); when the balance does not cover
   * it, or the account's Rates changed since it was priced, flush.lua leaves it and it goes again
   * charge by charge.
   */
  Future<Boolean> flush(String accountId, long seq, String rate, List<SliceCharge> batch) {
    return scripts.run(Scripts.FLUSH, Keys.account(accountId), whole(seq, rate, batch))
        .compose(r -> {
          int answer = r.get(0).toInteger();
          if (answer != 2) {
            return Future.succeededFuture(answer == 1);
          }
          return scripts.run(Scripts.FLUSH, Keys.account(accountId), byCharge(seq, rate, batch))
              .map(again -> again.get(0).toInteger() == 1);
        });
  }

  private List<String> head(long seq, String rate, String mode, int size) {
    List<String> args = new ArrayList<>(size);
    args.add(node);
    args.add(run);
    args.add(Long.toString(seq));
    args.add(rate);
    args.add(mode);
    return args;
  }

  /** The batch as one ledger entry's lines (LedgerEntry.BATCH) and its usage per model. */
  private List<String> whole(long seq, String rate, List<SliceCharge> batch) {
    Map<String, long[]> byModel = new LinkedHashMap<>();
    StringBuilder lines = new StringBuilder(batch.size() * 120);
    long sum = 0;
    for (SliceCharge c : batch) {
      LedgerEntry e = c.entry();
      String model = LedgerEntry.compactSafe(e.model());
      sum = Money.saturatingAdd(sum, c.charge());
      long[] u = byModel.computeIfAbsent(model, m -> new long[5]);
      u[0] = Money.saturatingAdd(u[0], c.charge());
      u[1]++;
      u[2] += e.promptTokens();
      u[3] += e.cachedTokens();
      u[4] += e.completionTokens();
      if (lines.length() > 0) {
        lines.append('\n');
      }
      lines.append(LedgerEntry.compactSafe(c.requestId())).append('\t').append(model).append('\t')
          .append(e.promptTokens()).append('\t').append(e.cachedTokens()).append('\t')
          .append(e.completionTokens()).append('\t').append(c.charge()).append('\t')
          .append(LedgerEntry.compactSafe(e.upstreamKeyId())).append('\t').append(e.latencyMs())
          .append('\t').append(e.status());
    }
    List<String> args = head(seq, rate, "b", 9 + byModel.size() * 6);
    args.add(Integer.toString(batch.size()));
    args.add(Long.toString(sum));
    args.add(Integer.toString(byModel.size()));
    for (Map.Entry<String, long[]> m : byModel.entrySet()) {
      args.add(m.getKey());
      for (long v : m.getValue()) {
        args.add(Long.toString(v));
      }
    }
    args.add(lines.toString());
    return args;
  }

  private List<String> byCharge(long seq, String rate, List<SliceCharge> batch) {
    List<String> args = head(seq, rate, "c", 5 + batch.size() * 7);
    for (SliceCharge c : batch) {
      LedgerEntry e = c.entry();
      args.add(LedgerEntry.compactSafe(c.requestId()));
      args.add(Long.toString(c.charge()));
      args.add(LedgerEntry.compactSafe(e.model()));
      args.add(Long.toString(e.promptTokens()));
      args.add(Long.toString(e.cachedTokens()));
      args.add(Long.toString(e.completionTokens()));
      // the compact entry's upstreamKeyId, latencyMs and status, as written (see LedgerEntry.COMPACT)
      args.add(LedgerEntry.compactSafe(e.upstreamKeyId()) + '\t' + e.latencyMs() + '\t' + e.status());
    }
    return args;
  }
}
