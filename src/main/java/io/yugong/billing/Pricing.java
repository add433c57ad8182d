package io.yugong.billing;

import java.math.BigInteger;

/**
 * Exact charges and worst-case holds in nano-dollars.
 *
 * <p>Every amount is computed as an exact fraction — per-1M-token prices, per-minute audio and
 * both multipliers included — and rounded up to a whole nano-dollar exactly once, at the end.
 * Audio is billed per started second: the duration in milliseconds is rounded up to whole
 * seconds, then priced at {@code perMinute / 60} per second (exact, not rounded per second).
 */
public final class Pricing {

    /**
     * Output tokens assumed for a hold when the request sets no limit and the price names no
     * {@code maxOutputTokens} (only for models with an output price).
     */
    public static final int FALLBACK_MAX_OUTPUT_TOKENS = 32_768;

    private static final BigInteger SIXTY = BigInteger.valueOf(60);
    private static final BigInteger MILLION = BigInteger.valueOf(1_000_000);
    /** Common denominator: per 1M units (tokens, characters) and per 60 seconds. */
    private static final BigInteger DENOMINATOR = SIXTY.multiply(MILLION);

    private Pricing() {
    }

    /**
     * The exact charge for {@code usage}: {@code (prompt - cached) × input + cached × cachedInput +
     * completion × output} (per 1M tokens) + images × per-image price + audio seconds × per-minute
     * price / 60 + characters × per-1M-characters price, times both multipliers, rounded up once.
     *
     * @throws ArithmeticException if the charge does not fit a long
     */
    public static long charge(ModelPrice price, Usage usage, Rate globalMultiplier, Rate accountRate) {
        if (usage.hasAudio()) {
            return realtimeCharge(price, usage, globalMultiplier, accountRate);
        }
        long uncached = usage.promptTokens() - usage.cachedPromptTokens();
        long fast = LongFraction.charge(uncached, usage.cachedPromptTokens(), usage.completionTokens(),
                usage.characters(), price.inputPerMillion(), price.cachedInputPerMillion(),
                price.outputPerMillion(), price.perMillionCharacters(),
                usage.images() == 0 ? 0 : usage.images(),
                usage.images() == 0 ? 0 : price.imagePrice(usage.imageQuality(), usage.imageSize()),
                audioSeconds(usage.audioMillis()), price.perMinute(), globalMultiplier, accountRate);
        if (fast >= 0) {
            return fast;
        }
        BigInteger perMillion = big(uncached).multiply(big(price.inputPerMillion()))
                .add(big(usage.cachedPromptTokens()).multiply(big(price.cachedInputPerMillion())))
                .add(big(usage.completionTokens()).multiply(big(price.outputPerMillion())))
                .add(big(usage.characters()).multiply(big(price.perMillionCharacters())));
        BigInteger whole = usage.images() == 0 ? BigInteger.ZERO
                : big(usage.images()).multiply(big(price.imagePrice(usage.imageQuality(), usage.imageSize())));
        BigInteger perMinute = big(audioSeconds(usage.audioMillis())).multiply(big(price.perMinute()));
        return total(perMillion, perMinute, whole, globalMultiplier, accountRate);
    }

    /**
     * A realtime response's charge: text and audio input (uncached and cached) and output, each at
     * its own price (audio at the {@code audio_*} prices), times both multipliers, rounded up once.
     */
    private static long realtimeCharge(ModelPrice price, Usage u, Rate g, Rate a) {
        long audioIn = u.audioPromptTokens();
        long cachedAudio = u.cachedAudioPromptTokens();
        long cachedText = u.cachedPromptTokens() - cachedAudio;
        long uncachedText = u.promptTokens() - audioIn - cachedText;
        long audioOut = u.audioCompletionTokens();
        BigInteger perMillion = big(uncachedText).multiply(big(price.inputPerMillion()))
                .add(big(cachedText).multiply(big(price.cachedInputPerMillion())))
                .add(big(audioIn - cachedAudio).multiply(big(price.audioInputPerMillion())))
                .add(big(cachedAudio).multiply(big(price.cachedAudioInputPerMillion())))
                .add(big(u.completionTokens() - audioOut).multiply(big(price.outputPerMillion())))
                .add(big(audioOut).multiply(big(price.audioOutputPerMillion())));
        return total(perMillion, BigInteger.ZERO, BigInteger.ZERO, g, a);
    }

    /**
     * The hold for one realtime response: {@code contextTokens} at the dearest input price (text or
     * audio, cached or not) and {@code outputTokens} at the dearest output price, times both
     * multipliers, rounded up; saturating.
     */
    public static long worstCaseRealtime(ModelPrice price, long contextTokens, long outputTokens,
                                         Rate globalMultiplier, Rate accountRate) {
        long in = Math.max(Math.max(price.inputPerMillion(), price.cachedInputPerMillion()),
                Math.max(price.audioInputPerMillion(), price.cachedAudioInputPerMillion()));
        long out = Math.max(price.outputPerMillion(), price.audioOutputPerMillion());
        BigInteger perMillion = big(Math.max(0, contextTokens)).multiply(big(in))
                .add(big(Math.max(0, outputTokens)).multiply(big(out)));
        return saturate(numerator(perMillion, BigInteger.ZERO, BigInteger.ZERO, globalMultiplier, accountRate),
                globalMultiplier, accountRate);
    }

