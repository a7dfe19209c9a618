/* The node client (node/client.h) end to end: against the built devnode (bundles built with
 * tangle/bundle, attached by the node or locally with tangle/pow, stored, found, read back, seen
 * on the ZeroMQ feed, still there after a restart), and against small fake servers for the
 * failure paths (refused connections, time-outs, error answers, malformed answers). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "devnode/feed_client.h"
#include "devnode/spawn.h"
#include "node/client.h"
#include "tangle/bundle.h"
#include "tangle/pow.h"
#include "tangle/transaction.h"
#include "tests/testutil.h"

#define MWM 9
#define START_MS 20000
#define STOP_MS 20000
#define HASH_TRYTES TANGLE_TX_HASH_TRYTES
#define TX_TRYTES TANGLE_TX_TRYTES

/* ---- devnode and a client for it ---- */

static char data_dir[DEVNODE_SPAWN_PATH_SIZE];
static devnode_proc_t node;
static mg_node_client_t *client;

static mg_node_client_t *new_client(size_t max_list, size_t max_txs) {
  mg_node_config_t cfg;
  mg_node_config_init(&cfg, node.api_url);
  cfg.max_list = max_list;
  cfg.max_txs = max_txs;
  mg_node_client_t *c;
  ck_assert_int_eq(mg_node_client_new(&cfg, &c), MG_NODE_OK);
  return c;
}

static void start_node(void) {
  char bin[DEVNODE_SPAWN_PATH_SIZE];
  ck_assert_msg(devnode_spawn(devnode_binary_path(bin, sizeof bin), data_dir, MWM, START_MS, &node),
                "devnode did not start; see %s", node.log_path);
  client = new_client(MG_NODE_DEFAULT_MAX_LIST, MG_NODE_DEFAULT_MAX_TXS);
}

static void stop_node(void) {
  mg_node_client_free(client);
  client = NULL;
  ck_assert_int_eq(devnode_proc_stop(&node, STOP_MS), 0);
}

static void setup_node(void) {
  ck_assert(devnode_temp_dir(data_dir, sizeof data_dir));
  start_node();
}

static void teardown_node(void) {
  stop_node();
  devnode_remove_dir(data_dir);
  data_dir[0] = '\0';
}

/* The client must have succeeded; otherwise show the node's message. */
static void ok(mg_node_err_t err) {
  ck_assert_msg(err == MG_NODE_OK, "%s: %s", mg_node_strerror(err), mg_node_client_message(client));
}

/* ---- bundles ---- */

typedef struct bundle {
  size_t n;
  tangle_tx_t *txs; /* index order */
  char (*trytes)[TX_TRYTES + 1];
  char (*hashes)[HASH_TRYTES + 1]; /* after attaching */
  char address[HASH_TRYTES + 1];
  char bundle_hash[HASH_TRYTES + 1];
  char tag[28];
} bundle_t;

static void random_trytes(char *out, size_t n, uint64_t *seed) {
  for (size_t i = 0; i < n; i++) out[i] = MAM_TRYTE_ALPHABET[tu_rand(seed) % 27];
  out[n] = '\0';
}

static void trits_of(const char *trytes, mam_trit_t *out) {
  ck_assert_int_eq(mam_trytes_to_trits(trytes, strlen(trytes), out), MAM_OK);
}

