package io.yugong.keypool;

/** A key in this node's replica: the record, its opened secret, and this node's counters for it. */
final class LiveKey {

  private final UpstreamKey record;
  private final String secret;
  private final String authorization;
  final KeyStats stats;

  LiveKey(UpstreamKey record, String secret, KeyStats stats) {
    this.record = record;
    this.secret = secret;
    this.authorization = "Bearer " + secret;
    this.stats = stats;
  }

  /** The Authorization header value for this key, made once. */
  String authorization() {
    return authorization;
  }

  UpstreamKey record() {
    return record;
  }

  String secret() {
    return secret;
  }

  @Override
  public String toString() {
    return "LiveKey[" + record.id() + "]";
  }
}
