package io.yugong.mock;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;

/**
 * POST /v1/chat/completions, JSON and SSE. The hot path of benchmarks: answers are built as text
 * directly. With {@code "store": true} the completion is also kept for the key
 * ({@link StoredChatCompletions}), as its JSON answer or as its stream adds up to.
 */
final class ChatEndpoint implements Endpoint {

  static final String FINGERPRINT = "fp_7f1ee2a3b9";
  static final String TOOL_ARGUMENTS = "{}";
  private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

  @Override
  public void handle(Exchange ex) {
    if (!Validation.model(ex)) {
      return;
    }
    JsonArray messages = Validation.nonEmptyArray(ex, "messages");
    if (messages == null) {
      return;
    }
    int k = Tokens.completionBudget(ex, "max_completion_tokens", "max_tokens");
    if (k < 0) {
      return;
    }
    boolean capped = Tokens.hasAny(ex.json, "max_completion_tokens", "max_tokens");
    int prompt = Tokens.chatPrompt(messages);
    if (!Validation.fitsContext(ex, prompt)) {
      return;
    }
    String tool = ToolChoice.forcedFunction(ex.json);
    String id = Ids.random("chatcmpl-", 29);
    long created = System.currentTimeMillis() / 1000;
    String finish = tool != null ? "tool_calls" : capped ? "length" : "stop";
    boolean store = Boolean.TRUE.equals(ex.json.getValue("store"));
    if (ex.stream) {
      if (store) {
        StoredChatCompletions.store(ex, id, messages, body(id, created, ex.model, k, prompt, finish, tool));
      }
      Pump.start(ex, Hdr.SSE, new ChunkFrames(id, created, ex.model, k, prompt, finish, tool, ex.includeUsage), true);
    } else {
      String answer = body(id, created, ex.model, k, prompt, finish, tool);
      if (store) {
        StoredChatCompletions.store(ex, id, messages, answer);
      }
      ex.json(answer);
    }
  }

  static String body(String id, long created, String model, int k, int prompt, String finish, String tool) {
    String text = tool == null ? Tokens.text(k) : null;
    StringBuilder sb = new StringBuilder(512 + (text == null ? 0 : text.length()));
    sb.append("{\"id\":\"").append(id).append("\",\"object\":\"chat.completion\",\"created\":").append(created)
        .append(",\"model\":");
    Jsons.quote(sb, model).append(",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
    if (tool == null) {
      sb.append('"').append(text).append('"');
    } else {
      sb.append("null,\"tool_calls\":[{\"id\":\"").append(Ids.random("call_", 24))
          .append("\",\"type\":\"function\",\"function\":{\"name\":");
      Jsons.quote(sb, tool).append(",\"arguments\":");
      Jsons.quote(sb, TOOL_ARGUMENTS).append("}}]");
    }
    sb.append(",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"").append(finish)
        .append("\"}],\"usage\":");
    Usage.chat(sb, prompt, k);
    sb.append(",\"service_tier\":\"default\",\"system_fingerprint\":\"").append(FINGERPRINT).append("\"}");
    return sb.toString();
  }

  /** role chunk, one chunk per token (or the tool call), finish chunk, optional usage chunk, [DONE]. */
  private static final class ChunkFrames implements Frames {
    private final String head;
    private final String tail;
    private final String finishTail;
    private final int k;
    private final int prompt;
    private final String tool;
    private final boolean includeUsage;
    private final int body;

    ChunkFrames(String id, long created, String model, int k, int prompt, String finish, String tool,
                boolean includeUsage) {
      StringBuilder sb = new StringBuilder(256).append("data: {\"id\":\"").append(id)
          .append("\",\"object\":\"chat.completion.chunk\",\"created\":").append(created).append(",\"model\":");
      Jsons.quote(sb, model).append(",\"service_tier\":\"default\",\"system_fingerprint\":\"").append(FINGERPRINT)
          .append("\",\"choices\":");
      this.head = sb.toString();
      String usageNull = includeUsage ? ",\"usage\":null" : "";
      this.tail = ",\"logprobs\":null,\"finish_reason\":null}]" + usageNull + "}\n\n";
      this.finishTail = ",\"logprobs\":null,\"finish_reason\":\"" + finish + "\"}]" + usageNull + "}\n\n";
      this.k = k;
      this.prompt = prompt;
      this.tool = tool;
      this.includeUsage = includeUsage;
      this.body = tool == null ? k : 1;
    }

    @Override
    public int count() {
      return 1 + body + 1 + (includeUsage ? 1 : 0) + 1;
    }

    @Override
    public boolean paced(int index) {
      return tool == null && index >= 1 && index <= body;
    }

    @Override
    public Buffer frame(int index) {
      if (index == count() - 1) {
        return DONE;
      }
      StringBuilder sb = new StringBuilder(head.length() + 160).append(head);
      if (index == 0) {
        sb.append("[{\"index\":0,\"delta\":");
        if (tool == null) {
          sb.append("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}");
        } else {
          sb.append("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"")
              .append(Ids.random("call_", 24)).append("\",\"type\":\"function\",\"function\":{\"name\":");
          Jsons.quote(sb, tool).append(",\"arguments\":\"\"}}],\"refusal\":null}");
        }
        sb.append(tail);
      } else if (index <= body) {
        sb.append("[{\"index\":0,\"delta\":");
        if (tool == null) {
          sb.append("{\"content\":\"").append(Tokens.token(index - 1)).append("\"}");
        } else {
          sb.append("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":");
          Jsons.quote(sb, TOOL_ARGUMENTS).append("}}]}");
        }
        sb.append(tail);
      } else if (index == body + 1) {
        sb.append("[{\"index\":0,\"delta\":{}").append(finishTail);
      } else {
        sb.append("[],\"usage\":");
        Usage.chat(sb, prompt, k).append("}\n\n");
      }
      return Buffer.buffer(sb.toString());
    }
  }
}
