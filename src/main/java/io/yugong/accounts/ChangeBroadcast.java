package io.yugong.accounts;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells every other live node about an account change and waits until each has dropped what it
 * cached, for at most {@value #ACK_TIMEOUT_MS} ms. Each node listens on an address of its own,
 * {@code yugong.accounts.changed.<nodeId>}, and answers once its cache has forgotten; a node that
 * does not answer in time (frozen, partitioned) is left to the {@link ChangeFeed}.
 */
final class ChangeBroadcast {

  static final String ADDRESS_PREFIX = "yugong.accounts.changed.";
  static final long ACK_TIMEOUT_MS = 1000;

  private static final Logger LOG = LoggerFactory.getLogger(ChangeBroadcast.class);

  private final Vertx vertx;
  private final String nodeId;
  private final Supplier<Collection<String>> liveNodes;
  private final Consumer<JsonObject> onChange;
  private final DeliveryOptions delivery = new DeliveryOptions().setSendTimeout(ACK_TIMEOUT_MS);
  private MessageConsumer<JsonObject> consumer;

  /**
   * {@code liveNodes} lists the node ids of the cluster's current members (this one may be among
   * them); it is called on a worker thread.
   */
  ChangeBroadcast(Vertx vertx, String nodeId, Supplier<Collection<String>> liveNodes,
      Consumer<JsonObject> onChange) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.liveNodes = liveNodes;
    this.onChange = onChange;
  }

  Future<Void> start() {
    consumer = vertx.eventBus().consumer(ADDRESS_PREFIX + nodeId, msg -> {
      onChange.accept(msg.body());
      msg.reply(Boolean.TRUE);
    });
    return consumer.completion();
  }

  Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /**
   * Asks every other live node to forget and completes with the ids of those that confirmed,
   * when all have or after the bound; never fails.
   */
  Future<Set<String>> tell(JsonObject notice) {
    return vertx.executeBlocking(() -> List.copyOf(liveNodes.get()), false)
        .compose(nodes -> {
          List<String> others = new ArrayList<>();
          List<Future<?>> acks = new ArrayList<>();
          for (String n : nodes) {
            if (n != null && !n.equals(nodeId)) {
              others.add(n);
              acks.add(vertx.eventBus().request(ADDRESS_PREFIX + n, notice, delivery));
            }
          }
          return Future.join(acks).<Set<String>>transform(ar -> {
            Set<String> confirmed = new HashSet<>();
            List<String> silent = new ArrayList<>();
            for (int i = 0; i < acks.size(); i++) {
              (acks.get(i).succeeded() ? confirmed : silent).add(others.get(i));
            }
            if (!silent.isEmpty()) {
              LOG.warn("account {} changed; node(s) {} did not confirm within {} ms ({}); the change "
                  + "stream covers them", notice.getString("id"), silent, ACK_TIMEOUT_MS,
                  ar.failed() ? ar.cause().toString() : "");
            }
            return Future.succeededFuture(confirmed);
          });
        })
        .recover(e -> {
          LOG.warn("account {} changed; the cluster's members are unknown ({}); the change stream "
              + "covers the other nodes", notice.getString("id"), e.toString());
          return Future.succeededFuture(Set.of());
        });
  }
}
