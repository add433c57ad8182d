package io.yugong.keypool;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.net.TrustOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.yugong.security.Secrets;
import io.yugong.security.Vault;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool of upstream keys as this node sees it. Records live sealed in Redis (the truth) and
 * in a Hazelcast replicated map (the cluster copy); each node keeps a local replica with the
 * secrets opened in memory, plus the shared health and load boards, so choosing a key never
 * leaves the node.
 */
public final class KeyPool {

  static final String REDIS_KEYS = "yg:keys";
  static final String MAP_KEYS = "yugong.keys";
  static final String UNOPENABLE = "cannot be opened with this node's master key";
  private static final Logger LOG = LoggerFactory.getLogger(KeyPool.class);

  private final Vertx vertx;
  private final Redis redis;
  private final HazelcastInstance hz;
  private final ReplicatedMap<String, String> cluster;
  private final Vault vault;
  private final String defaultBaseUrl;
  private final ExecutorService writer;
  private final HealthBoard health;
  /** How often each node reconciles its key health and exclusions with the shared maps. */
  static final long RECONCILE_MS = 5_000;
  private volatile long reconcileTimer = -1;
  private final ModelExclusions exclusions;
  private final LoadBoard load;
  private final Prober prober;
  private final Map<String, LiveKey> live = new ConcurrentHashMap<>();
  /** Records this node cannot open (sealed under another master key): listed, never used. */
  private final Map<String, UpstreamKey> unopenable = new ConcurrentHashMap<>();
  private volatile LiveKey[] snapshot = new LiveKey[0];
  private volatile RoutingRules routing = RoutingRules.NONE;
  /** Told of every verdict a lease ends with (for metrics); never of a probe's. */
  private volatile java.util.function.BiConsumer<String, Verdict> verdicts = (id, v) -> { };

  /**
   * The keys of one level as this node sees them now: usable (enabled and not cooling), cooling,
   * disabled (by an operator, dead, or not openable here), usable but excluded for at least one
   * model; and the capacity upstream's {@code x-ratelimit-*} headers last reported, summed over the
   * usable keys that reported it (requests and tokens left in their windows).
   */
  public record LevelState(int level, int usable, int cooling, int disabled, int excluded,
      long remainingRequests, long remainingTokens) {}

