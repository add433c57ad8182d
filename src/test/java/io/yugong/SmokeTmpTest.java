package io.yugong;

import com.openai.client.OpenAIClient;
import com.openai.models.ChatModel;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.vertx.core.json.JsonObject;
import io.yugong.testing.TestCluster;
import org.junit.jupiter.api.Test;

class SmokeTmpTest {
  @Test
  void smoke() throws Exception {
    try (TestCluster c = TestCluster.start(2)) {
      c.addKey(0, "sk-mock-one-1234567890", null);
      c.addKey(0, "sk-mock-two-1234567890", null);
      JsonObject acct = c.createAccount(0, new JsonObject().put("Name", "alice").put("CreditGranted", 10));
      System.out.println("ACCOUNT " + acct.encode());
      String key = acct.getJsonObject("User").getString("SecretKey");
      OpenAIClient client = c.openai(1, key);
      var r = client.chat().completions().create(ChatCompletionCreateParams.builder().model(ChatModel.GPT_4O_MINI)
          .addUserMessage("hello there").maxCompletionTokens(20).build());
      System.out.println("CHAT " + r.choices().get(0).message().content() + " usage " + r.usage());
      var s = client.chat().completions().createStreaming(ChatCompletionCreateParams.builder().model(ChatModel.GPT_4O_MINI)
          .addUserMessage("hello stream").build());
      s.stream().forEach(ch -> System.out.println("CHUNK " + ch));
      System.out.println("INFO " + c.call(1, "GET", "/dashboard/x_user/info", key, null).body());
      System.out.println("LEDGER " + c.call(0, "GET", "/dashboard/x_user/ledger", key, null).body());
      System.out.println("KEYS " + c.call(0, "GET", "/admin/keys", c.adminKey, null).body());
      System.out.println("SUB " + c.call(0, "GET", "/v1/dashboard/billing/subscription", key, null).body());
      System.out.println("USAGE " + c.call(0, "GET", "/v1/dashboard/billing/usage", key, null).body());
      System.out.println("MOCK " + c.mock.control().requests());
    }
  }
}
