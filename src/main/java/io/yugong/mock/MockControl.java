package io.yugong.mock;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The emulator's remote control and memory, shared by every verticle instance of one {@link MockUpstream}.
 * Thread-safe.
 */
public final class MockControl {

  /** Oldest records are dropped beyond this many, so that benchmarks do not exhaust the heap. */
  static final int MAX_RECORDS = 100_000;
  private static final String NO_KEY = "(none)";

  private final Map<String, KeyBehaviour> behaviours = new ConcurrentHashMap<>();
  private final Map<String, KeyState> keyStates = new ConcurrentHashMap<>();
  private final Map<String, Map<Integer, LongAdder>> statusCounts = new ConcurrentHashMap<>();
  private final ArrayDeque<ServedRequest> records = new ArrayDeque<>();
  private final AtomicLong total = new AtomicLong();
  private final AtomicInteger abortedStreams = new AtomicInteger();
  /** Streamed answers being sent now, and the most there were at once. */
  private final AtomicInteger openStreams = new AtomicInteger();
  private final AtomicInteger mostOpenStreams = new AtomicInteger();
  private final List<Promise<Void>> abortWaiters = new ArrayList<>();
  /** Files, stored responses and stored chat completions, kept per API key. */
  final StoredObjects stored = new StoredObjects();
  private final List<RealtimeSocket> realtime = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * One Realtime WebSocket the emulator accepted: which key opened it and, once it is closed, the
   * close code and reason it got (null while open, or when the peer vanished without a close frame).
   */
  public static final class RealtimeSocket {
    private final String apiKey;
    private final io.vertx.core.http.ServerWebSocket ws;
    private final Promise<Void> closed = Promise.promise();
    private final List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile Short closeCode;
    private volatile String closeReason;

    RealtimeSocket(String apiKey, io.vertx.core.http.ServerWebSocket ws) {
      this.apiKey = apiKey;
      this.ws = ws;
    }

    public String apiKey() {
      return apiKey;
    }

    /** The URI the socket was opened with (path and query). */
    public String uri() {
      return ws.uri();
    }

    /** The top-level type of every client event the emulator received on this socket, in order. */
    public List<String> receivedTypes() {
      return List.copyOf(received);
    }

    void received(String type) {
      received.add(type);
    }

    /** The close code the peer sent, once closed. */
    public Short closeCode() {
      return closeCode;
    }

    public String closeReason() {
      return closeReason;
    }

    /** Completes when the socket is closed. */
    public Future<Void> closed() {
      return closed.future();
    }

    /** Closes the socket from the emulator's side, as upstream ending a session does. */
    public Future<Void> close(int code, String reason) {
      return ws.close((short) code, reason);
    }

    void closed(Short code, String reason) {
      closeCode = code;
      closeReason = reason;
      closed.tryComplete();
    }
  }

  private volatile long realtimeDeltaDelayMs;

  MockControl() {
  }

  /**
   * The pause before each of a Realtime response's deltas (0, the default: a response is sent at
   * once), so that a test can act while responses are under way.
   */
  public void realtimeDeltaDelay(long ms) {
    realtimeDeltaDelayMs = Math.max(0, ms);
  }

  long realtimeDeltaDelayMs() {
    return realtimeDeltaDelayMs;
  }

  /** Sets how a key is treated from now on ({@code null} restores normal service). Resets the key's rate budget. */
  public void behave(String apiKey, KeyBehaviour behaviour) {
    if (apiKey == null) {
      throw new IllegalArgumentException("apiKey must not be null");
    }
    if (behaviour == null) {
      behaviours.remove(apiKey);
    } else {
      behaviours.put(apiKey, behaviour);
    }
    keyStates.remove(apiKey);
  }

  /** Forgets behaviours, rate budgets, records, counters and the aborted-stream count. */
  public void reset() {
    behaviours.clear();
    keyStates.clear();
    statusCounts.clear();
    synchronized (records) {
      records.clear();
    }
    total.set(0);
    abortedStreams.set(0);
    mostOpenStreams.set(openStreams.get());
    realtime.clear();
    stored.clear();
    realtimeDeltaDelayMs = 0;
  }