  public KeyPool(Vertx vertx, Redis redis, HazelcastInstance hz, Vault vault, String defaultBaseUrl,
      TrustOptions upstreamTrust) {
    this.vertx = vertx;
    this.redis = redis;
    this.hz = hz;
    this.cluster = hz.getReplicatedMap(MAP_KEYS);
    this.vault = vault;
    this.defaultBaseUrl = normaliseBaseUrl(defaultBaseUrl);
    this.writer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "yugong-keypool-writer");
      t.setDaemon(true);
      return t;
    });
    Executor publish = this::publish;
    this.health = new HealthBoard(hz, publish);
    this.exclusions = new ModelExclusions(hz, publish);
    this.load = new LoadBoard(vertx, hz, publish);
    this.prober = new Prober(vertx, hz, this, health, upstreamTrust);
  }

  /** Loads the keys from Redis into the cluster map and starts following the cluster. */
  public Future<Void> start() {
    return vertx.executeBlocking(() -> {
      health.start();
      exclusions.start();
      load.start();
      hz.getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent e) {
        }

        @Override
        public void memberRemoved(MembershipEvent e) {
          load.memberLeft(e.getMember().getUuid().toString());
        }
      });
      cluster.addEntryListener(new MapFollower((k, v) -> accept(v), this::drop, () -> {
        live.clear();
        rebuild();
      }));
      cluster.values().forEach(this::accept);
      new ClusterHeal(vertx, hz, this::heal).start();
      // Anti-entropy: whatever a merge replayed or dropped, and in whatever order its events came,
      // every node ends with the newest health and exclusions within this period. Reads the local
      // replicas; writes only where this node knows something newer.
      reconcileTimer = vertx.setPeriodic(RECONCILE_MS, RECONCILE_MS, t -> publish(() -> {
        health.heal();
        exclusions.heal();
      }));
      return null;
    }, false).compose(v -> reload())
        .onSuccess(v -> prober.start())
        .mapEmpty();
  }

  /** Puts the records of Redis (the truth) into this node's replica and the cluster map. */
  private Future<Void> reload() {
    return redis.send(Request.cmd(Command.HGETALL).arg(REDIS_KEYS))
        .compose(all -> vertx.executeBlocking(() -> {
          for (String id : all.getKeys()) {
            String stored = all.get(id).toString();
            accept(stored);
            if (!stored.equals(cluster.get(id))) {
              cluster.put(id, stored);
            }
          }
          return null;
        }, false))
        .mapEmpty();
  }

  /** After a split: the shared health, exclusions and load reconciled, the records read from Redis again. */
  private void heal() {
    publish(() -> {
      health.heal();
      exclusions.heal();
      load.heal();
    });
    reload().onFailure(e -> LOG.warn("re-reading the upstream keys after a cluster merge failed: {}", e.toString()));
  }

  public void stop() {
    vertx.cancelTimer(reconcileTimer);
    prober.stop();
    load.stop();
    writer.shutdown();
  }

  /** Runs a write to the shared maps on the writer thread; none once the node is stopping. */
  private void publish(Runnable task) {
    try {
      writer.execute(task);
    } catch (RejectedExecutionException e) {
      // the node is stopping: nothing more to publish
    }
  }

  /** Replaces the routing rules (model mapping, levels, switch-over). */
  public void routing(RoutingRules rules) {
    this.routing = rules;
  }

  public RoutingRules routing() {
    return routing;
  }

  /** Adds a key from an admin request {@code {key, baseUrl?, models?, name?, level?, weight?, org?}}. */
  public Future<UpstreamKey> add(JsonObject req) {
    return add(req, "key_" + Secrets.randomHex(16));
  }

  /**
   * The id a secret gets when it is added once only ({@code INIT_KEYS}, ProxyXAI's
   * {@code /x-keys}): from its peppered hash, so the same secret always has the same id and the
   * id tells nothing of the secret.
   */
  public String idOf(String secret) {
    return "key_" + vault.hashKey(secret.trim()).substring(0, 32);
  }

  /** Adds a key as {@link #add(JsonObject)} does, under the given id (replacing a record of that id). */
  public Future<UpstreamKey> add(JsonObject req, String id) {
    try {
      check(req);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    String secret = req.getString("key");
    UpstreamKey key;
    try {
      key = new UpstreamKey(id, req.getString("name", id), vault.seal(secret.trim(), id),
          Secrets.mask(secret.trim()), normaliseBaseUrl(req.getString("baseUrl", defaultBaseUrl)),
          models(req.getValue("models")), req.getInteger("level", 1), req.getInteger("weight", 1),
          req.getString("org"), true, null, System.currentTimeMillis());
    } catch (ClassCastException e) {
      return Future.failedFuture(new IllegalArgumentException("a key field has the wrong type: " + e.getMessage()));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    return save(key).map(key);
  }

  /**
   * Adds the keys an operator seeds at boot ({@code INIT_KEYS}) that the pool does not hold yet.
   * A key's id is derived from its peppered hash, so seeding again, or from several nodes at once,
   * adds each key once; a key an operator changed or disabled since is left as it is. Completes
   * with the number added. Secrets are never logged.
   */
  public Future<Integer> seed(java.util.List<String> secrets) {
    Future<Integer> chain = Future.succeededFuture(0);
    for (String secret : secrets) {
      String id = idOf(secret);
      chain = chain.compose(n -> redis.send(Request.cmd(Command.HEXISTS).arg(REDIS_KEYS).arg(id))
          .compose(r -> {
            if (r.toInteger() == 1 || live.containsKey(id)) {
              return Future.succeededFuture(n);
            }
            try {
              UpstreamKey key = new UpstreamKey(id, "init-" + id.substring(4, 12), vault.seal(secret, id),
                  Secrets.mask(secret), normaliseBaseUrl(defaultBaseUrl), models(null), 1, 1, null, true, null,
                  System.currentTimeMillis());
              return save(key).map(v -> n + 1);
            } catch (IllegalArgumentException e) {
              return Future.failedFuture(new IllegalArgumentException("INIT_KEYS holds a key that cannot be added"));
            }
          }));
    }
    return chain;
  }

  /**
   * Checks an add request without adding anything, so a bulk import can refuse a bad item before
   * any key of it is stored; throws IllegalArgumentException naming the problem.
   */
  public void check(JsonObject req) {
    Object secret = req.getValue("key");
    if (!(secret instanceof String s) || s.isBlank()) {
      throw new IllegalArgumentException("'key' is required and must be a string");
    }
    Object baseUrl = req.getValue("baseUrl");
    if (baseUrl != null && !(baseUrl instanceof String)) {
      throw new IllegalArgumentException("'baseUrl' must be a string");
    }
    normaliseBaseUrl(baseUrl == null ? defaultBaseUrl : (String) baseUrl);
    for (String field : new String[] {"level", "weight"}) {
      Object v = req.getValue(field);
      if (v != null && !(v instanceof Integer || v instanceof Long)) {
        throw new IllegalArgumentException("'" + field + "' must be a whole number");
      }
    }
    models(req.getValue("models"));
  }

  /** Changes level, models, weight, name, baseUrl or enabled of a key; null when there is none. */
  public Future<UpstreamKey> update(String id, JsonObject patch) {
    LiveKey k = live.get(id);
    if (k == null) {
      return Future.succeededFuture(null);
    }
    UpstreamKey r = k.record();
    UpstreamKey next;
    try {
      next = r.withRouting(patch.getInteger("level", r.level()),
          patch.containsKey("models") ? models(patch.getValue("models")) : r.models(),
          patch.getInteger("weight", r.weight()), patch.getString("name", r.name()));
      if (patch.getValue("baseUrl") != null) {
        next = next.withBaseUrl(normaliseBaseUrl(patch.getString("baseUrl")));
      }
    } catch (ClassCastException e) {
      return Future.failedFuture(new IllegalArgumentException("a field has the wrong type: " + e.getMessage()));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    Boolean enabled = patch.getBoolean("enabled");
    if (Boolean.TRUE.equals(enabled)) {
      next = next.withEnabled(true, null);
      health.put(id, Health.FRESH);
      exclusions.forget(id);
    } else if (Boolean.FALSE.equals(enabled)) {
      next = next.withEnabled(false, patch.getString("reason", "disabled by an operator"));
    }
    UpstreamKey saved = next;
    return save(saved).map(saved);
  }

  private static List<String> models(Object value) {
    List<String> out = new ArrayList<>();
    if (value instanceof JsonArray a) {
      a.forEach(x -> out.add(String.valueOf(x).trim()));
    } else if (value instanceof String s) {
      for (String m : s.split(",")) {
        if (!m.isBlank()) {
          out.add(m.trim());
        }
      }
    } else if (value != null) {
      throw new IllegalArgumentException("'models' must be a list of model names");
    }
    return out;
  }

  /** Persists a record in Redis, then in the cluster map. */
  Future<Void> save(UpstreamKey key) {
    String stored = key.toStored().encode();
    return redis.send(Request.cmd(Command.HSET).arg(REDIS_KEYS).arg(key.id()).arg(stored))
        .compose(r -> vertx.executeBlocking(() -> {
          accept(stored);
          cluster.put(key.id(), stored);
          return null;
        }, false))
        .mapEmpty();
  }

  /** Removes a key everywhere; false when there was none. */
  public Future<Boolean> remove(String id) {
    return redis.send(Request.cmd(Command.HDEL).arg(REDIS_KEYS).arg(id))
        .compose(r -> vertx.executeBlocking(() -> {
          boolean existed = cluster.remove(id) != null || r.toInteger() > 0;
          drop(id);
          health.forget(id);
          exclusions.forget(id);
          return existed;
        }, false));
  }

  public Optional<UpstreamKey> find(String id) {
    LiveKey k = live.get(id);
    if (k == null) {
      UpstreamKey sealed = unopenable.get(id);
      return sealed == null ? Optional.empty() : Optional.of(sealed.withEnabled(false, UNOPENABLE));
    }
    return Optional.of(k.record());
  }

  /** The records of this node's replica, oldest first. */
  public List<UpstreamKey> records() {
    List<UpstreamKey> out = new ArrayList<>();
    for (LiveKey k : snapshot) {
      out.add(k.record());
    }
    unopenable.values().stream().sorted(Comparator.comparingLong(UpstreamKey::createdAt))
        .map(k -> k.withEnabled(false, UNOPENABLE)).forEach(out::add);
    return out;
  }

  /** Operator's view of one key: masked, never the secret; health and cluster-wide load. */
  public JsonObject view(UpstreamKey k) {
    long now = System.currentTimeMillis();
    Health h = health.get(k.id());
    LoadBoard.Load l = load.load(k.id(), now);
    String status = !k.enabled() ? Health.DISABLED : h.stateAt(now);
    String reason = !k.enabled() ? k.disabledReason() : Health.ACTIVE.equals(status) ? null : h.reason();
    return new JsonObject()
        .put("id", k.id()).put("name", k.name()).put("key", k.hint()).put("baseUrl", k.baseUrl())
        .put("level", k.level()).put("models", new JsonArray(k.models())).put("weight", k.weight())
        .put("org", k.org()).put("enabled", k.enabled())
        .put("status", status).put("reason", reason)
        .put("cooldownUntil", Health.COOLING.equals(status) ? h.until() : null)
        .put("nextProbeAt", Health.DISABLED.equals(status) && k.enabled() && !h.permanent() ? h.until() : null)
        .put("lastMinute", new JsonObject().put("requests", l.requests()).put("tokens", l.tokens())
            .put("errors", l.errors()).put("inFlight", l.inFlight()))
        .put("consecutiveFailures", h.failures())
        .put("lastError", h.lastError()).put("lastErrorAt", h.lastErrorAt() == 0 ? null : h.lastErrorAt())
        .put("remaining", l.limits().toJson(now))
        .put("excludedModels", exclusions.view(k.id(), now))
        .put("createdAt", k.createdAt());
  }

  /** Counts for the cluster view. */
  public JsonObject summary() {
    long now = System.currentTimeMillis();
    int active = 0;
    int cooling = 0;
    int disabled = 0;
    for (LiveKey k : snapshot) {
      String s = k.record().enabled() ? health.get(k.record().id()).stateAt(now) : Health.DISABLED;
      switch (s) {
        case Health.ACTIVE -> active++;
        case Health.COOLING -> cooling++;
        default -> disabled++;
      }
    }
    disabled += unopenable.size();
    return new JsonObject().put("keys", snapshot.length + unopenable.size()).put("active", active)
        .put("cooling", cooling).put("disabled", disabled).put("modelExclusions", exclusions.count(now));
  }

  /** Every level that has a key, lowest first; read from local memory only. */
  public List<LevelState> levels() {
    long now = System.currentTimeMillis();
    java.util.TreeMap<Integer, long[]> by = new java.util.TreeMap<>();
    for (LiveKey k : snapshot) {
      UpstreamKey r = k.record();
      long[] c = by.computeIfAbsent(r.level(), l -> new long[6]);
      String s = r.enabled() ? health.get(r.id()).stateAt(now) : Health.DISABLED;
      switch (s) {
        case Health.ACTIVE -> {
          c[0]++;
          if (exclusions.any(r.id(), now)) {
            c[3]++;
          }
          RateLimits l = load.limits(r.id());
          c[4] += Math.max(0, l.requestsNow(now));
          c[5] += Math.max(0, l.tokensNow(now));
        }
        case Health.COOLING -> c[1]++;
        default -> c[2]++;
      }
    }
    for (UpstreamKey r : unopenable.values()) {
      by.computeIfAbsent(r.level(), l -> new long[6])[2]++;
    }
    List<LevelState> out = new ArrayList<>(by.size());
    by.forEach((level, c) -> out.add(new LevelState(level, (int) c[0], (int) c[1], (int) c[2], (int) c[3],
        c[4], c[5])));
    return out;
  }

  /** Who is told of every verdict a lease ends with (one listener; metrics). */
  public void onVerdict(java.util.function.BiConsumer<String, Verdict> listener) {
    this.verdicts = listener;
  }

  /** Called by a lease when it ends, after {@link #settle}. */
  void told(LiveKey key, Verdict verdict) {
    try {
      verdicts.accept(key.record().id(), verdict);
    } catch (RuntimeException e) {
      LOG.debug("the verdict listener failed: {}", e.toString());
    }
  }

  /**
   * Chooses a key for an upstream model, skipping {@code exclude}: the model's level first, then
   * the levels SWITCH_OVER falls to. Empty when none can serve now. Reads only local memory.
   */
  public Optional<KeyLease> pick(String model, Set<String> exclude, long tokenEstimate) {
    return pick(model, routing.levelOf(model), null, exclude, tokenEstimate);
  }

  /**
   * Chooses a key as {@link #pick(String, Set, long)} does, starting at {@code level} (an account's
   * own LevelMapper may choose it) and taking only keys of {@code allowedLevels} (null = any): an
   * account's AllowLevels. SWITCH_OVER still says where a level falls to; levels not allowed are
   * passed over.
   */
  public Optional<KeyLease> pick(String model, int level, Set<Integer> allowedLevels, Set<String> exclude,
      long tokenEstimate) {
    LiveKey[] keys = snapshot;
    long now = System.currentTimeMillis();
    RoutingRules rules = routing;
    for (int l : rules.levelsFrom(level)) {
      if (allowedLevels != null && !allowedLevels.contains(l)) {
        continue;
      }
      int level1 = l;
      LiveKey k = Selector.choose(keys, level1, model, exclude, tokenEstimate, health, exclusions, load, now);
      if (k != null) {
        return Optional.of(new KeyLease(k, this, level1));
      }
    }
    return Optional.empty();
  }

  /**
   * A lease of one named key — the key that holds a request's stored objects — whatever its level
   * or models; empty when it is not in service or not usable now (cooling, disabled for a probe).
   * Reads only local memory.
   */
  public Optional<KeyLease> lease(String keyId) {
    LiveKey k = live.get(keyId);
    if (k == null || !k.record().enabled() || !health.usable(keyId, System.currentTimeMillis())) {
      return Optional.empty();
    }
    return Optional.of(new KeyLease(k, this, k.record().level()));
  }

  /**
   * True while the key is in the pool and enabled (it may be cooling): objects stored through it
   * can still be reached. False once it is deleted, or disabled by an operator or for good
   * (revoked, out of quota).
   */
  public boolean inService(String keyId) {
    LiveKey k = live.get(keyId);
    return k != null && k.record().enabled();
  }

  /** Seconds until the key is usable again (at least 1): its cooldown, or its next probe. */
  public int secondsUntilUsable(String keyId) {
    long now = System.currentTimeMillis();
    Health h = health.get(keyId);
    long wait = h.usable(now) ? 1000 : Math.max(0, h.until() - now);
    return (int) Math.max(1, Math.min(3600, (wait + 999) / 1000));
  }

  /**
   * True when keys are configured for the model but none of them can serve it: each enabled one
   * (at the model's levels, switch-over included) is excluded for it, or said so to this request
   * ({@code refused}). The model does not exist, or no key's project may use it.
   */
  public boolean noKeyCanServe(String model, Set<String> refused) {
    if (model == null) {
      return false;
    }
    long now = System.currentTimeMillis();
    RoutingRules rules = routing;
    boolean any = false;
    for (int level : rules.levelsFrom(rules.levelOf(model))) {
      for (LiveKey k : snapshot) {
        UpstreamKey r = k.record();
        if (!r.enabled() || r.level() != level || !r.serves(model)) {
          continue;
        }
        if (!refused.contains(r.id()) && !exclusions.excluded(r.id(), model, now)) {
          return false;
        }
        any = true;
      }
    }
    return any;
  }

  /** Seconds until some key that could serve the model is usable again (at least 1). */
  public int secondsUntilCapacity(String model) {
    long now = System.currentTimeMillis();
    long soonest = Long.MAX_VALUE;
    for (LiveKey k : snapshot) {
      UpstreamKey r = k.record();
      if (!r.enabled() || !r.serves(model) || exclusions.excluded(r.id(), model, now)) {
        continue;
      }
      Health h = health.get(r.id());
      if (h.usable(now)) {
        long reset = k.stats.limits.resetRequestsAt();
        soonest = Math.min(soonest, reset > now ? reset - now : 1000);
      } else if (Health.COOLING.equals(h.state()) || (!h.permanent() && h.until() > 0)) {
        soonest = Math.min(soonest, Math.max(0, h.until() - now));
      }
    }
    if (soonest == Long.MAX_VALUE) {
      return 60;
    }
    return (int) Math.max(1, Math.min(3600, (soonest + 999) / 1000));
  }

  /** Called by a lease when it ends. */
  void settle(LiveKey key, Verdict verdict, long tokens, long startedAt) {
    long now = System.currentTimeMillis();
    String id = key.record().id();
    key.stats.requests.add(now, 1);
    if (tokens > 0) {
      key.stats.tokens.add(now, tokens);
    }
    if (verdict.kind() == Verdict.Kind.MODEL_EXCLUDED) {
      // not the key's failure: it stays healthy for every other model
      exclusions.learn(id, verdict.model(), verdict.reason(), now);
      return;
    }
    if (verdict.retryElsewhere()) {
      key.stats.errors.add(now, 1);
    }
    health.record(id, verdict, startedAt, now);
    if (verdict.kind() == Verdict.Kind.KEY_DEAD) {
      LOG.warn("upstream key {} ({}) is disabled: {}", id, key.record().hint(), verdict.reason());
      UpstreamKey disabled = key.record().withEnabled(false, verdict.reason());
      vertx.runOnContext(v -> save(disabled).onFailure(e ->
          LOG.error("could not persist the disabling of key {}: {}", id, e.toString())));
    }
  }

  /** The live entries, for the prober. */
  LiveKey[] live() {
    return snapshot;
  }

  /** An upstream base URL as keys store it (no trailing slash or /v1); throws IllegalArgumentException when it is none. */
  public static String normaliseBaseUrl(String url) {
    String u = url.trim();
    java.net.URI parsed;
    try {
      parsed = new java.net.URI(u);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("baseUrl '" + url + "' is not a URL");
    }
    if (!("http".equals(parsed.getScheme()) || "https".equals(parsed.getScheme())) || parsed.getHost() == null
        || parsed.getRawQuery() != null || parsed.getRawFragment() != null || parsed.getRawUserInfo() != null) {
      throw new IllegalArgumentException("baseUrl must be an http(s) URL such as https://api.openai.com, not '"
          + url + "'");
    }
    while (u.endsWith("/")) {
      u = u.substring(0, u.length() - 1);
    }
    if (u.endsWith("/v1")) {
      u = u.substring(0, u.length() - 3);
    }
    return u;
  }

  private void accept(String stored) {
    UpstreamKey rec = UpstreamKey.fromStored(new JsonObject(stored));
    LiveKey existing = live.get(rec.id());
    if (existing != null && existing.record().equals(rec)) {
      return;
    }
    String secret;
    try {
      secret = existing != null && existing.record().sealed().equals(rec.sealed())
          ? existing.secret() : vault.open(rec.sealed(), rec.id());
    } catch (RuntimeException e) {
      if (unopenable.put(rec.id(), rec) == null) {
        LOG.error("upstream key {} cannot be opened with this node's master key (sealed under another "
            + "one?); it is not used here. Delete it, or start the node with the right key.", rec.id());
      }
      return;
    }
    unopenable.remove(rec.id());
    live.put(rec.id(), new LiveKey(rec, secret, load.stats(rec.id())));
    rebuild();
  }

  private void drop(String id) {
    unopenable.remove(id);
    if (live.remove(id) != null) {
      load.forget(id);
      rebuild();
    }
  }

  private synchronized void rebuild() {
    LiveKey[] next = live.values().toArray(new LiveKey[0]);
    Arrays.sort(next, Comparator.comparingLong((LiveKey k) -> k.record().createdAt())
        .thenComparing(k -> k.record().id()));
    snapshot = next;
  }
}
