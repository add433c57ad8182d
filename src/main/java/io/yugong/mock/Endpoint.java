package io.yugong.mock;

/** Serves one /v1 route once the gate let the request through. */
@FunctionalInterface
interface Endpoint {
  void handle(Exchange ex);
}
