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

  private static final AtomicInteger RANDOM_PORT_KEYS = new AtomicInteger();

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
    // A negative port makes Vert.x pick one free port shared by every server listening with that same negative
    // value; a distinct value per emulator keeps two emulators in one Vertx from sharing a port.
    int port = opts.port() == 0 ? -(1 + RANDOM_PORT_KEYS.getAndIncrement() % 30_000) : opts.port();
    return deploy(env, port, opts.instances(), bound)
        .map(id -> new MockUpstream(vertx, List.of(id), bound.get(), control));
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