/* A finalised, unattached zero-value bundle of n_txs transactions on a random address. */
static void build_bundle(bundle_t *b, size_t n_txs, uint64_t *seed) {
  memset(b, 0, sizeof *b);
  random_trytes(b->address, HASH_TRYTES, seed);
  random_trytes(b->tag, 27, seed);
  mam_trit_t address[TANGLE_TX_HASH_TRITS], tag[TANGLE_TX_TAG_TRITS];
  trits_of(b->address, address);
  trits_of(b->tag, tag);
  size_t message_trits = n_txs * TANGLE_TX_FRAGMENT_TRITS;
  mam_trit_t *message = malloc(message_trits);
  ck_assert_ptr_nonnull(message);
  tu_random_trits(message, message_trits, seed);
  tangle_bundle_entry_t entry = {.address = address,
                                 .tag = tag,
                                 .timestamp = (int64_t)time(NULL),
                                 .message = message,
                                 .message_trits = message_trits};
  b->n = tangle_bundle_entry_txs(&entry);
  ck_assert_uint_eq(b->n, n_txs);
  b->txs = calloc(b->n, sizeof *b->txs);
  b->trytes = calloc(b->n, sizeof *b->trytes);
  b->hashes = calloc(b->n, sizeof *b->hashes);
  ck_assert(b->txs && b->trytes && b->hashes);
  ck_assert_int_eq(tangle_bundle_build(&entry, 1, b->txs, b->n), TANGLE_OK);
  ck_assert_int_eq(tangle_bundle_finalize(b->txs, b->n, NULL), TANGLE_OK);
  mam_trits_to_trytes(b->txs[0].bundle, TANGLE_TX_HASH_TRITS, b->bundle_hash);
  b->bundle_hash[HASH_TRYTES] = '\0';
  free(message);
}

static void bundle_free(bundle_t *b) {
  free(b->txs);
  free(b->trytes);
  free(b->hashes);
}

/* Serialises b->txs into b->trytes and their hashes into b->hashes. */
static void serialise(bundle_t *b) {
  for (size_t i = 0; i < b->n; i++) {
    ck_assert_int_eq(tangle_tx_to_trytes(&b->txs[i], b->trytes[i]), TANGLE_OK);
    b->trytes[i][TX_TRYTES] = '\0';
    mam_trit_t hash[TANGLE_TX_HASH_TRITS];
    ck_assert_int_eq(tangle_tx_hash(&b->txs[i], hash), TANGLE_OK);
    mam_trits_to_trytes(hash, TANGLE_TX_HASH_TRITS, b->hashes[i]);
    b->hashes[i][HASH_TRYTES] = '\0';
  }
}

/* Reads attached trytes (tail first) back into b->txs. */
static void take_attached(bundle_t *b, const mg_node_strings_t *attached) {
  ck_assert_uint_eq(attached->count, b->n);
  for (size_t i = 0; i < b->n; i++)
    ck_assert_int_eq(tangle_tx_from_trytes(&b->txs[i], attached->items[i], TX_TRYTES), TANGLE_OK);
  serialise(b);
}

static tangle_err_t local_pow(tangle_tx_t *tx, void *ctx) {
  (void)ctx;
  mam_trit_t trits[TANGLE_TX_TRITS];
  tangle_err_t err = tangle_tx_to_trits(tx, trits);
  if (err == TANGLE_OK) err = tangle_pow(trits, MWM, 1, NULL, NULL, NULL);
  if (err == TANGLE_OK) memcpy(tx->nonce, trits + TANGLE_TX_OFF_NONCE, sizeof tx->nonce);
  return err;
}

/* Tips from the node, then chaining and proof of work here (spec 4.5). */
static void attach_locally(bundle_t *b) {
  mg_node_tips_t tips;
  ok(mg_node_get_transactions_to_approve(client, 3, NULL, &tips));
  mam_trit_t trunk[TANGLE_TX_HASH_TRITS], branch[TANGLE_TX_HASH_TRITS];
  trits_of(tips.trunk, trunk);
  trits_of(tips.branch, branch);
  ck_assert_int_eq(tangle_bundle_attach(b->txs, b->n, trunk, branch, (int64_t)time(NULL) * 1000,
                                        local_pow, NULL),
                   TANGLE_OK);
  serialise(b);
}

static const char **trytes_list(const bundle_t *b) {
  const char **list = calloc(b->n, sizeof *list);
  ck_assert_ptr_nonnull(list);
  for (size_t i = 0; i < b->n; i++) list[i] = b->trytes[i];
  return list;
}

/* A one-transaction bundle attached locally and stored. */
static void store_single(bundle_t *b, uint64_t *seed) {
  build_bundle(b, 1, seed);
  attach_locally(b);
  const char *list[] = {b->trytes[0]};
  ok(mg_node_store_transactions(client, list, 1));
}

/* ---- the ZeroMQ feed ---- */

static void *subscribe(void *ctx) {
  void *sub = devnode_feed_subscribe(ctx, node.zmq_url);
  ck_assert_ptr_nonnull(sub);
  return sub;
}

