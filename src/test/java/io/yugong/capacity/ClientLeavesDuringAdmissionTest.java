package io.yugong.capacity;

import io.yugong.testing.StoreReader;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import io.yugong.mock.MockOptions;
import io.yugong.testing.Eventually;
import io.yugong.testing.TestCluster;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Nothing is charged for a request that was never sent: a client that leaves while its hold is
 * being placed gets the hold back as soon as it has been placed — not after the hold's TTL — and
 * upstream never sees the request. Redis is paused (CLIENT PAUSE) to hold the window open.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientLeavesDuringAdmissionTest {

  private static final int CLIENTS = 20;

  private TestCluster c;

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(2, new MockOptions(), Map.of());
    c.addKey(0, "sk-leaver-one-1234567890", null);
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  @Test
  void aClientThatLeavesDuringAdmissionIsNeverCharged() throws Exception {
    JsonObject acct = CapacityKit.exactCustomer(c, "leaver", 1);
    String key = CapacityKit.secret(acct);
    String id = CapacityKit.id(acct);
    // Warm the key into both nodes' caches, so only the hold waits for Redis.
    for (int node = 0; node < 2; node++) {
      CapacityKit.status(200, c.call(node, "POST", "/v1/chat/completions", key,
          CapacityKit.chatBody("warm up", 4, false)));
    }
    try (StoreReader store = new StoreReader(c)) {
      long balance = store.wallet(id, "balance");
      int charges = store.charges(id).size();
      int forwarded = c.mock.control().requests().size();
      // A WRITE pause holds back the holds (scripts) but not the health check's PING, so Redis stays
      // "up" and the holds are placed late. Long enough for the 20 requests to reach admission on a
      // busy machine, shorter than the node's safety deadline (StoreHealth.SAFETY_DEADLINE_MS, 10 s);
      // lifted (CLIENT UNPAUSE) once the nodes have seen the clients leave.
      store.send("CLIENT", "PAUSE", "8000", "WRITE");
      List<Socket> clients = new ArrayList<>();
      try {
        for (int i = 0; i < CLIENTS; i++) {
          String body = CapacityKit.chatBody("leaving " + i, 200, i % 2 == 0);
          Socket s = new Socket("127.0.0.1", c.nodes.get(i % 2).port());
          clients.add(s);
          OutputStream out = s.getOutputStream();
          out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: yugong\r\nAuthorization: Bearer " + key
              + "\r\nContent-Type: application/json\r\nContent-Length: "
              + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
        // every request is at admission, waiting for its hold from the paused Redis
        Eventually.eventually(Duration.ofSeconds(5), () -> assertEquals(CLIENTS,
            c.nodes.get(0).services().storeHealth().waiting() + c.nodes.get(1).services().storeHealth().waiting()));
        for (Socket s : clients) {
          s.setSoLinger(true, 0);
          s.close();
        }
        // both nodes saw every client leave (a request's end, counted off in flight, is run with
        // what marks its exchange abandoned) while the holds still wait for Redis
        Eventually.eventually(Duration.ofSeconds(5), () -> assertEquals(0,
            c.nodes.get(0).services().stats().inFlight() + c.nodes.get(1).services().stats().inFlight()));
        assertEquals(CLIENTS,
            c.nodes.get(0).services().storeHealth().waiting() + c.nodes.get(1).services().storeHealth().waiting(),
            "the holds are still being placed when the clients have left");
      } finally {
        for (Socket s : clients) {
          s.close();
        }
        store.send("CLIENT", "UNPAUSE");
      }
      // Redis resumes and the holds land; then they are given back at once.
      Eventually.eventually(Duration.ofSeconds(5), () -> assertEquals(0,
          c.nodes.get(0).services().storeHealth().waiting() + c.nodes.get(1).services().storeHealth().waiting()));
      Eventually.eventually(Duration.ofSeconds(5), () -> assertEquals(0, store.wallet(id, "held")));
      assertEquals(balance, store.wallet(id, "balance"), "nothing charged");
      assertEquals(charges, store.charges(id).size(), "no ledger charge");
      assertEquals(forwarded, c.mock.control().requests().size(), "upstream saw none of the requests");
    }
  }
}
