package io.yugong.node;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What {@code /admin/cluster} shows: each node publishes a card about itself every second into a
 * replicated map; any node can read every card locally. Cards of departed members are dropped.
 * A card is filed under the member's current id: a member that merges back after a split gets a
 * new one, and republishes its card at once, as it does whenever a member joins.
 */
public final class ClusterView {

  static final String MAP = "yugong.nodes";
  private static final long PUBLISH_MS = 1000;

  private final Vertx vertx;
  private final HazelcastInstance hz;
  private final ReplicatedMap<String, String> cards;
  private final String nodeId;
  private final JsonObject identity;
  private final NodeStats stats;
  private long timer = -1;

  ClusterView(Vertx vertx, HazelcastInstance hz, String nodeId, JsonObject identity, NodeStats stats) {
    this.vertx = vertx;
    this.hz = hz;
    this.cards = hz.getReplicatedMap(MAP);
    this.nodeId = nodeId;
    this.identity = identity;
    this.stats = stats;
  }

  Future<Void> start() {
    return vertx.executeBlocking(() -> {
      hz.getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent e) {
          publish();
        }

        @Override
        public void memberRemoved(MembershipEvent e) {
          cards.remove(e.getMember().getUuid().toString());
        }
      });
      hz.getLifecycleService().addLifecycleListener(e -> {
        if (e.getState() == LifecycleEvent.LifecycleState.MERGED) {
          publish();
        }
      });
      cards.put(memberId(), card().encode());
      return null;
    }, false).onSuccess(v -> timer = vertx.setPeriodic(PUBLISH_MS, id -> publish())).mapEmpty();
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private void publish() {
    String card = card().encode();
    vertx.executeBlocking(() -> {
      String member = memberId();
      cards.put(member, card);
      // A card left under this node's id from before a merge is nobody's.
      List<String> stale = new ArrayList<>();
      cards.forEach((id, c) -> {
        if (!id.equals(member) && nodeId.equals(new JsonObject(c).getString("nodeId"))) {
          stale.add(id);
        }
      });
      stale.forEach(cards::remove);
      return null;
    }, false);
  }

  /** This member's id now: Hazelcast gives a member a new one when it merges back after a split. */
  private String memberId() {
    return hz.getCluster().getLocalMember().getUuid().toString();
  }

  private JsonObject card() {
    long now = System.currentTimeMillis();
    return identity.copy()
        .put("uptimeSeconds", (now - stats.startedAt()) / 1000)
        .put("requestsServed", stats.served())
        .put("requestsInFlight", stats.inFlight())
        .put("settlementsBeyondHold", stats.beyondHold())
        .put("updatedAt", now);
  }

  /** True while this member is part of a running cluster. */
  public boolean joined() {
    return hz.getLifecycleService().isRunning()
        && hz.getCluster().getClusterState() == com.hazelcast.cluster.ClusterState.ACTIVE;
  }

  /**
   * The node ids of the current members that have published a card, this node's included. Reads
   * local replicas only; call it off the event loop.
   */
  public List<String> nodeIds() {
    Set<String> members = hz.getCluster().getMembers().stream()
        .map(Member::getUuid).map(Object::toString).collect(Collectors.toSet());
    String memberId = memberId();
    List<String> out = new ArrayList<>();
    out.add(nodeId);
    cards.forEach((member, card) -> {
      if (members.contains(member) && !member.equals(memberId)) {
        out.add(new JsonObject(card).getString("nodeId", member));
      }
    });
    return out;
  }

  /** Every current member's card, this node's fresh, sorted by node id. */
  public Future<JsonObject> snapshot() {
    return vertx.executeBlocking(() -> {
      Set<String> members = hz.getCluster().getMembers().stream()
          .map(Member::getUuid).map(Object::toString).collect(Collectors.toSet());
      TreeMap<String, JsonObject> sorted = new TreeMap<>();
      cards.forEach((id, card) -> {
        if (members.contains(id)) {
          JsonObject c = new JsonObject(card);
          sorted.put(c.getString("nodeId", id), c);
        }
      });
      sorted.put(nodeId, card().put("self", true));
      JsonArray nodes = new JsonArray();
      sorted.values().forEach(nodes::add);
      return new JsonObject()
          .put("clusterName", hz.getConfig().getClusterName())
          .put("members", members.size())
          .put("nodes", nodes);
    }, false);
  }
}
