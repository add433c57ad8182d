package io.yugong.keypool;

import java.util.concurrent.atomic.AtomicInteger;

/** A key in this node's replica: the record, its opened secret, and local in-flight count. */
final class LiveKey {

  private final UpstreamKey record;
  private final String secret;
  final AtomicInteger inFlight = new AtomicInteger();

  LiveKey(UpstreamKey record, String secret) {
    this.record = record;
    this.secret = secret;
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
