/* devnode end to end: the built program on free loopback ports with a temporary data dir, spoken
 * to over raw HTTP (libcurl) and ZeroMQ. Checks the IRI error model on bad input, storing,
 * finding and reading transactions, checkConsistency, the feed of every newly stored transaction,
 * persistence across restarts, and the command line. */
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "devnode/feed_client.h"
#include "devnode/spawn.h"
#include "tangle/bundle.h"
#include "tangle/curl.h"
#include "tangle/pow.h"
#include "tests/testutil.h"

#define MWM 9
#define START_MS 20000
#define STOP_MS 20000
#define TX_TRYTES 2673
#define HASH_TRYTES 81
#define VALUE_OFFSET 2268 /* tryte offset of the value field (spec 2.2) */
#define ADDRESS_OFFSET 2187
#define OBSOLETE_TAG_OFFSET 2295
#define TAG_OFFSET 2592

/* ---- the node under test ---- */

static char data_dir[DEVNODE_SPAWN_PATH_SIZE];
static devnode_proc_t node;

static void start_node_in(const char *dir) {
  char bin[DEVNODE_SPAWN_PATH_SIZE];
  ck_assert_msg(devnode_spawn(devnode_binary_path(bin, sizeof bin), dir, MWM, START_MS, &node),
                "devnode did not start; see %s", node.log_path);
}

static void setup_node(void) {
  ck_assert(devnode_temp_dir(data_dir, sizeof data_dir));
  start_node_in(data_dir);
}

static void teardown_node(void) {
  ck_assert_int_eq(devnode_proc_stop(&node, STOP_MS), 0);
  devnode_remove_dir(data_dir);
  data_dir[0] = '\0';
}

/* ---- raw HTTP ---- */

typedef struct reply {
  long status;
  json_t *json;
  char *raw;
  size_t len;
} reply_t;

static size_t collect_body(char *data, size_t size, size_t nmemb, void *userdata) {
  reply_t *r = userdata;
  size_t n = size * nmemb;
  char *grown = realloc(r->raw, r->len + n + 1);
  ck_assert_ptr_nonnull(grown);
  memcpy(grown + r->len, data, n);
  r->raw = grown;
  r->len += n;
  r->raw[r->len] = '\0';
  return n;
}

static reply_t post_raw(const char *body, size_t len, int with_version_header) {
  reply_t r = {0};
  CURL *h = curl_easy_init();
  ck_assert_ptr_nonnull(h);
  struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  if (with_version_header) headers = curl_slist_append(headers, "X-IOTA-API-Version: 1");
  curl_easy_setopt(h, CURLOPT_URL, node.api_url);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)len);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 60000L);
  CURLcode rc = curl_easy_perform(h);
  ck_assert_msg(rc == CURLE_OK, "HTTP request failed: %s", curl_easy_strerror(rc));
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  r.json = r.raw ? json_loads(r.raw, 0, NULL) : NULL;
  return r;
}

static reply_t call(const char *body) { return post_raw(body, strlen(body), 1); }

static void reply_free(reply_t *r) {
  json_decref(r->json);
  free(r->raw);
}

/* The answer has the status, a "duration", and `key` holding a text starting with `prefix`. */
static void expect_answer(const reply_t *r, long status, const char *key, const char *prefix) {
  ck_assert_msg(r->status == status, "status %ld, expected %ld: %s", r->status, status,
                r->raw ? r->raw : "");
  ck_assert_msg(json_is_object(r->json), "answer is not a JSON object: %s", r->raw);
  ck_assert_msg(json_is_integer(json_object_get(r->json, "duration")), "no duration: %s", r->raw);
  if (key == NULL) return;
  const char *text = json_string_value(json_object_get(r->json, key));
  ck_assert_msg(text != NULL && strncmp(text, prefix, strlen(prefix)) == 0,
                "expected %s starting '%s': %s", key, prefix, r->raw);
}

static void expect_ok(const char *body) {
  reply_t r = call(body);
  expect_answer(&r, 200, NULL, NULL);
  reply_free(&r);
}

/* ---- transactions made by hand (zero value, random message and address) ---- */

static char random_tryte(uint64_t *seed) { return MAM_TRYTE_ALPHABET[tu_rand(seed) % 27]; }

static void make_unproven_tx(char tx[TX_TRYTES + 1], uint64_t *seed) {
  memset(tx, '9', TX_TRYTES);
  tx[TX_TRYTES] = '\0';
  for (size_t i = 0; i < VALUE_OFFSET; i++) tx[i] = random_tryte(seed);
  for (size_t i = 0; i < 5; i++) tx[OBSOLETE_TAG_OFFSET + i] = random_tryte(seed);
}

static void prove(char tx[TX_TRYTES + 1], unsigned mwm) {
  ck_assert_int_eq(tangle_pow_trytes(tx, mwm, 1, NULL), TANGLE_OK);
}

static void make_tx(char tx[TX_TRYTES + 1], uint64_t *seed) {
  make_unproven_tx(tx, seed);
  prove(tx, MWM);
}

