package io.yugong.mock;

import io.vertx.core.Vertx;

/** What every request of one emulator shares. */
record MockEnv(Vertx vertx, MockOptions options, MockControl control) {
}
