package io.yugong.billing;

/**
 * What one request consumed, as reported by upstream (or estimated where upstream gave nothing).
 * {@code cachedPromptTokens} is the part of {@code promptTokens} served from the prompt cache
 * (clamped to {@code promptTokens}); {@code completionTokens} includes reasoning tokens.
 * {@link Pricing#charge} adds up every part, so give each request only the parts it used.
 */
public record Usage(
        long promptTokens,
        long cachedPromptTokens,
        long completionTokens,
        int images,
        String imageSize,
        String imageQuality,
        long audioMillis,
        long characters) {

    private static final Usage NONE = new Usage(0, 0, 0, 0, null, null, 0, 0);

    /** Rejects negative counts; clamps the cached tokens to the prompt tokens. */
    public Usage {
        if (promptTokens < 0 || cachedPromptTokens < 0 || completionTokens < 0 || images < 0
                || audioMillis < 0 || characters < 0) {
            throw new IllegalArgumentException("usage counts must not be negative");
        }
        cachedPromptTokens = Math.min(cachedPromptTokens, promptTokens);
    }

    /** Token usage: prompt tokens (of which {@code cached} were cached) and completion tokens. */
    public static Usage tokens(long prompt, long cached, long completion) {
        return new Usage(prompt, cached, completion, 0, null, null, 0, 0);
    }

    /** {@code n} generated images of a size (e.g. {@code "1024x1024"}) and quality (may be null). */
    public static Usage images(int n, String size, String quality) {
        return new Usage(0, 0, 0, n, size, quality, 0, 0);
    }

    /** Transcribed/translated audio of the given duration in milliseconds. */
    public static Usage audioMillis(long millis) {
        return new Usage(0, 0, 0, 0, null, null, millis, 0);
    }

    /** Text-to-speech input of {@code n} characters. */
    public static Usage characters(long n) {
        return new Usage(0, 0, 0, 0, null, null, 0, n);
    }

    /** Nothing used. */
    public static Usage none() {
        return NONE;
    }
}
