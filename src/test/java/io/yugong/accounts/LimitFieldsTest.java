package io.yugong.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.yugong.billing.Limits;
import io.yugong.billing.ModelLimits;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The /x-users limit fields in ProxyXAI's names: parsed with bounds, stored, shown back. */
class LimitFieldsTest {

  private static Map<String, String> parse(JsonObject req) {
    return AccountForm.parse(req, false).changes;
  }

  private static String refusal(JsonObject req) {
    // an OpenAI-shaped 400 whose param names the field
    return assertThrows(io.yugong.gateway.ApiError.class, () -> AccountForm.parse(req, false)).getMessage();
  }

  @Test
  void everyLimitFieldIsAcceptedByProxyXaisName() {
    Map<String, String> c = parse(new JsonObject().put("RPM", 60).put("RPH", 600).put("RPD", "6000")
        .put("TPM", 150000).put("TPH", 1500000L).put("TPD", "15000000")
        .put("ModelLimits", new JsonObject().put("gpt-4o", new JsonObject().put("rpm", 10).put("tpm", 20000))));
    assertEquals("60", c.get("rateLimit"));
    assertEquals("600", c.get("rph"));
    assertEquals("6000", c.get("rpd"));
    assertEquals("150000", c.get("tpm"));
    assertEquals("1500000", c.get("tph"));
    assertEquals("15000000", c.get("tpd"));
    assertEquals(new JsonObject().put("gpt-4o", new JsonObject().put("rpm", 10).put("tpm", 20000)),
        new JsonObject(c.get("modelLimits")));
  }

  @Test
  void rateLimitAndRpmAreOneField() {
    assertEquals("7", parse(new JsonObject().put("RateLimit", 7)).get("rateLimit"));
    assertEquals("8", parse(new JsonObject().put("RPM", 8)).get("rateLimit"));
  }

  @Test
  void modelLimitsMayBeSentAsJsonText() {
    Map<String, String> c = parse(new JsonObject().put("ModelLimits", "{\"gpt-4o-mini\":{\"tpm\":5}}"));
    assertEquals(5L, new JsonObject(c.get("modelLimits")).getJsonObject("gpt-4o-mini").getLong("tpm"));
  }

  @Test
  void emptyModelLimitsClearThem() {
    assertEquals("", parse(new JsonObject().put("ModelLimits", new JsonObject())).get("modelLimits"));
    assertEquals("", parse(new JsonObject().putNull("ModelLimits")).get("modelLimits"));
    assertEquals("", parse(new JsonObject().put("ModelLimits",
        new JsonObject().put("gpt-4o", new JsonObject().put("rpm", 0)))).get("modelLimits"));
  }

  @Test
  void aMalformedOrOutOfRangeLimitIsRefusedNamingIt() {
    assertTrue(refusal(new JsonObject().put("RPH", -1)).contains("RPH"));
    assertTrue(refusal(new JsonObject().put("RPD", 1.5)).contains("RPD"));
    assertTrue(refusal(new JsonObject().put("TPM", "lots")).contains("TPM"));
    assertTrue(refusal(new JsonObject().put("TPD", Limits.MAX_TOKENS + 1)).contains("TPD"));
    assertTrue(refusal(new JsonObject().put("RPH", Limits.MAX_REQUESTS + 1)).contains("RPH"));
    assertTrue(refusal(new JsonObject().put("ModelLimits", 5)).contains("ModelLimits"));
    assertTrue(refusal(new JsonObject().put("ModelLimits", new JsonObject().put("gpt-4o", 10)))
        .contains("ModelLimits.gpt-4o"));
    assertTrue(refusal(new JsonObject().put("ModelLimits", new JsonObject().put("gpt-4o",
        new JsonObject().put("tpm", -3)))).contains("ModelLimits.gpt-4o.tpm"));
    assertTrue(refusal(new JsonObject().put("ModelLimits", new JsonObject().put("a model",
        new JsonObject().put("rpm", 1)))).contains("model name"));
  }

  @Test
  void tooManyModelsAreRefused() {
    JsonObject many = new JsonObject();
    for (int i = 0; i < 257; i++) {
      many.put("m" + i, new JsonObject().put("rpm", 1));
    }
    assertTrue(refusal(new JsonObject().put("ModelLimits", many)).contains("at most 256"));
  }

  @Test
  void storedLimitsComeBackAndAreShownByProxyXaisNames() {
    Map<String, String> h = new HashMap<>();
    h.put("id", "42");
    h.put("path", "1/42");
    h.put("status", "active");
    h.put("rates", "1");
    h.putAll(parse(new JsonObject().put("RPM", 3).put("RPH", 4).put("RPD", 5).put("TPM", 6).put("TPH", 7)
        .put("TPD", 8).put("ModelLimits", new JsonObject().put("gpt-4o", new JsonObject().put("rpm", 2)))));
    Account a = Account.fromHash(h);
    assertEquals(new Limits(3, 4, 5, 6, 7, 8, ModelLimits.fromJson(new JsonObject()
        .put("gpt-4o", new JsonObject().put("rpm", 2)))), a.limits());
    assertEquals(a.limits(), Account.fromHash(a.toHash()).limits());
    JsonObject shown = a.toPublicJson();
    assertEquals(3, shown.getInteger("RPM"));
    assertEquals(3, shown.getInteger("RateLimit"));
    assertEquals(8L, shown.getLong("TPD"));
    assertEquals(2, shown.getJsonObject("ModelLimits").getJsonObject("gpt-4o").getInteger("rpm"));
  }

  @Test
  void anAccountWithoutLimitsHasNone() {
    Map<String, String> h = new HashMap<>(Map.of("id", "43", "path", "1/43", "status", "active", "rates", "1"));
    assertFalse(Account.fromHash(h).limits().any());
  }

  @Test
  void aGlobalModelLimitAppliesWhereItIsTighter() {
    ModelLimits global = ModelLimits.fromJson(new JsonObject().put("gpt-4o", new JsonObject().put("rpm", 5)
        .put("tpm", 1000)));
    ModelLimits own = ModelLimits.fromJson(new JsonObject().put("gpt-4o", new JsonObject().put("rpm", 2)));
    assertEquals(new ModelLimits.Of(2, 1000), own.of("gpt-4o").min(global.of("gpt-4o")));
    assertEquals(new ModelLimits.Of(5, 1000), ModelLimits.NONE.of("gpt-4o").min(global.of("gpt-4o")));
    assertEquals(new ModelLimits.Of(0, 0), own.of("gpt-4o-mini").min(global.of("gpt-4o-mini")));
  }
}
