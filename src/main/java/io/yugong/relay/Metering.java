package io.yugong.relay;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.billing.Quote;
import io.yugong.billing.Tariff;
import io.yugong.billing.TokenCounter;
import io.yugong.billing.Usage;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a served request used. Upstream's own usage wins whenever it sent one (the usage chunk of
 * a stream, the usage object of a JSON answer); only a cut stream, a client that left, or an
 * upstream that reports nothing falls back to the tokenizer.
 */
final class Metering {


  private static final Logger LOG = LoggerFactory.getLogger(Metering.class);
  private static final double MAX_AUDIO_SECONDS = 10 * 365 * 86_400.0;

  private Metering() {
  }

  /**
   * The prompt's tokens by the tokenizer, for an answer that does not say: holds are priced by
   * an upper bound (no tokenizer on the hot path), so the count is made only here.
   */
  private static long promptTokens(Exchange x, String model) {
    return x.json == null ? x.quote.promptEstimate() : Tariff.promptTokens(x.quote.endpoint(), model, x.json, true);
  }

  /**
   * The usage upstream reported: the stream's usage event, else the {@code usage} object of the
   * JSON answer (found by a scan, not a parse), else null.
   */
  static JsonObject reported(SseTap sse, Buffer body) {
    return sse != null ? sse.usage() : body != null ? UsageScan.find(body) : null;
  }

  /**
   * @param sse the stream tap when the answer was an event stream, else null
   * @param body the JSON answer as read (possibly cut), else null
   * @param reported what {@link #reported} says of them
   */
  static Usage measure(Exchange x, SseTap sse, Buffer body, JsonObject reported) {
    Quote q = x.quote;
    if (q == null || q.price() == null) {
      return Usage.none();
    }
    String model = x.upstreamModel == null ? "gpt-4o" : x.upstreamModel;
    switch (q.endpoint()) {
      case CHAT, COMPLETION, RESPONSES -> {
        Usage believed = believe(x, reported);
        if (believed != null) {
          return believed;
        }
        String text;
        String tools;
        if (sse != null) {
          text = sse.text();
          tools = sse.toolText();
        } else {
          String[] parts = textOf(body);
          text = parts[0];
          tools = parts[1];
        }
        List<String[]> calls = new ArrayList<>();
        if (!tools.isEmpty()) {
          calls.add(new String[] {tools, ""});
        }
        return Usage.tokens(promptTokens(x, model), 0, TokenCounter.countCompletion(model, text, calls));
      }
      case EMBEDDINGS -> {
        Usage believed = believe(x, reported);
        return believed != null ? believed : Usage.tokens(promptTokens(x, model), 0, 0);
      }
      case IMAGES -> {
        Usage believed = q.price().perImage().isEmpty() ? believe(x, reported) : null;
        if (believed != null) {
          return believed;
        }
        return Usage.images(q.images(), q.imageSize(), q.imageQuality());
      }
      case SPEECH -> {
        return Usage.characters(q.characters());
      }
      case TRANSCRIPTION -> {
        if (reported != null && reported.getValue("seconds") instanceof Number n && seconds(n.doubleValue())) {
          return Usage.audioMillis(Math.round(n.doubleValue() * 1000));
        }
        if (body != null) {
          double duration = UsageScan.number(body, "duration");
          if (seconds(duration)) {
            return Usage.audioMillis(Math.round(duration * 1000));
          }
        }
        long bytes = x.upload == null ? 0 : x.upload.size();
        // no duration reported (text, srt or vtt answers): the audio's longest duration, as held
        return Usage.audioMillis(bytes * 1000 / Tariff.MIN_AUDIO_BYTES_PER_SECOND);
      }
      default -> {
        return Usage.none();
      }
    }
  }

  /** A believable audio duration: from 0 to ten years of seconds. */
  private static boolean seconds(double d) {
    return d >= 0 && d <= MAX_AUDIO_SECONDS;
  }

  /**
   * Upstream's token usage, or null when it sent none or one that cannot be believed (negative,
   * beyond 2^53, not a number): then the tokenizer counts, as for a stream without usage.
   */
  private static Usage believe(Exchange x, JsonObject reported) {
    if (reported == null) {
      return null;
    }
    Usage u = Tariff.tokensFrom(reported);
    if (u == null) {
      String text = reported.encode();
      LOG.warn("{} upstream key {} reported a usage that cannot be believed ({}); counting with the "
          + "tokenizer", x.requestId, x.keyId, text.length() > 200 ? text.substring(0, 200) + "..." : text);
    }
    return u;
  }

  /** The generated text and tool-call text of a (possibly cut) JSON answer. */
  private static String[] textOf(Buffer body) {
    StringBuilder text = new StringBuilder();
    StringBuilder tools = new StringBuilder();
    if (body == null) {
      return new String[] {"", ""};
    }
    try {
      JsonObject j = new JsonObject(body);
      JsonArray choices = j.getJsonArray("choices", new JsonArray());
      for (int i = 0; i < choices.size(); i++) {
        JsonObject c = choices.getJsonObject(i);
        JsonObject m = c.getJsonObject("message");
        if (m != null) {
          append(text, m.getValue("content"));
          JsonArray calls = m.getJsonArray("tool_calls");
          if (calls != null) {
            for (int k = 0; k < calls.size(); k++) {
              JsonObject fn = calls.getJsonObject(k).getJsonObject("function");
              if (fn != null) {
                append(tools, fn.getValue("name"));
                append(tools, fn.getValue("arguments"));
              }
            }
          }
        } else {
          append(text, c.getValue("text"));
        }
      }
      Object outputText = j.getValue("output_text");
      append(text, outputText);
    } catch (RuntimeException e) {
      // A cut body: count what arrived as text.
      text.append(body.toString());
    }
    return new String[] {text.toString(), tools.toString()};
  }

  private static void append(StringBuilder sb, Object v) {
    if (v instanceof String s) {
      sb.append(s);
    }
  }
}