static unsigned tx_hash(const char *tx, char hash[HASH_TRYTES + 1]) {
  mam_trit_t trits[TANGLE_TX_TRITS], h[TANGLE_CURL_HASH_TRITS];
  ck_assert_int_eq(mam_trytes_to_trits(tx, TX_TRYTES, trits), MAM_OK);
  tangle_curl_hash_tx(trits, h);
  mam_trits_to_trytes(h, TANGLE_CURL_HASH_TRITS, hash);
  hash[HASH_TRYTES] = '\0';
  unsigned weight = 0;
  while (weight < TANGLE_CURL_HASH_TRITS && h[TANGLE_CURL_HASH_TRITS - 1 - weight] == 0) weight++;
  return weight;
}

/* A copy of tx whose message differs and whose weight is below MWM. */
static void make_light_tx(char tx[TX_TRYTES + 1], uint64_t *seed) {
  char hash[HASH_TRYTES + 1];
  make_tx(tx, seed);
  do tx[0] = random_tryte(seed);
  while (tx_hash(tx, hash) >= MWM);
}

static char *json_text(json_t *doc) {
  char *s = json_dumps(doc, JSON_COMPACT);
  ck_assert_ptr_nonnull(s);
  json_decref(doc);
  return s;
}

static char *trytes_command(const char *command, const char *const *txs, size_t n) {
  json_t *list = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(list, json_string(txs[i]));
  return json_text(json_pack("{s:s, s:o}", "command", command, "trytes", list));
}

static void store(const char *const *txs, size_t n) {
  char *body = trytes_command("storeTransactions", txs, n);
  expect_ok(body);
  free(body);
}

/* getTrytes of one hash: the stored trytes, or NULL when the node answers all 9s. */
static char *get_trytes(const char *hash) {
  char body[256];
  snprintf(body, sizeof body, "{\"command\":\"getTrytes\",\"hashes\":[\"%s\"]}", hash);
  reply_t r = call(body);
  expect_answer(&r, 200, NULL, NULL);
  const char *t = json_string_value(json_array_get(json_object_get(r.json, "trytes"), 0));
  ck_assert_msg(t != NULL && strlen(t) == TX_TRYTES, "getTrytes: %s", r.raw);
  char *copy = strspn(t, "9") == TX_TRYTES ? NULL : strdup(t);
  reply_free(&r);
  return copy;
}

/* The hashes findTransactions answers for `query` (a JSON object text without the command). */
static json_t *find(const char *field, json_t *values) {
  char *body = json_text(json_pack("{s:s, s:o}", "command", "findTransactions", field, values));
  reply_t r = call(body);
  free(body);
  expect_answer(&r, 200, NULL, NULL);
  json_t *hashes = json_incref(json_object_get(r.json, "hashes"));
  ck_assert(json_is_array(hashes));
  reply_free(&r);
  return hashes;
}

static int json_list_has(const json_t *list, const char *s) {
  for (size_t i = 0; i < json_array_size(list); i++)
    if (strcmp(json_string_value(json_array_get(list, i)), s) == 0) return 1;
  return 0;
}

/* ---- bad input: each case answered as IRI would, the node unharmed ---- */

typedef struct bad_case {
  const char *name;
  int with_version_header;
  char *(*build)(uint64_t *seed); /* the request body */
  long status;
  const char *key; /* "error" or "exception" */
  const char *prefix;
} bad_case_t;

static char *text(const char *s) { return strdup(s); }
static char *b_node_info(uint64_t *s) {
  (void)s;
  return text("{\"command\":\"getNodeInfo\"}");
}
static char *b_truncated(uint64_t *s) {
  (void)s;
  return text("{\"command\":");
}
static char *b_empty(uint64_t *s) {
  (void)s;
  return text("");
}
static char *b_array(uint64_t *s) {
  (void)s;
  return text("[1,2]");
}
static char *b_no_command(uint64_t *s) {
  (void)s;
  return text("{\"depth\":3}");
}
static char *b_number_command(uint64_t *s) {
  (void)s;
  return text("{\"command\":5}");
}
static char *b_unknown(uint64_t *s) {
  (void)s;
  return text("{\"command\":\"getBalances\"}");
}
static char *b_depth_string(uint64_t *s) {
  (void)s;
  return text("{\"command\":\"getTransactionsToApprove\",\"depth\":\"3\"}");
}
static char *b_depth_high(uint64_t *s) {
  (void)s;
  return text("{\"command\":\"getTransactionsToApprove\",\"depth\":16}");
}
static char *b_no_depth(uint64_t *s) {
  (void)s;
  return text("{\"command\":\"getTransactionsToApprove\"}");
}
static char *b_hashes_not_list(uint64_t *s) {
  (void)s;
  return text("{\"command\":\"getTrytes\",\"hashes\":\"ABC\"}");
}
static char *b_short_hash(uint64_t *s) {
  (void)s;
  return text("{\"command\":\"getTrytes\",\"hashes\":[\"ABC\"]}");
}

