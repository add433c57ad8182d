package io.yugong.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import io.yugong.gateway.ApiError;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FormFieldsTest {

  private static final String TYPE = "multipart/form-data; boundary=XyZ";

  private static Map<String, String> read(String body, int chunk) {
    FormFields f = FormFields.of(TYPE);
    byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
    for (int i = 0; i < b.length; i += chunk) {
      f.feed(Buffer.buffer(java.util.Arrays.copyOfRange(b, i, Math.min(b.length, i + chunk))));
    }
    return f.fields();
  }

  private static final String FORM = "--XyZ\r\n"
      + "Content-Disposition: form-data; name=\"model\"\r\n\r\ngpt-image-1\r\n"
      + "--XyZ\r\n"
      + "Content-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"
      + "\u0089PNG name=\"n\"\r\n\r\n99\r\n--XyZnot-a-delimiter\r\n"
      + "\r\n--XyZ\r\n"
      + "Content-Disposition: form-data; name=n; x=\"1\"\r\n\r\n4\r\n"
      + "--XyZ--\r\n";

  @Test
  void fieldsAreReadFromRealPartsWhateverTheChunking() {
    for (int chunk : new int[] {1, 2, 3, 7, 64, 100_000}) {
      assertThat(read(FORM, chunk)).as("chunks of %d", chunk)
          .containsExactlyInAnyOrderEntriesOf(Map.of("model", "gpt-image-1", "n", "4"));
    }
  }

  @Test
  void fieldsThatNameStoredObjectsAreReadSoTheirOwnerCanBeChecked() {
    String form = "--XyZ\r\nContent-Disposition: form-data; name=\"file_id\"\r\n\r\nfile-abc\r\n"
        + "--XyZ\r\nContent-Disposition: form-data; name=\"vector_store_ids[]\"\r\n\r\nvs_1\r\n"
        + "--XyZ\r\nContent-Disposition: form-data; name=\"file_id\"; filename=\"x\"\r\n\r\nbytes\r\n"
        + "--XyZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n--XyZ--\r\n";
    Map<String, String> fields = read(form, 4);
    assertThat(fields).containsExactlyInAnyOrderEntriesOf(Map.of("file_id", "file-abc", "vector_store_ids[]", "vs_1"));
    assertThat(ObjectRefs.ofForm(fields)).extracting(ObjectRefs.Ref::id).containsExactlyInAnyOrder("file-abc", "vs_1");
    String two = form.replace("--XyZ--\r\n",
        "--XyZ\r\nContent-Disposition: form-data; name=\"vector_store_ids[]\"\r\n\r\nvs_2\r\n--XyZ--\r\n");
    assertThatThrownBy(() -> read(two, 7)).as("a second, different id is refused, never left unchecked")
        .isInstanceOf(ApiError.class);
  }

  @Test
  void aDecoyInThePreambleOrInsideAFileIsNotAField() {
    String decoy = "name=\"model\"\r\n\r\ndall-e-2\r\n" + FORM;
    assertThat(read(decoy, 5)).containsEntry("model", "gpt-image-1").containsEntry("n", "4");
  }

  @Test
  void aPricedFieldSentTwiceWithDifferentValuesIsRefused() {
    String twice = FORM.replace("--XyZ--\r\n",
        "--XyZ\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\n1\r\n--XyZ--\r\n");
    assertThatThrownBy(() -> read(twice, 9)).isInstanceOf(ApiError.class);
  }

  @Test
  void oversizedValuesAndHeadersAreRefused() {
    String longValue = "--XyZ\r\nContent-Disposition: form-data; name=\"size\"\r\n\r\n" + "9".repeat(300) + "\r\n--XyZ--";
    assertThatThrownBy(() -> read(longValue, 50)).isInstanceOf(ApiError.class);
    String longHeaders = "--XyZ\r\nX: " + "h".repeat(9000) + "\r\n\r\nv\r\n--XyZ--";
    assertThatThrownBy(() -> read(longHeaders, 50)).isInstanceOf(ApiError.class);
  }

  @Test
  void aFlatBodyOfFieldLikeLinesIsReadInLinearTime() {
    String hostile = "name=n\r\n".repeat(400_000); // 3.2 MB, no delimiter
    long t0 = System.nanoTime();
    assertThat(read(hostile, 9 * 1024)).isEmpty();
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000);
  }

  @Test
  void onlyMultipartFormsHaveFields() {
    assertThat(FormFields.of("audio/mpeg")).isNull();
    assertThat(FormFields.of(null)).isNull();
    assertThatThrownBy(() -> FormFields.of("multipart/form-data")).isInstanceOf(ApiError.class);
  }
}