static char *receive(void *sub, int timeout_ms) { return devnode_feed_receive(sub, timeout_ms, NULL); }

/* Stores fresh one-transaction bundles until the feed delivers (ZeroMQ's slow joiner). */
static void wait_until_subscribed(void *sub, uint64_t *seed) {
  for (int attempt = 0; attempt < 100; attempt++) {
    bundle_t b;
    store_single(&b, seed);
    bundle_free(&b);
    char *msg = receive(sub, 100);
    if (msg != NULL) {
      do free(msg);
      while ((msg = receive(sub, 200)) != NULL);
      return;
    }
  }
  ck_abort_msg("no message on the ZeroMQ feed");
}

/* Waits for the three messages of every transaction of b: topic tx (field 1 = hash, field 8 =
 * bundle), trytes and tx_trytes (trytes, then hash). */
static void expect_on_feed(void *sub, const bundle_t *b) {
  size_t seen = 0, expected = 3 * b->n;
  while (seen < expected) {
    char *msg = receive(sub, 10000);
    ck_assert_msg(msg != NULL, "%zu of %zu feed messages", seen, expected);
    int matched = 0;
    for (size_t i = 0; i < b->n && !matched; i++) {
      char tx_prefix[HASH_TRYTES + 8];
      snprintf(tx_prefix, sizeof tx_prefix, "tx %s ", b->hashes[i]);
      if (strncmp(msg, tx_prefix, strlen(tx_prefix)) == 0) {
        ck_assert_ptr_nonnull(strstr(msg, b->bundle_hash));
        matched = 1;
      }
      const char *topics[] = {"trytes ", "tx_trytes "};
      for (int t = 0; t < 2 && !matched; t++) {
        size_t tl = strlen(topics[t]);
        if (strncmp(msg, topics[t], tl) == 0 && strncmp(msg + tl, b->trytes[i], TX_TRYTES) == 0) {
          ck_assert_str_eq(msg + tl + TX_TRYTES + 1, b->hashes[i]);
          matched = 1;
        }
      }
    }
    ck_assert_msg(matched, "unexpected feed message %.100s", msg);
    free(msg);
    seen++;
  }
}

/* ---- reading back ---- */

static int strings_have(const mg_node_strings_t *list, const char *s) {
  for (size_t i = 0; i < list->count; i++)
    if (list->items[i] && strcmp(list->items[i], s) == 0) return 1;
  return 0;
}

static void expect_found(mg_node_find_field_t field, const char *value, const bundle_t *b) {
  mg_node_strings_t hashes;
  const char *values[] = {value};
  ok(mg_node_find_transactions(client, field, values, 1, &hashes));
  ck_assert_uint_eq(hashes.count, b->n);
  for (size_t i = 0; i < b->n; i++) ck_assert(strings_have(&hashes, b->hashes[i]));
  for (size_t i = 1; i < hashes.count; i++)
    ck_assert_int_lt(strcmp(hashes.items[i - 1], hashes.items[i]), 0);
  mg_node_strings_free(&hashes);
}

static void expect_readable(const bundle_t *b) {
  expect_found(MG_NODE_FIND_ADDRESSES, b->address, b);
  expect_found(MG_NODE_FIND_BUNDLES, b->bundle_hash, b);
  expect_found(MG_NODE_FIND_TAGS, b->tag, b);
  const char **hashes = calloc(b->n, sizeof *hashes);
  ck_assert_ptr_nonnull(hashes);
  for (size_t i = 0; i < b->n; i++) hashes[b->n - 1 - i] = b->hashes[i]; /* reversed */
  mg_node_strings_t trytes;
  ok(mg_node_get_trytes(client, hashes, b->n, &trytes));
  ck_assert_uint_eq(trytes.count, b->n);
  for (size_t i = 0; i < b->n; i++) ck_assert_str_eq(trytes.items[b->n - 1 - i], b->trytes[i]);
  mg_node_strings_free(&trytes);
  free(hashes);
}

/* ---- tests against devnode ---- */