static char *b_too_many_hashes(uint64_t *s) {
  json_t *list = json_array();
  char hash[HASH_TRYTES + 1];
  for (int i = 0; i < 1001; i++) {
    for (int k = 0; k < HASH_TRYTES; k++) hash[k] = random_tryte(s);
    hash[HASH_TRYTES] = '\0';
    json_array_append_new(list, json_string(hash));
  }
  return json_text(json_pack("{s:s, s:o}", "command", "getTrytes", "hashes", list));
}

static char *b_oversize(uint64_t *s) {
  (void)s;
  size_t n = 1000001;
  char *body = malloc(n + 1);
  ck_assert_ptr_nonnull(body);
  memset(body, ' ', n);
  memcpy(body, "{\"command\":\"getNodeInfo\"}", 25);
  body[n] = '\0';
  return body;
}

static char *b_store_short(uint64_t *s) {
  (void)s;
  return text("{\"command\":\"storeTransactions\",\"trytes\":[\"ABC\"]}");
}

static char *b_store_bad_char(uint64_t *s) {
  char tx[TX_TRYTES + 1];
  make_tx(tx, s);
  tx[100] = 'a';
  const char *list[] = {tx};
  return trytes_command("storeTransactions", list, 1);
}

static char *b_store_light(uint64_t *s) {
  char tx[TX_TRYTES + 1];
  make_light_tx(tx, s);
  const char *list[] = {tx};
  return trytes_command("storeTransactions", list, 1);
}

static char *b_broadcast_light(uint64_t *s) {
  char tx[TX_TRYTES + 1];
  make_light_tx(tx, s);
  const char *list[] = {tx};
  return trytes_command("broadcastTransactions", list, 1);
}

/* Proven, but a value trit above trit 32 is set (tryte 2280 of the value field). */
static char *b_store_value(uint64_t *s) {
  char tx[TX_TRYTES + 1];
  make_unproven_tx(tx, s);
  tx[VALUE_OFFSET + 12] = 'A';
  prove(tx, MWM);
  const char *list[] = {tx};
  return trytes_command("storeTransactions", list, 1);
}

static char *b_find_nothing(uint64_t *s) {
  (void)s;
  return text("{\"command\":\"findTransactions\"}");
}

static char *b_find_null_address(uint64_t *s) {
  (void)s;
  char nines[HASH_TRYTES + 1];
  memset(nines, '9', HASH_TRYTES);
  nines[HASH_TRYTES] = '\0';
  return json_text(json_pack("{s:s, s:[s]}", "command", "findTransactions", "addresses", nines));
}

static char *b_find_long_tag(uint64_t *s) {
  (void)s;
  return text("{\"command\":\"findTransactions\",\"tags\":[\"AAAAAAAAAAAAAAAAAAAAAAAAAAAA\"]}");
}

static char *b_unknown_reference(uint64_t *s) {
  char hash[HASH_TRYTES + 1];
  for (int k = 0; k < HASH_TRYTES; k++) hash[k] = random_tryte(s);
  hash[HASH_TRYTES] = '\0';
  return json_text(json_pack("{s:s, s:i, s:s}", "command", "getTransactionsToApprove", "depth", 3,
                             "reference", hash));
}

static char *b_attach_light_mwm(uint64_t *s) {
  char tx[TX_TRYTES + 1], nines[HASH_TRYTES + 1];
  make_unproven_tx(tx, s);
  memset(nines, '9', HASH_TRYTES);
  nines[HASH_TRYTES] = '\0';
  return json_text(json_pack("{s:s, s:s, s:s, s:i, s:[s]}", "command", "attachToTangle",
                             "trunkTransaction", nines, "branchTransaction", nines,
                             "minWeightMagnitude", MWM - 1, "trytes", tx));
}

static const bad_case_t bad_cases[] = {
    {"no API version header", 0, b_node_info, 400, "error", "Invalid API Version"},
    {"malformed JSON", 1, b_truncated, 400, "error", "Invalid JSON syntax"},
    {"empty body", 1, b_empty, 400, "error", "Invalid request payload"},
    {"not an object", 1, b_array, 400, "error", "Invalid request payload"},
    {"no command", 1, b_no_command, 400, "error", "COMMAND parameter has not been specified"},
    {"command not a string", 1, b_number_command, 400, "error", "COMMAND parameter"},
    {"unknown command", 1, b_unknown, 400, "error", "Command [getBalances] is unknown"},
    {"depth as a string", 1, b_depth_string, 500, "exception", "Invalid depth input"},
    {"depth too high", 1, b_depth_high, 400, "error", "Invalid depth input"},
    {"depth missing", 1, b_no_depth, 500, "exception", "Invalid parameters"},
    {"hashes not a list", 1, b_hashes_not_list, 500, "exception", "Invalid hashes input"},
    {"hash too short", 1, b_short_hash, 500, "exception", "Invalid hashes input"},
    {"list too long", 1, b_too_many_hashes, 500, "exception", "Could not complete request"},
    {"body too long", 1, b_oversize, 400, "error", "Request too long"},
    {"store: short trytes", 1, b_store_short, 400, "error", "Error: Invalid trytes input"},
    {"store: bad character", 1, b_store_bad_char, 400, "error", "Error: Invalid trytes input"},
    {"store: weight too low", 1, b_store_light, 400, "error", "Error: Invalid transaction hash"},
    {"broadcast: weight too low", 1, b_broadcast_light, 400, "error",
     "Error: Invalid transaction hash"},
    {"store: value trits", 1, b_store_value, 400, "error", "Error: Invalid transaction value"},
    {"find: no field", 1, b_find_nothing, 500, "exception", "Invalid parameters"},
    {"find: all-9 address", 1, b_find_null_address, 500, "exception", "Invalid addresses input"},
    {"find: tag too long", 1, b_find_long_tag, 500, "exception", "Invalid tags input"},
    {"tips: unknown reference", 1, b_unknown_reference, 400, "error",
     "reference transaction not found"},
    {"attach: weight below the node's", 1, b_attach_light_mwm, 500, "exception",
     "Invalid minWeightMagnitude input"},
};

