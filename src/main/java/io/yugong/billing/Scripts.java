package io.yugong.billing;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The wallet's Lua scripts: read from the classpath (each one is {@code lib.lua} followed by the
 * script's own file, with the {@link Retention}'s values and the {@link BillingZone}'s offsets filled in), loaded with SCRIPT LOAD, run with EVALSHA. When Redis answers NOSCRIPT (it
 * restarted, or someone ran SCRIPT FLUSH) the call is made again with EVAL, which also puts the
 * script back into Redis's cache under the same sha.
 */
final class Scripts {

  static final String RESERVE = "reserve";
  static final String SETTLE = "settle";
  static final String RELEASE = "release";
  static final String MINT = "mint";
  static final String FUND = "fund";
  static final String VIEW = "view";
  static final String DELETE = "delete";
  static final String TIDY = "tidy";
  static final String RESCALE = "rescale";
  static final String SLICE = "slice";
  static final String FLUSH = "flush";

  private static final List<String> NAMES =
      List.of(RESERVE, SETTLE, RELEASE, MINT, FUND, VIEW, DELETE, TIDY, RESCALE, SLICE, FLUSH);

  private record Script(String source, String sha) {}

  private final Redis redis;
  private final Map<String, Script> scripts = new LinkedHashMap<>();

  Scripts(Redis redis, Retention retention) {
    this(redis, retention, BillingZone.UTC);
  }

  Scripts(Redis redis, Retention retention, BillingZone zone) {
    this.redis = redis;
    String lib = retention.fill(zone.fill(resource("lib")));
    for (String name : NAMES) {
      String source = lib + "\n" + resource(name);
      scripts.put(name, new Script(source, sha1(source)));
    }
  }

  /** SCRIPT LOAD of every script. */
  Future<Void> load() {
    List<Future<Response>> loads = new ArrayList<>();
    for (Script s : scripts.values()) {
      loads.add(redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(s.source()))
          .map(sha -> {
            if (!s.sha().equals(sha.toString())) {
              throw new IllegalStateException("Redis gave sha " + sha + ", expected " + s.sha());
            }
            return sha;
          }));
    }
    return Future.all(loads).mapEmpty();
  }

  String sha(String name) {
    return script(name).sha();
  }

  /** EVALSHA, or EVAL when Redis no longer has the script. */
  Future<Response> run(String name, List<String> keys, List<String> args) {
    Script s = script(name);
    return redis.send(request(Command.EVALSHA, s.sha(), keys, args)).recover(err -> {
      if (isNoScript(err)) {
        return redis.send(request(Command.EVAL, s.source(), keys, args));
      }
      return Future.failedFuture(err);
    });
  }

  private Script script(String name) {
    Script s = scripts.get(name);
    if (s == null) {
      throw new IllegalArgumentException("no script " + name);
    }
    return s;
  }

  private static Request request(Command cmd, String scriptOrSha, List<String> keys,
      List<String> args) {
    Request r = Request.cmd(cmd).arg(scriptOrSha).arg(keys.size());
    keys.forEach(r::arg);
    args.forEach(r::arg);
    return r;
  }

  private static boolean isNoScript(Throwable err) {
    String m = err.getMessage();
    return m != null && m.startsWith("NOSCRIPT");
  }

  private static String resource(String name) {
    String path = "io/yugong/billing/" + name + ".lua";
    try (InputStream in = Scripts.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1(String source) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(md.digest(source.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