START_TEST(test_node_info) {
  mg_node_info_t info;
  ok(mg_node_get_node_info(client, &info));
  ck_assert_str_eq(info.app_name, "devnode");
  ck_assert(mg_node_info_synced(&info));
  ck_assert_int_gt(info.time_ms, 0);
  mg_node_api_limits_t limits;
  ok(mg_node_get_api_limits(client, &limits));
  ck_assert_int_eq(limits.max_requests_list, 1000);
  ck_assert_int_eq(limits.max_body_length, 1000000);
  ck_assert_str_eq(mg_node_client_message(client), "");
  ck_assert_int_eq(mg_node_client_http_status(client), 200);
}
END_TEST

/* The gateway's publish sequence with the node's attachToTangle (spec 5.4). */
START_TEST(test_publish_with_node_pow) {
  void *ctx = zmq_ctx_new();
  void *sub = subscribe(ctx);
  uint64_t seed = 101;
  wait_until_subscribed(sub, &seed);

  bundle_t b;
  build_bundle(&b, 3, &seed);
  serialise(&b);
  mg_node_tips_t tips;
  ok(mg_node_get_transactions_to_approve(client, 3, NULL, &tips));
  const char *head_first[3] = {b.trytes[2], b.trytes[1], b.trytes[0]};
  mg_node_strings_t attached;
  ok(mg_node_attach_to_tangle(client, tips.trunk, tips.branch, MWM, head_first, 3, &attached));
  take_attached(&b, &attached);
  mg_node_strings_free(&attached);

  /* Tail first, chained and proven (spec 4.5, 4.6). */
  mam_trit_t hashes[3 * TANGLE_TX_HASH_TRITS];
  for (size_t i = 0; i < 3; i++) {
    ck_assert_int_eq(b.txs[i].current_index, (int64_t)i);
    ck_assert_int_eq(tangle_tx_hash(&b.txs[i], hashes + i * TANGLE_TX_HASH_TRITS), TANGLE_OK);
    ck_assert_uint_ge(tangle_hash_weight(hashes + i * TANGLE_TX_HASH_TRITS), MWM);
  }
  ck_assert_int_eq(tangle_bundle_validate(b.txs, 3, hashes), TANGLE_OK);
  char head_trunk[HASH_TRYTES + 1], head_branch[HASH_TRYTES + 1];
  mam_trits_to_trytes(b.txs[2].trunk, TANGLE_TX_HASH_TRITS, head_trunk);
  mam_trits_to_trytes(b.txs[2].branch, TANGLE_TX_HASH_TRITS, head_branch);
  head_trunk[HASH_TRYTES] = head_branch[HASH_TRYTES] = '\0';
  ck_assert_str_eq(head_trunk, tips.trunk);
  ck_assert_str_eq(head_branch, tips.branch);

  const char **list = trytes_list(&b);
  ok(mg_node_store_transactions(client, list, 3));
  ok(mg_node_broadcast_transactions(client, list, 3));
  free(list);
  expect_on_feed(sub, &b);
  expect_readable(&b);

  /* The tail is now a tip. */
  ok(mg_node_get_transactions_to_approve(client, 3, NULL, &tips));
  ck_assert(strcmp(tips.trunk, b.hashes[0]) == 0 || strcmp(tips.branch, b.hashes[0]) == 0);

  /* A restart loses nothing. */
  stop_node();
  start_node();
  expect_readable(&b);
  bundle_free(&b);
  zmq_close(sub);
  zmq_ctx_term(ctx);
}
END_TEST

/* Proof of work done here (tangle/pow), then stored and found. */
START_TEST(test_publish_with_local_pow) {
  uint64_t seed = 202;
  bundle_t b;
  build_bundle(&b, 2, &seed);
  attach_locally(&b);
  const char **list = trytes_list(&b);
  ok(mg_node_store_transactions(client, list, b.n));
  free(list);
  expect_readable(&b);
  bundle_free(&b);
}
END_TEST

