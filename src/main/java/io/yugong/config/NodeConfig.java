package io.yugong.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The typed settings of one node. Every setting has an environment variable ({@code YUGONG_*});
 * a properties file named by {@code YUGONG_CONFIG} may supply the same names, and the
 * environment wins over the file. See README.md for the table of settings.
 */
public final class NodeConfig {

  /** Thrown when a setting is missing or malformed; the message says how to fix it. */
  public static final class Invalid extends RuntimeException {
    public Invalid(String message) {
      super(message);
    }
  }

  private final Map<String, String> values;
  private final byte[] masterKey;

  private NodeConfig(Map<String, String> values) {
    this.values = values;
    this.masterKey = decodeMasterKey(values.get("YUGONG_MASTER_KEY"));
    billingZone(); // a zone that is none stops the node at boot, not at the first charge
    upstreamHttp2(); // so is an HTTP/2 mode that is none
    if ((long) upstreamPoolSize() * upstreamHttp2PoolSize() > Integer.MAX_VALUE) { // and pool sizes out of range
      throw new Invalid("YUGONG_UPSTREAM_POOL_SIZE × YUGONG_UPSTREAM_HTTP2_POOL_SIZE must not pass "
          + Integer.MAX_VALUE + " (one pool holds both kinds)");
    }
    if (adminKey().isBlank()) {
      throw new Invalid("YUGONG_ADMIN_KEY is not set: choose the bearer key of the root (admin) account, "
          + "for example: export YUGONG_ADMIN_KEY=sk-admin-$(openssl rand -hex 24)");
    }
  }

  /** Reads the process environment, plus the file named by YUGONG_CONFIG when set. */
  public static NodeConfig fromEnvironment() {
    return from(System.getenv());
  }

  /** Builds a config from the given variables (environment first, then the YUGONG_CONFIG file). */
  public static NodeConfig from(Map<String, String> env) {
    Map<String, String> merged = new LinkedHashMap<>();
    String file = env.get("YUGONG_CONFIG");
    if (file != null && !file.isBlank()) {
      Properties props = new Properties();
      try (var in = Files.newBufferedReader(Path.of(file))) {
        props.load(in);
      } catch (IOException e) {
        throw new Invalid("YUGONG_CONFIG names " + file + " which cannot be read: " + e.getMessage());
      }
      props.forEach((k, v) -> merged.put(k.toString().trim(), v.toString().trim()));
    }
    env.forEach((k, v) -> {
      if (k.startsWith("YUGONG_") || k.equals("INIT_KEYS")) { // INIT_KEYS: ProxyXAI's name
        merged.put(k, v);
      }
    });
    return new NodeConfig(merged);
  }

  private static byte[] decodeMasterKey(String b64) {
    String howTo = "make one with: export YUGONG_MASTER_KEY=$(openssl rand -base64 32)";
    if (b64 == null || b64.isBlank()) {
      throw new Invalid("YUGONG_MASTER_KEY is not set. It seals upstream keys and peppers key hashes; " + howTo);
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(b64.trim());
    } catch (IllegalArgumentException e) {
      throw new Invalid("YUGONG_MASTER_KEY is not valid base64; " + howTo);
    }
    if (key.length != 32) {
      throw new Invalid("YUGONG_MASTER_KEY must be 32 bytes (it has " + key.length + "); " + howTo);
    }
    return key;
  }

  private String get(String name, String fallback) {
    String v = values.get(name);
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  private int getInt(String name, int fallback) {
    String v = get(name, null);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new Invalid(name + " must be a whole number, not '" + v + "'");
    }
  }

  private long getBytes(String name, long fallback) {
    String v = get(name, null);
    if (v == null) {
      return fallback;
    }
    String s = v.toUpperCase();
    long unit = 1;
    if (s.endsWith("KB") || s.endsWith("K")) {
      unit = 1024;
    } else if (s.endsWith("MB") || s.endsWith("M")) {
      unit = 1024 * 1024;
    }
    s = s.replaceAll("[KMB]+$", "");
    try {
      return Long.parseLong(s.trim()) * unit;
    } catch (NumberFormatException e) {
      throw new Invalid(name + " must be a size such as 4MB, 512KB or 1048576, not '" + v + "'");
    }
  }

