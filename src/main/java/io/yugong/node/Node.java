package io.yugong.node;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.yugong.accounts.Accounts;
import io.yugong.billing.BillingZone;
import io.yugong.billing.PriceBook;
import io.yugong.billing.Tariff;
import io.yugong.billing.TokenCounter;
import io.yugong.billing.Retention;
import io.yugong.billing.Wallets;
import io.yugong.config.NodeConfig;
import io.yugong.config.RuntimeConfig;
import io.yugong.keypool.RoutingRules;
import io.yugong.relay.H2cProbe;
import io.yugong.relay.ObjectOwners;
import io.yugong.gateway.GatewayVerticle;
import io.yugong.keypool.KeyPool;
import io.yugong.metrics.Metrics;
import io.yugong.security.UpstreamTrust;
import io.yugong.security.Vault;
import io.vertx.core.net.TrustOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running Yugong node: a clustered Vert.x, its services and its HTTP verticles. */
public final class Node {

  private static final Logger LOG = LoggerFactory.getLogger(Node.class);
  /** How often deleted accounts with requests in flight are tidied (their leftovers go to the heir). */
  private static final long TIDY_MS = 60_000;

  private final Vertx vertx;
  private final Services services;
  private final Redis redis;
  private final HazelcastInstance hz;

  private final Redis feedRedis;

  private final java.util.List<GatewayVerticle> gateways;

  private Node(Vertx vertx, Services services, Redis redis, Redis feedRedis, HazelcastInstance hz,
      java.util.List<GatewayVerticle> gateways) {
    this.gateways = gateways;
    this.feedRedis = feedRedis;
    this.vertx = vertx;
    this.services = services;
    this.redis = redis;
    this.hz = hz;
  }

