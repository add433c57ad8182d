package io.yugong.billing;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Local token estimates (jtokkit), used for holds and where upstream reported no usage (cut
 * streams, client disconnects). Thread-safe; static.
 *
 * <p>Encodings: {@code o200k_base} for gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o1/o3/o4, chatgpt-4o and
 * unknown models; {@code cl100k_base} for the older gpt-4, gpt-3.5 and text-embedding models.
 * Special-token text such as {@code <|endoftext|>} is counted as ordinary text.
 *
 * <p>The first call loads the encoding (a few hundred milliseconds); call {@link #warmUp()} at
 * start-up, off the event loop.
 *
 * <p>Chat prompts follow OpenAI's cookbook rule: 3 tokens per message, plus the tokens of each
 * string field (role, content, name, tool_call_id, ...), plus 1 for a {@code name}, plus 3 priming
 * the reply. Content arrays count their text parts; an image part counts
 * {@value #IMAGE_TOKENS_LOW} tokens at {@code "detail":"low"} and {@value #IMAGE_TOKENS_DEFAULT}
 * otherwise (a 1024×1024 image at high detail: 85 + 4 tiles × 170; larger images cost more
 * upstream, so this is an estimate, not a bound); audio and file parts count nothing.
 * Assistant {@code tool_calls} count their function names and arguments; tool definitions count
 * as their JSON text.
 */
public final class TokenCounter {

    /** Tokens counted for an image part at low detail. */
    public static final int IMAGE_TOKENS_LOW = 85;
    /** Tokens counted for an image part at high/auto detail. */
    public static final int IMAGE_TOKENS_DEFAULT = 765;

    private static final int TOKENS_PER_MESSAGE = 3;
    private static final int TOKENS_PER_NAME = 1;
    private static final int REPLY_PRIMING = 3;

    /** Fields of Responses-API input items that carry no text the model reads as tokens. */
    private static final Set<String> SKIPPED_FIELDS = Set.of("type", "id", "call_id", "status", "detail",
            "image_url", "file_id", "file_data", "file_url", "filename", "format", "data", "input_audio");

    private TokenCounter() {
    }

    private static final class Holder {
        static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
        static final Encoding O200K = REGISTRY.getEncoding(EncodingType.O200K_BASE);
        static final Encoding CL100K = REGISTRY.getEncoding(EncodingType.CL100K_BASE);
    }

    /** Loads both encodings now. */
    public static void warmUp() {
        Holder.O200K.countTokensOrdinary("warm up");
        Holder.CL100K.countTokensOrdinary("warm up");
    }

    /** The encoding name used for {@code model}: {@code "o200k_base"} or {@code "cl100k_base"}. */
    public static String encodingName(String model) {
        return usesCl100k(model) ? "cl100k_base" : "o200k_base";
    }

    static boolean usesCl100k(String model) {
        if (model == null) {
            return false;
        }
        String m = model.trim().toLowerCase(Locale.ROOT);
        if (m.startsWith("ft:")) {
            m = m.substring(3);
        }
        if (m.startsWith("gpt-4o") || m.startsWith("gpt-4.1") || m.startsWith("gpt-4.5")
                || m.startsWith("gpt-5") || m.startsWith("chatgpt-4o") || m.startsWith("o1")
                || m.startsWith("o3") || m.startsWith("o4")) {
            return false;
        }
        return m.startsWith("gpt-4") || m.startsWith("gpt-3.5") || m.startsWith("gpt-35")
                || m.startsWith("text-embedding-") || m.startsWith("davinci-002") || m.startsWith("babbage-002");
    }

    private static Encoding encoding(String model) {
        return usesCl100k(model) ? Holder.CL100K : Holder.O200K;
    }

    /**
     * An upper bound of {@link #countChatPrompt}, without the tokenizer: every piece of text
     * counts its UTF-8 length (a byte-level BPE token is at least one byte), the per-message
     * tokens and images as there. What holds are priced by: a few microseconds where the
     * tokenizer takes tens to thousands.
     */
    public static int boundChatPrompt(JsonArray messages, JsonArray tools) {
        return countChatPrompt(null, messages, tools, null);
    }

    /** An upper bound of {@link #countInput}, as {@link #boundChatPrompt} is of the chat count. */
    public static int boundInput(Object input) {
        return saturate(input(null, input));
    }

    /** An upper bound of {@link #countText}: its UTF-8 length. */
    public static int boundText(String text) {
        return saturate(text(null, text));
    }

    /** Tokens of plain text ({@code null} counts 0). */
    public static int countText(String model, String text) {
        return text == null || text.isEmpty() ? 0 : encoding(model).countTokensOrdinary(text);
    }

    /** Prompt tokens of a chat request's {@code messages} and {@code tools} (either may be null). */
    public static int countChatPrompt(String model, JsonArray messages, JsonArray tools) {
        return countChatPrompt(model, messages, tools, encoding(model));
    }

    /** {@code enc} null: the UTF-8 bound. */
    private static int countChatPrompt(String model, JsonArray messages, JsonArray tools, Encoding enc) {
        long n = REPLY_PRIMING;
        if (messages != null) {
            for (Object m : messages) {
                n += TOKENS_PER_MESSAGE;
                if (m instanceof JsonObject msg) {
                    n += message(enc, msg);
                } else if (m instanceof Map<?, ?> map) {
                    n += message(enc, new JsonObject(cast(map)));
                }
            }
        }
        if (tools != null) {
            for (Object t : tools) {
                n += t == null ? 0 : text(enc, t instanceof String s ? s : toJsonText(t));
            }
        }
        return saturate(n);
    }

    /** Completion tokens of a (possibly cut) answer: its text plus each tool call's name and arguments. */
    public static int countCompletion(String model, String content, List<String[]> toolCalls) {
        Encoding enc = encoding(model);
        long n = text(enc, content);
        if (toolCalls != null) {
            for (String[] call : toolCalls) {
                if (call != null) {
                    for (String part : call) {
                        n += text(enc, part);
                    }
                }
            }
        }
        return saturate(n);
    }

    /**
     * Tokens of an embeddings/completions/responses {@code input}: a string; an array of strings;
     * a token array (its length) or an array of token arrays; or Responses-API input items
     * (their text, with 3 tokens per message item and images as in chat).
     */
    public static int countInput(String model, Object input) {
        return saturate(input(encoding(model), input));
    }

    private static long input(Encoding enc, Object v) {
        if (v == null) {
            return 0;
        }
        if (v instanceof String s) {
            return text(enc, s);
        }
        if (v instanceof Number) {
            return 1; // one token id of a token array
        }
        if (v instanceof JsonArray a) {
            long n = 0;
            for (Object e : a) {
                n += input(enc, e);
            }
            return n;
        }
        if (v instanceof List<?> l) {
            return input(enc, new JsonArray(l));
        }
        if (v instanceof Map<?, ?> map) {
            return input(enc, new JsonObject(cast(map)));
        }
        if (v instanceof JsonObject o) {
            Integer image = imageTokens(o);
            if (image != null) {
                return image;
            }
            long n = o.containsKey("role") ? TOKENS_PER_MESSAGE : 0;
            for (String k : o.fieldNames()) {
                if (!SKIPPED_FIELDS.contains(k)) {
                    n += input(enc, o.getValue(k));
                }
            }
            return n;
        }
        return 0; // booleans etc.
    }

    private static long message(Encoding enc, JsonObject msg) {
        long n = 0;
        for (String key : msg.fieldNames()) {
            Object v = msg.getValue(key);
            if (v instanceof String s) {
                n += text(enc, s);
                if (key.equals("name")) {
                    n += TOKENS_PER_NAME;
                }
            } else if (key.equals("content") && v instanceof JsonArray parts) {
                n += contentParts(enc, parts);
            } else if (key.equals("tool_calls") && v instanceof JsonArray calls) {
                for (Object c : calls) {
                    if (c instanceof JsonObject call) {
                        n += function(enc, call.getJsonObject("function"));
                    }
                }
            } else if (key.equals("function_call") && v instanceof JsonObject fc) {
                n += function(enc, fc);
            }
        }
        return n;
    }

    private static long contentParts(Encoding enc, JsonArray parts) {
        long n = 0;
        for (Object p : parts) {
            if (p instanceof String s) {
                n += text(enc, s);
            } else if (p instanceof JsonObject part) {
                Integer image = imageTokens(part);
                if (image != null) {
                    n += image;
                } else if (part.getValue("text") instanceof String s) {
                    n += text(enc, s);
                } else if (part.getValue("refusal") instanceof String s) {
                    n += text(enc, s);
                }
            }
        }
        return n;
    }

    /** Tokens of an image part, or null if {@code part} is not one. */
    private static Integer imageTokens(JsonObject part) {
        String type = part.getValue("type") instanceof String t ? t : "";
        if (!type.equals("image_url") && !type.equals("input_image") && !type.equals("image")) {
            return null;
        }
        Object detail = part.getValue("detail");
        if (detail == null && part.getValue("image_url") instanceof JsonObject url) {
            detail = url.getValue("detail");
        }
        return "low".equals(detail) ? IMAGE_TOKENS_LOW : IMAGE_TOKENS_DEFAULT;
    }

    private static long function(Encoding enc, JsonObject fn) {
        if (fn == null) {
            return 0;
        }
        long n = 0;
        if (fn.getValue("name") instanceof String s) {
            n += text(enc, s);
        }
        Object args = fn.getValue("arguments");
        if (args instanceof String s) {
            n += text(enc, s);
        } else if (args != null) {
            n += text(enc, toJsonText(args));
        }
        return n;
    }

    /** Tokens of {@code s}; with {@code enc} null, its UTF-8 length (their upper bound). */
    private static long text(Encoding enc, String s) {
        if (s == null || s.isEmpty()) {
            return 0;
        }
        return enc == null ? utf8Length(s) : enc.countTokensOrdinary(s);
    }

    private static long utf8Length(String s) {
        long n = s.length();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                // 2 bytes below U+0800, else 3; a surrogate pair (4 bytes) is two chars of 2
                n += c < 0x800 ? 1 : Character.isSurrogate(c) ? 1 : 2;
            }
        }
        return n;
    }

    private static String toJsonText(Object o) {
        if (o instanceof JsonObject j) {
            return j.encode();
        }
        if (o instanceof JsonArray a) {
            return a.encode();
        }
        if (o instanceof Map<?, ?> m) {
            return new JsonObject(cast(m)).encode();
        }
        if (o instanceof List<?> l) {
            return new JsonArray(l).encode();
        }
        return String.valueOf(o);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    private static int saturate(long n) {
        return n > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) n;
    }
}
