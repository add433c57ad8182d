package io.yugong.billing;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable snapshot of model prices plus the global price multiplier. Runtime edits
 * ({@link #withModel}, {@link #withMultiplier}, ...) return a new book.
 *
 * <p>JSON form: {@code {"source":..., "as_of":..., "currency":"USD", "multiplier":"1",
 * "default": {price}, "models": {"gpt-4o": {price}, ...}}} where each price is a
 * {@link ModelPrice#toJson()}; other top-level fields are kept as metadata and written back.
 */
public final class PriceBook {

    private static final String RESOURCE = "prices.json";

    private final Map<String, ModelPrice> models;
    private final ModelPrice defaultPrice;
    private final Rate multiplier;
    private final JsonObject meta;

    private PriceBook(Map<String, ModelPrice> models, ModelPrice defaultPrice, Rate multiplier, JsonObject meta) {
        this.models = Collections.unmodifiableMap(models);
        this.defaultPrice = defaultPrice;
        this.multiplier = multiplier;
        this.meta = meta;
    }

    /** The bundled OpenAI price list ({@code io/yugong/billing/prices.json}). */
    public static PriceBook defaults() {
        try (InputStream in = PriceBook.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            return fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses the JSON text form. */
    public static PriceBook fromJson(String json) {
        return fromJson(new JsonObject(json));
    }

    /**
     * Parses the JSON form.
     *
     * @throws IllegalArgumentException on a malformed price (the message names the model)
     */
    public static PriceBook fromJson(JsonObject json) {
        if (!(json.getValue("models") instanceof JsonObject modelsJson)) {
            throw new IllegalArgumentException("price book needs a \"models\" object");
        }
        Map<String, ModelPrice> models = new LinkedHashMap<>();
        for (String name : modelsJson.fieldNames()) {
            models.put(key(name), parse(name, modelsJson.getValue(name)));
        }
        ModelPrice def = json.getValue("default") == null ? null : parse("default", json.getValue("default"));
        Rate multiplier = json.getValue("multiplier") == null ? Rate.ONE : Rate.fromJson(json.getValue("multiplier"));
        JsonObject meta = json.copy();
        meta.remove("models");
        meta.remove("default");
        meta.remove("multiplier");
        return new PriceBook(models, def, multiplier, meta);
    }

    /** The JSON form; parses back to an equal book. */
    public JsonObject toJson() {
        JsonObject o = meta.copy();
        o.put("multiplier", multiplier.toString());
        if (defaultPrice != null) {
            o.put("default", defaultPrice.toJson());
        }
        JsonObject m = new JsonObject();
        models.forEach((k, v) -> m.put(k, v.toJson()));
        o.put("models", m);
        return o;
    }

    /**
     * The price of {@code model}: the exact name; else the longest known prefix ending at a
     * {@code '-'} or {@code ':'} boundary ({@code gpt-4o-mini-2024-07-18} → {@code gpt-4o-mini}),
     * unless the rest names another kind of model ({@code gpt-4o-mini-tts} is not priced as
     * {@code gpt-4o-mini});
     * else, for a fine-tune {@code ft:BASE:org::id}, the price of {@code BASE} resolved the same
     * way (a book entry named {@code ft:BASE} wins over the plain base, through the prefix rule);
     * else the book's default price; else empty. Names are matched case-insensitively.
     */
    public Optional<ModelPrice> find(String model) {
        ModelPrice p = model == null ? null : resolve(key(model));
        return Optional.ofNullable(p != null ? p : defaultPrice);
    }

    private ModelPrice resolve(String name) {
        ModelPrice p = models.get(name);
        for (int i = name.length() - 1; p == null && i > 0; i--) {
            char c = name.charAt(i);
            if (c == ':' && name.startsWith("ft:") || c == '-' && snapshot(name, i + 1)) {
                p = models.get(name.substring(0, i));
            }
        }
        if (p == null && name.startsWith("ft:")) {
            int end = name.indexOf(':', 3);
            String base = end < 0 ? name.substring(3) : name.substring(3, end);
            if (!base.isEmpty()) {
                p = resolve(base);
            }
        }
        return p;
    }

    /** Words that make a suffix name another kind of model, billed another way than its prefix. */
    private static final List<String> OTHER_MODALITY = List.of("audio", "tts", "speech", "realtime",
        "search", "transcribe", "image", "embedding", "moderation", "research", "computer-use");

    /**
     * True when {@code name} from {@code from} on may be priced like the prefix before it: a
     * snapshot ({@code -2024-08-06}) or a variant name, but not one that names another kind of
     * model ({@code -tts}, {@code -audio-preview}, {@code -search-preview}, ...), which may be billed
     * for audio, searches or images that the prefix's token prices do not cover.
     */
    private static boolean snapshot(String name, int from) {
        String suffix = name.substring(from).toLowerCase(java.util.Locale.ROOT);
        for (String word : OTHER_MODALITY) {
            if (suffix.contains(word)) {
                return false;
            }
        }
        return true;
    }

    /** The global price multiplier (JSON {@code "multiplier"}, default 1). */
    public Rate multiplier() {
        return multiplier;
    }

    /** The price for models the book does not know, if any. */
    public Optional<ModelPrice> defaultPrice() {
        return Optional.ofNullable(defaultPrice);
    }

    /** All explicitly priced models (lower-case names), in book order. */
    public Map<String, ModelPrice> models() {
        return models;
    }

    /** Top-level metadata such as {@code source}, {@code as_of}, {@code currency} (a copy). */
    public JsonObject meta() {
        return meta.copy();
    }

    /** A copy with {@code model} priced at {@code price} (added or replaced). */
    public PriceBook withModel(String model, ModelPrice price) {
        if (model == null || model.isBlank() || price == null) {
            throw new IllegalArgumentException("model name and price are required");
        }
        Map<String, ModelPrice> m = new LinkedHashMap<>(models);
        m.put(key(model), price);
        return new PriceBook(m, defaultPrice, multiplier, meta);
    }

    /** A copy without an explicit price for {@code model}. */
    public PriceBook withoutModel(String model) {
        Map<String, ModelPrice> m = new LinkedHashMap<>(models);
        m.remove(key(model));
        return new PriceBook(m, defaultPrice, multiplier, meta);
    }

    /** A copy with another default price for unknown models ({@code null} removes it). */
    public PriceBook withDefault(ModelPrice price) {
        return new PriceBook(new LinkedHashMap<>(models), price, multiplier, meta);
    }

    /** A copy with another global multiplier. */
    public PriceBook withMultiplier(Rate rate) {
        if (rate == null) {
            throw new IllegalArgumentException("multiplier is required");
        }
        return new PriceBook(new LinkedHashMap<>(models), defaultPrice, rate, meta);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PriceBook b && b.models.equals(models) && b.multiplier.equals(multiplier)
                && java.util.Objects.equals(b.defaultPrice, defaultPrice) && b.meta.equals(meta);
    }

    @Override
    public int hashCode() {
        return models.hashCode() * 31 + multiplier.hashCode();
    }

    private static String key(String model) {
        return model.trim().toLowerCase(Locale.ROOT);
    }

    private static ModelPrice parse(String name, Object value) {
        if (!(value instanceof JsonObject o)) {
            throw new IllegalArgumentException("price of " + name + " must be an object");
        }
        try {
            return ModelPrice.fromJson(o);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad price for " + name + ": " + e.getMessage(), e);
        }
    }
}