  /** The version this jar was built as. */
  public static String version() {
    String v = Node.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /**
   * Joins (or forms) the cluster, connects to Redis and starts serving. Joining Hazelcast blocks,
   * so it runs on a thread of its own; call this from anywhere but an event loop.
   */
  public static Future<Node> start(NodeConfig cfg) {
    String nodeId = java.util.UUID.randomUUID().toString();
    Promise<HazelcastInstance> joined = Promise.promise();
    Thread t = new Thread(() -> {
      try {
        joined.complete(Hazelcast.newHazelcastInstance(ClusterBoot.hazelcastConfig(cfg, nodeId)));
      } catch (Throwable e) {
        joined.fail(e);
      }
    }, "yugong-cluster-join");
    t.start();
    return joined.future().compose(hz -> {
      // Netty's epoll transport where the platform has it (Linux x86-64; see docs/benchmarks.md),
      // else Java NIO: Vert.x falls back on its own and says so once.
      Metrics metrics = Metrics.create(nodeId);
      VertxOptions options = metrics.vertxOptions(new VertxOptions().setPreferNativeTransport(cfg.nativeTransport()),
          cfg.vertxHttpMetrics());
      if (cfg.clusterHost() != null) {
        options.setEventBusOptions(new EventBusOptions().setHost(cfg.clusterHost())
            .setClusterPublicHost(cfg.clusterHost()));
      }
      return Vertx.builder().with(options).withMetrics(metrics.factory())
          .withClusterManager(new HazelcastClusterManager(hz))
          .buildClustered()
          .recover(e -> {
            hz.shutdown();
            return Future.failedFuture(e);
          })
          .compose(vertx -> {
            // Completed from no Vert.x context: a failed start closes this Vert.x, and a future
            // bound to it would never tell its caller (a node whose port is taken hung).
            Promise<Node> started = Promise.promise();
            boot(vertx, hz, cfg, nodeId, metrics, options).onComplete(ar -> {
              if (ar.succeeded()) {
                started.complete(ar.result());
                return;
              }
              LOG.error("node {} failed to start", nodeId, ar.cause());
              vertx.close().onComplete(closed -> leaveThen(hz, () -> started.fail(ar.cause())));
            });
            return started.future();
          });
    });
  }

  private static Future<Node> boot(Vertx vertx, HazelcastInstance hz, NodeConfig cfg, String nodeId,
      Metrics metrics, VertxOptions options) {
    Redis redis = Redis.createClient(vertx, new RedisOptions()
        .setConnectionString(cfg.redis())
        .setMaxPoolSize(cfg.redisPoolSize())
        // A burst queues here, it is not an outage: the queue is bounded by the requests in flight,
        // and StoreHealth (not the queue) decides when Redis is down.
        .setMaxPoolWaiting(-1)
        .setMaxWaitingHandlers(1 << 20)
        .setNetClientOptions(new io.vertx.core.net.NetClientOptions()
            .setConnectTimeout(StoreHealth.PING_DEADLINE_MS)
            .setTcpKeepAlive(true).setTcpNoDelay(true)));
    StoreHealth storeHealth = new StoreHealth(cfg.redis());
    storeHealth.start();
    Vault vault = new Vault(cfg.masterKey());
    NodeStats stats = new NodeStats();
    TrustOptions upstreamTrust = cfg.upstreamCaFile() == null ? null
        : TrustOptions.wrap(UpstreamTrust.withExtraCas(cfg.upstreamCaFile()));
    KeyPool keyPool = new KeyPool(vertx, redis, hz, vault, cfg.upstream(), upstreamTrust);
    Wallets wallets = new Wallets(redis, Retention.forSettings(cfg.ledgerEntries(),
        StoreHealth.SAFETY_DEADLINE_MS, cfg.holdTtlMs()), BillingZone.of(cfg.billingZone()));
    // The change stream is followed on connections of its own: its poll must answer within the
    // cache's trust window (1.5 s) even while a burst queues on the request path's pool.
    Redis feedRedis = Redis.createClient(vertx, new RedisOptions()
        .setConnectionString(cfg.redis())
        .setMaxPoolSize(2)
        .setNetClientOptions(new io.vertx.core.net.NetClientOptions()
            .setConnectTimeout(StoreHealth.PING_DEADLINE_MS)
            .setTcpKeepAlive(true).setTcpNoDelay(true)));
    java.util.List<GatewayVerticle> gateways = new java.util.concurrent.CopyOnWriteArrayList<>();
    Accounts accounts = new Accounts(vertx, redis, feedRedis, vault, wallets, cfg.maxChildren(),
        cfg.maxDepth());
    Tariff tariff = new Tariff();
    JsonObject identity = new JsonObject()
        .put("nodeId", nodeId)
        .put("address", hz.getCluster().getLocalMember().getAddress().getHost())
        .put("clusterPort", hz.getCluster().getLocalMember().getAddress().getPort())
        .put("httpPort", cfg.port())
        .put("version", version())
        .put("startedAt", stats.startedAt());
    ClusterView view = new ClusterView(vertx, hz, nodeId, identity, stats);
    RuntimeConfig runtime = new RuntimeConfig(vertx, redis);
    Services services = new Services(cfg, runtime, nodeId, redis, keyPool, accounts, wallets, tariff, stats, view,
        upstreamTrust, storeHealth, new ObjectOwners(redis, storeHealth, cfg.storedObjectTtlSeconds()), metrics,
        new H2cProbe(vertx));
    metrics.bind(vertx, keyPool, wallets, tariff, stats, storeHealth);
    runtime.onChange((name, doc) -> {
      if (name.equals("routing")) {
        keyPool.routing(RoutingRules.fromJson(doc));
      } else if (name.equals("prices")) {
        tariff.prices(PriceBook.fromJson(doc));
      }
    });
    return runtime.start()
        .compose(v -> wallets.start())
        .compose(v -> vertx.executeBlocking(() -> {
          TokenCounter.warmUp();
          return null;
        }, false))
        .compose(v -> keyPool.start())
        .compose(v -> cfg.initKeys().isEmpty() ? Future.succeededFuture() : keyPool.seed(cfg.initKeys())
            .map(n -> {
              LOG.info("INIT_KEYS: {} of {} key(s) added, the rest already in the pool", n, cfg.initKeys().size());
              return null;
            }))
        .compose(v -> accounts.start(cfg.adminKey(), nodeId, view::nodeIds))
        .compose(v -> view.start())
        .compose(v -> metrics.start(options))
        .compose(v -> metrics.listen(cfg))
        .compose(v -> vertx.deployVerticle(() -> {
          GatewayVerticle g = new GatewayVerticle(services);
          gateways.add(g);
          return g;
        }, new DeploymentOptions().setInstances(cfg.httpInstances())))
        .map(id -> {
          vertx.setPeriodic(TIDY_MS, TIDY_MS, t -> wallets.tidyDeleted().onFailure(e -> LOG.warn(
              "tidying deleted accounts failed ({}); next try in {} s", e.toString(), TIDY_MS / 1000)));
          LOG.info("node {} serving on port {} (cluster '{}', {} member(s))", nodeId, cfg.port(),
              cfg.clusterName(), hz.getCluster().getMembers().size());
          return new Node(vertx, services, redis, feedRedis, hz, gateways);
        });
  }

  public Services services() {
    return services;
  }

  public Vertx vertx() {
    return vertx;
  }

  public String nodeId() {
    return services.nodeId();
  }

  public int port() {
    return services.config().port();
  }

  /** The routes the node's HTTP router mounts, in order (every instance mounts the same). */
  public java.util.List<io.vertx.ext.web.Route> routes() {
    return gateways.get(0).routes();
  }

  /** This node's Hazelcast member, for tools and tests that inspect the shared maps. */
  public HazelcastInstance hazelcast() {
    return hz;
  }

  /** Leaves the cluster and releases everything. */
  public Future<Void> close() {
    services.stats().stopping();
    services.cluster().stop();
    services.keyPool().stop();
    services.storeHealth().stop();
    return services.wallets().closeSlices()
        .transform(x -> services.metrics().close())
        .transform(x -> services.accounts().stop().otherwiseEmpty())
        .transform(x -> {
          feedRedis.close();
          return redis.close();
        }).transform(x -> vertx.close())
        .transform(x -> {
          // after the event loops: the lines of the last requests are written first
          RequestLog.close(services.nodeId());
          return shutdown(hz);
        });
  }

  /** Leaves the cluster on a thread of its own, then runs {@code then} there. */
  private static void leaveThen(HazelcastInstance hz, Runnable then) {
    new Thread(() -> {
      try {
        hz.shutdown();
      } finally {
        then.run();
      }
    }, "yugong-cluster-leave").start();
  }

  private static Future<Void> shutdown(HazelcastInstance hz) {
    Promise<Void> done = Promise.promise();
    leaveThen(hz, done::complete);
    return done.future();
  }
}