START_TEST(test_bad_input) {
  const bad_case_t *bc = &bad_cases[_i];
  uint64_t seed = 1000 + (uint64_t)_i;
  char tx[TX_TRYTES + 1], hash[HASH_TRYTES + 1];
  make_tx(tx, &seed);
  tx_hash(tx, hash);
  const char *list[] = {tx};
  store(list, 1);

  char *body = bc->build(&seed);
  reply_t r = post_raw(body, strlen(body), bc->with_version_header);
  free(body);
  ck_assert_msg(r.status == bc->status, "%s: status %ld, expected %ld: %s", bc->name, r.status,
                bc->status, r.raw ? r.raw : "");
  expect_answer(&r, bc->status, bc->key, bc->prefix);
  reply_free(&r);

  /* Still serving, and what was stored is still there. */
  expect_ok("{\"command\":\"getNodeInfo\"}");
  char *back = get_trytes(hash);
  ck_assert_ptr_nonnull(back);
  ck_assert_str_eq(back, tx);
  free(back);
}
END_TEST

/* ---- the commands ---- */

START_TEST(test_node_info_and_limits) {
  reply_t r = call("{\"command\":\"getNodeInfo\"}");
  expect_answer(&r, 200, "appName", "devnode");
  ck_assert_int_eq(
      json_integer_value(json_object_get(r.json, "latestMilestoneIndex")),
      json_integer_value(json_object_get(r.json, "latestSolidSubtangleMilestoneIndex")));
  ck_assert_int_eq(json_integer_value(json_object_get(r.json, "tips")), 0);
  reply_free(&r);
  r = call("{\"command\":\"getNodeAPIConfiguration\"}");
  expect_answer(&r, 200, NULL, NULL);
  ck_assert_int_eq(json_integer_value(json_object_get(r.json, "maxRequestsList")), 1000);
  ck_assert_int_eq(json_integer_value(json_object_get(r.json, "maxBodyLength")), 1000000);
  reply_free(&r);
}
END_TEST

START_TEST(test_tips) {
  char nines[HASH_TRYTES + 1];
  memset(nines, '9', HASH_TRYTES);
  nines[HASH_TRYTES] = '\0';
  const char *gtta = "{\"command\":\"getTransactionsToApprove\",\"depth\":3}";
  reply_t r = call(gtta);
  expect_answer(&r, 200, "trunkTransaction", nines);
  expect_answer(&r, 200, "branchTransaction", nines);
  reply_free(&r);

  uint64_t seed = 7;
  char a[TX_TRYTES + 1], b[TX_TRYTES + 1], ha[HASH_TRYTES + 1], hb[HASH_TRYTES + 1];
  make_tx(a, &seed);
  make_tx(b, &seed);
  tx_hash(a, ha);
  tx_hash(b, hb);
  const char *list[] = {a, b};
  store(list, 2);
  r = call(gtta);
  expect_answer(&r, 200, NULL, NULL);
  const char *trunk = json_string_value(json_object_get(r.json, "trunkTransaction"));
  const char *branch = json_string_value(json_object_get(r.json, "branchTransaction"));
  ck_assert(strcmp(trunk, ha) == 0 || strcmp(trunk, hb) == 0);
  ck_assert(strcmp(branch, ha) == 0 || strcmp(branch, hb) == 0);
  reply_free(&r);

  char *body = json_text(json_pack("{s:s, s:i, s:s}", "command", "getTransactionsToApprove",
                                   "depth", 3, "reference", ha));
  r = call(body);
  free(body);
  expect_answer(&r, 200, "branchTransaction", ha);
  reply_free(&r);
}
END_TEST

