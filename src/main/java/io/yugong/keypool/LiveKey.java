package io.yugong.keypool;

/** A key in this node's replica: the record, its opened secret, and this node's counters for it. */
final class LiveKey {

  private final UpstreamKey record;
  private final String secret;
  final KeyStats stats;

  LiveKey(UpstreamKey record, String secret, KeyStats stats) {
    this.record = record;
    this.secret = secret;
    this.stats = stats;
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
