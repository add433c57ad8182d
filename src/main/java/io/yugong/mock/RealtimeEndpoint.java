package io.yugong.mock;

import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * {@code GET /v1/realtime?model=...} as a WebSocket: after the gate (keys and their behaviours, so
 * a rate-limited key answers the handshake 429), the upgrade, {@code session.created}, and a
 * deterministic conversation (docs/emulator.md, "Realtime"):
 *
 * <ul>
 *   <li>{@code session.update} → {@code session.updated} (its {@code modalities} are kept);
 *   <li>{@code conversation.item.create} → {@code conversation.item.created} with the item; its
 *       text adds (words + 4) text tokens to the conversation;
 *   <li>{@code input_audio_buffer.append} counts the audio's bytes; {@code input_audio_buffer.commit}
 *       → {@code input_audio_buffer.committed}, adding ceil(bytes / 4800) audio tokens (PCM16 at
 *       24 kHz, 10 tokens a second);
 *   <li>{@code response.create} → {@code response.created}, K deltas ({@code response.text.delta},
 *       or {@code response.audio_transcript.delta} + {@code response.audio.delta} with audio) and
 *       {@code response.done} with the usage below; K is {@code response.max_output_tokens}
 *       (at most 4096) or the emulator's completion tokens (12);
 *   <li>{@code response.cancel} (with a {@code response_id}, or none: every response under way)
 *       → {@code response.done} with status {@code cancelled} and the usage so far (the deltas
 *       sent); the deltas are paced by {@link MockControl#realtimeDeltaDelay} (none by default),
 *       and responses may run concurrently; an out-of-band one ({@code "conversation": "none"})
 *       leaves the conversation and the cache as they were;
 *   <li>anything else, or a message that is not JSON → an {@code error} event.
 * </ul>
 *
 * <p>Usage of response n: input text tokens 3 + the conversation's text tokens, input audio
 * tokens the conversation's audio tokens; cached: the previous response's input (text and audio),
 * 0 for the first; output text tokens K, output audio tokens 2K with audio (modalities contain
 * "audio", the default), else 0. The output then joins the conversation.
 */
final class RealtimeEndpoint implements Endpoint {

  private static final int AUDIO_BYTES_PER_TOKEN = 4800;
  /** Each response.audio.delta: 50 ms of silent PCM16 at 24 kHz (2,400 bytes), base64. */
  private static final String AUDIO_CHUNK = java.util.Base64.getEncoder().encodeToString(new byte[2400]);

  @Override
  public void handle(Exchange ex) {
    if (!ex.req.canUpgradeToWebSocket()) {
      ex.error(400, "This endpoint expects a WebSocket upgrade.", "invalid_request_error", null, null);
      return;
    }
    if (ex.model == null || ex.model.isBlank()) {
      ex.error(400, "Missing required parameter: 'model'.", "invalid_request_error", "model",
          "missing_required_parameter");
      return;
    }
    ex.req.toWebSocket().onSuccess(ws -> {
      ex.env.control().record(new ServedRequest(System.currentTimeMillis(), ex.apiKey, "GET",
          ex.req.path(), ex.model, true, false, 101));
      new Conversation(ex, ws).start();
    });
  }

  /** One emulated session. Confined to its event loop. */
  private static final class Conversation {
    final Exchange ex;
    final ServerWebSocket ws;
    final String sessionId = Ids.random("sess_", 24);
    final MockControl.RealtimeSocket socket;
    JsonArray modalities = new JsonArray().add("text").add("audio");
    long textTokens;
    long audioTokens;
    long pendingAudioBytes;
    long cachedText;
    long cachedAudio;
    int events;

    Conversation(Exchange ex, ServerWebSocket ws) {
      this.ex = ex;
      this.ws = ws;
      this.socket = ex.env.control().opened(ex.apiKey, ws);
    }

    void start() {
      ws.closeHandler(v -> socket.closed(ws.closeStatusCode(), ws.closeReason()));
      ws.textMessageHandler(this::onMessage);
      ws.binaryMessageHandler(b -> error("invalid_request_error", "unsupported_message",
          "Binary messages are not supported."));
      send(event("session.created").put("session", session()));
    }

    private JsonObject session() {
      return new JsonObject().put("id", sessionId).put("object", "realtime.session").put("model", ex.model)
          .put("modalities", modalities);
    }

    private JsonObject event(String type) {
      return new JsonObject().put("type", type).put("event_id", "event_" + (++events));
    }

    private void send(JsonObject event) {
      if (!ws.isClosed()) {
        ws.writeTextMessage(event.encode());
      }
    }

    private void error(String type, String code, String message) {
      send(event("error").put("error", new JsonObject().put("type", type).put("code", code)
          .put("message", message).put("param", (Object) null).put("event_id", (Object) null)));
    }

    private void onMessage(String text) {
      JsonObject m;
      try {
        m = new JsonObject(text);
      } catch (RuntimeException e) {
        error("invalid_request_error", "invalid_json", "The event is not valid JSON.");
        return;
      }
      Object type = m.getValue("type");
      socket.received(type instanceof String t ? t : "");
      switch (type instanceof String s ? s : "") {
        case "session.update" -> {
          if (m.getValue("session") instanceof JsonObject s && s.getValue("modalities") instanceof JsonArray a) {
            modalities = a;
          }
          send(event("session.updated").put("session", session()));
        }
        case "conversation.item.create" -> {
          JsonObject item = m.getValue("item") instanceof JsonObject i ? i.copy() : new JsonObject();
          textTokens += words(item) + 4;
          item.put("id", Ids.random("item_", 20));
          send(event("conversation.item.created").put("item", item));
        }
        case "input_audio_buffer.append" -> {
          String audio = m.getValue("audio") instanceof String a ? a : "";
          pendingAudioBytes += audio.length() / 4L * 3;
        }
        case "input_audio_buffer.commit" -> {
          audioTokens += (pendingAudioBytes + AUDIO_BYTES_PER_TOKEN - 1) / AUDIO_BYTES_PER_TOKEN;
          pendingAudioBytes = 0;
          send(event("input_audio_buffer.committed").put("item_id", Ids.random("item_", 20)));
        }
        case "response.create" -> respond(m.getValue("response") instanceof JsonObject r ? r : new JsonObject());
        case "response.cancel" -> cancel(m.getValue("response_id"));
        default -> error("invalid_request_error", "invalid_value",
            "Invalid value: '" + type + "'. Supported values are: 'session.update', 'conversation.item.create', "
                + "'input_audio_buffer.append', 'input_audio_buffer.commit', 'response.create', 'response.cancel'.");
      }
    }

    /** Responses under way, by id, in the order they began. */
    final java.util.LinkedHashMap<String, Response> active = new java.util.LinkedHashMap<>();

    private void respond(JsonObject r) {
      int k = ex.env.options().completionTokens();
      if (r.getValue("max_output_tokens") instanceof Number n) {
        k = (int) Math.max(1, Math.min(n.longValue(), MockOptions.MAX_COMPLETION_TOKENS));
      }
      JsonArray mods = r.getValue("modalities") instanceof JsonArray a ? a : modalities;
      Response resp = new Response(k, mods.contains("audio"), 3 + textTokens, audioTokens, cachedText, cachedAudio,
          "none".equals(r.getValue("conversation")));
      active.put(resp.id, resp);
      send(event("response.created").put("response", new JsonObject().put("id", resp.id)
          .put("object", "realtime.response").put("status", "in_progress")));
      long delay = ex.env.control().realtimeDeltaDelayMs();
      if (delay == 0) {
        while (!resp.over()) {
          resp.delta();
        }
        done(resp, "completed");
      } else {
        step(resp, delay);
      }
    }

    private void step(Response resp, long delay) {
      ex.env.vertx().setTimer(delay, t -> {
        if (resp.finished || ws.isClosed()) {
          return;
        }
        resp.delta();
        if (resp.over()) {
          done(resp, "completed");
        } else {
          step(resp, delay);
        }
      });
    }

    /** {@code response.cancel}: the response named (or every one under way) ends, cancelled, with the usage so far. */
    private void cancel(Object responseId) {
      List<Response> cancelled = new java.util.ArrayList<>();
      for (Response r : active.values()) {
        if (responseId == null || r.id.equals(responseId)) {
          cancelled.add(r);
        }
      }
      if (cancelled.isEmpty()) {
        error("invalid_request_error", "response_cancel_not_active", "Cancellation failed: no active response found.");
      }
      for (Response r : cancelled) {
        done(r, "cancelled");
      }
    }

    private void done(Response resp, String status) {
      resp.finished = true;
      active.remove(resp.id);
      int k = resp.sent;
      long outAudio = resp.audio ? 2L * k : 0;
      JsonObject usage = new JsonObject()
          .put("total_tokens", resp.inText + resp.inAudio + k + outAudio)
          .put("input_tokens", resp.inText + resp.inAudio)
          .put("output_tokens", k + outAudio)
          .put("input_token_details", new JsonObject()
              .put("text_tokens", resp.inText).put("audio_tokens", resp.inAudio)
              .put("cached_tokens", resp.cachedText + resp.cachedAudio)
              .put("cached_tokens_details", new JsonObject().put("text_tokens", resp.cachedText)
                  .put("audio_tokens", resp.cachedAudio)))
          .put("output_token_details", new JsonObject().put("text_tokens", k).put("audio_tokens", outAudio));
      JsonObject content = new JsonObject().put("type", resp.audio ? "audio" : "text")
          .put(resp.audio ? "transcript" : "text", resp.transcript.toString());
      send(event("response.done").put("response", new JsonObject().put("id", resp.id)
          .put("object", "realtime.response").put("status", status)
          .put("output", new JsonArray().add(new JsonObject().put("id", resp.itemId).put("type", "message")
              .put("role", "assistant").put("content", new JsonArray().add(content))))
          .put("usage", usage)));
      if (!resp.outOfBand) {
        cachedText = resp.inText;
        cachedAudio = resp.inAudio;
        textTokens += k;
        audioTokens += outAudio;
      }
    }

    /** One response under way: its input (fixed when it began) and the deltas sent so far. */
    private final class Response {
      final String id = Ids.random("resp_", 20);
      final String itemId = Ids.random("item_", 20);
      final int k;
      final boolean audio;
      final long inText;
      final long inAudio;
      final long cachedText;
      final long cachedAudio;
      /** {@code "conversation": "none"}: its output does not join the conversation, nor is its input cached. */
      final boolean outOfBand;
      final StringBuilder transcript = new StringBuilder();
      int sent;
      boolean finished;

      Response(int k, boolean audio, long inText, long inAudio, long cachedText, long cachedAudio,
          boolean outOfBand) {
        this.outOfBand = outOfBand;
        this.k = k;
        this.audio = audio;
        this.inText = inText;
        this.inAudio = inAudio;
        this.cachedText = cachedText;
        this.cachedAudio = cachedAudio;
      }

      boolean over() {
        return sent >= k;
      }

      void delta() {
        String token = Tokens.token(sent++);
        transcript.append(token);
        send(event(audio ? "response.audio_transcript.delta" : "response.text.delta")
            .put("response_id", id).put("item_id", itemId).put("output_index", 0)
            .put("content_index", 0).put("delta", token));
        if (audio) {
          send(event("response.audio.delta").put("response_id", id).put("item_id", itemId)
              .put("output_index", 0).put("content_index", 0).put("delta", AUDIO_CHUNK));
        }
      }
    }

    private static long words(JsonObject item) {
      long n = 0;
      if (item.getValue("content") instanceof JsonArray parts) {
        for (Object p : parts) {
          if (p instanceof JsonObject o && o.getValue("text") instanceof String t && !t.isBlank()) {
            n += t.trim().split("\\s+").length;
          }
        }
      }
      return n;
    }
  }
}
