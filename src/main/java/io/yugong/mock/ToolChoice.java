package io.yugong.mock;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Decides whether a chat request forces a tool call, and which function it names. */
final class ToolChoice {

  private ToolChoice() {
  }

  /** The function to call when tools are given and tool_choice is "required" or names a function; else null. */
  static String forcedFunction(JsonObject json) {
    if (!(json.getValue("tools") instanceof JsonArray tools) || tools.isEmpty()) {
      return null;
    }
    Object choice = json.getValue("tool_choice");
    if ("required".equals(choice)) {
      return firstName(tools);
    }
    if (choice instanceof JsonObject named) {
      if (named.getValue("function") instanceof JsonObject f && f.getValue("name") instanceof String name) {
        return name;
      }
      if (named.getValue("name") instanceof String name) {
        return name;
      }
      return firstName(tools);
    }
    return null;
  }

  private static String firstName(JsonArray tools) {
    if (tools.getValue(0) instanceof JsonObject tool) {
      if (tool.getValue("function") instanceof JsonObject f && f.getValue("name") instanceof String name) {
        return name;
      }
      if (tool.getValue("name") instanceof String name) {
        return name;
      }
    }
    return "tool";
  }
}
