package io.yugong.billing;

import java.time.LocalDate;

/** What one account used of one model on one day (of the billing time zone): cost in its own nano-dollars, requests, tokens. */
public record DailyUsage(LocalDate day, String model, long cost, long requests, long promptTokens,
    long cachedTokens, long completionTokens) {
}
