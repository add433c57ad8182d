package io.yugong.keypool;

import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses among the usable keys of one level (not cooling, not disabled, not excluded for the model): the most remaining capacity (from the last
 * rate-limit headers, in powers of two so near-equals tie), then the fewest requests in flight
 * across the cluster, then the highest weight, then at random.
 */
final class Selector {

  private Selector() {
  }

  static LiveKey choose(LiveKey[] keys, int level, String model, Set<String> exclude, long tokenEstimate,
      HealthBoard health, ModelExclusions exclusions, LoadBoard load, long now) {
    LiveKey best = null;
    int bestCapacity = Integer.MIN_VALUE;
    long bestInFlight = Long.MAX_VALUE;
    int bestWeight = Integer.MIN_VALUE;
    int ties = 0;
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (LiveKey k : keys) {
      UpstreamKey r = k.record();
      if (!r.enabled() || r.level() != level || exclude.contains(r.id()) || !r.serves(model)
          || !health.usable(r.id(), now) || exclusions.excluded(r.id(), model, now)) {
        continue;
      }
      int capacity = capacityClass(load.limits(r.id()), tokenEstimate, now);
      long inFlight = load.inFlight(r.id());
      int cmp = compare(capacity, inFlight, r.weight(), bestCapacity, bestInFlight, bestWeight);
      if (cmp > 0) {
        best = k;
        bestCapacity = capacity;
        bestInFlight = inFlight;
        bestWeight = r.weight();
        ties = 1;
      } else if (cmp == 0 && random.nextInt(++ties) == 0) {
        best = k;
      }
    }
    return best;
  }

  private static int compare(int cap, long inFlight, int weight, int bestCap, long bestInFlight, int bestWeight) {
    if (cap != bestCap) {
      return cap > bestCap ? 1 : -1;
    }
    if (inFlight != bestInFlight) {
      return inFlight < bestInFlight ? 1 : -1;
    }
    return Integer.compare(weight, bestWeight);
  }

  /**
   * Remaining capacity as a class: -1 when the headers say the key cannot take this request,
   * log2 of remaining requests otherwise, and the top class when nothing is known yet.
   */
  static int capacityClass(RateLimits l, long tokenEstimate, long now) {
    long req = l.requestsNow(now);
    long tok = l.tokensNow(now);
    if (req == 0 || (tok >= 0 && tok < tokenEstimate)) {
      return -1;
    }
    if (req < 0) {
      return 62;
    }
    return 63 - Long.numberOfLeadingZeros(req + 1);
  }
}
