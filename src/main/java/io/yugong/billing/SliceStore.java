package io.yugong.billing;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

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

  /** Applies batch {@code seq} of the account; true when it was applied before (a retry). */
  Future<Boolean> flush(String accountId, long seq, String rate, List<SliceCharge> batch) {
    List<String> args = new ArrayList<>(4 + batch.size() * 7);
    args.add(node);
    args.add(run);
    args.add(Long.toString(seq));
    args.add(rate);
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
    return scripts.run(Scripts.FLUSH, Keys.account(accountId), args)
        .map(r -> r.get(0).toInteger() == 1);
  }
}
