package io.yugong.mock;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A running OpenAI emulator: {@link MockOptions#instances()} HTTP verticles on one port sharing one
 * {@link MockControl}.
 */
public final class MockUpstream {


  private final Vertx vertx;
  private final List<String> deployments;
  private final int port;
  private final MockControl control;

  private MockUpstream(Vertx vertx, List<String> deployments, int port, MockControl control) {
    this.vertx = vertx;
    this.deployments = deployments;
    this.port = port;
    this.control = control;
  }

  /** Deploys the emulator. With port 0 one instance picks a free port first and the others join it. */
  public static Future<MockUpstream> start(Vertx vertx, MockOptions options) {
    MockOptions opts = new MockOptions(options);
    MockControl control = new MockControl();
    MockEnv env = new MockEnv(vertx, opts, control);
    AtomicInteger bound = new AtomicInteger();
    if (opts.port() != 0 || opts.instances() == 1) {
      return deploy(env, opts.port(), opts.instances(), bound)
          .map(id -> new MockUpstream(vertx, List.of(id), bound.get(), control));
    }
    // every instance listens on one free port (Vert.x shares one server among the verticles
    // listening on the same port); another socket may take the port between the choice and the
    // bind: then another one
    return deployOnFreePort(env, opts.instances(), bound, 3)
        .map(id -> new MockUpstream(vertx, List.of(id), bound.get(), control));
  }

  private static Future<String> deployOnFreePort(MockEnv env, int instances, AtomicInteger bound, int tries) {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(env.options().host()))) {
      port = s.getLocalPort();
    } catch (java.io.IOException e) {
      return Future.failedFuture(e);
    }
    return deploy(env, port, instances, bound).recover(e -> tries > 1 && String.valueOf(e.getMessage()).contains("Address already in use")
        ? deployOnFreePort(env, instances, bound, tries - 1) : Future.failedFuture(e));
  }

  private static Future<String> deploy(MockEnv env, int port, int instances, AtomicInteger bound) {
    return env.vertx().deployVerticle(() -> new MockVerticle(env, port, bound::set),
        new DeploymentOptions().setInstances(instances));
  }

  /** The port actually listened on. */
  public int port() {
    return port;
  }

  public MockControl control() {
    return control;
  }

  /** Undeploys every instance. */
  public Future<Void> close() {
    List<Future<Void>> undeploys = new ArrayList<>();
    for (int i = deployments.size() - 1; i >= 0; i--) {
      undeploys.add(vertx.undeploy(deployments.get(i)));
    }
    return Future.all(undeploys).mapEmpty();
  }
}
