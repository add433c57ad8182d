package io.yugong.node;

import io.vertx.core.net.TrustOptions;
import io.vertx.redis.client.Redis;
import io.yugong.accounts.Accounts;
import io.yugong.billing.Tariff;
import io.yugong.billing.Wallets;
import io.yugong.config.NodeConfig;
import io.yugong.config.RuntimeConfig;
import io.yugong.keypool.KeyPool;
import io.yugong.metrics.Metrics;
import io.yugong.relay.H2cProbe;
import io.yugong.relay.ObjectOwners;

/**
 * The node-wide services every HTTP verticle instance shares. All are thread-safe.
 * {@code storeHealth} says whether Redis is up; calls on the request path go through its guard.
 * {@code objectOwners} knows which upstream key holds each stored object an account created.
 * {@code metrics} is the node's registry and the request path's meters.
 * {@code upstreamTrust} is null when the JDK's CAs are all that is trusted upstream.
 * {@code h2cProbe} learns which cleartext upstream hosts speak HTTP/2.
 */
public record Services(
    NodeConfig config,
    RuntimeConfig runtime,
    String nodeId,
    Redis redis,
    KeyPool keyPool,
    Accounts accounts,
    Wallets wallets,
    Tariff tariff,
    NodeStats stats,
    ClusterView cluster,
    TrustOptions upstreamTrust,
    StoreHealth storeHealth,
    ObjectOwners objectOwners,
    Metrics metrics,
    H2cProbe h2cProbe) {
}
