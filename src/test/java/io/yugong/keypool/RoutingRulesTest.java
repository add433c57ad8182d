package io.yugong.keypool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** MODEL_MAPPER, LEVEL_MAPPER and SWITCH_OVER as an operator writes them. */
class RoutingRulesTest {

  @Test
  void exactNameBeatsAnyWildcardWhateverTheOrder() {
    RoutingRules r = RoutingRules.parse("gpt-4*=gpt-4o-mini, gpt-4o=gpt-4.1", "", "");
    assertEquals("gpt-4.1", r.upstreamModel("gpt-4o"));
    assertEquals("gpt-4o-mini", r.upstreamModel("gpt-4-turbo"));
  }

  @Test
  void longestWildcardWins() {
    RoutingRules r = RoutingRules.parse("gpt-*=a,gpt-4*=b,gpt-4o*=c", "", "");
    assertEquals("c", r.upstreamModel("gpt-4o-mini"));
    assertEquals("b", r.upstreamModel("gpt-4-turbo"));
    assertEquals("a", r.upstreamModel("gpt-3.5-turbo"));
  }

  @Test
  void unmappedModelsAreSentAsNamed() {
    RoutingRules r = RoutingRules.parse("gpt-4*=gpt-4o-mini", "", "");
    assertEquals("o3-mini", r.upstreamModel("o3-mini"));
    assertEquals(null, r.upstreamModel(null));
    assertEquals("gpt-4o", RoutingRules.NONE.upstreamModel("gpt-4o"));
  }

  @Test
  void levelsDefaultToOneAndSwitchOverNamesTheNextLevel() {
    RoutingRules r = RoutingRules.parse("", "gpt-5*=2,o3=3", "1=2, 2=3");
    assertEquals(2, r.levelOf("gpt-5-mini"));
    assertEquals(3, r.levelOf("o3"));
    assertEquals(1, r.levelOf("o3-mini"));
    assertEquals(2, r.fallbackOf(1));
    assertEquals(3, r.fallbackOf(2));
    assertEquals(-1, r.fallbackOf(3));
    assertEquals(-1, RoutingRules.NONE.fallbackOf(1));
  }

  @Test
  void badSettingsAreRefusedWithTheSettingNamed() {
    assertRefused("MODEL_MAPPER", () -> RoutingRules.parse("gpt-4", "", ""));
    assertRefused("MODEL_MAPPER", () -> RoutingRules.parse("=gpt-4o", "", ""));
    assertRefused("MODEL_MAPPER", () -> RoutingRules.parse("gpt-4=", "", ""));
    assertRefused("LEVEL_MAPPER", () -> RoutingRules.parse("", "gpt-4o=two", ""));
    assertRefused("LEVEL_MAPPER", () -> RoutingRules.parse("", "gpt-4o=0", ""));
    assertRefused("SWITCH_OVER", () -> RoutingRules.parse("", "", "1=b"));
    assertRefused("SWITCH_OVER", () -> RoutingRules.parse("", "", "-1=2"));
  }

  @Test
  void storedJsonRoundTripsAndAbsentMeansNoRules() {
    JsonObject j = new JsonObject().put("MODEL_MAPPER", "gpt-4*=gpt-4o-mini").put("SWITCH_OVER", "1=2");
    RoutingRules r = RoutingRules.fromJson(j);
    assertEquals("gpt-4*=gpt-4o-mini", r.toJson().getString("MODEL_MAPPER"));
    assertEquals("", r.toJson().getString("LEVEL_MAPPER"));
    assertEquals(2, RoutingRules.fromJson(r.toJson()).fallbackOf(1));
    assertSame(RoutingRules.NONE, RoutingRules.fromJson(null));
  }

  private static void assertRefused(String setting, Runnable parse) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, parse::run);
    assertTrue(e.getMessage().startsWith(setting), e.getMessage());
  }
}
