package io.yugong.mock;

/** The usage objects of chat/completions and responses, as JSON text. */
final class Usage {

  private Usage() {
  }

  static StringBuilder chat(StringBuilder sb, int prompt, int completion) {
    return sb.append("{\"prompt_tokens\":").append(prompt)
        .append(",\"completion_tokens\":").append(completion)
        .append(",\"total_tokens\":").append(prompt + completion)
        .append(",\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0}")
        .append(",\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,")
        .append("\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}");
  }

  static StringBuilder legacy(StringBuilder sb, int prompt, int completion) {
    return sb.append("{\"prompt_tokens\":").append(prompt)
        .append(",\"completion_tokens\":").append(completion)
        .append(",\"total_tokens\":").append(prompt + completion).append('}');
  }

  static StringBuilder responses(StringBuilder sb, int input, int output) {
    return sb.append("{\"input_tokens\":").append(input)
        .append(",\"input_tokens_details\":{\"cached_tokens\":0}")
        .append(",\"output_tokens\":").append(output)
        .append(",\"output_tokens_details\":{\"reasoning_tokens\":0}")
        .append(",\"total_tokens\":").append(input + output).append('}');
  }
}
