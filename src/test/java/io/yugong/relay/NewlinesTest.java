package io.yugong.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The word-at-a-time search finds the line feed a byte-by-byte search finds, at every offset. */
class NewlinesTest {

  private static int naive(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  @Test
  void findsTheFirstLineFeedAsAByteByByteSearchDoes() {
    Random random = new Random(8);
    // bytes near \n (0x09, 0x0B, 0x8A) and with the high bit set are the ones the word trick can misjudge
    byte[] alphabet = {'\n', 0x09, 0x0B, (byte) 0x8A, (byte) 0xFF, 0, 'a', '"', (byte) 0x80, 0x7F};
    for (int round = 0; round < 20_000; round++) {
      byte[] b = new byte[random.nextInt(40)];
      int feeds = random.nextInt(4);
      for (int i = 0; i < b.length; i++) {
        b[i] = random.nextInt(10) < feeds ? (byte) '\n' : alphabet[1 + random.nextInt(alphabet.length - 1)];
      }
      int from = b.length == 0 ? 0 : random.nextInt(b.length + 1);
      int to = from + random.nextInt(b.length - from + 1);
      assertThat(Newlines.next(b, from, to)).as("round %d", round).isEqualTo(naive(b, from, to));
    }
  }

  @Test
  void looksOnlyInsideTheRange() {
    byte[] b = "\n0123456789abcdef\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertThat(Newlines.next(b, 1, b.length - 1)).isEqualTo(-1);
    assertThat(Newlines.next(b, 1, b.length)).isEqualTo(b.length - 1);
    assertThat(Newlines.next(b, 0, 0)).isEqualTo(-1);
    assertThat(Newlines.next(b, 0, b.length)).isZero();
  }
}