START_TEST(test_store_find_get) {
  uint64_t seed = 11;
  char tx[3][TX_TRYTES + 1], hash[3][HASH_TRYTES + 1];
  for (int i = 0; i < 3; i++) make_unproven_tx(tx[i], &seed);
  /* tx 1 shares tx 0's address; tx 2 gets tag TESTTAG. */
  memcpy(tx[1] + ADDRESS_OFFSET, tx[0] + ADDRESS_OFFSET, HASH_TRYTES);
  memcpy(tx[2] + TAG_OFFSET, "TESTTAG", 7);
  for (int i = 0; i < 3; i++) {
    prove(tx[i], MWM);
    tx_hash(tx[i], hash[i]);
  }
  const char *list[] = {tx[0], tx[1], tx[2]};
  store(list, 3);
  store(list, 3); /* storing again changes nothing */

  char address0[HASH_TRYTES + 1];
  memcpy(address0, tx[0] + ADDRESS_OFFSET, HASH_TRYTES);
  address0[HASH_TRYTES] = '\0';
  json_t *found = find("addresses", json_pack("[s]", address0));
  ck_assert_uint_eq(json_array_size(found), 2);
  ck_assert(json_list_has(found, hash[0]) && json_list_has(found, hash[1]));
  json_decref(found);

  found = find("tags", json_pack("[s]", "TESTTAG"));
  ck_assert_uint_eq(json_array_size(found), 1);
  ck_assert(json_list_has(found, hash[2]));
  json_decref(found);

  /* Tags fall back to obsoleteTag when no tag matches (the first 5 obsoleteTag trytes). */
  char obsolete[6];
  memcpy(obsolete, tx[0] + OBSOLETE_TAG_OFFSET, 5);
  obsolete[5] = '\0';
  found = find("tags", json_pack("[s]", obsolete));
  ck_assert(json_list_has(found, hash[0]));
  json_decref(found);

  /* Several fields: the intersection. */
  char *body = json_text(json_pack("{s:s, s:[s], s:[s]}", "command", "findTransactions",
                                   "addresses", address0, "tags", "TESTTAG"));
  reply_t r = call(body);
  free(body);
  expect_answer(&r, 200, NULL, NULL);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "hashes")), 0);
  reply_free(&r);

  /* getTrytes keeps the order and answers all 9s for an unknown hash. */
  char unknown[HASH_TRYTES + 1];
  memcpy(unknown, hash[0], HASH_TRYTES + 1);
  unknown[0] = unknown[0] == 'A' ? 'B' : 'A';
  body = json_text(
      json_pack("{s:s, s:[s,s,s]}", "command", "getTrytes", "hashes", hash[2], unknown, hash[0]));
  r = call(body);
  free(body);
  expect_answer(&r, 200, NULL, NULL);
  const json_t *trytes = json_object_get(r.json, "trytes");
  ck_assert_uint_eq(json_array_size(trytes), 3);
  ck_assert_str_eq(json_string_value(json_array_get(trytes, 0)), tx[2]);
  ck_assert_uint_eq(strspn(json_string_value(json_array_get(trytes, 1)), "9"), TX_TRYTES);
  ck_assert_str_eq(json_string_value(json_array_get(trytes, 2)), tx[0]);
  reply_free(&r);
}
END_TEST

/* ---- the ZeroMQ feed ---- */

static void *subscribe(void *ctx) {
  void *sub = devnode_feed_subscribe(ctx, node.zmq_url);
  ck_assert_ptr_nonnull(sub);
  return sub;
}

/* The next message within timeout_ms (NUL-terminated, caller frees), or NULL. */
static char *receive(void *sub, int timeout_ms) {
  int extra_parts;
  char *msg = devnode_feed_receive(sub, timeout_ms, &extra_parts);
  ck_assert_int_eq(extra_parts, 0); /* one frame per message */
  return msg;
}

/* Stores fresh transactions until one comes back, so the subscription is known to be live
 * (messages published before it propagates are lost: ZeroMQ's "slow joiner"). */
static void wait_until_subscribed(void *sub, uint64_t *seed) {
  for (int attempt = 0; attempt < 100; attempt++) {
    char tx[TX_TRYTES + 1];
    make_tx(tx, seed);
    const char *list[] = {tx};
    store(list, 1);
    char *msg = receive(sub, 100);
    if (msg != NULL) {
      free(msg);
      while ((msg = receive(sub, 200)) != NULL) free(msg); /* drain the rest of that one */
      return;
    }
  }
  ck_abort_msg("no message on the ZeroMQ feed");
}

static char *field(const char *msg, int index) {
  const char *p = msg;
  for (int i = 0; i < index; i++) {
    p = strchr(p, ' ');
    ck_assert_ptr_nonnull(p);
    p++;
  }
  size_t len = strcspn(p, " ");
  char *out = strndup(p, len);
  ck_assert_ptr_nonnull(out);
  return out;
}

static void expect_field(const char *msg, int index, const char *expected) {
  char *f = field(msg, index);
  ck_assert_msg(strcmp(f, expected) == 0, "field %d of '%.120s...' is '%s', expected '%s'", index,
                msg, f, expected);
  free(f);
}

static int count_fields(const char *msg) {
  int n = 1;
  for (const char *p = msg; *p; p++) n += *p == ' ';
  return n;
}

static char *slice(const char *tx, size_t offset, size_t len) {
  char *s = strndup(tx + offset, len);
  ck_assert_ptr_nonnull(s);
  return s;
}

