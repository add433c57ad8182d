package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yugong.testing.Eventually;
import io.yugong.testing.TestCluster;
import java.io.File;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser (headless Chromium) against a two-node cluster: what a
 * customer and an operator do with it, checked against what the API says. Screenshots of every
 * view go to target/console-screenshots/. Skipped where Debian's {@code chromium} and
 * {@code chromium-driver} are not installed (.ci/run installs them).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SHOTS = Path.of("target", "console-screenshots");
  private static final String UPSTREAM_A = "sk-console-upstream-a-1234567890";
  private static final String UPSTREAM_B = "sk-console-upstream-b-1234567890";
  /** The views in the order of the console's navigation (the last three: operators only). */
  private static final List<String> VIEWS = List.of("overview", "ledger", "subaccounts", "key", "cluster", "keys", "settings");

  private TestCluster c;
  private WebDriver browser;
  private WebDriverWait wait;
  private String keyB;

  @BeforeAll
  void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)");
    c = TestCluster.start(2);
    c.addKey(0, UPSTREAM_A, new JsonObject().put("name", "org-a"));
    keyB = c.addKey(0, UPSTREAM_B, new JsonObject().put("name", "org-b"));
    Files.createDirectories(SHOTS);

    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
        "--lang=en-US");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, java.util.logging.Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService driver = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
    browser = new ChromeDriver(driver, options);
    wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    wait.ignoring(StaleElementReferenceException.class);
  }

  @AfterEach
  void consoleErrors(TestInfo test) {
    // what the page's scripts complained about (a CSP violation would show here), for a failing test
    for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
      System.out.println("[browser " + test.getDisplayName() + "] " + e.getLevel() + " " + e.getMessage());
    }
  }

  @AfterAll
  void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (c != null) {
      c.close();
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void signInAndSeeTheBalanceTheApiReports() throws Exception {
    JsonObject user = c.createAccount(0, new JsonObject().put("Name", "reader").put("CreditGranted", "12.5")
        .put("Days", 30)).getJsonObject("User");
    String key = user.getString("SecretKey");
    chat(1, key, "gpt-4o-mini", 2);

    // a wrong key: the API's own refusal, and nothing kept
    openConsole(0, "en");
    shot("signin");
    browser.findElement(By.id("signin-key")).sendKeys("sk-not-a-key-of-this-yugong");
    browser.findElement(By.id("signin-submit")).click();
    WebElement refusal = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#signin-status [role=alert]")));
    String apiSays = new JsonObject(c.call(0, "GET", "/dashboard/x_user/info", "sk-not-a-key-of-this-yugong", null).body())
        .getJsonObject("error").getString("message");
    assertThat(refusal.getText()).isEqualTo(apiSays);
    assertThat(js("return sessionStorage.length")).isEqualTo(0L);

    signIn(key);
    JsonObject info = api(1, "GET", "/dashboard/x_user/info", key, null);
    assertThat(dollars(text("#balance"))).isEqualByComparingTo(info.getValue("Balance").toString());
    assertThat(dollars(text("#available"))).isEqualByComparingTo(info.getValue("Available").toString());
    assertThat(text("#who")).isEqualTo("reader");
    JsonObject grant = info.getJsonArray("CreditBalance").getJsonObject(0);
    String expiry = grant.getString("expires_at");
    assertThat(text("#grants .grant-expiry")).isEqualTo(expiry.substring(0, 10) + " " + expiry.substring(11, 16) + " UTC");
    assertThat(dollars(text("#grants .grant-balance"))).isEqualByComparingTo(grant.getValue("balance").toString());
    shot("overview");

    // the key: in this tab's sessionStorage only; never in the URL or localStorage
    assertThat(js("return sessionStorage.getItem('yugong.key')")).isEqualTo(key);
    assertThat((String) js("return JSON.stringify(localStorage)")).doesNotContain(key);
    assertThat(browser.getCurrentUrl()).doesNotContain(key);
    // the console's pages carry a strict policy
    HttpResponse<String> page = c.call(0, "GET", "/console", null, null);
    assertThat(page.headers().firstValue("content-security-policy").orElse(""))
        .contains("default-src 'none'", "script-src 'self'", "style-src 'self'").doesNotContain("unsafe-inline");
    assertThat(page.body()).doesNotContain("<script>").doesNotContain("onload=").doesNotContain("style=");
    HttpResponse<String> vendor = c.call(1, "GET", "/console/vendor/uplot/1.6.30/dist/uPlot.esm.js", null, null);
    assertThat(vendor.statusCode()).isEqualTo(200);
    assertThat(vendor.headers().firstValue("cache-control").orElse("")).contains("max-age=31536000");

    // rotating the key: shown once, the old one refused, the console goes on with the new one
    view("key");
    browser.findElement(By.id("rotate")).click();
    browser.findElement(By.id("rotate-yes")).click();
    String rotated = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("rotated-key"))).getDomProperty("value");
    assertThat(rotated).startsWith("sk-").isNotEqualTo(key);
    assertThat(c.call(1, "GET", "/dashboard/x_user/info", key, null).statusCode()).isEqualTo(401);
    assertThat(c.call(1, "GET", "/dashboard/x_user/info", rotated, null).statusCode()).isEqualTo(200);
    assertThat(js("return sessionStorage.getItem('yugong.key')")).isEqualTo(rotated);
    assertThat(text("#base-url")).isEqualTo(c.base(0) + "/v1");
    shot("key");
  }

  @Test
  void createFundAndDeleteASubAccountThroughTheUiAndTheMoneyAddsUp() throws Exception {
    String parent = c.createAccount(0, new JsonObject().put("Name", "acme").put("CreditGranted", "100"))
        .getJsonObject("User").getString("SecretKey");
    openConsole(0, "en");
    signIn(parent);
    view("subaccounts");

    // create: Rates 2, so 10 of its credit costs the parent 5
    browser.findElement(By.id("account-new")).click();
    WebElement form = browser.findElement(By.id("create-form"));
    form.findElement(By.name("Name")).sendKeys("acme-team");
    form.findElement(By.name("CreditGranted")).sendKeys("10");
    form.findElement(By.name("Rates")).sendKeys("2");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("create-cost"), "costs you $5.00"));
    browser.findElement(By.id("create-submit")).click();
    String childKey = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("new-account-key"))).getDomProperty("value");
    assertThat(childKey).startsWith("sk-");
    row("acme-team");
    shot("subaccounts-created");
    assertThat(balance(1, parent)).isEqualByComparingTo("95");
    assertThat(balance(1, childKey)).isEqualByComparingTo("10");

    transfer("acme-team", ".act-fund", "4", "costs you $2.00");
    assertThat(balance(1, parent)).isEqualByComparingTo("93");
    assertThat(balance(1, childKey)).isEqualByComparingTo("14");
    transfer("acme-team", ".act-take", "2", "returns $1.00");
    assertThat(balance(1, parent)).isEqualByComparingTo("94");
    assertThat(balance(1, childKey)).isEqualByComparingTo("12");
    assertThat(dollars(row("acme-team").findElement(By.cssSelector(".account-balance")).getText())).isEqualByComparingTo("12");

    // a refusal shows the API's own message, and moves nothing
    row("acme-team").findElement(By.cssSelector(".act-take")).click();
    browser.findElement(By.id("transfer-amount")).sendKeys("1000");
    browser.findElement(By.id("transfer-submit")).click();
    String shown = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#transfer-status [role=alert]"))).getText();
    HttpResponse<String> same = c.call(0, "PUT", "/x-users/acme-team", parent, "{\"CreditGranted\":\"-1000\"}");
    assertThat(same.statusCode()).isBetween(400, 499);
    assertThat(shown).isEqualTo(new JsonObject(same.body()).getJsonObject("error").getString("message"));
    assertThat(balance(1, parent)).isEqualByComparingTo("94");

    // a hostile display name is shown as text
    String hostile = "<img src=x id=pwned onerror=alert(1)>";
    assertThat(c.call(0, "POST", "/x-users", parent, new JsonObject().put("Name", "acme-odd").put("Alias", hostile).encode())
        .statusCode()).isEqualTo(201);
    view("overview");
    view("subaccounts");
    assertThat(row("acme-odd").findElement(By.cssSelector(".alias")).getText()).isEqualTo(hostile);
    assertThat(browser.findElements(By.id("pwned"))).isEmpty();
    shot("subaccounts");
    assertThat(c.call(0, "DELETE", "/x-users/acme-odd", parent, null).statusCode()).isEqualTo(200);

    // delete: the child's 12 (at Rates 2) come back as 6; the parent has its 100 again
    row("acme-team").findElement(By.cssSelector(".act-delete")).click();
    browser.findElement(By.id("delete-confirm")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#delete-status .notice.ok")));
    assertThat(c.call(1, "GET", "/x-users/acme-team", parent, null).statusCode()).isEqualTo(404);
    assertThat(c.call(1, "GET", "/dashboard/x_user/info", childKey, null).statusCode()).isEqualTo(401);
    assertThat(balance(1, parent)).isEqualByComparingTo("100");
    wait.until(d -> d.findElements(By.cssSelector("li[data-account-name='acme-team']")).isEmpty());
  }

  @Test
  void theChartsRenderAfterTraffic() throws Exception {
    String key = c.createAccount(0, new JsonObject().put("Name", "charts").put("CreditGranted", "20")
        .put("HardLimit", "15").put("SoftLimit", "5")).getJsonObject("User").getString("SecretKey");
    // gpt-4o costs about 16 times what gpt-4o-mini costs: both bars must be tall enough to see
    chat(0, key, "gpt-4o-mini", 8);
    chat(1, key, "gpt-4o", 1);
    c.settled();

    openConsole(1, "en");
    signIn(key);
    WebElement daily = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#chart-daily canvas")));
    assertThat(daily.findElement(By.xpath("./ancestor::div[@id='chart-daily']")).getDomAttribute("data-models"))
        .isEqualTo("gpt-4o,gpt-4o-mini");
    // the bars are drawn: pixels of each model's colour (blue: gpt-4o, amber: gpt-4o-mini)
    assertThat(pixels("#chart-daily canvas", 37, 99, 235)).as("gpt-4o's bar").isGreaterThan(20);
    assertThat(pixels("#chart-daily canvas", 245, 158, 11)).as("gpt-4o-mini's bar").isGreaterThan(20);
    assertThat(browser.findElements(By.cssSelector("#chart-month canvas"))).isNotEmpty();
    JsonObject info = api(1, "GET", "/dashboard/x_user/info", key, null);
    String month = info.getJsonObject("Usage").getValue("Month").toString();
    assertThat(text("#month-bars")).contains(text("#month")).contains("$15.00");
    assertThat(dollars(text("#month"))).isEqualByComparingTo(month);
    shot("overview-charts");

    // the ledger: every entry the API lists, filtered by model, as CSV
    view("ledger");
    JsonArray entries = api(0, "GET", "/dashboard/x_user/ledger?limit=1000", key, null).getJsonArray("data");
    assertThat(browser.findElements(By.cssSelector("#ledger-rows tr"))).hasSize(entries.size());
    new Select(browser.findElement(By.id("ledger-model"))).selectByValue("gpt-4o");
    wait.until(d -> d.findElements(By.cssSelector("#ledger-rows tr")).size() == 1);
    assertThat(browser.findElements(By.cssSelector("#ledger-rows td.model")))
        .extracting(WebElement::getText).containsOnly("gpt-4o");
    shot("ledger");
    String csv = (String) ((JavascriptExecutor) browser).executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        Promise.all([import('/console/js/views/ledger.js'), fetch('/dashboard/x_user/ledger?limit=1000',
            {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('yugong.key')}}).then(r => r.json())])
          .then(([m, l]) => done(m.toCsv(l.data)), e => done('failed ' + e));
        """);
    assertThat(csv.split("\r?\n")).as(csv).hasSize(entries.size() + 1);
    assertThat(csv).startsWith("at,kind,model,").contains("\"gpt-4o-mini\"");
  }

  @Test
  void anOperatorDisablesAKeyAndSeesItDisabledOnTheOtherNode() throws Exception {
    openConsole(0, "en");
    signIn(c.adminKey);
    view("cluster");
    wait.until(d -> d.findElements(By.cssSelector("#nodes tr")).size() == 2);
    assertThat(browser.findElements(By.cssSelector("#nodes .node-port"))).extracting(WebElement::getText)
        .containsExactlyInAnyOrder(String.valueOf(c.nodes.get(0).port()), String.valueOf(c.nodes.get(1).port()));
    String stamp = text("#cluster-updated");
    wait.until(d -> !text("#cluster-updated").equals(stamp)); // refreshed live
    shot("cluster");

    view("keys");
    By rowB = By.cssSelector("tr[data-key-id='" + keyB + "']");
    wait.until(d -> {
      d.findElement(rowB).findElement(By.cssSelector(".key-disable")).click();
      return true;
    });
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-key-id='" + keyB + "'][data-status=disabled]")));
    shot("keys");
    // node 1 learns of the disable through the replicated key map, a moment after node 0's page shows it
    Eventually.eventually(Duration.ofSeconds(5), () -> {
      JsonObject seen = api(1, "GET", "/admin/keys/" + keyB, c.adminKey, null);
      assertThat(seen.getBoolean("enabled")).isFalse();
      assertThat(seen.getString("status")).isEqualTo("disabled");
    });

    // the other node's console (another origin: its own sign-in) shows it disabled, and enables it
    openConsole(1, "en");
    signIn(c.adminKey);
    view("keys");
    WebElement badge = wait.until(ExpectedConditions.presenceOfElementLocated(
        By.cssSelector("tr[data-key-id='" + keyB + "'][data-status=disabled] .key-status")));
    assertThat(badge.getText()).isEqualTo("disabled");
    wait.until(d -> {
      d.findElement(rowB).findElement(By.cssSelector(".key-enable")).click();
      return true;
    });
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-key-id='" + keyB + "'][data-status=active]")));
    Eventually.eventually(Duration.ofSeconds(5), () ->
        assertThat(api(0, "GET", "/admin/keys/" + keyB, c.adminKey, null).getString("status")).isEqualTo("active"));

    // routing settings: checked before they are sent, then saved for every node
    view("settings");
    WebElement levels = browser.findElement(By.id("routing-LEVEL_MAPPER"));
    levels.clear();
    levels.sendKeys("o1*=two");
    browser.findElement(By.id("routing-save")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#routing-status [role=alert]")));
    assertThat(api(0, "GET", "/admin/config/routing", c.adminKey, null).getString("LEVEL_MAPPER")).isEmpty();
    levels.clear();
    levels.sendKeys("o1*=2");
    browser.findElement(By.id("routing-save")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#routing-status .notice.ok")));
    assertThat(api(0, "GET", "/admin/config/routing", c.adminKey, null).getString("LEVEL_MAPPER")).isEqualTo("o1*=2");
    shot("settings");
    levels.clear();
    browser.findElement(By.id("routing-save")).click();
    wait.until(d -> {
      try {
        return api(0, "GET", "/admin/config/routing", c.adminKey, null).getString("LEVEL_MAPPER").isEmpty();
      } catch (Exception e) {
        return false;
      }
    });
  }

  @Test
  @SuppressWarnings("unchecked")
  void theChineseUiShowsNoUntranslatedStrings() throws Exception {
    openConsole(0, "en");
    @SuppressWarnings("unchecked")
    Map<String, Object> dictionaries = (Map<String, Object>) ((JavascriptExecutor) browser).executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        import('/console/js/i18n.js').then(m => done({en: Object.keys(m.dictionaries.en).sort(),
            zh: Object.keys(m.dictionaries.zh).sort(), same: Object.keys(m.dictionaries.en)
              .filter(k => m.dictionaries.en[k] === m.dictionaries.zh[k])}), e => done({error: String(e)}));
        """);
    assertThat(dictionaries.get("zh")).as("the dictionaries' keys").isEqualTo(dictionaries.get("en"));
    assertThat((List<Object>) dictionaries.get("same")).as("texts left in English").containsOnly("settings.modelsHint");

    // the person picks 简体中文; the choice is remembered
    new Select(browser.findElement(By.id("lang"))).selectByValue("zh");
    wait.until(ExpectedConditions.textToBe(By.id("signin-submit"), "登录"));
    browser.navigate().refresh();
    wait.until(ExpectedConditions.textToBe(By.id("signin-submit"), "登录"));
    assertThat(untranslated()).as("English words on the sign-in page").isEmpty();
    shot("zh-signin");

    signIn(c.adminKey);
    for (String v : VIEWS) {
      view(v);
      assertThat(untranslated()).as("English words in the Chinese " + v + " view").isEmpty();
      shot("zh-" + v);
    }
    new Select(browser.findElement(By.id("lang"))).selectByValue("en");
    wait.until(ExpectedConditions.textToBe(By.id("sign-out"), "Sign out"));
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Words of the English dictionary (not also in the Chinese one: RPM, JSON, HardLimit...) in the
   * page's text and labels, outside what is data ({@code translate="no"}: names, keys, models, code).
   */
  @SuppressWarnings("unchecked")
  private List<String> untranslated() {
    return (List<String>) ((JavascriptExecutor) browser).executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        import('/console/js/i18n.js').then(({dictionaries}) => {
          const {en: enDict, zh: zhDict} = dictionaries;
          // texts the same in both (code examples) say nothing about what is translated
          const words = d => new Set(Object.keys(d).filter(k => enDict[k] !== zhDict[k])
              .flatMap(k => d[k].replace(/\\{\\w+\\}/g, ' ').match(/[A-Za-z]{2,}/g) || []).map(w => w.toLowerCase()));
          const zh = words(zhDict);
          const english = [...words(enDict)].filter(w => !zh.has(w));
          const found = new Set();
          const look = (text, where) => (text.match(/[A-Za-z]{2,}/g) || []).forEach(w => {
            if (english.includes(w.toLowerCase())) found.add(w + ' in "' + text.trim().slice(0, 60) + '" (' + where + ')');
          });
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const el = n.parentElement;
            if (el.closest('[translate=no], script, style')) continue;
            look(n.textContent, el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''));
          }
          for (const el of document.querySelectorAll('[placeholder], [aria-label], [title]')) {
            if (el.closest('[translate=no]')) continue;
            ['placeholder', 'aria-label', 'title'].forEach(a => el.hasAttribute(a) && look(el.getAttribute(a), a));
          }
          look(document.title, 'title');
          done([...found]);
        }, e => done(['failed: ' + e]));
        """);
  }

  private void openConsole(int node, String lang) {
    browser.get(c.base(node) + "/console/");
    js("sessionStorage.clear(); localStorage.setItem('yugong.lang', arguments[0])", lang);
    browser.navigate().refresh();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-key")));
  }

  private void signIn(String key) {
    WebElement input = browser.findElement(By.id("signin-key"));
    input.clear();
    input.sendKeys(key);
    browser.findElement(By.id("signin-submit")).click();
    ready("overview");
  }

  private void view(String name) {
    browser.findElement(By.id("nav-" + name)).click();
    ready(name);
  }

  private void ready(String name) {
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("main[data-view='" + name + "'][data-ready=true]")));
    assertThat(browser.findElements(By.cssSelector("main .notice.error"))).as("errors in the " + name + " view")
        .extracting(WebElement::getText).isEmpty();
  }

  private WebElement row(String name) {
    return wait.until(ExpectedConditions.presenceOfElementLocated(
        By.cssSelector("li[data-account-name='" + name + "'] > .account-row")));
  }

  private void transfer(String name, String action, String amount, String preview) {
    row(name).findElement(By.cssSelector(action)).click();
    browser.findElement(By.id("transfer-amount")).sendKeys(amount);
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("transfer-cost"), preview));
    browser.findElement(By.id("transfer-submit")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#transfer-status .notice.ok")));
  }

  private String text(String css) {
    return browser.findElement(By.cssSelector(css)).getText();
  }

  private Object js(String script, Object... args) {
    return ((JavascriptExecutor) browser).executeScript(script, args);
  }

  /** Pixels of exactly this colour on a canvas. */
  private long pixels(String canvas, int r, int g, int b) {
    return (Long) js("""
        const c = document.querySelector(arguments[0]);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] === arguments[1] && d[i + 1] === arguments[2]
            && d[i + 2] === arguments[3] && d[i + 3] === 255) n++;
        return n;
        """, canvas, r, g, b);
  }

  @Test
  void theApiDocsRenderInTheBrowserUnderTheirContentSecurityPolicy() throws Exception {
    browser.manage().logs().get(LogType.BROWSER); // what earlier pages logged is not this page's
    browser.get(c.base(1) + "/docs");
    wait.until(d -> d.findElements(By.cssSelector(".opblock")).size() >= 20);
    List<String> paths = browser.findElements(By.cssSelector(".opblock-summary-path")).stream()
        .map(e -> e.getAttribute("data-path")).toList();
    assertThat(paths).contains("/x-users", "/admin/keys", "/dashboard/x_user/info", "/metrics");
    List<String> refused = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
        .map(LogEntry::getMessage).filter(m -> m.contains("Content Security Policy") || m.contains("Refused to"))
        .toList();
    assertThat(refused).as("what the page's policy blocked").isEmpty();
    shot("api-docs");
  }

  private void shot(String name) throws Exception {
    Files.write(SHOTS.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
  }

  private static BigDecimal dollars(String shown) {
    return new BigDecimal(shown.replace("$", "").replace(",", "").trim());
  }

  private BigDecimal balance(int node, String key) throws Exception {
    return new BigDecimal(api(node, "GET", "/dashboard/x_user/info", key, null).getValue("Balance").toString());
  }

  private JsonObject api(int node, String method, String path, String key, String body) throws Exception {
    HttpResponse<String> r = c.call(node, method, path, key, body);
    assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isBetween(200, 299);
    return new JsonObject(r.body());
  }

  private void chat(int node, String key, String model, int times) throws Exception {
    for (int i = 0; i < times; i++) {
      HttpResponse<String> r = c.call(node, "POST", "/v1/chat/completions", key, new JsonObject()
          .put("model", model).put("max_tokens", 20).put("messages", new JsonArray()
              .add(new JsonObject().put("role", "user").put("content", "hello from the console test " + i))).encode());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
    c.settled();
  }
}
