package io.yugong.mock;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;

import java.util.ArrayList;
import java.util.List;

/** POST /v1/completions (legacy): one choice per prompt, JSON and SSE. */
final class CompletionsEndpoint implements Endpoint {

  private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

  @Override
  public void handle(Exchange ex) {
    if (!Validation.model(ex) || !Validation.required(ex, "prompt")) {
      return;
    }
    List<Integer> prompts = promptTokens(ex.json.getValue("prompt"));
    if (prompts == null) {
      ex.invalid("Invalid type for 'prompt': expected a string, an array of strings, an array of integers or an "
          + "array of arrays of integers.", "prompt", "invalid_type");
      return;
    }
    int k = Tokens.completionBudget(ex, "max_tokens");
    if (k < 0) {
      return;
    }
    String finish = ex.json.getValue("max_tokens") != null ? "length" : "stop";
    int promptSum = prompts.stream().mapToInt(Integer::intValue).sum();
    String id = Ids.random("cmpl-", 29);
    long created = System.currentTimeMillis() / 1000;
    StringBuilder head = new StringBuilder(128).append("{\"id\":\"").append(id)
        .append("\",\"object\":\"text_completion\",\"created\":").append(created).append(",\"model\":");
    Jsons.quote(head, ex.model);
    if (ex.stream) {
      Pump.start(ex, Hdr.SSE, new LegacyFrames(head.toString(), prompts.size(), k, promptSum, finish,
          ex.includeUsage), true);
      return;
    }
    StringBuilder sb = new StringBuilder(256 + prompts.size() * k * 8).append(head).append(",\"choices\":[");
    String text = Tokens.text(k);
    for (int i = 0; i < prompts.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append("{\"text\":\"").append(text).append("\",\"index\":").append(i)
          .append(",\"logprobs\":null,\"finish_reason\":\"").append(finish).append("\"}");
    }
    sb.append("],\"usage\":");
    Usage.legacy(sb, promptSum, k * prompts.size()).append('}');
    ex.json(sb.toString());
  }

  /** Token count per prompt, or null when the prompt has an unsupported shape. */
  static List<Integer> promptTokens(Object prompt) {
    List<Integer> out = new ArrayList<>();
    if (prompt instanceof String s) {
      out.add(Tokens.words(s));
      return out;
    }
    if (!(prompt instanceof JsonArray array) || array.isEmpty()) {
      return null;
    }
    if (array.getValue(0) instanceof Number) {
      out.add(array.size());
      return out;
    }
    for (Object item : array) {
      if (item instanceof String s) {
        out.add(Tokens.words(s));
      } else if (item instanceof JsonArray tokens) {
        out.add(tokens.size());
      } else {
        return null;
      }
    }
    return out;
  }

  /** Per prompt: k token chunks; then one finish chunk per prompt; optional usage chunk; [DONE]. */
  private static final class LegacyFrames implements Frames {
    private final String head;
    private final int prompts;
    private final int k;
    private final int promptSum;
    private final String finish;
    private final boolean includeUsage;
    private final String usageNull;

    LegacyFrames(String head, int prompts, int k, int promptSum, String finish, boolean includeUsage) {
      this.head = "data: " + head;
      this.prompts = prompts;
      this.k = k;
      this.promptSum = promptSum;
      this.finish = finish;
      this.includeUsage = includeUsage;
      this.usageNull = includeUsage ? ",\"usage\":null" : "";
    }

    @Override
    public int count() {
      return prompts * k + prompts + (includeUsage ? 1 : 0) + 1;
    }

    @Override
    public boolean paced(int index) {
      return index < prompts * k;
    }

    @Override
    public Buffer frame(int index) {
      if (index == count() - 1) {
        return DONE;
      }
      StringBuilder sb = new StringBuilder(head.length() + 160).append(head);
      if (index < prompts * k) {
        sb.append(",\"choices\":[{\"text\":\"").append(Tokens.token(index % k)).append("\",\"index\":")
            .append(index / k).append(",\"logprobs\":null,\"finish_reason\":null}]");
      } else if (index < prompts * k + prompts) {
        sb.append(",\"choices\":[{\"text\":\"\",\"index\":").append(index - prompts * k)
            .append(",\"logprobs\":null,\"finish_reason\":\"").append(finish).append("\"}]");
      } else {
        sb.append(",\"choices\":[],\"usage\":");
        Usage.legacy(sb, promptSum, k * prompts).append("}\n\n");
        return Buffer.buffer(sb.toString());
      }
      sb.append(usageNull).append("}\n\n");
      return Buffer.buffer(sb.toString());
    }
  }
}