static void expect_tx_message(const char *msg, const char *tx, const char *hash) {
  ck_assert_int_eq(count_fields(msg), 13);
  expect_field(msg, 0, "tx");
  expect_field(msg, 1, hash);
  char *address = slice(tx, ADDRESS_OFFSET, HASH_TRYTES);
  expect_field(msg, 2, address);
  free(address);
  expect_field(msg, 3, "0"); /* value */
  char *obsolete = slice(tx, OBSOLETE_TAG_OFFSET, 27);
  expect_field(msg, 4, obsolete);
  free(obsolete);
  expect_field(msg, 6, "0"); /* currentIndex */
  expect_field(msg, 7, "0"); /* lastIndex */
  char *tag = slice(tx, TAG_OFFSET, 27);
  expect_field(msg, 12, tag);
  free(tag);
}

START_TEST(test_feed) {
  void *ctx = zmq_ctx_new();
  void *sub = subscribe(ctx);
  uint64_t seed = 21;
  wait_until_subscribed(sub, &seed);

  char tx[TX_TRYTES + 1], hash[HASH_TRYTES + 1];
  make_tx(tx, &seed);
  tx_hash(tx, hash);
  const char *list[] = {tx};
  store(list, 1);
  int seen_tx = 0, seen_trytes = 0, seen_tx_trytes = 0;
  for (int i = 0; i < 3; i++) {
    char *msg = receive(sub, 5000);
    ck_assert_msg(msg != NULL, "message %d of 3 missing", i + 1);
    char *topic = field(msg, 0);
    if (strcmp(topic, "tx") == 0) {
      expect_tx_message(msg, tx, hash);
      seen_tx++;
    } else {
      ck_assert(strcmp(topic, "trytes") == 0 || strcmp(topic, "tx_trytes") == 0);
      ck_assert_int_eq(count_fields(msg), 3);
      expect_field(msg, 1, tx);
      expect_field(msg, 2, hash);
      seen_trytes += strcmp(topic, "trytes") == 0;
      seen_tx_trytes += strcmp(topic, "tx_trytes") == 0;
    }
    free(topic);
    free(msg);
  }
  ck_assert(seen_tx == 1 && seen_trytes == 1 && seen_tx_trytes == 1);

  /* Already stored: neither store nor broadcast publishes it again; a new one is published. */
  store(list, 1);
  char *body = trytes_command("broadcastTransactions", list, 1);
  expect_ok(body);
  free(body);
  char other[TX_TRYTES + 1], other_hash[HASH_TRYTES + 1];
  make_tx(other, &seed);
  tx_hash(other, other_hash);
  const char *others[] = {other};
  body = trytes_command("broadcastTransactions", others, 1);
  expect_ok(body);
  free(body);
  char *msg = receive(sub, 5000);
  ck_assert_ptr_nonnull(msg);
  ck_assert_msg(strstr(msg, other_hash) != NULL,
                "first message after a repeat is not the new "
                "transaction: %.100s",
                msg);
  free(msg);
  zmq_close(sub);
  zmq_ctx_term(ctx);
}
END_TEST

/* ---- checkConsistency ---- */

/* A finalised two-transaction bundle attached by the node: trytes tail first. */
static void attached_bundle(char tx[2][TX_TRYTES + 1], uint64_t *seed) {
  mam_trit_t address[TANGLE_TX_HASH_TRITS], message[2 * TANGLE_TX_FRAGMENT_TRITS];
  tu_random_trits(address, TANGLE_TX_HASH_TRITS, seed);
  tu_random_trits(message, 2 * TANGLE_TX_FRAGMENT_TRITS, seed);
  tangle_bundle_entry_t entry = {.address = address,
                                 .timestamp = (int64_t)time(NULL),
                                 .message = message,
                                 .message_trits = 2 * TANGLE_TX_FRAGMENT_TRITS};
  tangle_tx_t txs[2];
  ck_assert_int_eq(tangle_bundle_build(&entry, 1, txs, 2), TANGLE_OK);
  ck_assert_int_eq(tangle_bundle_finalize(txs, 2, NULL), TANGLE_OK);
  char head_first[2][TX_TRYTES + 1], nines[HASH_TRYTES + 1];
  for (int i = 0; i < 2; i++) {
    ck_assert_int_eq(tangle_tx_to_trytes(&txs[1 - i], head_first[i]), TANGLE_OK);
    head_first[i][TX_TRYTES] = '\0';
  }
  memset(nines, '9', HASH_TRYTES);
  nines[HASH_TRYTES] = '\0';
  char *body =
      json_text(json_pack("{s:s, s:s, s:s, s:i, s:[s,s]}", "command", "attachToTangle",
                          "trunkTransaction", nines, "branchTransaction", nines,
                          "minWeightMagnitude", MWM, "trytes", head_first[0], head_first[1]));
  reply_t r = call(body);
  free(body);
  expect_answer(&r, 200, NULL, NULL);
  const json_t *list = json_object_get(r.json, "trytes");
  ck_assert_uint_eq(json_array_size(list), 2);
  for (size_t i = 0; i < 2; i++) strcpy(tx[i], json_string_value(json_array_get(list, i)));
  reply_free(&r);
}

