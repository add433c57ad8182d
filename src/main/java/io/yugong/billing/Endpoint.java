package io.yugong.billing;

import java.util.List;

/** What a {@code /v1} path is, for metering: how its price is found and its usage read. */
public enum Endpoint {
  CHAT, COMPLETION, RESPONSES, EMBEDDINGS, IMAGES, SPEECH, TRANSCRIPTION,
  /**
   * A Realtime session ({@code GET /v1/realtime} upgraded to a WebSocket): held and charged per
   * response. Its other paths ({@code /v1/realtime/sessions}, {@code /v1/realtime/client_secrets},
   * ...) mint credentials for direct, unbilled use of an upstream key: UNMETERED.
   */
  REALTIME,
  /** Served at no charge: models, moderations. */
  FREE,
  /** Billable at OpenAI but not per request (files, batches, fine-tuning, assistants, ...). */
  UNMETERED,
  /**
   * Reads or changes objects stored upstream (stored responses and chat completions, their lists):
   * they live in the upstream key's project, shared by every customer of that key, so they are
   * refused like UNMETERED unless the operator allows them.
   */
  STORED,
  /** Not an OpenAI endpoint Yugong knows: refused like UNMETERED unless the operator allows it. */
  OTHER;

  private static final List<String> UNMETERED_PREFIXES = List.of(
      "/v1/files", "/v1/uploads", "/v1/batches", "/v1/fine_tuning", "/v1/fine-tunes", "/v1/assistants",
      "/v1/threads", "/v1/vector_stores", "/v1/realtime", "/v1/containers", "/v1/evals",
      "/v1/conversations", "/v1/videos", "/v1/chatkit", "/v1/organization");

  /**
   * Classifies a request by method and canonical path (no query string). Priced endpoints are
   * priced for POST only: any other method there lists or reads stored objects.
   */
  public static Endpoint of(String method, String path) {
    Endpoint e = of(path);
    if (e == REALTIME) {
      return "GET".equals(method) ? REALTIME : UNMETERED;
    }
    if (e.priced() && !"POST".equals(method)) {
      return STORED;
    }
    if (e == FREE && path.startsWith("/v1/models") && !"GET".equals(method) && !"HEAD".equals(method)) {
      return STORED; // DELETE /v1/models/ft:... deletes the operator's fine-tune
    }
    return e;
  }

  /** Classifies a POST's path (no query string). */
  public static Endpoint of(String path) {
    String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    switch (p) {
      case "/v1/chat/completions":
        return CHAT;
      case "/v1/completions":
        return COMPLETION;
      case "/v1/responses":
        return RESPONSES;
      case "/v1/embeddings":
        return EMBEDDINGS;
      case "/v1/images/generations":
      case "/v1/images/edits":
      case "/v1/images/variations":
        return IMAGES;
      case "/v1/audio/speech":
        return SPEECH;
      case "/v1/audio/transcriptions":
      case "/v1/audio/translations":
        return TRANSCRIPTION;
      case "/v1/realtime":
        return REALTIME;
      case "/v1/moderations":
      case "/v1/models":
        return FREE;
      default:
        break;
    }
    if (p.startsWith("/v1/models/")) {
      return FREE;
    }
    if (p.startsWith("/v1/chat/completions/") || p.startsWith("/v1/responses/")) {
      return STORED;
    }
    for (String prefix : UNMETERED_PREFIXES) {
      if (p.equals(prefix) || p.startsWith(prefix + "/")) {
        return UNMETERED;
      }
    }
    return OTHER;
  }

  /** True when requests here need a price for their model. */
  public boolean priced() {
    return this != FREE && this != UNMETERED && this != STORED && this != OTHER;
  }
}