/* Lists longer than a page are split; results are merged, deduplicated, ordered as asked. */
START_TEST(test_paging) {
  mg_node_client_t *paged = new_client(2, 2);
  uint64_t seed = 303;
  bundle_t b[5];
  for (int i = 0; i < 5; i++) {
    build_bundle(&b[i], 1, &seed);
    attach_locally(&b[i]);
  }
  const char *txs[5], *addresses[7], *hashes[6];
  for (int i = 0; i < 5; i++) {
    txs[i] = b[i].trytes[0];
    addresses[i] = b[i].address;
    hashes[i] = b[i].hashes[0];
  }
  addresses[5] = b[0].address; /* repeated in another page */
  addresses[6] = b[4].address;
  mg_node_client_t *saved = client;
  client = paged;
  ok(mg_node_store_transactions(paged, txs, 5));
  mg_node_strings_t found;
  ok(mg_node_find_transactions(paged, MG_NODE_FIND_ADDRESSES, addresses, 7, &found));
  ck_assert_uint_eq(found.count, 5);
  for (int i = 0; i < 5; i++) ck_assert(strings_have(&found, hashes[i]));
  mg_node_strings_free(&found);

  char unknown[HASH_TRYTES + 1];
  random_trytes(unknown, HASH_TRYTES, &seed);
  hashes[5] = hashes[2];
  hashes[2] = unknown;
  mg_node_strings_t trytes;
  ok(mg_node_get_trytes(paged, hashes, 6, &trytes));
  ck_assert_uint_eq(trytes.count, 6);
  ck_assert_ptr_null(trytes.items[2]);
  ck_assert_str_eq(trytes.items[5], txs[2]);
  ck_assert_str_eq(trytes.items[0], txs[0]);
  ck_assert_str_eq(trytes.items[4], txs[4]);
  mg_node_strings_free(&trytes);
  client = saved;
  mg_node_client_free(paged);

  /* 1001 hashes: more than devnode takes in one request (1000), so only paging succeeds. */
  enum { MANY = 1001 };
  char(*many)[HASH_TRYTES + 1] = calloc(MANY, sizeof *many);
  const char **many_ptrs = calloc(MANY, sizeof *many_ptrs);
  ck_assert(many && many_ptrs);
  for (int i = 0; i < MANY; i++) {
    random_trytes(many[i], HASH_TRYTES, &seed);
    many_ptrs[i] = many[i];
  }
  ok(mg_node_get_trytes(client, many_ptrs, MANY, &trytes));
  ck_assert_uint_eq(trytes.count, MANY);
  for (int i = 0; i < MANY; i++) ck_assert_ptr_null(trytes.items[i]);
  mg_node_strings_free(&trytes);
  free(many);
  free(many_ptrs);
  for (int i = 0; i < 5; i++) bundle_free(&b[i]);
}
END_TEST

/* The node's refusals reach the caller with its status and message. */
START_TEST(test_node_errors_passed_through) {
  uint64_t seed = 404;
  bundle_t b;
  build_bundle(&b, 1, &seed);
  /* Never proven; the nonce is changed until the weight is surely too low. */
  mam_trit_t h[TANGLE_TX_HASH_TRITS];
  for (size_t i = 0;; i++) {
    ck_assert_int_eq(tangle_tx_hash(&b.txs[0], h), TANGLE_OK);
    if (tangle_hash_weight(h) < MWM) break;
    b.txs[0].nonce[i % TANGLE_TX_TAG_TRITS] =
        (mam_trit_t)(b.txs[0].nonce[i % TANGLE_TX_TAG_TRITS] == 1 ? -1 : 1);
  }
  serialise(&b);
  const char *light[] = {b.trytes[0]};
  ck_assert_int_eq(mg_node_store_transactions(client, light, 1), MG_NODE_ERR_REJECTED);
  ck_assert_int_eq(mg_node_client_http_status(client), 400);
  ck_assert_msg(strncmp(mg_node_client_message(client), "Error: Invalid transaction hash", 31) == 0,
                "%s", mg_node_client_message(client));
  mg_node_tips_t tips;
  ck_assert_int_eq(mg_node_get_transactions_to_approve(client, 99, NULL, &tips),
                   MG_NODE_ERR_REJECTED);
  ck_assert_str_eq(mg_node_client_message(client), "Invalid depth input: 99 is outside 0..15");
  char unknown[HASH_TRYTES + 1];
  random_trytes(unknown, HASH_TRYTES, &seed);
  ck_assert_int_eq(mg_node_get_transactions_to_approve(client, 3, unknown, &tips),
                   MG_NODE_ERR_REJECTED);
  ck_assert_str_eq(mg_node_client_message(client), "reference transaction not found");

  mg_node_strings_t attached;
  const char *list[] = {b.trytes[0]};
  ck_assert_int_eq(mg_node_attach_to_tangle(client, unknown, unknown, MWM - 4, list, 1, &attached),
                   MG_NODE_ERR_NODE_FAILURE);
  ck_assert_int_eq(mg_node_client_http_status(client), 500);
  ck_assert(strstr(mg_node_client_message(client), "Invalid minWeightMagnitude input"));
  ck_assert_uint_eq(attached.count, 0);

  /* A success clears the message. */
  mg_node_info_t info;
  ok(mg_node_get_node_info(client, &info));
  ck_assert_str_eq(mg_node_client_message(client), "");
  bundle_free(&b);
}
END_TEST

