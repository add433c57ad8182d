package io.yugong.mock;

/**
 * One request the emulator answered, as recorded by {@link MockControl}.
 *
 * @param atMillis     wall-clock time the answer's status was decided
 * @param apiKey       the bearer key, or {@code null} when none was sent
 * @param method       HTTP method
 * @param path         request path (no query)
 * @param model        the request's {@code model}, when it had one
 * @param stream       whether a streaming answer was asked for
 * @param includeUsage whether {@code stream_options.include_usage} was true
 * @param status       HTTP status answered
 */
public record ServedRequest(long atMillis, String apiKey, String method, String path, String model,
                            boolean stream, boolean includeUsage, int status) {
}
