package io.yugong;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.yugong.config.NodeConfig;
import io.yugong.node.Node;
import io.yugong.testing.TestRedis;
import java.net.URI;
import java.net.http.*;
import java.util.*;
import org.junit.jupiter.api.Test;

class SmokeTmpTest {
  @Test
  void smoke() throws Exception {
    Vertx v = Vertx.vertx();
    var srv = v.createHttpServer().requestHandler(req -> {
      req.body().onSuccess(b -> {
        if (req.path().contains("stream")) {
          req.response().putHeader("content-type", "text/event-stream").setChunked(true);
          req.response().write("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n");
          req.response().end("data: [DONE]\n\n");
        } else {
          req.response().putHeader("content-type", "application/json").end(new JsonObject().put("auth", req.getHeader("authorization")).put("path", req.uri()).put("body", b.toString()).encode());
        }
      });
    }).listen(0).toCompletionStage().toCompletableFuture().get();
    String mk = Base64.getEncoder().encodeToString(new byte[32]);
    int p1 = TestRedis.freePort(), p2 = TestRedis.freePort(), c1 = TestRedis.freePort(), c2 = TestRedis.freePort();
    Map<String,String> env = new HashMap<>(Map.of("YUGONG_REDIS", TestRedis.get().url(), "YUGONG_MASTER_KEY", mk, "YUGONG_ADMIN_KEY", "sk-admin-1234567890",
      "YUGONG_UPSTREAM", "http://127.0.0.1:" + srv.actualPort(), "YUGONG_CLUSTER_MEMBERS", "127.0.0.1:"+c1+",127.0.0.1:"+c2, "YUGONG_CLUSTER_NAME", "smoke", "YUGONG_HTTP_INSTANCES", "2", "YUGONG_CLUSTER_CONFIG", "/none"));
    env.put("YUGONG_PORT", ""+p1); env.put("YUGONG_CLUSTER_PORT", ""+c1);
    long t0 = System.currentTimeMillis();
    Node n1 = Node.start(NodeConfig.from(env)).toCompletionStage().toCompletableFuture().get();
    env.put("YUGONG_PORT", ""+p2); env.put("YUGONG_CLUSTER_PORT", ""+c2);
    Node n2 = Node.start(NodeConfig.from(env)).toCompletionStage().toCompletableFuture().get();
    System.out.println("BOOT ms " + (System.currentTimeMillis() - t0));
    HttpClient h = HttpClient.newHttpClient();
    java.util.function.BiFunction<String,String[],String> call = (x, a) -> { try {
      var b = HttpRequest.newBuilder(URI.create(a[0])).method(a[1], a[2]==null? HttpRequest.BodyPublishers.noBody(): HttpRequest.BodyPublishers.ofString(a[2])).header("Authorization","Bearer "+x);
      var r = h.send(b.build(), HttpResponse.BodyHandlers.ofString()); return r.statusCode()+" "+r.headers().map()+" "+r.body(); } catch (Exception e) { return e.toString(); } };
    System.out.println(call.apply("sk-admin-1234567890", new String[]{"http://127.0.0.1:"+p1+"/admin/keys","POST","{\"key\":\"sk-upstream-abcdefghijk\"}"}));
    System.out.println(call.apply("sk-admin-1234567890", new String[]{"http://127.0.0.1:"+p2+"/admin/keys","GET",null}));
    String acct = call.apply("sk-admin-1234567890", new String[]{"http://127.0.0.1:"+p1+"/x-users","POST","{\"Name\":\"alice\",\"CreditGranted\":5}"});
    System.out.println(acct);
    String key = new JsonObject(acct.substring(acct.indexOf("]} {")+3)).getString("SecretKey");
    System.out.println(call.apply(key, new String[]{"http://127.0.0.1:"+p2+"/v1/chat/completions","POST","{\"model\":\"gpt-4o\"}"}));
    System.out.println(call.apply(key, new String[]{"http://127.0.0.1:"+p2+"/v1/stream","POST","{\"model\":\"gpt-4o\"}"}));
    System.out.println(call.apply(key, new String[]{"http://127.0.0.1:"+p2+"/dashboard/x_user/info","GET",null}));
    System.out.println(call.apply("bad", new String[]{"http://127.0.0.1:"+p2+"/v1/models","GET",null}));
    System.out.println(call.apply(key, new String[]{"http://127.0.0.1:"+p2+"/v1/chat/completions","POST","{bad"}));
    System.out.println(call.apply("sk-admin-1234567890", new String[]{"http://127.0.0.1:"+p2+"/admin/cluster","GET",null}));
    n1.close().toCompletionStage().toCompletableFuture().get();
    n2.close().toCompletionStage().toCompletableFuture().get();
  }
}
