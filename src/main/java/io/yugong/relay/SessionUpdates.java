package io.yugong.relay;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * Which client Realtime events Yugong must read before it forwards them: the session updates
 * ({@code session.update}, {@code transcription_session.update}), because one can turn on input
 * audio transcription, whose usage OpenAI bills apart from the responses and Yugong cannot charge.
 * Such an update is refused (never forwarded); every other event passes unread.
 */
final class SessionUpdates {

  /** The largest session update read; a larger one is refused unread. */
  static final int MAX_UPDATE = 256 * 1024;

  private SessionUpdates() {
  }

  /** Whether a client event of this top-level type must be read whole before it goes upstream. */
  static boolean inspected(String type) {
    return "session.update".equals(type) || "transcription_session.update".equals(type);
  }

  /**
   * The client's error event refusing {@code update} (a whole session update, at most {@link
   * #MAX_UPDATE} bytes), or null when it may be forwarded.
   */
  static JsonObject refusal(Buffer update, String rid) {
    JsonObject event;
    try {
      event = new JsonObject(update);
    } catch (RuntimeException e) {
      return error(rid, null, "invalid_json", null, "The session update is not valid JSON.");
    }
    Object clientEventId = event.getValue("event_id");
    String eventId = clientEventId instanceof String s && s.length() <= 128 ? s : null;
    Object session = event.getValue("session");
    if (!(session instanceof JsonObject s)) {
      return null; // upstream answers a malformed update itself; it enables nothing
    }
    String param = null;
    if (s.getValue("input_audio_transcription") != null) {
      param = "session.input_audio_transcription";
    } else if (s.getValue("audio") instanceof JsonObject audio && audio.getValue("input") instanceof JsonObject in
        && in.getValue("transcription") != null) {
      param = "session.audio.input.transcription";
    }
    if (param == null) {
      return null;
    }
    return error(rid, eventId, "transcription_not_supported", param, "Input audio transcription cannot be "
        + "billed on this service, so it cannot be turned on: send the session update without '" + param
        + "' (or with it null). The update was not applied.");
  }

  /** The error event refusing an update too large to be read. */
  static JsonObject tooLarge(String rid) {
    return error(rid, null, "event_too_large", null, "A session update may be at most " + MAX_UPDATE
        + " bytes on this service; the update was not applied.");
  }

  private static JsonObject error(String rid, String eventId, String code, String param, String message) {
    JsonObject error = new JsonObject().put("type", "invalid_request_error").put("code", code)
        .put("message", message).put("param", param).put("event_id", eventId);
    return new JsonObject().put("type", "error").put("event_id", "event_" + rid + "_refused").put("error", error);
  }
}
