package io.yugong.mock;

import io.vertx.core.json.JsonArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** POST /v1/embeddings: deterministic unit vectors seeded by the input, float or base64 encoded. */
final class EmbeddingsEndpoint implements Endpoint {

  static final int MAX_DIMENSIONS = 3072;

  @Override
  public void handle(Exchange ex) {
    if (!Validation.model(ex) || !Validation.required(ex, "input")) {
      return;
    }
    List<String> inputs = new ArrayList<>();
    List<Integer> tokens = new ArrayList<>();
    if (!inputs(ex.json.getValue("input"), inputs, tokens)) {
      ex.invalid("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
          "input", null);
      return;
    }
    int dimensions = defaultDimensions(ex.model);
    Object d = ex.json.getValue("dimensions");
    if (d != null) {
      if (!(d instanceof Number n) || n.intValue() < 1 || n.intValue() > MAX_DIMENSIONS) {
        ex.invalid("Invalid 'dimensions': expected an integer between 1 and " + MAX_DIMENSIONS + ".", "dimensions",
            "invalid_value");
        return;
      }
      dimensions = n.intValue();
    }
    Object format = ex.json.getValue("encoding_format");
    boolean base64 = "base64".equals(format);
    if (format != null && !base64 && !"float".equals(format)) {
      ex.invalid("Invalid value for 'encoding_format': expected 'float' or 'base64'.", "encoding_format",
          "invalid_value");
      return;
    }
    StringBuilder sb = new StringBuilder(64 + inputs.size() * dimensions * (base64 ? 6 : 12))
        .append("{\"object\":\"list\",\"data\":[");
    int promptTokens = 0;
    for (int i = 0; i < inputs.size(); i++) {
      promptTokens += tokens.get(i);
      float[] vector = vector(inputs.get(i), dimensions);
      if (i > 0) {
        sb.append(',');
      }
      sb.append("{\"object\":\"embedding\",\"index\":").append(i).append(",\"embedding\":");
      if (base64) {
        sb.append('"').append(base64(vector)).append('"');
      } else {
        sb.append('[');
        for (int j = 0; j < vector.length; j++) {
          if (j > 0) {
            sb.append(',');
          }
          sb.append(vector[j]);
        }
        sb.append(']');
      }
      sb.append('}');
    }
    sb.append("],\"model\":");
    Jsons.quote(sb, ex.model).append(",\"usage\":{\"prompt_tokens\":").append(promptTokens)
        .append(",\"total_tokens\":").append(promptTokens).append("}}");
    ex.json(sb.toString());
  }

  static int defaultDimensions(String model) {
    return model != null && model.contains("large") ? 3072 : 1536;
  }

  /** Fills the seed texts and token counts of each input; false when the input's shape is not accepted. */
  static boolean inputs(Object input, List<String> texts, List<Integer> tokens) {
    if (input instanceof String s) {
      if (s.isEmpty()) {
        return false;
      }
      texts.add(s);
      tokens.add(Tokens.words(s));
      return true;
    }
    if (!(input instanceof JsonArray array) || array.isEmpty()) {
      return false;
    }
    if (array.getValue(0) instanceof Number) {
      texts.add(array.encode());
      tokens.add(array.size());
      return true;
    }
    for (Object item : array) {
      if (item instanceof String s && !s.isEmpty()) {
        texts.add(s);
        tokens.add(Tokens.words(s));
      } else if (item instanceof JsonArray ids && !ids.isEmpty()) {
        texts.add(ids.encode());
        tokens.add(ids.size());
      } else {
        return false;
      }
    }
    return true;
  }

  /** A unit-length vector whose components are drawn from a generator seeded by the text. */
  static float[] vector(String text, int dimensions) {
    Hashes.Sequence seq = new Hashes.Sequence(Hashes.fnv64(text));
    float[] v = new float[dimensions];
    double norm = 0;
    for (int i = 0; i < dimensions; i++) {
      double x = seq.nextSigned();
      v[i] = (float) x;
      norm += x * x;
    }
    double scale = norm == 0 ? 0 : 1 / Math.sqrt(norm);
    for (int i = 0; i < dimensions; i++) {
      v[i] = (float) (v[i] * scale);
    }
    return v;
  }

  /** Little-endian float32 bytes, base64. */
  static String base64(float[] vector) {
    ByteBuffer bytes = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : vector) {
      bytes.putFloat(f);
    }
    return Base64.getEncoder().encodeToString(bytes.array());
  }
}
