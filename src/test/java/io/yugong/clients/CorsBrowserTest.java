package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.mock.ServedRequest;
import io.yugong.testing.TestCluster;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real browser (headless Chromium) on a page of another origin calls Yugong as NextChat does:
 * a preflighted, streamed chat completion read with {@code response.body.getReader()}, Yugong's
 * request id read from script, and an error of Yugong's own read as JSON. Skipped where Debian's
 * {@code chromium} and {@code chromium-driver} are not installed (.ci/run installs them).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CorsBrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final String UPSTREAM_KEY = "sk-cors-browser-upstream-1234567890";

  private TestCluster c;
  private Vertx pageVertx;
  private int pagePort;
  private WebDriver browser;

  @BeforeAll
  void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)");
    c = TestCluster.start(1, new MockOptions(), Map.of());
    c.addKey(0, UPSTREAM_KEY, null);
    String key = c.createAccount(0, new JsonObject().put("Name", "cors-browser").put("CreditGranted", "5"))
        .getJsonObject("User").getString("SecretKey");

    // The web UI: a page of its own origin (another port), knowing only Yugong's URL and a key.
    String page = PAGE.replace("YUGONG", quoted(c.base(0))).replace("KEY", quoted(key));
    pageVertx = Vertx.vertx();
    HttpServer server = TestCluster.await(pageVertx.createHttpServer()
        .requestHandler(req -> req.response().putHeader("Content-Type", "text/html; charset=utf-8").end(page))
        .listen(0, "127.0.0.1"));
    pagePort = server.actualPort();

    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage");
    ChromeDriverService driver = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
    browser = new ChromeDriver(driver, options);
  }

  @AfterAll
  void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (pageVertx != null) {
      TestCluster.await(pageVertx.close());
    }
    if (c != null) {
      c.close();
    }
  }

  private static String quoted(String s) {
    return new JsonObject().put("s", s).encode().replaceFirst("^\\{\"s\":", "").replaceFirst("}$", "");
  }

  @Test
  void aPageOfAnotherOriginStreamsAChatCompletionAndReadsYugongsHeaders() {
    String origin = "http://127.0.0.1:" + pagePort;
    assertThat(origin).isNotEqualTo(c.base(0));
    browser.get(origin + "/");
    new WebDriverWait(browser, Duration.ofSeconds(60))
        .until(d -> !d.findElement(By.id("done")).getText().isEmpty());

    String done = browser.findElement(By.id("done")).getText();
    assertThat(done).as("what the page's script saw").isEqualTo("200 [DONE]");
    assertThat(browser.findElement(By.id("type")).getText()).startsWith("text/event-stream");
    assertThat(browser.findElement(By.id("text")).getText()).as("the streamed text").isNotBlank();
    assertThat(browser.findElement(By.id("chunks")).getText()).as("stream events read").isNotEqualTo("0");
    assertThat(browser.findElement(By.id("rid")).getText()).as("x-yugong-request-id read from script")
        .matches("req_[0-9a-f]{24}");
    assertThat(c.mock.control().requests(UPSTREAM_KEY)).as("the page's request reached upstream once, streamed")
        .filteredOn(ServedRequest::stream).hasSize(1);

    // Yugong's own error, read by the page: its status, OpenAI's error code and the request id
    assertThat(browser.findElement(By.id("error")).getText()).matches("401 invalid_api_key req_[0-9a-f]{24}");
  }

  /** The page: YUGONG and KEY are replaced by JavaScript string literals. */
  private static final String PAGE = """
      <!doctype html>
      <html><head><meta charset="utf-8"><title>a web UI</title></head><body>
      <pre id="text"></pre><pre id="chunks"></pre><pre id="rid"></pre><pre id="type"></pre>
      <pre id="error"></pre><pre id="done"></pre>
      <script>
      const yugong = YUGONG, key = KEY;
      const show = (id, v) => { document.getElementById(id).textContent = v; };
      (async () => {
        try {
          const r = await fetch(yugong + '/v1/chat/completions', {
            method: 'POST',
            headers: {Authorization: 'Bearer ' + key, 'Content-Type': 'application/json'},
            body: JSON.stringify({model: 'gpt-4o-mini', stream: true,
                messages: [{role: 'user', content: 'Say hello to a browser'}]})});
          show('rid', r.headers.get('x-yugong-request-id') || 'not readable');
          show('type', r.headers.get('content-type') || '');
          const reader = r.body.getReader();
          const decoder = new TextDecoder();
          let raw = '', text = '', chunks = 0;
          for (;;) {
            const {done, value} = await reader.read();
            if (done) break;
            raw += decoder.decode(value, {stream: true});
          }
          for (const line of raw.split('\\n')) {
            if (line.startsWith('data: ') && line.trim() !== 'data: [DONE]') {
              chunks++;
              for (const choice of JSON.parse(line.slice(6)).choices || []) {
                text += (choice.delta && choice.delta.content) || '';
              }
            }
          }
          show('text', text);
          show('chunks', String(chunks));
          const e = await fetch(yugong + '/v1/chat/completions', {
            method: 'POST',
            headers: {Authorization: 'Bearer sk-not-a-key-of-this-yugong', 'Content-Type': 'application/json'},
            body: JSON.stringify({model: 'gpt-4o-mini', messages: [{role: 'user', content: 'hi'}]})});
          const error = await e.json();
          show('error', e.status + ' ' + error.error.code + ' ' + e.headers.get('x-yugong-request-id'));
          show('done', r.status + (raw.includes('data: [DONE]') ? ' [DONE]' : ' no [DONE]'));
        } catch (err) {
          show('done', 'failed: ' + err);
        }
      })();
      </script></body></html>
      """;
}