/* Arguments are checked before anything is sent. */
START_TEST(test_invalid_arguments) {
  mg_node_strings_t out;
  const char *short_hash[] = {"ABC"};
  ck_assert_int_eq(mg_node_get_trytes(client, short_hash, 1, &out), MG_NODE_ERR_INVALID_ARG);
  const char *long_tag[] = {"AAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
  ck_assert_int_eq(mg_node_find_transactions(client, MG_NODE_FIND_TAGS, long_tag, 1, &out),
                   MG_NODE_ERR_INVALID_ARG);
  const char *bad_char[] = {"aBC"};
  ck_assert_int_eq(mg_node_find_transactions(client, MG_NODE_FIND_TAGS, bad_char, 1, &out),
                   MG_NODE_ERR_INVALID_ARG);
  char hash[HASH_TRYTES + 1];
  memset(hash, 'A', HASH_TRYTES);
  hash[HASH_TRYTES] = '\0';
  ck_assert_int_eq(mg_node_attach_to_tangle(client, hash, hash, MWM, NULL, 0, &out),
                   MG_NODE_ERR_INVALID_ARG);
  ck_assert_int_eq(mg_node_store_transactions(client, short_hash, 1), MG_NODE_ERR_INVALID_ARG);
  ck_assert_int_eq(mg_node_get_node_info(client, NULL), MG_NODE_ERR_NULL_ARG);
  ck_assert_int_eq(mg_node_client_http_status(client), 0);
  mg_node_config_t cfg;
  mg_node_config_init(&cfg, "ftp://127.0.0.1:1");
  mg_node_client_t *c = NULL;
  ck_assert_int_eq(mg_node_client_new(&cfg, &c), MG_NODE_ERR_INVALID_ARG);
  ck_assert_ptr_null(c);
  ck_assert_str_eq(mg_node_strerror(MG_NODE_ERR_CONNECT), "cannot connect to the node");
  ck_assert_str_eq(mg_node_strerror((mg_node_err_t)999), "unknown error");
}
END_TEST

/* ---- failure paths against fake servers ---- */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A listening loopback socket; *port gets its port. */
static int listen_loopback(unsigned *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  ck_assert_int_eq(listen(fd, 8), 0);
  socklen_t len = sizeof sa;
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
  *port = ntohs(sa.sin_port);
  return fd;
}

static mg_node_client_t *client_for_port(unsigned port, long timeout_ms, unsigned retries,
                                         const atomic_int *cancel) {
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
  mg_node_config_t cfg;
  mg_node_config_init(&cfg, url);
  cfg.timeout_ms = timeout_ms;
  cfg.retries = retries;
  cfg.backoff_ms = 20;
  cfg.max_response_bytes = 4096;
  cfg.cancel = cancel;
  mg_node_client_t *c;
  ck_assert_int_eq(mg_node_client_new(&cfg, &c), MG_NODE_OK);
  return c;
}

START_TEST(test_connection_refused) {
  unsigned port;
  close(listen_loopback(&port)); /* nothing listens there any more */
  mg_node_client_t *c = client_for_port(port, 2000, 2, NULL);
  mg_node_info_t info;
  double start = now_s();
  ck_assert_int_eq(mg_node_get_node_info(c, &info), MG_NODE_ERR_CONNECT);
  double took = now_s() - start;
  ck_assert_msg(strstr(mg_node_client_message(c), "after 3 attempts"), "%s",
                mg_node_client_message(c));
  ck_assert_int_eq(mg_node_client_http_status(c), 0);
  ck_assert(took >= 0.055 && took < 5.0); /* back-off 20 ms + 40 ms */
  mg_node_client_free(c);
}
END_TEST

/* A server that accepts (in the kernel backlog) but never answers. */
START_TEST(test_timeout_and_cancel) {
  unsigned port;
  int fd = listen_loopback(&port);
  mg_node_client_t *c = client_for_port(port, 300, 3, NULL);
  mg_node_info_t info;
  double start = now_s();
  ck_assert_int_eq(mg_node_get_node_info(c, &info), MG_NODE_ERR_TIMEOUT);
  ck_assert(now_s() - start < 2.0); /* time-outs are not retried */
  mg_node_client_free(c);

  atomic_int cancel;
  atomic_init(&cancel, 1);
  c = client_for_port(port, 5000, 3, &cancel);
  start = now_s();
  ck_assert_int_eq(mg_node_get_node_info(c, &info), MG_NODE_ERR_CANCELLED);
  ck_assert(now_s() - start < 2.0);
  mg_node_client_free(c);
  close(fd);
}
END_TEST

/* Serves one canned answer per connection to `count` connections. */
typedef struct fake_server {
  int fd;
  int count;
  const char *answer;
} fake_server_t;

static void read_request(int conn) {
  char buf[8192];
  size_t got = 0, need = SIZE_MAX;
  while (got < need && got < sizeof buf - 1) {
    ssize_t n = recv(conn, buf + got, sizeof buf - 1 - got, 0);
    if (n <= 0) return;
    got += (size_t)n;
    buf[got] = '\0';
    const char *end = strstr(buf, "\r\n\r\n");
    const char *cl = strstr(buf, "Content-Length: ");
    if (end && cl) need = (size_t)(end + 4 - buf) + strtoul(cl + 16, NULL, 10);
  }
}

static void *serve(void *arg) {
  fake_server_t *s = arg;
  for (int i = 0; i < s->count; i++) {
    int conn = accept(s->fd, NULL, NULL);
    if (conn < 0) break;
    read_request(conn);
    (void)!send(conn, s->answer, strlen(s->answer), MSG_NOSIGNAL);
    close(conn);
  }
  return NULL;
}

typedef struct canned_case {
  const char *answer;
  mg_node_err_t err;
  const char *message_part;
} canned_case_t;

#define HTTP(status, body) \
  "HTTP/1.1 " status "\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n" body

static const canned_case_t canned[] = {
    {HTTP("401 Unauthorized", "Unauthorized"), MG_NODE_ERR_UNAUTHORIZED, "Unauthorized"},
    {HTTP("403 Forbidden", "{\"error\":\"not whitelisted\"}"), MG_NODE_ERR_UNAUTHORIZED,
     "not whitelisted"},
    {HTTP("503 Service Unavailable", "{\"error\":\"node is not synced\"}"), MG_NODE_ERR_UNAVAILABLE,
     "node is not synced"},
    {HTTP("500 Internal Server Error", "{\"exception\":\"boom\"}"), MG_NODE_ERR_NODE_FAILURE,
     "boom"},
    {HTTP("404 Not Found", ""), MG_NODE_ERR_HTTP_STATUS, "HTTP 404"},
    {HTTP("200 OK", "not json"), MG_NODE_ERR_BAD_RESPONSE, "not a JSON object"},
    {HTTP("200 OK", "{\"duration\":1}"), MG_NODE_ERR_BAD_RESPONSE, "trunk"},
    {HTTP("200 OK", "{\"trunkTransaction\":\"ABC\",\"branchTransaction\":\"ABC\"}"),
     MG_NODE_ERR_BAD_RESPONSE, "trunk"},
};

START_TEST(test_error_answers) {
  const canned_case_t *cc = &canned[_i];
  unsigned port;
  fake_server_t server = {.fd = listen_loopback(&port), .count = 1, .answer = cc->answer};
  pthread_t thread;
  ck_assert_int_eq(pthread_create(&thread, NULL, serve, &server), 0);
  mg_node_client_t *c = client_for_port(port, 5000, 0, NULL);
  mg_node_tips_t tips;
  ck_assert_int_eq(mg_node_get_transactions_to_approve(c, 3, NULL, &tips), cc->err);
  ck_assert_msg(strstr(mg_node_client_message(c), cc->message_part), "message '%s'",
                mg_node_client_message(c));
  mg_node_client_free(c);
  pthread_join(thread, NULL);
  close(server.fd);
}
END_TEST

/* Answers that break the documented shape or size. */
START_TEST(test_malformed_lists) {
  static const char wrong_count[] = HTTP("200 OK", "{\"trytes\":[null,null]}");
  unsigned port;
  fake_server_t server = {.fd = listen_loopback(&port), .count = 2, .answer = wrong_count};
  pthread_t thread;
  ck_assert_int_eq(pthread_create(&thread, NULL, serve, &server), 0);
  mg_node_client_t *c = client_for_port(port, 5000, 0, NULL);
  char hash[HASH_TRYTES + 1];
  memset(hash, 'A', HASH_TRYTES);
  hash[HASH_TRYTES] = '\0';
  const char *hashes[] = {hash};
  mg_node_strings_t out;
  ck_assert_int_eq(mg_node_get_trytes(c, hashes, 1, &out), MG_NODE_ERR_BAD_RESPONSE);
  ck_assert_uint_eq(out.count, 0);
  ck_assert_int_eq(mg_node_find_transactions(c, MG_NODE_FIND_BUNDLES, hashes, 1, &out),
                   MG_NODE_ERR_BAD_RESPONSE);
  mg_node_client_free(c);
  pthread_join(thread, NULL);
  close(server.fd);

  /* Longer than max_response_bytes (4096 here). */
  char *big = malloc(6000);
  ck_assert_ptr_nonnull(big);
  int n = snprintf(big, 6000, HTTP("200 OK", "{\"hashes\":[\"%0*d\"]}"), 5000, 0);
  ck_assert_int_lt(n, 6000);
  server = (fake_server_t){.fd = listen_loopback(&port), .count = 1, .answer = big};
  ck_assert_int_eq(pthread_create(&thread, NULL, serve, &server), 0);
  c = client_for_port(port, 5000, 0, NULL);
  ck_assert_int_eq(mg_node_find_transactions(c, MG_NODE_FIND_BUNDLES, hashes, 1, &out),
                   MG_NODE_ERR_TOO_LARGE);
  mg_node_client_free(c);
  pthread_join(thread, NULL);
  close(server.fd);
  free(big);
}
END_TEST

int main(void) {
  if (mg_node_global_init() != MG_NODE_OK) return EXIT_FAILURE;
  /* Every test's data dir goes under one directory removed at the end, also after a failed test
   * (Check ends it with _exit and kills its process group, the node included, before any
   * teardown). */
  char base[DEVNODE_SPAWN_PATH_SIZE];
  if (!devnode_temp_dir(base, sizeof base) || setenv("TMPDIR", base, 1) != 0) return EXIT_FAILURE;
  signal(SIGPIPE, SIG_IGN);
  Suite *s = suite_create("node_client");
  TCase *tc = tcase_create("devnode");
  tcase_set_timeout(tc, 120);
  tcase_add_checked_fixture(tc, setup_node, teardown_node);
  tcase_add_test(tc, test_node_info);
  tcase_add_test(tc, test_publish_with_node_pow);
  tcase_add_test(tc, test_publish_with_local_pow);
  tcase_add_test(tc, test_paging);
  tcase_add_test(tc, test_node_errors_passed_through);
  tcase_add_test(tc, test_invalid_arguments);
  suite_add_tcase(s, tc);
  tc = tcase_create("failures");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_connection_refused);
  tcase_add_test(tc, test_timeout_and_cancel);
  tcase_add_loop_test(tc, test_error_answers, 0, (int)(sizeof canned / sizeof canned[0]));
  tcase_add_test(tc, test_malformed_lists);
  suite_add_tcase(s, tc);
  int rc = tu_run_suite(s);
  devnode_remove_dir(base);
  mg_node_global_cleanup();
  return rc;
}
