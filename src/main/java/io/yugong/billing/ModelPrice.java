package io.yugong.billing;

import io.vertx.core.json.JsonObject;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One model's prices, in nano-dollars. Token prices are per 1M tokens; {@code perImage} is keyed
 * by {@code "quality|size"} (e.g. {@code "hd|1792x1024"}, or {@code "|256x256"} where quality does
 * not apply); {@code perMinute} prices transcription/translation audio; {@code perMillionCharacters}
 * prices text-to-speech input. {@code maxOutputTokens} is the model's output cap, used for holds
 * when a request sets no {@code max_tokens}.
 *
 * <p>JSON form (dollars as strings): {@code {"kind":"chat","input":"2.50","cached_input":"1.25",
 * "output":"10.00","max_output_tokens":16384}}, {@code {"kind":"image","per_image":{"standard|1024x1024":"0.04"}}},
 * {@code {"kind":"transcription","per_minute":"0.006"}}, {@code {"kind":"speech","per_million_characters":"15"}}.
 * A missing {@code cached_input} means no cache discount (cached tokens cost the input price).
 *
 * <p>Realtime models ({@code "kind":"realtime"}) price audio tokens apart from text tokens:
 * {@code audio_input}, {@code cached_audio_input} (missing: the audio input price) and
 * {@code audio_output}, per 1M tokens, beside the text prices {@code input}, {@code cached_input}
 * and {@code output}.
 */
