package io.yugong.billing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;

/**
 * The live price book and what it means for one request: a {@link Quote} before forwarding
 * (the hold) and the exact charge after. Thread-safe; the book is swapped whole when an operator
 * edits prices.
 */
public final class Tariff {

  /** Generous allowance for the tokenizer's estimate of a prompt: +25% and 16 tokens. */
  private static final long ESTIMATE_SLACK_TOKENS = 16;
  /** The slowest audio bitrate assumed when holding for a transcription: 16 kbit/s. */
  private static final long MIN_AUDIO_BYTES_PER_SECOND = 2000;
  /** The usual bitrate assumed when upstream reports no duration: 128 kbit/s. */
  public static final long TYPICAL_AUDIO_BYTES_PER_SECOND = 16000;

  private volatile PriceBook prices = PriceBook.defaults();

  public PriceBook prices() {
    return prices;
  }

  public void prices(PriceBook book) {
    this.prices = book;
  }

  /** Thrown when a model has no price and no default price is configured. */
  public static final class Unpriced extends RuntimeException {
    public Unpriced(String model) {
      super("The model '" + model + "' has no price on this service, so it cannot be used. Ask the "
          + "operator to add a price for it.", null, false, false);
    }
  }

  /**
   * Prices a request before it goes upstream. {@code json} is its body (null for uploads),
   * {@code uploadBytes} the size of an upload.
   */
  public Quote quote(Endpoint e, String model, JsonObject json, long uploadBytes, Rate accountRate) {
    if (!e.priced()) {
      return Quote.free(e, model);
    }
    PriceBook book = prices;
    Optional<ModelPrice> found = model == null ? book.defaultPrice() : book.find(model);
    if (found.isEmpty()) {
      throw new Unpriced(model == null ? "(none)" : model);
    }
    ModelPrice price = found.get();
    Rate mult = book.multiplier();
    JsonObject j = json == null ? new JsonObject() : json;
    String m = model == null ? "gpt-4o" : model;
    switch (e) {
      case CHAT -> {
        long prompt = TokenCounter.countChatPrompt(m, array(j.getValue("messages")), array(j.getValue("tools")));
        Integer max = intOrNull(j.getValue("max_completion_tokens"), j.getValue("max_tokens"));
        int n = Math.max(1, intOrNull(j.getValue("n")) == null ? 1 : intOrNull(j.getValue("n")));
        return tokens(e, model, price, prompt, max == null ? null : max * n, mult, accountRate);
      }
      case COMPLETION -> {
        long prompt = TokenCounter.countInput(m, j.getValue("prompt"));
        Integer max = intOrNull(j.getValue("max_tokens"));
        return tokens(e, model, price, prompt, max == null ? 16 : max, mult, accountRate);
      }
      case RESPONSES -> {
        long prompt = TokenCounter.countInput(m, j.getValue("input"))
            + TokenCounter.countInput(m, j.getValue("instructions"))
            + (j.getValue("tools") == null ? 0 : TokenCounter.countText(m, String.valueOf(j.getValue("tools"))));
        return tokens(e, model, price, prompt, intOrNull(j.getValue("max_output_tokens")), mult, accountRate);
      }
      case EMBEDDINGS -> {
        long prompt = TokenCounter.countInput(m, j.getValue("input"));
        return tokens(e, model, price, prompt, 0, mult, accountRate);
      }
      case IMAGES -> {
        Integer n = intOrNull(j.getValue("n"));
        int count = n == null ? 1 : Math.max(1, n);
        String size = j.getString("size");
        String quality = j.getString("quality");
        long prompt = j.getValue("prompt") instanceof String p ? TokenCounter.countText(m, p) : 0;
        long hold = Pricing.worstCaseImages(price, prompt, count, size, quality, mult, accountRate);
        return new Quote(e, model, price, prompt, hold, 0, count, size, quality, 0);
      }
      case SPEECH -> {
        long chars = j.getValue("input") instanceof String s ? s.codePointCount(0, s.length()) : 0;
        long hold = Pricing.worstCaseSpeech(price, chars, mult, accountRate);
        return new Quote(e, model, price, chars, hold, hold, 0, null, null, chars);
      }
      case TRANSCRIPTION -> {
        long cap = Math.max(1, (uploadBytes + MIN_AUDIO_BYTES_PER_SECOND - 1) / MIN_AUDIO_BYTES_PER_SECOND);
        long hold = Pricing.worstCaseTranscription(price, cap, mult, accountRate);
        return new Quote(e, model, price, 0, hold, 0, 0, null, null, 0);
      }
      default -> {
        return Quote.free(e, model);
      }
    }
  }

  private static Quote tokens(Endpoint e, String model, ModelPrice price, long prompt, Integer max,
      Rate mult, Rate accountRate) {
    long padded = prompt + prompt / 4 + ESTIMATE_SLACK_TOKENS;
    long hold = Pricing.worstCase(price, padded, max, mult, accountRate);
    long floor = Pricing.charge(price, Usage.tokens(prompt, 0, 0), mult, accountRate);
    return new Quote(e, model, price, prompt, hold, floor, 0, null, null, 0);
  }

  /** The exact charge for what was used, rounded up once. */
  public long charge(Quote q, Usage used, Rate accountRate) {
    if (q.price() == null) {
      return 0;
    }
    return Pricing.charge(q.price(), used, prices.multiplier(), accountRate);
  }

  static JsonArray array(Object v) {
    return v instanceof JsonArray a ? a : new JsonArray();
  }

  static Integer intOrNull(Object... values) {
    for (Object v : values) {
      if (v instanceof Number n) {
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, n.longValue()));
      }
    }
    return null;
  }

  /** A usage from OpenAI's usage object of any endpoint (chat, responses, embeddings). */
  public static Usage tokensFrom(JsonObject usage) {
    long prompt = firstLong(usage, "prompt_tokens", "input_tokens");
    long completion = firstLong(usage, "completion_tokens", "output_tokens");
    long cached = 0;
    for (String details : List.of("prompt_tokens_details", "input_tokens_details")) {
      if (usage.getValue(details) instanceof JsonObject d && d.getValue("cached_tokens") instanceof Number n) {
        cached = n.longValue();
      }
    }
    return Usage.tokens(prompt, cached, completion);
  }

  private static long firstLong(JsonObject o, String... names) {
    for (String n : names) {
      if (o.getValue(n) instanceof Number num) {
        return num.longValue();
      }
    }
    return 0;
  }
}
