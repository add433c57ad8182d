package io.yugong.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class SseTapTest {

  private static final String CHUNK1 = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}],\"usage\":null}\n\n";
  private static final String CHUNK2 = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}],\"usage\":null}\n\n";
  private static final String USAGE = "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}\n\n";
  private static final String DONE = "data: [DONE]\n\n";

  private static String feedInPieces(SseTap tap, String all, int piece) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < all.length(); i += piece) {
      out.append(tap.feed(Buffer.buffer(all.substring(i, Math.min(all.length(), i + piece)))).toString());
    }
    out.append(tap.flush().toString());
    return out.toString();
  }

  /** However upstream's reads cut the stream, the tap forwards and reads what one read would give. */
  @Test
  void anyCutOfTheStreamIntoReadsGivesWhatOneReadGives() {
    String big = "data: {\"type\":\"response.output_text.delta\",\"delta\":\"" + "x".repeat(200_000) + "\"}\n\n";
    String all = CHUNK1 + CHUNK2.replace("\n", "\r\n") + "event: response.output_text.delta\ndata: {\"type\":"
        + "\"response.output_text.delta\",\"delta\":\"ab\"}\n\n" + big + "data: {\"choices\":[{\"delta\":\n"
        + "data: {\"content\":\"two lines\"}}]}\n\n" + USAGE + DONE;
    java.util.Random random = new java.util.Random(3);
    for (boolean strip : new boolean[] {false, true}) {
      SseTap whole = new SseTap(strip);
      String expected = whole.feed(Buffer.buffer(all)).toString() + whole.flush().toString();
      for (int round = 0; round < 40; round++) {
        SseTap tap = new SseTap(strip);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < all.length(); ) {
          int n = 1 + random.nextInt(round % 2 == 0 ? 9 : 70_000);
          out.append(tap.feed(Buffer.buffer(all.substring(i, Math.min(all.length(), i + n)))).toString());
          i += n;
        }
        out.append(tap.flush().toString());
        assertThat(out.toString()).as("round %d, strip %s", round, strip).isEqualTo(expected);
        assertThat(tap.usage()).isEqualTo(whole.usage());
        assertThat(tap.text()).isEqualTo(whole.text());
        assertThat(tap.done()).isTrue();
      }
    }
  }

  @Test
  void forwardsEveryByteAndReadsUsageWhenTheClientAskedForIt() {
    SseTap tap = new SseTap(false);
    String all = CHUNK1 + CHUNK2 + USAGE + DONE;
    assertThat(feedInPieces(tap, all, 7)).isEqualTo(all);
    assertThat(tap.usage().getInteger("prompt_tokens")).isEqualTo(5);
    assertThat(tap.text()).isEqualTo("Hello");
    assertThat(tap.done()).isTrue();
  }

  @Test
  void stripsTheUsageChunkAndNullUsageFieldsTheClientDidNotAskFor() {
    SseTap tap = new SseTap(true);
    String out = feedInPieces(tap, CHUNK1 + CHUNK2 + USAGE + DONE, 13);
    assertThat(out).doesNotContain("usage");
    assertThat(out).isEqualTo(CHUNK1.replace(",\"usage\":null", "") + CHUNK2.replace(",\"usage\":null", "") + DONE);
    assertThat(tap.usage().getInteger("completion_tokens")).isEqualTo(2);
  }

  @Test
  void crlfLineEndsAndSpacesAroundTheUsageValueAreReadAlike() {
    String crlf = (CHUNK1 + CHUNK2 + USAGE + DONE).replace("\n", "\r\n");
    SseTap tap = new SseTap(true);
    String out = feedInPieces(tap, crlf, 5);
    assertThat(out).isEqualTo((CHUNK1 + CHUNK2).replace(",\"usage\":null", "").replace("\n", "\r\n")
        + DONE.replace("\n", "\r\n"));
    assertThat(tap.usage().getInteger("completion_tokens")).isEqualTo(2);
    assertThat(tap.text()).isEqualTo("Hello");
    // "usage" : { with spaces is still a usage object; "usage": null (not exactly "usage":null) is left as sent
    SseTap spaced = new SseTap(true);
    String odd = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}],\"usage\": null}\n\n"
        + "data: {\"choices\":[],\"usage\" : {\"prompt_tokens\":3,\"completion_tokens\":1}}\n\n";
    assertThat(feedInPieces(spaced, odd, 3)).isEqualTo(odd.substring(0, odd.indexOf("\n\n") + 2));
    assertThat(spaced.usage().getInteger("prompt_tokens")).isEqualTo(3);
  }

  @Test
  void aChatStreamTellsItsCompletionsIdWithItsUsageChunkEvenWhenItIsStripped() {
    for (boolean strip : new boolean[] {false, true}) {
      SseTap tap = new SseTap(strip);
      assertThat(tap.feed(Buffer.buffer(CHUNK1 + CHUNK2)).toString()).startsWith("data: ");
      assertThat(tap.responseId()).as("no usage chunk yet").isNull();
      String out = tap.feed(Buffer.buffer(USAGE)).toString();
      assertThat(out).isEqualTo(strip ? "" : USAGE);
      assertThat(tap.responseId()).isEqualTo("c");
      tap.feed(Buffer.buffer(DONE));
      assertThat(tap.responseId()).isEqualTo("c");
    }
  }

  @Test
  void aChunkWithoutUsageOrWithAnIdOfAnotherTypeTellsNoId() {
    SseTap tap = new SseTap(false);
    tap.feed(Buffer.buffer(CHUNK1 + "data: {\"id\":42,\"choices\":[],\"usage\":{\"prompt_tokens\":1}}\n\n"));
    assertThat(tap.usage().getInteger("prompt_tokens")).isEqualTo(1);
    assertThat(tap.responseId()).isNull();
    tap.feed(Buffer.buffer("event: response.output_text.done\ndata: {\"type\":\"response.output_text.done\","
        + "\"id\":\"x\",\"usage\":{\"input_tokens\":1}}\n\n"));
    assertThat(tap.responseId()).as("a typed event tells an id only as response.completed").isNull();
  }

  @Test
  void keepsNamedEventsOfTheResponsesApiAndReadsTheirUsage() {
    SseTap tap = new SseTap(false);
    String all = "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n"
        + "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n";
    assertThat(feedInPieces(tap, all, 5)).isEqualTo(all);
    assertThat(tap.text()).isEqualTo("Hi");
    assertThat(tap.usage().getInteger("input_tokens")).isEqualTo(3);
  }

  @Test
  void aCutStreamKeepsWhatArrivedForCountingAndHoldsBackAHalfEvent() {
    SseTap tap = new SseTap(false);
    String out = tap.feed(Buffer.buffer(CHUNK1 + CHUNK2.substring(0, 20))).toString();
    assertThat(out).isEqualTo(CHUNK1);
    assertThat(tap.usage()).isNull();
    assertThat(tap.text()).isEqualTo("Hel");
  }

  @Test
  void aLongCutStreamKeepsAllItsTextInOrderWhileItsRawDataStaysBounded() {
    SseTap tap = new SseTap(false);
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      String word = "w" + i + " ";
      expected.append(word);
      tap.feed(Buffer.buffer("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + word
          + "\"}}],\"usage\":null}\n\n"));
      assertThat(tap.textLength()).isLessThanOrEqualTo(expected.length() + 9 * 1024L);
    }
    assertThat(tap.usage()).isNull();
    assertThat(tap.text()).isEqualTo(expected.toString());
  }

  @Test
  void anEventOfManyDataLinesIsReadAsTheirJoinedData() {
    SseTap tap = new SseTap(false);
    String event = "event: x\ndata: {\"choices\":[],\ndata: \"usage\":{\"prompt_tokens\":4}}\n\n";
    assertThat(tap.feed(Buffer.buffer(event)).toString()).isEqualTo(event);
    assertThat(tap.usage().getInteger("prompt_tokens")).isEqualTo(4);
  }

  @Test
  void aUsageEventInTheMiddleKeepsTheTextInStreamOrder() {
    SseTap tap = new SseTap(false);
    String withText = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" and\"}}],"
        + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}\n\n";
    String tail = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" more\"}}]}\n\n";
    String all = CHUNK1 + CHUNK2 + withText + tail + DONE;
    assertEquals(all, feedInPieces(tap, all, 7));
    assertEquals(3, tap.usage().getInteger("completion_tokens"), "the usage is known as soon as it passed");
    assertEquals("Hello and more", tap.text());
  }
}
