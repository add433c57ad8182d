package io.yugong.mock;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Base64;

/** POST /v1/images/generations: a tiny valid PNG, as URL (served by GET /_mock/images/...) or b64_json. */
final class ImagesEndpoint implements Endpoint {

  /** A 1x1 PNG. */
  static final String PNG_BASE64 =
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
  static final Buffer PNG = Buffer.buffer(Base64.getDecoder().decode(PNG_BASE64));

  @Override
  public void handle(Exchange ex) {
    if (!Validation.optionalModel(ex)) {
      return;
    }
    String prompt = Validation.nonEmptyString(ex, "prompt");
    if (prompt == null) {
      return;
    }
    String model = ex.model == null ? "dall-e-2" : ex.model;
    Object nValue = ex.json.getValue("n") == null ? Integer.valueOf(1) : ex.json.getValue("n");
    if (!(nValue instanceof Number num) || num.intValue() < 1 || num.intValue() > 10) {
      ex.invalid("Invalid 'n': expected an integer between 1 and 10.", "n", "invalid_value");
      return;
    }
    int n = num.intValue();
    boolean gptImage = model.startsWith("gpt-image");
    Object format = ex.json.getValue("response_format");
    if (format != null && !"url".equals(format) && !"b64_json".equals(format)) {
      ex.invalid("Invalid value: '" + format + "'. Supported values are: 'url' and 'b64_json'.", "response_format",
          "invalid_value");
      return;
    }
    boolean b64 = gptImage || "b64_json".equals(format);
    String size = ex.json.getValue("size") instanceof String s ? s : "1024x1024";
    String host = ex.req.getHeader("Host");
    JsonArray data = new JsonArray();
    for (int i = 0; i < n; i++) {
      JsonObject image = new JsonObject();
      if (model.equals("dall-e-3")) {
        image.put("revised_prompt", prompt);
      }
      if (b64) {
        image.put("b64_json", PNG_BASE64);
      } else {
        String name = "img-" + Long.toHexString(Hashes.mix(Hashes.fnv64(prompt) + i)) + ".png";
        image.put("url", "http://" + (host == null ? "localhost" : host) + "/_mock/images/" + name);
      }
      data.add(image);
    }
    JsonObject body = new JsonObject().put("created", System.currentTimeMillis() / 1000);
    if (gptImage) {
      int words = Tokens.words(prompt);
      body.put("background", "opaque").put("data", data).put("output_format", "png")
          .put("quality", ex.json.getValue("quality") instanceof String q ? q : "high").put("size", size)
          .put("usage", new JsonObject().put("input_tokens", words)
              .put("input_tokens_details", new JsonObject().put("image_tokens", 0).put("text_tokens", words))
              .put("output_tokens", 272 * n).put("total_tokens", words + 272 * n));
    } else {
      body.put("data", data);
    }
    ex.json(body);
  }
}
