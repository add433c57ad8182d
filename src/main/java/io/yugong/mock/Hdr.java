package io.yugong.mock;

import io.vertx.core.http.HttpHeaders;

/** Precomputed header names and frequent values. */
final class Hdr {

  private Hdr() {
  }

  static final CharSequence CONTENT_TYPE = HttpHeaders.CONTENT_TYPE;
  static final CharSequence CONTENT_LENGTH = HttpHeaders.CONTENT_LENGTH;
  static final CharSequence CACHE_CONTROL = HttpHeaders.CACHE_CONTROL;
  static final CharSequence AUTHORIZATION = HttpHeaders.AUTHORIZATION;

  static final CharSequence LIMIT_REQUESTS = HttpHeaders.createOptimized("x-ratelimit-limit-requests");
  static final CharSequence LIMIT_TOKENS = HttpHeaders.createOptimized("x-ratelimit-limit-tokens");
  static final CharSequence REMAINING_REQUESTS = HttpHeaders.createOptimized("x-ratelimit-remaining-requests");
  static final CharSequence REMAINING_TOKENS = HttpHeaders.createOptimized("x-ratelimit-remaining-tokens");
  static final CharSequence RESET_REQUESTS = HttpHeaders.createOptimized("x-ratelimit-reset-requests");
  static final CharSequence RESET_TOKENS = HttpHeaders.createOptimized("x-ratelimit-reset-tokens");
  static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("x-request-id");
  static final CharSequence PROCESSING_MS = HttpHeaders.createOptimized("openai-processing-ms");
  static final CharSequence OPENAI_VERSION = HttpHeaders.createOptimized("openai-version");
  static final CharSequence OPENAI_ORGANIZATION = HttpHeaders.createOptimized("openai-organization");
  static final CharSequence RETRY_AFTER = HttpHeaders.createOptimized("retry-after");

  static final CharSequence VERSION_VALUE = HttpHeaders.createOptimized("2020-10-01");
  static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  static final CharSequence SSE = HttpHeaders.createOptimized("text/event-stream; charset=utf-8");
  static final CharSequence TEXT = HttpHeaders.createOptimized("text/plain; charset=utf-8");
  static final CharSequence HTML = HttpHeaders.createOptimized("text/html; charset=UTF-8");
  static final CharSequence PNG = HttpHeaders.createOptimized("image/png");
  static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");
}
