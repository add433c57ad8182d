package io.yugong.node;

import com.hazelcast.config.ClasspathXmlConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.TcpIpConfig;
import io.yugong.config.NodeConfig;
import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds the Hazelcast configuration of a node: cluster.xml plus the YUGONG_CLUSTER_* settings. */
final class ClusterBoot {

  private ClusterBoot() {
  }

  /**
   * Split-brain merge runs, in seconds, for an operator's cluster.xml that does not set them:
   * Hazelcast's own defaults (300 s, then every 120 s) keep a cluster split for minutes after a
   * frozen node resumes.
   */
  static final String MERGE_FIRST_RUN = "hazelcast.merge.first.run.delay.seconds";
  static final String MERGE_NEXT_RUN = "hazelcast.merge.next.run.delay.seconds";
  static final String MERGE_RUN_SECONDS = "5";

  /** The member attribute vertx-hazelcast reads the Vert.x node id from. */
  static final String VERTX_NODE_ID = "__vertx.nodeId";

  static Config hazelcastConfig(NodeConfig cfg, String nodeId) {
    Config config;
    Path file = Path.of(cfg.clusterConfigFile());
    if (Files.isRegularFile(file)) {
      try {
        config = new FileSystemXmlConfig(file.toFile());
      } catch (FileNotFoundException e) {
        throw new NodeConfig.Invalid("cannot read " + file + ": " + e.getMessage());
      }
    } else {
      config = new ClasspathXmlConfig("cluster.xml");
    }
    config.setClusterName(cfg.clusterName());
    config.getMemberAttributeConfig().setAttribute(VERTX_NODE_ID, nodeId);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    for (String merge : new String[] {MERGE_FIRST_RUN, MERGE_NEXT_RUN}) {
      if (config.getProperty(merge) == null) {
        config.setProperty(merge, MERGE_RUN_SECONDS);
      }
    }
    config.getNetworkConfig().setPort(cfg.clusterPort()).setPortAutoIncrement(true);
    if (cfg.clusterHost() != null) {
      config.getNetworkConfig().setPublicAddress(cfg.clusterHost());
    }
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    TcpIpConfig tcp = join.getTcpIpConfig().setEnabled(true);
    tcp.setMembers(cfg.clusterMembers());
    return config;
  }
}