  private static List<String> list(String csv) {
    List<String> out = new ArrayList<>();
    if (csv == null) {
      return out;
    }
    for (String s : csv.split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return out;
  }

  /** HTTP port of the node (YUGONG_PORT, default 8080). */
  public int port() {
    return getInt("YUGONG_PORT", 8080);
  }

  /** Address the HTTP server binds (YUGONG_HOST, default 0.0.0.0). */
  public String host() {
    return get("YUGONG_HOST", "0.0.0.0");
  }

  /** Redis connection string (YUGONG_REDIS, default redis://127.0.0.1:6379). */
  public String redis() {
    return get("YUGONG_REDIS", "redis://127.0.0.1:6379");
  }

  /** The 32-byte master key; callers must not log it. */
  public byte[] masterKey() {
    return masterKey.clone();
  }

  /**
   * ProxyXAI's {@code INIT_KEYS} (or {@code YUGONG_INIT_KEYS}): upstream keys to add at boot,
   * comma-separated; each is added once (its id comes from its hash), never logged.
   */
  public java.util.List<String> initKeys() {
    String v = get("YUGONG_INIT_KEYS", get("INIT_KEYS", ""));
    java.util.List<String> out = new java.util.ArrayList<>();
    for (String k : v.split(",")) {
      if (!k.isBlank()) {
        out.add(k.trim());
      }
    }
    return out;
  }

  /** Bearer key of the root account; stored only as a hash. */
  public String adminKey() {
    return get("YUGONG_ADMIN_KEY", "");
  }

  /** Base URL for upstream keys that name none. */
  public String upstream() {
    String u = get("YUGONG_UPSTREAM", "https://api.openai.com");
    return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
  }

  /** TCP-IP join list for Hazelcast. */
  public List<String> clusterMembers() {
    return list(get("YUGONG_CLUSTER_MEMBERS", "127.0.0.1"));
  }

  /** Hazelcast cluster name: nodes with different names never join. */
  public String clusterName() {
    return get("YUGONG_CLUSTER_NAME", "yugong");
  }

  /** Hazelcast member port (YUGONG_CLUSTER_PORT, default 5701; the next free one is taken if busy). */
  public int clusterPort() {
    return getInt("YUGONG_CLUSTER_PORT", 5701);
  }

  /** Address other members use to reach this one (YUGONG_CLUSTER_HOST, default: Hazelcast's choice). */
  public String clusterHost() {
    return get("YUGONG_CLUSTER_HOST", null);
  }

  /** Hazelcast XML file (YUGONG_CLUSTER_CONFIG, default ./cluster.xml, else the bundled copy). */
  public String clusterConfigFile() {
    return get("YUGONG_CLUSTER_CONFIG", "cluster.xml");
  }

  /** Largest JSON request body (YUGONG_MAX_JSON_BODY, default 4MB). */
  public long maxJsonBody() {
    return getBytes("YUGONG_MAX_JSON_BODY", 4L * 1024 * 1024);
  }

  /** Largest multipart or other streamed request body (YUGONG_MAX_UPLOAD_BODY, default 25MB). */
  public long maxUploadBody() {
    return getBytes("YUGONG_MAX_UPLOAD_BODY", 25L * 1024 * 1024);
  }

  /** HTTP verticle instances (YUGONG_HTTP_INSTANCES, default one per event loop). */
  public int httpInstances() {
    return getInt("YUGONG_HTTP_INSTANCES", 2 * Runtime.getRuntime().availableProcessors());
  }

  /**
   * Time a client has to send a whole request head, from its first byte, ms; the connection is
   * closed past it (YUGONG_HEADER_TIMEOUT_MS, default 10000). Idle keep-alive time is not counted.
   */
  public int headerTimeoutMs() {
    int ms = getInt("YUGONG_HEADER_TIMEOUT_MS", 10_000);
    if (ms <= 0) {
      throw new Invalid("YUGONG_HEADER_TIMEOUT_MS must be a positive number of milliseconds, not " + ms);
    }
    return ms;
  }

  /** Connect timeout to upstream, ms (YUGONG_UPSTREAM_CONNECT_TIMEOUT_MS, default 5000). */
  public int upstreamConnectTimeoutMs() {
    return getInt("YUGONG_UPSTREAM_CONNECT_TIMEOUT_MS", 5000);
  }

  /** Time allowed for upstream's response headers, ms (YUGONG_FIRST_BYTE_TIMEOUT_MS, default 60000). */
  public int firstByteTimeoutMs() {
    return getInt("YUGONG_FIRST_BYTE_TIMEOUT_MS", 60000);
  }

  /** Longest silence inside an upstream response body, ms (YUGONG_IDLE_TIMEOUT_MS, default 300000). */
  public int idleTimeoutMs() {
    return getInt("YUGONG_IDLE_TIMEOUT_MS", 300000);
  }

  /**
   * HTTP/1.1 connections per upstream host and HTTP instance (YUGONG_UPSTREAM_POOL_SIZE). The
   * default gives the node {@link #UPSTREAM_CONNECTIONS} connections to one host in all, so it can
   * hold that many concurrent streams: 10240 / YUGONG_HTTP_INSTANCES, rounded up, at least 256.
   */
  public int upstreamPoolSize() {
    int instances = Math.max(1, httpInstances());
    return poolSize("YUGONG_UPSTREAM_POOL_SIZE", Math.max(256, (UPSTREAM_CONNECTIONS + instances - 1) / instances));
  }

  /** Largest upstream pool size per host and instance (the pool keeps an array of its size, and multiplies the two). */
  private static final int MAX_POOL_SIZE = 100_000;

  private int poolSize(String name, int fallback) {
    int size = getInt(name, fallback);
    if (size < 1 || size > MAX_POOL_SIZE) {
      throw new Invalid(name + " must be between 1 and " + MAX_POOL_SIZE + ", not " + size);
    }
    return size;
  }

  /** Upstream connections per host a node holds by default, over all its HTTP instances. */
  public static final int UPSTREAM_CONNECTIONS = 10_240;

  /** How a node speaks to upstream hosts (YUGONG_UPSTREAM_HTTP2). */
  public enum UpstreamHttp2 {
    /** HTTP/2 where a host offers it: by ALPN over TLS, and to a cleartext host that answers an HTTP/2 probe. */
    AUTO,
    /** HTTP/2 by ALPN over TLS only; cleartext hosts get HTTP/1.1. */
    TLS,
    /** HTTP/1.1 to every host. */
    OFF
  }

  /** YUGONG_UPSTREAM_HTTP2: auto (the default), tls or off. */
  public UpstreamHttp2 upstreamHttp2() {
    String v = get("YUGONG_UPSTREAM_HTTP2", "auto").trim().toLowerCase(java.util.Locale.ROOT);
    return switch (v) {
      case "auto" -> UpstreamHttp2.AUTO;
      case "tls" -> UpstreamHttp2.TLS;
      case "off" -> UpstreamHttp2.OFF;
      default -> throw new Invalid("YUGONG_UPSTREAM_HTTP2 must be auto, tls or off, not '" + v + "'");
    };
  }

  /**
   * HTTP/2 connections per upstream host and HTTP instance (YUGONG_UPSTREAM_HTTP2_POOL_SIZE). The
   * default carries twice {@link #UPSTREAM_CONNECTIONS} streams in all at 100 streams per
   * connection (what most servers allow; one that allows more needs fewer): clients are not spread
   * evenly over the instances, and a stream's slot is free only once upstream has ended it. At
   * least 8.
   */
  public int upstreamHttp2PoolSize() {
    int instances = Math.max(1, httpInstances());
    int perInstance = (2 * UPSTREAM_CONNECTIONS / 100 + instances - 1) / instances;
    return poolSize("YUGONG_UPSTREAM_HTTP2_POOL_SIZE", Math.max(8, perInstance));
  }

  /** Attempts per request across keys (YUGONG_ATTEMPTS, default 4). */
  public int attempts() {
    return getInt("YUGONG_ATTEMPTS", 4);
  }

  /** Time budget for all attempts before the first byte, ms (YUGONG_DEADLINE_MS, default 30000). */
  public int deadlineMs() {
    return getInt("YUGONG_DEADLINE_MS", 30000);
  }

  /**
   * Connections from a node to Redis for the request path (YUGONG_REDIS_POOL_SIZE, default 64).
   * Requests beyond them queue (unbounded; at most one entry per request in flight) — a full
   * queue is never taken for an outage. Whether Redis is up is the health check's to say.
   */
  public int redisPoolSize() {
    int n = getInt("YUGONG_REDIS_POOL_SIZE", 64);
    if (n <= 0) {
      throw new Invalid("YUGONG_REDIS_POOL_SIZE must be a positive number of connections, not " + n);
    }
    return n;
  }

  /** Proxies whose X-Forwarded-For is believed (YUGONG_TRUSTED_PROXIES, CIDR list, default none). */
  public List<String> trustedProxies() {
    return list(get("YUGONG_TRUSTED_PROXIES", ""));
  }

  /**
   * The web origins whose pages may call this node from a browser (YUGONG_CORS_ORIGINS,
   * comma-separated, default {@code *}: any origin, since keys are bearer tokens and no cookie is
   * used). Either {@code *} alone or origins such as {@code https://chat.example.com} or
   * {@code http://localhost:3000}: a scheme, {@code ://}, a host and an optional port, no path.
   * Returned lower-case without a trailing slash, as browsers send them; {@code ["*"]} for any.
   */
  public List<String> corsOrigins() {
    List<String> origins = list(get("YUGONG_CORS_ORIGINS", "*"));
    if (origins.contains("*")) {
      if (origins.size() > 1) {
        throw new Invalid("YUGONG_CORS_ORIGINS is either * (any origin) or a list of origins, not both: '"
            + String.join(",", origins) + "'");
      }
      return origins;
    }
    List<String> out = new ArrayList<>();
    for (String o : origins) {
      String origin = o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
      origin = origin.toLowerCase(java.util.Locale.ROOT);
      if (!ORIGIN.matcher(origin).matches()) {
        throw new Invalid("YUGONG_CORS_ORIGINS must list origins such as https://chat.example.com or "
            + "http://localhost:3000 (scheme://host[:port], no path), not '" + o + "'");
      }
      out.add(origin);
    }
    if (out.isEmpty()) {
      throw new Invalid("YUGONG_CORS_ORIGINS lists no origin; leave it unset (or *) to allow any");
    }
    return out;
  }

  /** An origin as browsers serialise it: scheme://host[:port], host a name, IPv4 or [IPv6]. */
  private static final java.util.regex.Pattern ORIGIN = java.util.regex.Pattern.compile(
      "[a-z][a-z0-9+.-]{0,31}://(?:[a-z0-9_-]+(?:\\.[a-z0-9_-]+)*|\\[[0-9a-f:.]+\\])(?::[0-9]{1,5})?");

  /**
   * Whether the node uses Netty's native epoll transport when the platform offers it
   * (YUGONG_NATIVE_TRANSPORT, default true; false: Java NIO).
   */
  public boolean nativeTransport() {
    return Boolean.parseBoolean(get("YUGONG_NATIVE_TRANSPORT", "true"));
  }

  /**
   * Whether Vert.x's own per-request HTTP server and client metrics ({@code vertx_http_*}) are
   * recorded (YUGONG_VERTX_HTTP_METRICS, default false: they cost about 9 % of the node's CPU).
   */
  public boolean vertxHttpMetrics() {
    return Boolean.parseBoolean(get("YUGONG_VERTX_HTTP_METRICS", "false"));
  }

  /** Least balance an account must keep to be served, in dollars (YUGONG_MIN_BALANCE, default 0). */
  public String minBalance() {
    return get("YUGONG_MIN_BALANCE", "0");
  }

  /**
   * Whether accounts that can feed them are served from in-memory credit slices with write-behind
   * settlement (YUGONG_CREDIT_SLICES, default true; false: every request holds and settles in Redis).
   */
  public boolean creditSlices() {
    return Boolean.parseBoolean(get("YUGONG_CREDIT_SLICES", "true"));
  }

  /** How long a hold lives unsettled before it is charged its floor (YUGONG_HOLD_TTL_MS, default 1800000). */
  public long holdTtlMs() {
    return getInt("YUGONG_HOLD_TTL_MS", 1_800_000);
  }

  /**
   * The longest a Realtime session lives (YUGONG_REALTIME_MAX_SESSION_MS): at most, and by default,
   * min(YUGONG_HOLD_TTL_MS - 60 s, 30 min), so that no response's hold can expire under way; at
   * least 1 s. OpenAI ends its sessions at their maximum duration the same way.
   */
  public long realtimeMaxSessionMs() {
    long cap = Math.max(1_000L, Math.min(holdTtlMs() - 60_000L, 30L * 60_000L));
    long asked = getInt("YUGONG_REALTIME_MAX_SESSION_MS", (int) Math.min(cap, Integer.MAX_VALUE));
    return Math.max(1_000L, Math.min(asked, cap));
  }

  /**
   * Path prefixes of endpoints that cannot be billed per request (files, batches, fine-tuning,
   * assistants, ...) or that Yugong does not know at all, that accounts may use anyway, at no
   * charge (YUGONG_UNMETERED_ALLOWED, comma-separated, default none; "*" allows all).
   */
  public List<String> unmeteredAllowed() {
    return list(get("YUGONG_UNMETERED_ALLOWED", ""));
  }

  /**
   * How long Yugong remembers which upstream key holds an object an account created (a file, a
   * stored response, ...), in seconds (YUGONG_STORED_OBJECT_TTL_S, default 2592000 = 30 days,
   * OpenAI's retention of stored responses; at least 60).
   */
  public long storedObjectTtlSeconds() {
    return Math.max(60, getInt("YUGONG_STORED_OBJECT_TTL_S", 30 * 86_400));
  }

  /**
   * A PEM file of extra CAs to trust for HTTPS upstreams, besides the JDK's public ones
   * (YUGONG_UPSTREAM_CA_FILE, default none).
   */
  public java.nio.file.Path upstreamCaFile() {
    String f = get("YUGONG_UPSTREAM_CA_FILE", null);
    if (f == null) {
      return null;
    }
    java.nio.file.Path p = java.nio.file.Path.of(f);
    if (!java.nio.file.Files.isReadable(p)) {
      throw new Invalid("YUGONG_UPSTREAM_CA_FILE names " + f + ", which cannot be read");
    }
    return p;
  }

  /**
   * How many direct sub-accounts an account other than root may have (YUGONG_MAX_CHILDREN,
   * default 1000; 0 = no cap). Root's customers are not capped.
   */
  public int maxChildren() {
    return getInt("YUGONG_MAX_CHILDREN", 1000);
  }

  /**
   * Ledger entries Redis keeps per account, the latest ones (YUGONG_LEDGER_ENTRIES, default
   * 10000). Older entries are in the request log ({@link #requestLog()}).
   */
  public int ledgerEntries() {
    int n = getInt("YUGONG_LEDGER_ENTRIES", 10_000);
    if (n < 1) {
      throw new Invalid("YUGONG_LEDGER_ENTRIES must be at least 1, not " + n);
    }
    return n;
  }

  /**
   * Where the per-request JSON-lines log goes (YUGONG_REQUEST_LOG): a directory (the file is
   * requests-PORT.jsonl in it, rotated), {@code stdout}, or {@code off}. Default {@code logs}: the
   * log is the full archive of served requests once Redis keeps only the latest ledger entries,
   * so it is on unless switched off, and in its own file so it never mixes with the node's log.
   */
  public String requestLog() {
    return get("YUGONG_REQUEST_LOG", "logs");
  }

  /**
   * A bearer token that may read {@code /metrics} on the HTTP port besides the admin key
   * (YUGONG_METRICS_TOKEN, default none: the admin key only).
   */
  public String metricsToken() {
    return get("YUGONG_METRICS_TOKEN", null);
  }

  /**
   * Port of a separate listener serving {@code GET /metrics} without authentication, for a scraper
   * on a private network (YUGONG_METRICS_PORT, default 0: none).
   */
  public int metricsPort() {
    int p = getInt("YUGONG_METRICS_PORT", 0);
    if (p < 0 || p > 65535) {
      throw new Invalid("YUGONG_METRICS_PORT must be a port number (1-65535), or 0 for none, not " + p);
    }
    return p;
  }

  /** Address the metrics listener binds (YUGONG_METRICS_HOST, default 127.0.0.1). */
  public String metricsHost() {
    return get("YUGONG_METRICS_HOST", "127.0.0.1");
  }

  /**
   * The time zone whose days and months the usage aggregates, the balance tools and the monthly
   * HardLimit follow (YUGONG_BILLING_TIMEZONE, default UTC; an IANA name such as Asia/Shanghai or
   * an offset such as +08:00). Every node of a cluster must have the same.
   */
  public java.time.ZoneId billingZone() {
    String v = get("YUGONG_BILLING_TIMEZONE", "UTC");
    try {
      return java.time.ZoneId.of(v);
    } catch (java.time.DateTimeException e) {
      throw new Invalid("YUGONG_BILLING_TIMEZONE must be a time zone such as UTC, Asia/Shanghai or "
          + "+08:00, not '" + v + "'");
    }
  }

  /** How deep the account tree may grow below root (YUGONG_MAX_DEPTH, default 8 levels). */
  public int maxDepth() {
    return getInt("YUGONG_MAX_DEPTH", 8);
  }
}
