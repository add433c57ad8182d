package io.yugong.mock;

import io.vertx.core.json.JsonObject;

/**
 * Settings of an {@link MockUpstream}: where it listens, how many verticle instances serve it and how
 * "slow" and "long" its generated answers are. Fluent setters, plain getters.
 */
public final class MockOptions {

  /** Hard cap on completion tokens a single answer may have, whatever the request asks for. */
  public static final int MAX_COMPLETION_TOKENS = 4096;

  private String host = "127.0.0.1";
  private int port = 0;
  private int instances = Math.max(1, Runtime.getRuntime().availableProcessors());
  private double tokensPerSecond = 0;
  private long firstByteDelayMs = 0;
  private int completionTokens = 12;

  public MockOptions() {
  }

  MockOptions(MockOptions other) {
    this.host = other.host;
    this.port = other.port;
    this.instances = other.instances;
    this.tokensPerSecond = other.tokensPerSecond;
    this.firstByteDelayMs = other.firstByteDelayMs;
    this.completionTokens = other.completionTokens;
  }

  public String host() {
    return host;
  }

  public MockOptions host(String host) {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must not be blank");
    }
    this.host = host;
    return this;
  }

  /** The configured port; 0 means "pick a free one" ({@link MockUpstream#port()} reports the real one). */
  public int port() {
    return port;
  }

  public MockOptions port(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    this.port = port;
    return this;
  }

  public int instances() {
    return instances;
  }

  public MockOptions instances(int instances) {
    if (instances < 1) {
      throw new IllegalArgumentException("instances must be >= 1: " + instances);
    }
    this.instances = instances;
    return this;
  }

  /** Pace of streamed tokens; 0 means unlimited (chunks are written as fast as the socket accepts them). */
  public double tokensPerSecond() {
    return tokensPerSecond;
  }

  public MockOptions tokensPerSecond(double tokensPerSecond) {
    if (tokensPerSecond < 0 || Double.isNaN(tokensPerSecond) || Double.isInfinite(tokensPerSecond)) {
      throw new IllegalArgumentException("tokensPerSecond must be a finite value >= 0: " + tokensPerSecond);
    }
    this.tokensPerSecond = tokensPerSecond;
    return this;
  }

  /** Delay before the status line and headers of every /v1 answer are sent. */
  public long firstByteDelayMs() {
    return firstByteDelayMs;
  }

  public MockOptions firstByteDelayMs(long firstByteDelayMs) {
    if (firstByteDelayMs < 0) {
      throw new IllegalArgumentException("firstByteDelayMs must be >= 0: " + firstByteDelayMs);
    }
    this.firstByteDelayMs = firstByteDelayMs;
    return this;
  }

  /**
   * Completion tokens of an answer when the request does not say (max_tokens, max_completion_tokens,
   * max_output_tokens). When the request does say, exactly that many tokens are produced, capped at
   * {@link #MAX_COMPLETION_TOKENS}.
   */
  public int completionTokens() {
    return completionTokens;
  }

  public MockOptions completionTokens(int completionTokens) {
    if (completionTokens < 1 || completionTokens > MAX_COMPLETION_TOKENS) {
      throw new IllegalArgumentException("completionTokens must be in 1.." + MAX_COMPLETION_TOKENS + ": " + completionTokens);
    }
    this.completionTokens = completionTokens;
    return this;
  }

  JsonObject toJson() {
    return new JsonObject()
        .put("host", host)
        .put("port", port)
        .put("instances", instances)
        .put("tokensPerSecond", tokensPerSecond)
        .put("firstByteDelayMs", firstByteDelayMs)
        .put("completionTokens", completionTokens);
  }

  @Override
  public String toString() {
    return "MockOptions" + toJson().encode();
  }
}
