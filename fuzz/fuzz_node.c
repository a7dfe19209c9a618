/* Fuzz target: the node API client's reading of answers (node/commands.c, node/transport.c). The
 * node is outside data too: a remote IRI or Hornet, or anything listening at the configured URL.
 *
 * A stand-in node on the http/ adapter answers every request with the input: its first byte picks
 * the HTTP status (200 mostly, or 400, 401, 500, 503, 302), the rest is the body. The client then
 * makes every call the gateway makes (node info, API limits, tips, attach, store, find, getTrytes)
 * and each must either fail with a known error and a message, or give values of the documented
 * shape: trytes of the right length and alphabet, lists of the right count. */
#include <string.h>

#include "fuzz/fuzz.h"
#include "http/server.h"
#include "node/client.h"

static mg_http_server_t *node;
static mg_node_client_t *client;
static const uint8_t *answer;
static size_t answer_len;

static void respond(void *ctx, mg_http_request_t *req) {
  (void)ctx;
  static const int statuses[] = {200, 200, 200, 200, 400, 401, 500, 503, 302};
  int status = answer_len ? statuses[answer[0] % (sizeof statuses / sizeof *statuses)] : 200;
  const char *body = answer_len ? (const char *)answer + 1 : "";
  mg_http_respond_text(req, status, "application/json", body, answer_len ? answer_len - 1 : 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  char err[256], url[64];
  if (mg_node_global_init() != MG_NODE_OK || !(node = mg_http_start("127.0.0.1", 0, NULL, err, sizeof err)) ||
      mg_http_route(node, "POST", "/", respond, NULL) != 0)
    abort();
  snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)mg_http_port(node));
  mg_node_config_t cfg;
  mg_node_config_init(&cfg, url);
  cfg.retries = 0;
  cfg.timeout_ms = 5000;
  cfg.max_response_bytes = 1 << 16;
  if (mg_node_client_new(&cfg, &client) != MG_NODE_OK) abort();
  return 0;
}

static bool trytes_of(const char *s, size_t n) { return s && strlen(s) == n && mam_trytes_valid(s, n); }

/* A failed call names a known error and leaves a terminated message. */
static bool outcome(mg_node_err_t err) {
  FZ_CHECK(err >= MG_NODE_OK && err < MG_NODE_ERR__COUNT && mg_node_strerror(err) != NULL);
  FZ_CHECK(strlen(mg_node_client_message(client)) < 1 << 20);
  return err == MG_NODE_OK;
}

static void check_list(const mg_node_strings_t *list, size_t want, size_t len, bool nulls) {
  FZ_CHECK(want == SIZE_MAX || list->count == want);
  for (size_t i = 0; i < list->count; i++) FZ_CHECK((nulls && !list->items[i]) || trytes_of(list->items[i], len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char tx[TANGLE_TX_TRYTES + 1];
  static const char hash[] = "999999999999999999999999999999999999999999999999999999999999999999999999999999999";
  if (!tx[0]) memset(tx, '9', TANGLE_TX_TRYTES);
  answer = data;
  answer_len = size;
  const char *txs[] = {tx}, *hashes[] = {hash, hash};
  mg_node_info_t info;
  if (outcome(mg_node_get_node_info(client, &info)))
    FZ_CHECK(memchr(info.app_name, 0, sizeof info.app_name) && memchr(info.app_version, 0, sizeof info.app_version));
  mg_node_api_limits_t limits;
  (void)outcome(mg_node_get_api_limits(client, &limits));
  mg_node_tips_t tips;
  if (outcome(mg_node_get_transactions_to_approve(client, 3, NULL, &tips)))
    FZ_CHECK(trytes_of(tips.trunk, TANGLE_TX_HASH_TRYTES) && trytes_of(tips.branch, TANGLE_TX_HASH_TRYTES));
  mg_node_strings_t list = {0};
  if (outcome(mg_node_attach_to_tangle(client, hash, hash, 9, txs, 1, &list))) check_list(&list, 1, TANGLE_TX_TRYTES, false);
  mg_node_strings_free(&list);
  (void)outcome(mg_node_store_transactions(client, txs, 1));
  if (outcome(mg_node_find_transactions(client, MG_NODE_FIND_ADDRESSES, hashes, 1, &list)))
    check_list(&list, SIZE_MAX, TANGLE_TX_HASH_TRYTES, false);
  mg_node_strings_free(&list);
  if (outcome(mg_node_get_trytes(client, hashes, 2, &list))) check_list(&list, 2, TANGLE_TX_TRYTES, true);
  mg_node_strings_free(&list);
  return 0;
}
