package io.yugong.relay;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.yugong.accounts.Account;
import io.yugong.billing.Endpoint;
import io.yugong.billing.LedgerEntry;
import io.yugong.billing.Quote;
import java.util.HashSet;
import java.util.Set;

/** The state of one relayed request across its attempts. Confined to one event loop. */
final class Exchange {

  final HttpServerRequest req;
  final HttpServerResponse resp;
  final String requestId;
  final Account account;
  final long startNanos = System.nanoTime();
  final long deadlineNanos;

  /** The whole JSON body when the request has one (replayable); null otherwise. */
  Buffer body;
  /** The parsed JSON body, or null. */
  JsonObject json;
  /** The spooled upload (multipart and other non-JSON bodies), or null. */
  UploadSpool upload;
  /** True when Yugong asked upstream for a usage chunk the client did not ask for. */
  boolean stripUsage;
  /** The model the client asked for, and the one sent upstream. */
  String model;
  String upstreamModel;
  /** True when the client asked for a stream. */
  boolean clientStream;

  /** What the path is, for metering; the price quote and whether a hold was placed / settled. */
  Endpoint endpoint = Endpoint.OTHER;
  Quote quote;
  boolean reserved;
  /** The hold, when it was taken from this node's credit slice rather than placed in Redis. */
  io.yugong.billing.SliceHold slice;
  boolean settled;
  /** The key that served the answer the client got. */
  String keyId;
  /** When upstream's answer began (0: none yet), and the pump streaming it (null: none). */
  long firstByteNanos;
  ResponsePump pump;
  /** What settling asked of the wallet, and its ledger entry (null until settled); for the request log. */
  long charge;
  LedgerEntry billed;

  /**
   * What the path means for stored objects (null: nothing), and whether the answer is stored upstream
   * (a stored response or chat completion), its id to be recorded.
   */
  ObjectRoute route;
  boolean storesResponse;
  /** The key holding the objects the request names: it alone may serve it (null: any key). */
  String pinnedKey;

  final Set<String> triedKeys = new HashSet<>();
  int attempts;
  /**
   * Keys found dead (no quota, revoked) on the way. They do not use up the request's attempts:
   * finding one is pool upkeep, and each key can die only once, so it costs at most one extra
   * call per key, ever.
   */
  int deadKeys;
  /**
   * Keys that answered that they cannot serve this request's model (excluded for it). Like dead
   * keys they do not use up attempts — except 404s ({@link #modelNotFound}): a made-up model name
   * gets that from every key, and must not cost one upstream call per key.
   */
  final Set<String> refusedModel = new HashSet<>();
  int modelNotFound;
  /** The attempt under way, so a client disconnect can abort it. */
  HttpClientRequest upstream;
  /** True once any response byte went to the client: no retry after that. */
  boolean committed;
  boolean clientGone;
  boolean finished;
  /** True when Yugong answered that no key could serve it (every attempt failed, or none was usable). */
  boolean exhausted;
  /** What went wrong last, for the final error when every attempt failed. */
  String lastFailure;
  int shortestCooldownSeconds = 1;

  Exchange(HttpServerRequest req, String requestId, Account account, long deadlineMs) {
    this.req = req;
    this.resp = req.response();
    this.requestId = requestId;
    this.account = account;
    this.deadlineNanos = startNanos + deadlineMs * 1_000_000L;
  }

  /** The tokenizer's count of the prompt (from the price quote), for choosing a key with room. */
  long promptTokens() {
    return quote == null ? 0 : quote.promptEstimate();
  }

  /** Records what settling charges, for the request log. */
  void billed(long charge, LedgerEntry entry) {
    this.charge = charge;
    this.billed = entry;
  }

  boolean pastDeadline() {
    return System.nanoTime() > deadlineNanos;
  }

  long elapsedMs() {
    return (System.nanoTime() - startNanos) / 1_000_000L;
  }
}
