// The floor under Yugong's figures in scripts/bench.sh (BENCH_FLOOR=1): the plainest proxy the
// same Vert.x HTTP stack makes, with the node's transport and pools, and none of Yugong's work
// (no auth, limits, holds, metering, settlement, log). Run from the source with the built jar:
//   java -cp target/yugong.jar scripts/vertx-floor.java UPSTREAM_PORT LISTEN_PORT
// It reads each request body whole, sends it upstream on a keep-alive pool, and streams the
// answer back chunk by chunk, as Yugong does.

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

public class VertxFloor extends VerticleBase {

  private final int upstreamPort;
  private final int port;
  private HttpClient client;

  VertxFloor(int upstreamPort, int port) {
    this.upstreamPort = upstreamPort;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    client = vertx.httpClientBuilder()
        .with(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true))
        .with(new PoolOptions().setHttp1MaxSize(256)).build();
    return vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true)).requestHandler(req ->
        req.body().onSuccess(body -> {
          RequestOptions o = new RequestOptions().setHost("127.0.0.1").setPort(upstreamPort)
              .setURI(req.uri()).setMethod(req.method()).setHeaders(HttpHeaders.headers().addAll(req.headers()));
          client.request(o).compose(c -> c.send(body)).onComplete(ar -> {
            HttpServerResponse r = req.response();
            if (ar.failed()) {
              r.setStatusCode(502).end();
              return;
            }
            r.setStatusCode(ar.result().statusCode()).setChunked(true);
            r.headers().set(HttpHeaders.CONTENT_TYPE, ar.result().getHeader(HttpHeaders.CONTENT_TYPE));
            ar.result().handler(r::write).endHandler(v -> r.end());
          });
        })).listen(port);
  }

  public static void main(String[] args) {
    int upstreamPort = Integer.parseInt(args[0]);
    int port = Integer.parseInt(args[1]);
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    vertx.deployVerticle(() -> new VertxFloor(upstreamPort, port),
        new DeploymentOptions().setInstances(2 * Runtime.getRuntime().availableProcessors()))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
  }
}
