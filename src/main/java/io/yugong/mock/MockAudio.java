package io.yugong.mock;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** The emulator's deterministic audio: what /v1/audio/speech answers, byte for byte. */
public final class MockAudio {

  /** Bytes of audio per input character. */
  public static final int BYTES_PER_CHARACTER = 2000;
  /** Upper bound of a speech answer. */
  public static final int MAX_BYTES = 2 * 1024 * 1024;
  /** Uploaded audio is taken to be 16 kHz 16-bit mono: this many bytes per second of speech. */
  public static final double BYTES_PER_SECOND = 32000.0;

  private MockAudio() {
  }

  /**
   * The body of a speech answer for that input and response_format (mp3, opus, aac, flac, wav, pcm): a format
   * header ("ID3", "OggS", ...) followed by pseudo-random bytes seeded by format and input; length
   * min(2000 * input.length(), 2 MiB), never below the header's length.
   *
   * @throws IllegalArgumentException for an unknown format
   */
  public static Buffer speechBytes(String input, String format) {
    String fmt = format == null ? "mp3" : format.toLowerCase(Locale.ROOT);
    byte[] header = header(fmt);
    int length = (int) Math.max(header.length, Math.min((long) BYTES_PER_CHARACTER * input.length(), MAX_BYTES));
    byte[] out = new byte[length];
    System.arraycopy(header, 0, out, 0, header.length);
    Hashes.Sequence seq = new Hashes.Sequence(Hashes.fnv64(fmt + '\u0000' + input));
    int i = header.length;
    while (i < length) {
      long r = seq.nextLong();
      for (int b = 0; b < 8 && i < length; b++, i++) {
        out[i] = (byte) (r >>> (8 * b));
      }
    }
    if (fmt.equals("wav")) {
      putIntLe(out, 4, length - 8);
      putIntLe(out, 40, length - 44);
    }
    return Buffer.buffer(out);
  }

  /** Content-Type of a speech answer for that format, or null for an unknown format. */
  static String contentType(String format) {
    return switch (format) {
      case "mp3" -> "audio/mpeg";
      case "opus" -> "audio/opus";
      case "aac" -> "audio/aac";
      case "flac" -> "audio/flac";
      case "wav" -> "audio/wav";
      case "pcm" -> "audio/pcm";
      default -> null;
    };
  }

  private static byte[] header(String format) {
    return switch (format) {
      case "mp3" -> new byte[] {'I', 'D', '3', 4, 0, 0, 0, 0, 0, 0};
      case "opus" -> "OggS".getBytes(StandardCharsets.US_ASCII);
      case "aac" -> new byte[] {(byte) 0xFF, (byte) 0xF1};
      case "flac" -> "fLaC".getBytes(StandardCharsets.US_ASCII);
      case "wav" -> wavHeader();
      case "pcm" -> new byte[0];
      default -> throw new IllegalArgumentException("unknown audio format: " + format);
    };
  }

  private static byte[] wavHeader() {
    byte[] h = new byte[44];
    System.arraycopy("RIFF".getBytes(StandardCharsets.US_ASCII), 0, h, 0, 4);
    System.arraycopy("WAVEfmt ".getBytes(StandardCharsets.US_ASCII), 0, h, 8, 8);
    putIntLe(h, 16, 16);
    h[20] = 1;
    h[22] = 1;
    putIntLe(h, 24, 24000);
    putIntLe(h, 28, 48000);
    h[32] = 2;
    h[34] = 16;
    System.arraycopy("data".getBytes(StandardCharsets.US_ASCII), 0, h, 36, 4);
    return h;
  }

  private static void putIntLe(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
    b[at + 2] = (byte) (v >>> 16);
    b[at + 3] = (byte) (v >>> 24);
  }
}
