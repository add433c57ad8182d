package io.yugong.config;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settings that change without a restart (routing, prices). Each is a JSON document stored in
 * the Redis hash {@code yg:config}; a change is written there and announced on the clustered
 * event bus, and every node reloads it. A periodic reload heals a missed announcement.
 */
public final class RuntimeConfig {

  static final String REDIS_KEY = "yg:config";
  static final String ADDRESS = "yugong.config.changed";
  private static final long RELOAD_MS = 30_000;
  private static final Logger LOG = LoggerFactory.getLogger(RuntimeConfig.class);

  private final Vertx vertx;
  private final Redis redis;
  private final Map<String, JsonObject> docs = new ConcurrentHashMap<>();
  private final List<BiConsumer<String, JsonObject>> listeners = new CopyOnWriteArrayList<>();

  public RuntimeConfig(Vertx vertx, Redis redis) {
    this.vertx = vertx;
    this.redis = redis;
  }

  /** Loads every document and starts following changes. */
  public Future<Void> start() {
    vertx.eventBus().<String>consumer(ADDRESS, msg -> reload(msg.body()));
    vertx.setPeriodic(RELOAD_MS, id -> reloadAll());
    return reloadAll();
  }

  /** Calls {@code listener(name, doc)} now for every loaded document and on every change. */
  public void onChange(BiConsumer<String, JsonObject> listener) {
    listeners.add(listener);
    docs.forEach(listener);
  }

  /** The current document, or null. */
  public JsonObject get(String name) {
    return docs.get(name);
  }

  /** Stores a document and tells every node. */
  public Future<Void> put(String name, JsonObject doc) {
    return redis.send(Request.cmd(Command.HSET).arg(REDIS_KEY).arg(name).arg(doc.encode()))
        .map(r -> {
          apply(name, doc);
          vertx.eventBus().publish(ADDRESS, name);
          return null;
        });
  }

  private Future<Void> reloadAll() {
    return redis.send(Request.cmd(Command.HGETALL).arg(REDIS_KEY)).map(all -> {
      if (all != null) {
        for (String name : all.getKeys()) {
          apply(name, parse(all.get(name)));
        }
      }
      return (Void) null;
    }).onFailure(e -> LOG.warn("cannot reload runtime settings from Redis: {}", e.toString()));
  }

  private void reload(String name) {
    redis.send(Request.cmd(Command.HGET).arg(REDIS_KEY).arg(name))
        .onSuccess(r -> {
          if (r != null) {
            apply(name, parse(r));
          }
        })
        .onFailure(e -> LOG.warn("cannot reload setting {} from Redis: {}", name, e.toString()));
  }

  private static JsonObject parse(Response r) {
    return new JsonObject(r.toString());
  }

  private void apply(String name, JsonObject doc) {
    JsonObject old = docs.put(name, doc);
    if (doc.equals(old)) {
      return;
    }
    for (BiConsumer<String, JsonObject> l : listeners) {
      try {
        l.accept(name, doc);
      } catch (RuntimeException e) {
        LOG.error("setting {} could not be applied: {}", name, e.getMessage());
      }
    }
  }
}
