package io.yugong.mock;

import io.vertx.core.buffer.Buffer;

/** The pieces of a chunked answer, produced on demand. */
interface Frames {

  int count();

  Buffer frame(int index);

  /** Whether the frame is a generated token that waits for its turn under {@link MockOptions#tokensPerSecond()}. */
  boolean paced(int index);
}
