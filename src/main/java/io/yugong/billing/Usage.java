package io.yugong.billing;

/**
 * What one request consumed, as reported by upstream (or estimated where upstream gave nothing).
 * {@code cachedPromptTokens} is the part of {@code promptTokens} served from the prompt cache
 * (clamped to {@code promptTokens}); {@code completionTokens} includes reasoning tokens.
 * {@link Pricing#charge} adds up every part, so give each request only the parts it used.
 * For realtime responses, {@code audioPromptTokens} is the audio part of {@code promptTokens}
 * ({@code cachedAudioPromptTokens} of it cached, a part of {@code cachedPromptTokens}) and
 * {@code audioCompletionTokens} the audio part of {@code completionTokens}; each is clamped to
 * the whole it is a part of.
 */
public record Usage(
        long promptTokens,
        long cachedPromptTokens,
        long completionTokens,
        int images,
        String imageSize,
        String imageQuality,
        long audioMillis,
        long characters,
        long audioPromptTokens,
        long cachedAudioPromptTokens,
        long audioCompletionTokens) {

    private static final Usage NONE = new Usage(0, 0, 0, 0, null, null, 0, 0, 0, 0, 0);

    /** Rejects negative counts; clamps the cached tokens to the prompt tokens. */
    public Usage {
        if (promptTokens < 0 || cachedPromptTokens < 0 || completionTokens < 0 || images < 0
                || audioMillis < 0 || characters < 0 || audioPromptTokens < 0 || cachedAudioPromptTokens < 0
                || audioCompletionTokens < 0) {
            throw new IllegalArgumentException("usage counts must not be negative");
        }
        cachedPromptTokens = Math.min(cachedPromptTokens, promptTokens);
        audioPromptTokens = Math.min(audioPromptTokens, promptTokens);
        cachedAudioPromptTokens = Math.min(Math.min(cachedAudioPromptTokens, audioPromptTokens), cachedPromptTokens);
        // cached text (cached − cached audio) never exceeds text (prompt − audio)
        cachedAudioPromptTokens = Math.max(cachedAudioPromptTokens,
            cachedPromptTokens - (promptTokens - audioPromptTokens));
        audioCompletionTokens = Math.min(audioCompletionTokens, completionTokens);
    }

    /** Token usage: prompt tokens (of which {@code cached} were cached) and completion tokens. */
    public static Usage tokens(long prompt, long cached, long completion) {
        return new Usage(prompt, cached, completion, 0, null, null, 0, 0, 0, 0, 0);
    }

    /** {@code n} generated images of a size (e.g. {@code "1024x1024"}) and quality (may be null). */
    public static Usage images(int n, String size, String quality) {
        return new Usage(0, 0, 0, n, size, quality, 0, 0, 0, 0, 0);
    }

    /** Transcribed/translated audio of the given duration in milliseconds. */
    public static Usage audioMillis(long millis) {
        return new Usage(0, 0, 0, 0, null, null, millis, 0, 0, 0, 0);
    }

    /** Text-to-speech input of {@code n} characters. */
    public static Usage characters(long n) {
        return new Usage(0, 0, 0, 0, null, null, 0, n, 0, 0, 0);
    }

    /**
     * A realtime response: {@code input} tokens (of which {@code audioInput} audio; {@code cached}
     * cached, {@code cachedAudio} of those audio) and {@code output} tokens (of which
     * {@code audioOutput} audio).
     */
    public static Usage realtime(long input, long cached, long audioInput, long cachedAudio, long output,
                                 long audioOutput) {
        return new Usage(input, cached, output, 0, null, null, 0, 0, audioInput, cachedAudio, audioOutput);
    }

    /** True when some tokens are audio (priced at a realtime model's audio prices). */
    public boolean hasAudio() {
        return audioPromptTokens != 0 || audioCompletionTokens != 0;
    }

    /** Nothing used. */
    public static Usage none() {
        return NONE;
    }
}