    /**
     * The hold for a token-priced request (chat, completions, responses, embeddings): the prompt
     * estimate at the input price (or the cached price, if someone configured it higher) plus
     * {@code maxTokensRequested} — or, when null, the model's {@code maxOutputTokens} (else
     * {@link #FALLBACK_MAX_OUTPUT_TOKENS}) — at the output price, times both multipliers, rounded
     * up. Never less than {@link #charge} for the same prompt and at most that many output tokens.
     */
    public static long worstCase(ModelPrice price, long promptTokensEstimate, Integer maxTokensRequested,
                                 Rate globalMultiplier, Rate accountRate) {
        long out = maxTokensRequested != null ? Math.max(0, maxTokensRequested) : outputCap(price);
        return worstCase(price, promptTokensEstimate, out, globalMultiplier, accountRate);
    }

    /**
     * The hold for {@code promptTokens} at the input price and {@code outputTokens} at the output
     * price (any long: a product of client-chosen factors, e.g. {@code max_tokens × n}), times both
     * multipliers, rounded up. Saturates at {@link Long#MAX_VALUE} instead of overflowing: a hold
     * that large is one no balance covers.
     */
    public static long worstCase(ModelPrice price, long promptTokens, long outputTokens,
                                 Rate globalMultiplier, Rate accountRate) {
        long fast = LongFraction.charge(Math.max(0, promptTokens), 0, Math.max(0, outputTokens), 0,
                Math.max(price.inputPerMillion(), price.cachedInputPerMillion()), 0, price.outputPerMillion(), 0,
                0, 0, 0, 0, globalMultiplier, accountRate);
        if (fast >= 0) {
            return fast;
        }
        BigInteger perMillion = promptPart(price, promptTokens)
                .add(big(Math.max(0, outputTokens)).multiply(big(price.outputPerMillion())));
        return saturate(numerator(perMillion, BigInteger.ZERO, BigInteger.ZERO, globalMultiplier, accountRate),
                globalMultiplier, accountRate);
    }

    /**
     * The output tokens a request may produce per choice when it sets no limit: the model's
     * {@code maxOutputTokens}, else {@link #FALLBACK_MAX_OUTPUT_TOKENS} (0 for a model without an
     * output price).
     */
    public static long outputCap(ModelPrice price) {
        if (price.maxOutputTokens() > 0) {
            return price.maxOutputTokens();
        }
        return price.outputPerMillion() > 0 ? FALLBACK_MAX_OUTPUT_TOKENS : 0;
    }

    /**
     * The hold for an image request: {@code n} images of {@code size}/{@code quality} (see
     * {@link ModelPrice#imagePrice}) plus the prompt estimate at the input price, for models
     * that also bill prompt tokens.
     */
    public static long worstCaseImages(ModelPrice price, long promptTokensEstimate, long n, String size,
                                       String quality, Rate globalMultiplier, Rate accountRate) {
        BigInteger whole = big(Math.max(0, n)).multiply(big(price.imagePrice(quality, size)));
        return saturate(numerator(promptPart(price, promptTokensEstimate), BigInteger.ZERO, whole,
                globalMultiplier, accountRate), globalMultiplier, accountRate);
    }

    /** The hold for text-to-speech of {@code characters} input characters. */
    public static long worstCaseSpeech(ModelPrice price, long characters, Rate globalMultiplier,
                                       Rate accountRate) {
        return charge(price, Usage.characters(Math.max(0, characters)), globalMultiplier, accountRate);
    }

    /**
     * The hold for a transcription/translation of at most {@code audioSecondsCap} seconds (the
     * caller picks the cap, e.g. from the upload size); per-minute pricing only.
     */
    public static long worstCaseTranscription(ModelPrice price, long audioSecondsCap, Rate globalMultiplier,
                                              Rate accountRate) {
        BigInteger perMinute = big(Math.max(0, audioSecondsCap)).multiply(big(price.perMinute()));
        return total(BigInteger.ZERO, perMinute, BigInteger.ZERO, globalMultiplier, accountRate);
    }

    /** Audio billed per started second. */
    static long audioSeconds(long millis) {
        return millis / 1000 + (millis % 1000 == 0 ? 0 : 1);
    }

    private static BigInteger promptPart(ModelPrice price, long promptTokens) {
        long in = Math.max(price.inputPerMillion(), price.cachedInputPerMillion());
        return big(Math.max(0, promptTokens)).multiply(big(in));
    }

    /**
     * {@code (perMillion / 1e6 + perMinuteSeconds / 60 + whole) × g × a}, rounded up once.
     * perMillion is in nano-dollars × 1e6, perMinuteSeconds in nano-dollars × 60.
     */
    private static long total(BigInteger perMillion, BigInteger perMinuteSeconds, BigInteger whole,
                              Rate g, Rate a) {
        return roundUp(numerator(perMillion, perMinuteSeconds, whole, g, a), g, a).longValueExact();
    }

    /** Like {@link #total}, but a result beyond a long is {@link Long#MAX_VALUE} (holds only). */
    private static long saturate(BigInteger numerator, Rate g, Rate a) {
        BigInteger r = roundUp(numerator, g, a);
        return r.bitLength() < 64 ? r.longValue() : Long.MAX_VALUE;
    }

    private static BigInteger numerator(BigInteger perMillion, BigInteger perMinuteSeconds, BigInteger whole,
                                        Rate g, Rate a) {
        return perMillion.multiply(SIXTY)
                .add(perMinuteSeconds.multiply(MILLION))
                .add(whole.multiply(DENOMINATOR))
                .multiply(g.unscaled())
                .multiply(a.unscaled());
    }

    private static BigInteger roundUp(BigInteger numerator, Rate g, Rate a) {
        if (numerator.signum() == 0) {
            return BigInteger.ZERO;
        }
        BigInteger denominator = DENOMINATOR.multiply(BigInteger.TEN.pow(g.scale() + a.scale()));
        BigInteger[] qr = numerator.divideAndRemainder(denominator);
        return qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
    }

    private static BigInteger big(long v) {
        return BigInteger.valueOf(v);
    }
}
