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