static reply_t check_consistency(const char *tail) {
  char body[256];
  snprintf(body, sizeof body, "{\"command\":\"checkConsistency\",\"tails\":[\"%s\"]}", tail);
  return call(body);
}

static void expect_state(const char *tail, int state, const char *info_prefix) {
  reply_t r = check_consistency(tail);
  expect_answer(&r, 200, "info", info_prefix);
  ck_assert_int_eq(json_is_true(json_object_get(r.json, "state")), state);
  reply_free(&r);
}

START_TEST(test_check_consistency) {
  uint64_t seed = 41;
  char good[2][TX_TRYTES + 1], partial[2][TX_TRYTES + 1], loose[TX_TRYTES + 1];
  char good_tail[HASH_TRYTES + 1], good_head[HASH_TRYTES + 1], partial_tail[HASH_TRYTES + 1],
      loose_hash[HASH_TRYTES + 1];
  attached_bundle(good, &seed);
  attached_bundle(partial, &seed);
  make_tx(loose, &seed); /* its bundle field (all 9s) is not its bundle hash */
  tx_hash(good[0], good_tail);
  tx_hash(good[1], good_head);
  tx_hash(partial[0], partial_tail);
  tx_hash(loose, loose_hash);
  const char *list[] = {good[0], good[1], partial[0], loose};
  store(list, 4);

  expect_state(good_tail, 1, "");
  expect_state(partial_tail, 0, "tails are not solid");
  expect_state(loose_hash, 0, "tails are not consistent (bundle is invalid)");
  reply_t r = check_consistency(good_head);
  expect_answer(&r, 400, "error", "Invalid transaction, not a tail");
  reply_free(&r);
  char unknown[HASH_TRYTES + 1];
  memcpy(unknown, good_tail, sizeof unknown);
  unknown[0] = unknown[0] == 'A' ? 'B' : 'A';
  r = check_consistency(unknown);
  expect_answer(&r, 400, "error", "Invalid transaction, missing");
  reply_free(&r);
}
END_TEST

/* ---- persistence and shutdown ---- */

START_TEST(test_restart_keeps_tangle) {
  uint64_t seed = 31;
  char tx[2][TX_TRYTES + 1], hash[2][HASH_TRYTES + 1];
  for (int i = 0; i < 2; i++) {
    make_tx(tx[i], &seed);
    tx_hash(tx[i], hash[i]);
  }
  const char *list[] = {tx[0], tx[1]};
  store(list, 2);

  /* SIGINT: clean exit 0, "stopped" logged. */
  kill(node.pid, SIGINT);
  int status;
  ck_assert_int_eq(waitpid(node.pid, &status, 0), node.pid);
  node.pid = 0;
  ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  start_node_in(data_dir);

  for (int i = 0; i < 2; i++) {
    char *back = get_trytes(hash[i]);
    ck_assert_ptr_nonnull(back);
    ck_assert_str_eq(back, tx[i]);
    free(back);
  }
  char address[HASH_TRYTES + 1];
  memcpy(address, tx[1] + ADDRESS_OFFSET, HASH_TRYTES);
  address[HASH_TRYTES] = '\0';
  json_t *found = find("addresses", json_pack("[s]", address));
  ck_assert(json_list_has(found, hash[1]));
  json_decref(found);
  reply_t r = call("{\"command\":\"getNodeInfo\"}");
  expect_answer(&r, 200, NULL, NULL);
  ck_assert_int_eq(json_integer_value(json_object_get(r.json, "tips")), 2);
  reply_free(&r);

  /* SIGTERM (in teardown) logs the stop too. */
  ck_assert_int_eq(devnode_proc_stop(&node, STOP_MS), 0);
  FILE *f = fopen(node.log_path, "r");
  ck_assert_ptr_nonnull(f);
  char line[512];
  int starts = 0, stops = 0;
  while (fgets(line, sizeof line, f)) {
    starts += strncmp(line, "devnode: listening ", 19) == 0;
    stops += strncmp(line, "devnode: stopped", 16) == 0;
  }
  fclose(f);
  ck_assert_int_eq(starts, 2);
  ck_assert_int_eq(stops, 2);
  start_node_in(data_dir); /* for the teardown */
}
END_TEST

/* ---- command line ---- */

/* Runs devnode with args to completion (bounded), returning its exit status; its stdout and
 * stderr go to <data_dir>/out.txt, which `out` receives (caller frees). */
