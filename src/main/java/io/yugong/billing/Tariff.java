package io.yugong.billing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Optional;

/**
 * The live price book and what it means for one request: a {@link Quote} before forwarding
 * (the hold) and the exact charge after. Thread-safe; the book is swapped whole when an operator
 * edits prices.
 */
public final class Tariff {

  /** The slowest audio bitrate assumed when holding for a transcription: 6 kbit/s, Opus's floor. */
  public static final long MIN_AUDIO_BYTES_PER_SECOND = 750;
  /**
   * The least output per choice a request without an output limit is served with when the
   * balance cannot cover the model's whole output cap: below it, the request is refused.
   */
  public static final long MIN_OUTPUT_TOKENS = 16;

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
   * Thrown when a request cannot be served as asked, because Yugong cannot bound what it would
   * cost (a 400 for the client: {@link #param} names the field, {@link #code} the reason).
   */
  public static final class Refused extends RuntimeException {
    private final String param;
    private final String code;

    Refused(String message, String param, String code) {
      super(message, null, false, false);
      this.param = param;
      this.code = code;
    }

    public String param() {
      return param;
    }

    public String code() {
      return code;
    }
  }

  /**
   * Prices a request before it goes upstream. {@code json} is its body (for uploads: their small
   * form fields, or null), {@code uploadBytes} the size of an upload. The hold covers the worst
   * case (see docs/billing.md, "What a hold covers"), in saturating arithmetic: a hold of
   * {@link Long#MAX_VALUE} is possible and means no balance covers it.
   *
   * @throws Unpriced when the model has no price
   * @throws Refused when the request asks for something whose cost cannot be bounded
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
    if (!fits(e, price.kind())) {
      // a price for another kind of model (a chat price for a speech model, say) prices nothing
      throw new Unpriced(model == null ? "(none)" : model);
    }
    Rate mult = book.multiplier();
    JsonObject j = json == null ? new JsonObject() : json;
    String m = model == null ? "gpt-4o" : model;
    switch (e) {
      case CHAT -> {
        serviceTier(j);
        long prompt = promptTokens(e, m, j, false);
        long bound = PartBounds.of(m, j.getValue("messages"));
        if (j.containsKey("web_search_options")) {
          bound = Money.saturatingAdd(bound, ContextWindow.of(m));
        }
        long perChoice = maxOf(j, price, "max_completion_tokens", "max_tokens");
        if (j.getValue("prediction") != null) {
          // rejected prediction tokens are billed as completion tokens on top of the answer
          perChoice = Money.saturatingAdd(perChoice, PartBounds.of(m, new JsonArray().add(j.getValue("prediction"))));
        }
        long n = atLeastOne(j, "n");
        long out = Money.saturatingMultiply(perChoice, n);
        boolean unlimited = !j.containsKey("max_completion_tokens") && !j.containsKey("max_tokens")
            && j.getValue("prediction") == null;
        return tokens(e, model, price, prompt, bound, out, mult, accountRate,
            unlimited ? "max_completion_tokens" : null, n);
      }
      case COMPLETION -> {
        Object p = j.getValue("prompt");
        long prompt = promptTokens(e, m, j, false);
        Long max = count(j.getValue("max_tokens"));
        // best_of answers are generated (n of them returned), for each prompt of a batch
        long generated = Math.max(atLeastOne(j, "n"), atLeastOne(j, "best_of"));
        long out = Money.saturatingMultiply(Money.saturatingMultiply(max == null ? 16 : max, generated),
            prompts(p));
        return tokens(e, model, price, prompt, 0, out, mult, accountRate);
      }
      case RESPONSES -> {
        Object background = j.getValue("background");
        if (background != null && !Boolean.FALSE.equals(background)) {
          throw new Refused("Background mode is not supported on this service: its output could not "
              + "be billed. Send the request without \"background\": true (stream it if it is long).",
              "background", "background_not_supported");
        }
        serviceTier(j);
        long prompt = promptTokens(e, m, j, false);
        long bound = PartBounds.of(m, j.getValue("input"));
        if (j.getValue("previous_response_id") != null || j.getValue("conversation") != null
            || j.getValue("prompt") != null || hostedTools(j.getValue("tools"))) {
          // stored context, a stored prompt, or tools that read content in: up to a whole window
          bound = Money.saturatingAdd(bound, ContextWindow.of(m));
        }
        long out = maxOf(j, price, "max_output_tokens");
        return tokens(e, model, price, prompt, bound, out, mult, accountRate,
            j.containsKey("max_output_tokens") ? null : "max_output_tokens", 1);
      }
      case EMBEDDINGS -> {
        long prompt = promptTokens(e, m, j, false);
        return tokens(e, model, price, prompt, 0, 0, mult, accountRate);
      }
      case IMAGES -> {
        long n = atLeastOne(j, "n");
        int count = (int) Math.min(Integer.MAX_VALUE, n);
        String size = choice(j.getValue("size"));
        String quality = choice(j.getValue("quality"));
        long prompt = promptTokens(e, m, j, false);
        long hold = Pricing.worstCaseImages(price, prompt, n, size, quality, mult, accountRate);
        return new Quote(e, model, price, estimate(prompt), hold, 0, count, size, quality, 0);
      }
      case SPEECH -> {
        long chars = j.getValue("input") instanceof String s ? s.codePointCount(0, s.length()) : 0;
        long hold = Pricing.worstCaseSpeech(price, chars, mult, accountRate);
        return new Quote(e, model, price, chars, hold, hold, 0, null, null, chars);
      }
      case REALTIME -> {
        // one response: the model's whole context window in, its output cap out, at the dearest
        // prices; nothing is known of it yet, so its floor is 0
        long hold = Pricing.worstCaseRealtime(price, ContextWindow.of(m), Pricing.outputCap(price), mult,
            accountRate);
        return new Quote(e, model, price, 0, hold, 0, 0, null, null, 0);
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

  /**
   * The prompt's tokens for endpoint {@code e}: with {@code exact}, the tokenizer's count (what a
   * cut stream or an answer without usage is charged for); else its upper bound by UTF-8 length
   * ({@link TokenCounter#boundChatPrompt}), what a hold is priced by: no tokenizer on the hot path.
   */
  public static long promptTokens(Endpoint e, String model, JsonObject j, boolean exact) {
    String m = model == null ? "gpt-4o" : model;
    switch (e) {
      case CHAT -> {
        JsonArray messages = array(j.getValue("messages"));
        JsonArray tools = array(j.getValue("tools"));
        long n = exact ? TokenCounter.countChatPrompt(m, messages, tools) : TokenCounter.boundChatPrompt(messages, tools);
        // the legacy functions and a structured output's schema reach the model too
        return n + jsonText(m, j.getValue("functions"), exact) + jsonText(m, j.getValue("response_format"), exact);
      }
      case COMPLETION -> {
        return input(m, j.getValue("prompt"), exact) + input(m, j.getValue("suffix"), exact);
      }
      case RESPONSES -> {
        long tools = j.getValue("tools") == null ? 0 : exact
            ? TokenCounter.countText(m, String.valueOf(j.getValue("tools")))
            : TokenCounter.boundText(String.valueOf(j.getValue("tools")));
        return input(m, j.getValue("input"), exact) + input(m, j.getValue("instructions"), exact) + tools
            + jsonText(m, j.getValue("text"), exact);
      }
      case EMBEDDINGS -> {
        return input(m, j.getValue("input"), exact);
      }
      case IMAGES -> {
        if (!(j.getValue("prompt") instanceof String p)) {
          return 0;
        }
        return exact ? TokenCounter.countText(m, p) : TokenCounter.boundText(p);
      }
      default -> {
        return 0;
      }
    }
  }

  /** A JSON value (a schema, function definitions) as the text the model reads; 0 when absent. */
  private static long jsonText(String model, Object v, boolean exact) {
    if (v == null) {
      return 0;
    }
    String text = v instanceof JsonObject o ? o.encode() : v instanceof JsonArray a ? a.encode() : String.valueOf(v);
    return exact ? TokenCounter.countText(model, text) : TokenCounter.boundText(text);
  }

  private static long input(String model, Object v, boolean exact) {
    return exact ? TokenCounter.countInput(model, v) : TokenCounter.boundInput(v);
  }

  /**
   * The estimate of a prompt whose upper bound is {@code bound} (UTF-8 bytes): a quarter, as
   * OpenAI estimates tokens from characters; what token limits admit a request by and what its
   * floor charges.
   */
  static long estimate(long bound) {
    return (bound + 3) / 4;
  }

  /**
   * A token-priced hold: {@code prompt} (the prompt's upper bound) plus {@code bound} for the
   * parts it cannot count, at the input price; {@code out} output tokens at the output price.
   * The floor (charged if the node dies) is the prompt's {@link #estimate}.
   */
  private static Quote tokens(Endpoint e, String model, ModelPrice price, long prompt, long bound, long out,
      Rate mult, Rate accountRate) {
    return tokens(e, model, price, prompt, bound, out, mult, accountRate, null, 1);
  }

  /**
   * {@link #tokens(Endpoint, String, ModelPrice, long, long, long, Rate, Rate)} for a request
   * whose output limit is the model's cap because it set none ({@code roomField} names the field
   * that would limit it, null when it set one): such a hold may shrink to a small balance.
   */
  private static Quote tokens(Endpoint e, String model, ModelPrice price, long prompt, long bound, long out,
      Rate mult, Rate accountRate, String roomField, long choices) {
    long padded = Money.saturatingAdd(prompt, bound);
    long hold = Pricing.worstCase(price, padded, out, mult, accountRate);
    long estimate = estimate(prompt);
    long floor = Math.min(hold, Pricing.worstCase(price, estimate, 0L, mult, accountRate));
    Quote.OutputRoom room = null;
    long least = Money.saturatingMultiply(MIN_OUTPUT_TOKENS, choices);
    if (roomField != null && out > least && price.outputPerMillion() > 0) {
      long minHold = Pricing.worstCase(price, padded, least, mult, accountRate);
      if (minHold < hold) {
        room = new Quote.OutputRoom(padded, choices, roomField, minHold, mult);
      }
    }
    return new Quote(e, model, price, estimate, hold, floor, 0, null, null, 0, room);
  }

  /**
   * The output tokens per choice that a hold of {@code placed} covers for a quote with room
   * (at least {@link #MIN_OUTPUT_TOKENS} when {@code placed} is at least its minimum hold).
   */
  public long affordableOutput(Quote q, long placed, Rate accountRate) {
    Quote.OutputRoom room = q.room();
    Rate mult = room.multiplier();
    long lo = 0;
    long hi = Pricing.outputCap(q.price());
    while (lo < hi) { // the largest total output whose worst case fits the hold
      long mid = lo + (hi - lo + 1) / 2;
      long total = Money.saturatingMultiply(mid, room.choices());
      if (Pricing.worstCase(q.price(), room.paddedInput(), total, mult, accountRate) <= placed) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /**
   * Refuses a service tier that upstream bills above the price book's standard prices
   * ({@code priority}, {@code scale}); {@code auto}, {@code default} and {@code flex} are served.
   */
  private static void serviceTier(JsonObject j) {
    Object tier = j.getValue("service_tier");
    if (tier != null && !(tier instanceof String t && (t.equals("auto") || t.equals("default") || t.equals("flex")))) {
      throw new Refused("The service tier " + tier + " is not available on this service; use \"auto\", "
          + "\"default\" or \"flex\".", "service_tier", "service_tier_not_supported");
    }
  }

  /** The largest of the given output limits the request sets, else the model's output cap. */
  private static long maxOf(JsonObject j, ModelPrice price, String... fields) {
    Long max = null;
    for (String f : fields) {
      Long v = count(j.getValue(f));
      if (v != null) {
        max = max == null ? v : Math.max(max, v);
      }
    }
    return max == null ? Pricing.outputCap(price) : max;
  }

  /** A count field such as {@code n}: at least 1 (absent, zero or unreadable count as 1). */
  private static long atLeastOne(JsonObject j, String field) {
    Long v = count(j.getValue(field));
    return v == null ? 1 : Math.max(1, v);
  }

  /** How many prompts a legacy completion request sends (an array of strings or of token arrays). */
  private static long prompts(Object p) {
    if (p instanceof JsonArray a && !a.isEmpty() && !(a.getValue(0) instanceof Number)) {
      return a.size();
    }
    return 1;
  }

  private static boolean hostedTools(Object tools) {
    if (tools instanceof JsonArray a) {
      for (Object t : a) {
        if (!(t instanceof JsonObject o) || !(o.getValue("type") instanceof String type)
            || !(type.equals("function") || type.equals("custom"))) {
          return true;
        }
      }
    }
    return false;
  }

  /** A size or quality: the text, or a value no price names (so the dearest applies) if it is not text. */
  private static String choice(Object v) {
    if (v == null || v instanceof String) {
      return (String) v;
    }
    return "?";
  }

  /**
   * A client's count (tokens, choices, images) as a non-negative long, saturating: a JSON number
   * (fractions round up), or a short numeric string, which some servers accept; null when
   * absent or not a number. Bounded before it is parsed.
   */
  static Long count(Object v) {
    BigDecimal d;
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return Math.max(0, ((Number) v).longValue());
    } else if (v instanceof Number n) {
      try {
        d = Money.decimal(n);
      } catch (IllegalArgumentException e) {
        return null;
      }
    } else if (v instanceof String s && s.length() <= 40 && NUMERIC.matcher(s.trim()).matches()) {
      d = new BigDecimal(s.trim());
    } else {
      return null;
    }
    if (d.signum() <= 0) {
      return 0L;
    }
    if (d.precision() - d.scale() > 19) {
      return Long.MAX_VALUE;
    }
    BigDecimal up = d.setScale(0, RoundingMode.CEILING);
    return up.compareTo(LONG_MAX) >= 0 ? Long.MAX_VALUE : up.longValue();
  }

  private static final java.util.regex.Pattern NUMERIC =
      java.util.regex.Pattern.compile("[+-]?\\d{1,25}(\\.\\d{0,25})?([eE][+-]?\\d{1,3})?");
  private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

  /** True when a price of this kind can price requests to this endpoint. */
  static boolean fits(Endpoint e, ModelPrice.Kind kind) {
    return switch (e) {
      case CHAT, COMPLETION, RESPONSES -> kind == ModelPrice.Kind.CHAT;
      case EMBEDDINGS -> kind == ModelPrice.Kind.EMBEDDING;
      case IMAGES -> kind == ModelPrice.Kind.IMAGE;
      case SPEECH -> kind == ModelPrice.Kind.SPEECH;
      case TRANSCRIPTION -> kind == ModelPrice.Kind.TRANSCRIPTION;
      case REALTIME -> kind == ModelPrice.Kind.REALTIME;
      default -> true;
    };
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

  /**
   * A usage from OpenAI's usage object of any endpoint (chat, responses, embeddings), or null
   * when it cannot be believed: a count that is not a whole JSON number from 0 to 2^53, or no
   * token count at all. The caller then counts with the tokenizer. An unreadable
   * {@code cached_tokens} counts as 0 (no discount).
   */
  public static Usage tokensFrom(JsonObject usage) {
    long prompt = firstCount(usage, "prompt_tokens", "input_tokens");
    long completion = firstCount(usage, "completion_tokens", "output_tokens");
    if (prompt == INVALID || completion == INVALID || (prompt == ABSENT && completion == ABSENT)) {
      return null;
    }
    long cached = 0;
    for (String details : List.of("prompt_tokens_details", "input_tokens_details")) {
      if (usage.getValue(details) instanceof JsonObject d) {
        long c = firstCount(d, "cached_tokens");
        if (c > 0) {
          cached = c;
        }
      }
    }
    return Usage.tokens(Math.max(0, prompt), cached, Math.max(0, completion));
  }

  /**
   * A realtime {@code response.done}'s {@code response.usage}: {@code input_tokens},
   * {@code output_tokens}, {@code input_token_details} ({@code cached_tokens}, {@code audio_tokens},
   * {@code cached_tokens_details.audio_tokens}) and {@code output_token_details.audio_tokens}; null
   * when it cannot be believed (a count that is not a whole number from 0 to 2^53, or neither
   * total). Unreadable details count as 0 audio and 0 cached, except that audio output missing
   * from the details counts as audio (the dearer price).
   */
  public static Usage realtimeFrom(JsonObject usage) {
    long input = firstCount(usage, "input_tokens");
    long output = firstCount(usage, "output_tokens");
    if (input == INVALID || output == INVALID || (input == ABSENT && output == ABSENT)) {
      return null;
    }
    input = Math.max(0, input);
    output = Math.max(0, output);
    long cached = 0;
    long audioIn = 0;
    long cachedAudio = 0;
    if (usage.getValue("input_token_details") instanceof JsonObject d) {
      cached = Math.max(0, firstCount(d, "cached_tokens"));
      audioIn = detail(d, "audio_tokens", "text_tokens", input);
      if (d.getValue("cached_tokens_details") instanceof JsonObject cd) {
        cachedAudio = detail(cd, "audio_tokens", "text_tokens", cached);
      }
    } else {
      audioIn = input; // no split given: all at the audio price, the dearer one
    }
    long audioOut = output;
    if (usage.getValue("output_token_details") instanceof JsonObject d) {
      audioOut = detail(d, "audio_tokens", "text_tokens", output);
    }
    return Usage.realtime(input, cached, audioIn, cachedAudio, output, audioOut);
  }

  /**
   * The audio part of a {@code whole}: the {@code audio} count when readable, else the whole less
   * a readable {@code text} count, else the whole (priced as audio, the dearer).
   */
  private static long detail(JsonObject d, String audio, String text, long whole) {
    long a = firstCount(d, audio);
    if (a >= 0) {
      return a;
    }
    long t = firstCount(d, text);
    return t >= 0 ? Math.max(0, whole - t) : whole;
  }

  private static final long ABSENT = -1;
  private static final long INVALID = -2;
  /** The largest usage count believed: 2^53, where JSON numbers stop being exact. */
  static final long MAX_REPORTED = 1L << 53;

  /**
   * A usage count reported by upstream: the first of {@code names} present, {@link #ABSENT} if none
   * is, {@link #INVALID} if it is not a whole number from 0 to 2^53.
   */
  static long firstCount(JsonObject o, String... names) {
    for (String n : names) {
      Object v = o.getValue(n);
      if (v == null) {
        continue;
      }
      return reportedCount(v);
    }
    return ABSENT;
  }

  /** {@code v} as a usage count, or {@link #INVALID}. */
  public static long reportedCount(Object v) {
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      long l = ((Number) v).longValue();
      return l >= 0 && l <= MAX_REPORTED ? l : INVALID;
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      return d >= 0 && d <= MAX_REPORTED && d == Math.rint(d) ? (long) d : INVALID;
    }
    return INVALID;
  }
}
