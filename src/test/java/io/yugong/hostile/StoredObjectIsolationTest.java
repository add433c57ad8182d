package io.yugong.hostile;

import static io.yugong.hostile.HostileKit.customer;
import static io.yugong.hostile.HostileKit.error;
import static io.yugong.hostile.HostileKit.secret;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.yugong.mock.MockOptions;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Objects stored upstream (stored responses and chat completions, and their lists) live in the
 * upstream key's project, shared by every customer of that key: a customer may not list, read,
 * change or delete them unless the operator allows it, and nothing of such a request goes upstream.
 * Where the operator allows them, each object stays with the account and key that created it
 * (another account's id answers 404): see {@code io.yugong.clients.StoredObjectAffinityTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StoredObjectIsolationTest {

  private TestCluster c;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    c.addKey(0, "sk-stored-1", null);
  }

  @AfterAll
  void stop() throws Exception {
    c.close();
  }

  @Test
  void aCustomerCannotReachObjectsOtherCustomersStoredUpstream() throws Exception {
    String key = secret(customer(c, "curious", "5"));
    int upstreamBefore = c.mock.control().requests().size();
    List<String[]> calls = List.of(
        new String[] {"GET", "/v1/chat/completions"},
        new String[] {"GET", "/v1/chat/completions?limit=100"},
        new String[] {"GET", "/v1/chat/completions/chatcmpl-someone-elses"},
        new String[] {"GET", "/v1/chat/completions/chatcmpl-someone-elses/messages"},
        new String[] {"POST", "/v1/chat/completions/chatcmpl-someone-elses"},
        new String[] {"DELETE", "/v1/chat/completions/chatcmpl-someone-elses"},
        new String[] {"GET", "/v1/responses/resp_someone_elses"},
        new String[] {"GET", "/v1/responses/resp_someone_elses/input_items"},
        new String[] {"POST", "/v1/responses/resp_someone_elses/cancel"},
        new String[] {"DELETE", "/v1/responses/resp_someone_elses"},
        new String[] {"GET", "/v1/responses"},
        new String[] {"PUT", "/v1/embeddings"});
    for (String[] call : calls) {
      HttpResponse<String> r = c.call(calls.indexOf(call) % 2, call[0], call[1], key,
          call[0].equals("GET") || call[0].equals("DELETE") ? null : "{}");
      assertEquals(403, r.statusCode(), call[0] + " " + call[1] + " -> " + r.body());
      assertEquals("endpoint_not_allowed", error(r).getString("code"), call[0] + " " + call[1]);
    }
    assertEquals(upstreamBefore, c.mock.control().requests().size(), "nothing went upstream");
  }
}