public record ModelPrice(
        Kind kind,
        long inputPerMillion,
        long cachedInputPerMillion,
        long outputPerMillion,
        Map<String, Long> perImage,
        long perMinute,
        long perMillionCharacters,
        int maxOutputTokens,
        long audioInputPerMillion,
        long cachedAudioInputPerMillion,
        long audioOutputPerMillion) {

    /** What a model is billed for. */
    public enum Kind { CHAT, EMBEDDING, IMAGE, TRANSCRIPTION, SPEECH, MODERATION, REALTIME, OTHER }

    /** The image size assumed when a request names none. */
    public static final String DEFAULT_IMAGE_SIZE = "1024x1024";

    private static final Set<String> FIELDS = Set.of("kind", "input", "cached_input", "output",
            "per_image", "per_minute", "per_million_characters", "max_output_tokens", "audio_input",
            "cached_audio_input", "audio_output");

    /** Validates (no negative prices) and copies the image table (keys lower-cased). */
    public ModelPrice {
        if (kind == null) {
            throw new IllegalArgumentException("kind is required");
        }
        nonNegative("input", inputPerMillion);
        nonNegative("cached_input", cachedInputPerMillion);
        nonNegative("output", outputPerMillion);
        nonNegative("per_minute", perMinute);
        nonNegative("per_million_characters", perMillionCharacters);
        nonNegative("max_output_tokens", maxOutputTokens);
        nonNegative("audio_input", audioInputPerMillion);
        nonNegative("cached_audio_input", cachedAudioInputPerMillion);
        nonNegative("audio_output", audioOutputPerMillion);
        Map<String, Long> images = new LinkedHashMap<>();
        if (perImage != null) {
            perImage.forEach((k, v) -> {
                if (k == null || k.indexOf('|') < 0) {
                    throw new IllegalArgumentException("per_image key must be \"quality|size\": " + k);
                }
                nonNegative("per_image " + k, v == null ? -1 : v);
                images.put(k.trim().toLowerCase(Locale.ROOT), v);
            });
        }
        perImage = Collections.unmodifiableMap(images);
    }

    /** A chat/completions model priced per token. */
    public static ModelPrice chat(long inputPerMillion, long cachedInputPerMillion, long outputPerMillion,
                                  int maxOutputTokens) {
        return new ModelPrice(Kind.CHAT, inputPerMillion, cachedInputPerMillion, outputPerMillion,
                Map.of(), 0, 0, maxOutputTokens, 0, 0, 0);
    }

    /** An embedding model priced per input token. */
    public static ModelPrice embedding(long inputPerMillion) {
        return new ModelPrice(Kind.EMBEDDING, inputPerMillion, inputPerMillion, 0, Map.of(), 0, 0, 0, 0, 0, 0);
    }

    /** An image model priced per image, keyed by {@code "quality|size"}. */
    public static ModelPrice images(Map<String, Long> perImage) {
        return new ModelPrice(Kind.IMAGE, 0, 0, 0, perImage, 0, 0, 0, 0, 0, 0);
    }

    /** A transcription/translation model priced per minute of audio. */
    public static ModelPrice transcription(long perMinute) {
        return new ModelPrice(Kind.TRANSCRIPTION, 0, 0, 0, Map.of(), perMinute, 0, 0, 0, 0, 0);
    }

    /** A text-to-speech model priced per 1M input characters. */
    public static ModelPrice speech(long perMillionCharacters) {
        return new ModelPrice(Kind.SPEECH, 0, 0, 0, Map.of(), 0, perMillionCharacters, 0, 0, 0, 0);
    }

    /**
     * A realtime model: text and audio tokens priced apart, per 1M tokens (input, cached input,
     * output of each).
     */
    public static ModelPrice realtime(long textInput, long cachedTextInput, long textOutput, long audioInput,
                                      long cachedAudioInput, long audioOutput, int maxOutputTokens) {
        return new ModelPrice(Kind.REALTIME, textInput, cachedTextInput, textOutput, Map.of(), 0, 0,
                maxOutputTokens, audioInput, cachedAudioInput, audioOutput);
    }

    /** A model that costs nothing (e.g. moderation). */
    public static ModelPrice free(Kind kind) {
        return new ModelPrice(kind, 0, 0, 0, Map.of(), 0, 0, 0, 0, 0, 0);
    }

    /**
     * The price of one image of {@code size} at {@code quality} (either may be null). Tries
     * {@code quality|size}, then {@code |size}, then {@code standard|size} when no quality was
     * given (a missing size means {@value #DEFAULT_IMAGE_SIZE}); if the table still has no match it charges the dearest entry for that size, else the
     * dearest entry overall, so an unknown combination is never cheaper than a known one.
     * Returns 0 if the model has no image prices.
     */
    public long imagePrice(String quality, String size) {
        if (perImage.isEmpty()) {
            return 0L;
        }
        String q = quality == null ? "" : quality.trim().toLowerCase(Locale.ROOT);
        String s = size == null || size.isBlank() ? DEFAULT_IMAGE_SIZE : size.trim().toLowerCase(Locale.ROOT);
        Long p = perImage.get(q + "|" + s);
        if (p == null) {
            p = perImage.get("|" + s);
        }
        if (p == null && q.isEmpty()) {
            p = perImage.get("standard|" + s);
        }
        if (p != null) {
            return p;
        }
        long sizeMax = -1;
        long max = 0;
        for (Map.Entry<String, Long> e : perImage.entrySet()) {
            max = Math.max(max, e.getValue());
            if (e.getKey().endsWith("|" + s)) {
                sizeMax = Math.max(sizeMax, e.getValue());
            }
        }
        return sizeMax >= 0 ? sizeMax : max;
    }

    /** Parses the JSON form; unknown fields are rejected so a typo cannot make a model free. */
    public static ModelPrice fromJson(JsonObject json) {
        try {
            return parse(json);
        } catch (ClassCastException e) {
            throw new IllegalArgumentException("wrong JSON type in price: " + e.getMessage(), e);
        }
    }

    private static ModelPrice parse(JsonObject json) {
        for (String f : json.fieldNames()) {
            if (!FIELDS.contains(f)) {
                throw new IllegalArgumentException("unknown price field: " + f);
            }
        }
        String kindText = json.getString("kind", "chat");
        Kind kind;
        try {
            kind = Kind.valueOf(kindText.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown kind: " + kindText);
        }
        long input = dollars(json, "input");
        long cached = json.containsKey("cached_input") ? dollars(json, "cached_input") : input;
        Map<String, Long> images = new LinkedHashMap<>();
        JsonObject table = json.getJsonObject("per_image");
        if (table != null) {
            for (String k : table.fieldNames()) {
                images.put(k, Money.fromJson(table.getValue(k)));
            }
        }
        Object max = json.getValue("max_output_tokens");
        int maxOut;
        if (max == null) {
            maxOut = 0;
        } else if (max instanceof Number n && Money.decimal(n).stripTrailingZeros().scale() <= 0) {
            maxOut = Money.decimal(n).intValueExact();
        } else {
            throw new IllegalArgumentException("max_output_tokens must be an integer: " + max);
        }
        long audioIn = dollars(json, "audio_input");
        long cachedAudioIn = json.containsKey("cached_audio_input") ? dollars(json, "cached_audio_input") : audioIn;
        return new ModelPrice(kind, input, cached, dollars(json, "output"), images,
                dollars(json, "per_minute"), dollars(json, "per_million_characters"), maxOut, audioIn,
                cachedAudioIn, dollars(json, "audio_output"));
    }

    /** The JSON form: dollars as plain strings, zero fields left out. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject().put("kind", kind.name().toLowerCase(Locale.ROOT));
        putDollars(o, "input", inputPerMillion);
        if (cachedInputPerMillion != inputPerMillion) {
            o.put("cached_input", Money.format(cachedInputPerMillion));
        }
        putDollars(o, "output", outputPerMillion);
        if (!perImage.isEmpty()) {
            JsonObject t = new JsonObject();
            perImage.forEach((k, v) -> t.put(k, Money.format(v)));
            o.put("per_image", t);
        }
        putDollars(o, "per_minute", perMinute);
        putDollars(o, "per_million_characters", perMillionCharacters);
        if (maxOutputTokens > 0) {
            o.put("max_output_tokens", maxOutputTokens);
        }
        putDollars(o, "audio_input", audioInputPerMillion);
        if (cachedAudioInputPerMillion != audioInputPerMillion) {
            o.put("cached_audio_input", Money.format(cachedAudioInputPerMillion));
        }
        putDollars(o, "audio_output", audioOutputPerMillion);
        return o;
    }

    private static long dollars(JsonObject json, String field) {
        Object v = json.getValue(field);
        return v == null ? 0L : Money.fromJson(v);
    }

    private static void putDollars(JsonObject o, String field, long nanos) {
        if (nanos != 0) {
            o.put(field, Money.format(nanos));
        }
    }

    private static void nonNegative(String field, long v) {
        if (v < 0) {
            throw new IllegalArgumentException(field + " must not be negative");
        }
    }
}
