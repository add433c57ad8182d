package io.yugong.billing;

import io.vertx.core.json.JsonObject;

/**
 * The tokens a request is admitted with against token limits, as OpenAI counts them: the prompt
 * estimate plus the most output tokens the request asks for (max_tokens, max_completion_tokens or
 * max_output_tokens, times n). A request that sets no output limit is admitted with its prompt
 * alone; either way what it really used replaces the estimate when it settles.
 */
public final class TokenEstimate {

  private TokenEstimate() {}

  public static long of(Quote q, JsonObject body) {
    long prompt = q == null ? 0 : Math.max(0, q.promptEstimate());
    if (body == null) {
      return prompt;
    }
    long out = 0;
    for (String f : new String[] {"max_tokens", "max_completion_tokens", "max_output_tokens"}) {
      if (body.getValue(f) instanceof Number n && n.longValue() > 0) {
        out = Math.max(out, n.longValue());
      }
    }
    long n = body.getValue("n") instanceof Number c && c.longValue() > 1 ? c.longValue() : 1;
    return Math.min(Wallets.MAX_NANOS, Money.saturatingAdd(prompt, Money.saturatingMultiply(out, n)));
  }
}
