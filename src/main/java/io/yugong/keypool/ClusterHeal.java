package io.yugong.keypool;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the shared key state together again after the cluster was split (a frozen or cut-off
 * node that Hazelcast dropped and then merged back). A merge keeps one entry per key of each
 * replicated map and replaces the merging side's copies without telling its listeners, so
 * whenever this member merges back, or another member joins, the node reconciles its own copy
 * with the shared maps a few times over the next seconds, while the merge settles.
 */
final class ClusterHeal {

  /** When to reconcile after a merge or a join: soon, and again once the merge has settled. */
  static final long[] AFTER_MS = {500, 3_000, 10_000};
  private static final Logger LOG = LoggerFactory.getLogger(ClusterHeal.class);

  private final Vertx vertx;
  private final HazelcastInstance hz;
  private final Runnable heal;

  ClusterHeal(Vertx vertx, HazelcastInstance hz, Runnable heal) {
    this.vertx = vertx;
    this.hz = hz;
    this.heal = heal;
  }

  /** Follows the cluster; call it off the event loop (it registers Hazelcast listeners). */
  void start() {
    hz.getLifecycleService().addLifecycleListener(e -> {
      if (e.getState() == LifecycleEvent.LifecycleState.MERGED) {
        LOG.info("this node merged back into the cluster after a split; reconciling key health, "
            + "exclusions and load");
        schedule();
      }
    });
    hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        schedule();
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
      }
    });
  }

  private void schedule() {
    for (long delay : AFTER_MS) {
      vertx.setTimer(delay, id -> heal.run());
    }
  }
}