  /**
   * True when the object (a file, a stored response or chat completion) was created with this API
   * key and not deleted.
   */
  public boolean stores(String apiKey, String objectId) {
    return stored.get(apiKey, objectId) != null;
  }

  /** Every request answered so far (up to the last {@value #MAX_RECORDS}), oldest first. */
  public List<ServedRequest> requests() {
    synchronized (records) {
      return List.copyOf(records);
    }
  }

  /** The requests made with that key, oldest first. */
  public List<ServedRequest> requests(String apiKey) {
    List<ServedRequest> out = new ArrayList<>();
    synchronized (records) {
      for (ServedRequest r : records) {
        if (apiKey == null ? r.apiKey() == null : apiKey.equals(r.apiKey())) {
          out.add(r);
        }
      }
    }
    return out;
  }

  /** How many streaming answers the client abandoned before their end. */
  public int clientAbortedStreams() {
    return abortedStreams.get();
  }

  /** Completes when the next client-side abort of an in-progress streaming answer is detected. */
  public Future<Void> nextClientAbort() {
    Promise<Void> promise = Promise.promise();
    synchronized (abortWaiters) {
      abortWaiters.add(promise);
    }
    return promise.future();
  }

  /** Summary: totals, per key counts by status, aborted streams. */
  void streamOpened() {
    mostOpenStreams.accumulateAndGet(openStreams.incrementAndGet(), Math::max);
  }

  void streamClosed() {
    openStreams.decrementAndGet();
  }

  public JsonObject stats() {
    JsonObject keys = new JsonObject();
    new TreeMap<>(statusCounts).forEach((key, byStatus) -> {
      JsonObject counts = new JsonObject();
      long sum = 0;
      for (Map.Entry<Integer, LongAdder> e : new TreeMap<>(byStatus).entrySet()) {
        long n = e.getValue().sum();
        counts.put(Integer.toString(e.getKey()), n);
        sum += n;
      }
      keys.put(key, new JsonObject().put("total", sum).put("byStatus", counts));
    });
    return new JsonObject()
        .put("requests", total.get())
        .put("clientAbortedStreams", abortedStreams.get())
        .put("openStreams", openStreams.get())
        .put("mostOpenStreams", mostOpenStreams.get())
        .put("keys", keys);
  }

  /** Every Realtime WebSocket opened with that key so far, oldest first (open or closed). */
  public List<RealtimeSocket> realtimeSockets(String apiKey) {
    List<RealtimeSocket> out = new ArrayList<>();
    for (RealtimeSocket s : realtime) {
      if (s.apiKey().equals(apiKey)) {
        out.add(s);
      }
    }
    return out;
  }

  RealtimeSocket opened(String apiKey, io.vertx.core.http.ServerWebSocket ws) {
    RealtimeSocket s = new RealtimeSocket(apiKey, ws);
    realtime.add(s);
    return s;
  }

  KeyBehaviour behaviour(String apiKey) {
    return apiKey == null ? null : behaviours.get(apiKey);
  }

  KeyState keyState(String apiKey, long nowNanos) {
    KeyState state = keyStates.get(apiKey);
    if (state == null) {
      state = keyStates.computeIfAbsent(apiKey, k -> new KeyState(Organizations.of(k), nowNanos));
    }
    return state;
  }

  void record(ServedRequest request) {
    total.incrementAndGet();
    String key = request.apiKey() == null ? NO_KEY : request.apiKey();
    statusCounts.computeIfAbsent(key, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(request.status(), s -> new LongAdder())
        .increment();
    synchronized (records) {
      if (records.size() >= MAX_RECORDS) {
        records.pollFirst();
      }
      records.addLast(request);
    }
  }

  void clientAborted() {
    abortedStreams.incrementAndGet();
    List<Promise<Void>> waiters;
    synchronized (abortWaiters) {
      waiters = new ArrayList<>(abortWaiters);
      abortWaiters.clear();
    }
    waiters.forEach(Promise::tryComplete);
  }
}