static int run_devnode(const char *const *args, char **out) {
  char bin[DEVNODE_SPAWN_PATH_SIZE], path[DEVNODE_SPAWN_PATH_SIZE + 16];
  devnode_binary_path(bin, sizeof bin);
  snprintf(path, sizeof path, "%s/out.txt", data_dir);
  const char *argv[16] = {bin};
  for (int i = 0; args[i] != NULL; i++) argv[i + 1] = args[i];
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    ck_assert_ptr_nonnull(freopen(path, "w", stdout));
    dup2(STDOUT_FILENO, STDERR_FILENO);
    execv(bin, (char *const *)argv);
    _exit(127);
  }
  int status = 0;
  for (int waited = 0; waitpid(pid, &status, WNOHANG) == 0; waited += 10) {
    if (waited > START_MS) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ck_abort_msg("devnode did not exit");
    }
    struct timespec ts = {0, 10000000L};
    nanosleep(&ts, NULL);
  }
  FILE *f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  *out = calloc(1, 8192);
  ck_assert_ptr_nonnull(*out);
  size_t got = fread(*out, 1, 8191, f);
  (*out)[got] = '\0';
  fclose(f);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(test_command_line) {
  char *out;
  ck_assert_int_eq(run_devnode((const char *[]){"--help", NULL}, &out), 0);
  ck_assert_msg(strstr(out, "not a consensus node") || strstr(out, "NOT a consensus node"), "%s",
                out);
  ck_assert(strstr(out, "DEVNODE_API") && strstr(out, "--data-dir"));
  free(out);
  ck_assert_int_eq(run_devnode((const char *[]){"--mwm", "0", NULL}, &out), 2);
  free(out);
  ck_assert_int_eq(run_devnode((const char *[]){"--frobnicate", NULL}, &out), 2);
  ck_assert(strstr(out, "unknown option"));
  free(out);
  ck_assert_int_eq(run_devnode((const char *[]){"--api", NULL}, &out), 2);
  free(out);
  setenv("DEVNODE_MWM", "many", 1);
  ck_assert_int_eq(run_devnode((const char *[]){NULL}, &out), 2);
  ck_assert_msg(strstr(out, "DEVNODE_MWM"), "%s", out);
  free(out);
  unsetenv("DEVNODE_MWM");
  /* A port already taken: a clear failure, not a hang (in a directory of its own: the running
   * node holds data_dir). */
  const char *taken = node.api_url + strlen("http://");
  char other_dir[DEVNODE_SPAWN_PATH_SIZE + 8];
  snprintf(other_dir, sizeof other_dir, "%s/other", data_dir);
  ck_assert_int_eq(run_devnode((const char *[]){"--api", taken, "--zmq", "tcp://127.0.0.1:*",
                                                "--data-dir", other_dir, NULL},
                               &out),
                   1);
  ck_assert_msg(strstr(out, "cannot serve the API"), "%s", out);
  free(out);
}
END_TEST

/* The environment variables mean what the flags mean. */
START_TEST(test_environment) {
  char dir[DEVNODE_SPAWN_PATH_SIZE + 8], bin[DEVNODE_SPAWN_PATH_SIZE];
  snprintf(dir, sizeof dir, "%s/env", data_dir);
  setenv("DEVNODE_API", "127.0.0.1:0", 1);
  setenv("DEVNODE_ZMQ", "tcp://127.0.0.1:*", 1);
  setenv("DEVNODE_DATA_DIR", dir, 1);
  setenv("DEVNODE_MWM", "11", 1);
  devnode_proc_t env_node;
  ck_assert(devnode_spawn_args(devnode_binary_path(bin, sizeof bin), dir,
                               (const char *const[]){NULL}, START_MS, &env_node));
  FILE *f = fopen(env_node.log_path, "r");
  ck_assert_ptr_nonnull(f);
  char line[512] = "";
  ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
  fclose(f);
  ck_assert_msg(strstr(line, " mwm=11 ") && strstr(line, dir), "%s", line);
  ck_assert_int_eq(devnode_proc_stop(&env_node, STOP_MS), 0);
  char db[DEVNODE_SPAWN_PATH_SIZE + 32];
  snprintf(db, sizeof db, "%s/tangle.db", dir);
  ck_assert_int_eq(access(db, F_OK), 0);
}
END_TEST

int main(void) {
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return EXIT_FAILURE;
  /* Every test's data dir goes under one directory removed at the end, also after a failed test
   * (Check ends it with _exit and kills its process group, the node included, before any
   * teardown). */
  char base[DEVNODE_SPAWN_PATH_SIZE];
  if (!devnode_temp_dir(base, sizeof base) || setenv("TMPDIR", base, 1) != 0) return EXIT_FAILURE;
  Suite *s = suite_create("devnode");
  TCase *tc = tcase_create("bad input");
  tcase_set_timeout(tc, 120);
  tcase_add_checked_fixture(tc, setup_node, teardown_node);
  tcase_add_loop_test(tc, test_bad_input, 0, (int)(sizeof bad_cases / sizeof bad_cases[0]));
  suite_add_tcase(s, tc);
  tc = tcase_create("commands");
  tcase_set_timeout(tc, 120);
  tcase_add_checked_fixture(tc, setup_node, teardown_node);
  tcase_add_test(tc, test_node_info_and_limits);
  tcase_add_test(tc, test_tips);
  tcase_add_test(tc, test_store_find_get);
  tcase_add_test(tc, test_feed);
  tcase_add_test(tc, test_check_consistency);
  tcase_add_test(tc, test_restart_keeps_tangle);
  tcase_add_test(tc, test_command_line);
  tcase_add_test(tc, test_environment);
  suite_add_tcase(s, tc);
  int rc = tu_run_suite(s);
  devnode_remove_dir(base);
  curl_global_cleanup();
  return rc;
}
