/* devnode through the node client over loopback HTTP: median milliseconds per request for
 * getNodeInfo, storeTransactions of 32 transactions (validation, SQLite, ZeroMQ), findTransactions
 * by one address, getTrytes of 32 hashes, and attachToTangle of three transactions at MWM 9
 * (the node's proof of work and chaining). Runs $MAMGATE_BUILDDIR/devnode/devnode, by default
 * ./devnode/devnode. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench.h"
#include "devnode/spawn.h"
#include "node/client.h"
#include "tangle/bundle.h"
#include "tangle/pow.h"
#include "tangle/transaction.h"

#define RUNS 20
#define BATCH 32
#define MWM 9
#define ATTACH_TXS 3

typedef char tx_text[TANGLE_TX_TRYTES + 1];
typedef char hash_text[TANGLE_TX_HASH_TRYTES + 1];

/* Pseudo-random trits, distinct for every seed (a 64-bit LCG; quality does not matter). */
static void fill_trits(mam_trit_t *t, size_t n, unsigned seed) {
  uint64_t x = 0x9e3779b97f4a7c15u * (seed + 1u);
  for (size_t i = 0; i < n; i++) {
    x = x * 6364136223846793005u + 1442695040888963407u;
    t[i] = (mam_trit_t)((x >> 33) % 3) - 1;
  }
}

static tangle_err_t prove(tangle_tx_t *tx, void *ctx) {
  (void)ctx;
  mam_trit_t trits[TANGLE_TX_TRITS];
  tangle_err_t err = tangle_tx_to_trits(tx, trits);
  if (err == TANGLE_OK) err = tangle_pow(trits, MWM, 0, NULL, NULL, NULL);
  if (err == TANGLE_OK) memcpy(tx->nonce, trits + TANGLE_TX_OFF_NONCE, sizeof tx->nonce);
  return err;
}

/* n finalised bundles of one transaction on `address`, attached to the genesis, as trytes. */
static int make_txs(size_t n, const mam_trit_t *address, unsigned seed, tx_text *out) {
  mam_trit_t message[TANGLE_TX_FRAGMENT_TRITS], zero[TANGLE_TX_HASH_TRITS] = {0};
  for (size_t i = 0; i < n; i++) {
    fill_trits(message, TANGLE_TX_FRAGMENT_TRITS, seed + (unsigned)i);
    tangle_bundle_entry_t entry = {.address = address,
                                   .timestamp = (int64_t)time(NULL),
                                   .message = message,
                                   .message_trits = TANGLE_TX_FRAGMENT_TRITS};
    tangle_tx_t tx;
    if (tangle_bundle_build(&entry, 1, &tx, 1) != TANGLE_OK ||
        tangle_bundle_finalize(&tx, 1, NULL) != TANGLE_OK ||
        tangle_bundle_attach(&tx, 1, zero, zero, (int64_t)time(NULL) * 1000, prove, NULL) !=
            TANGLE_OK ||
        tangle_tx_to_trytes(&tx, out[i]) != TANGLE_OK)
      return 0;
    out[i][TANGLE_TX_TRYTES] = '\0';
  }
  return 1;
}

static int hash_of(const char *trytes, char *out) {
  tangle_tx_t tx;
  mam_trit_t hash[TANGLE_TX_HASH_TRITS];
  if (tangle_tx_from_trytes(&tx, trytes, TANGLE_TX_TRYTES) != TANGLE_OK ||
      tangle_tx_hash(&tx, hash) != TANGLE_OK)
    return 0;
  mam_trits_to_trytes(hash, TANGLE_TX_HASH_TRITS, out);
  out[TANGLE_TX_HASH_TRYTES] = '\0';
  return 1;
}

static int fail(const char *what, mg_node_client_t *c) {
  fprintf(stderr, "bench_devnode: %s: %s\n", what, c ? mg_node_client_message(c) : "");
  return 0;
}

static int run(mg_node_client_t *c, size_t runs, double *samples) {
  mam_trit_t address[TANGLE_TX_HASH_TRITS];
  fill_trits(address, TANGLE_TX_HASH_TRITS, 99);
  tx_text *txs = calloc(runs * BATCH, sizeof *txs);
  hash_text *hashes = calloc(BATCH, sizeof *hashes);
  const char **ptrs = calloc(runs * BATCH, sizeof *ptrs);
  if (!txs || !hashes || !ptrs || !make_txs(runs * BATCH, address, 1, txs)) return 0;
  for (size_t i = 0; i < runs * BATCH; i++) ptrs[i] = txs[i];

  mg_node_info_t info;
  for (size_t i = 0; i < runs; i++) {
    double t0 = bench_now();
    if (mg_node_get_node_info(c, &info) != MG_NODE_OK) return fail("getNodeInfo", c);
    samples[i] = (bench_now() - t0) * 1e3;
  }
  bench_report("devnode_node_info_ms", "ms", samples, runs);

  for (size_t i = 0; i < runs; i++) {
    double t0 = bench_now();
    if (mg_node_store_transactions(c, ptrs + i * BATCH, BATCH) != MG_NODE_OK)
      return fail("storeTransactions", c);
    samples[i] = (bench_now() - t0) * 1e3;
  }
  bench_report("devnode_store_32_ms", "ms", samples, runs);

  char address_trytes[TANGLE_TX_HASH_TRYTES + 1];
  mam_trits_to_trytes(address, TANGLE_TX_HASH_TRITS, address_trytes);
  address_trytes[TANGLE_TX_HASH_TRYTES] = '\0';
  const char *addresses[] = {address_trytes};
  mg_node_strings_t found;
  for (size_t i = 0; i < runs; i++) {
    double t0 = bench_now();
    if (mg_node_find_transactions(c, MG_NODE_FIND_ADDRESSES, addresses, 1, &found) != MG_NODE_OK)
      return fail("findTransactions", c);
    samples[i] = (bench_now() - t0) * 1e3;
    size_t count = found.count;
    mg_node_strings_free(&found);
    if (count != runs * BATCH) {
      fprintf(stderr, "bench_devnode: findTransactions found %zu of %zu\n", count, runs * BATCH);
      return 0;
    }
  }
  bench_report("devnode_find_address_ms", "ms", samples, runs);

  const char *hash_ptrs[BATCH];
  for (size_t i = 0; i < BATCH; i++) {
    if (!hash_of(txs[i], hashes[i])) return fail("hash", NULL);
    hash_ptrs[i] = hashes[i];
  }
  mg_node_strings_t trytes;
  for (size_t i = 0; i < runs; i++) {
    double t0 = bench_now();
    if (mg_node_get_trytes(c, hash_ptrs, BATCH, &trytes) != MG_NODE_OK) return fail("getTrytes", c);
    samples[i] = (bench_now() - t0) * 1e3;
    mg_node_strings_free(&trytes);
  }
  bench_report("devnode_get_trytes_32_ms", "ms", samples, runs);

  mg_node_tips_t tips;
  mg_node_strings_t attached;
  for (size_t i = 0; i < runs; i++) {
    if (mg_node_get_transactions_to_approve(c, 3, NULL, &tips) != MG_NODE_OK)
      return fail("getTransactionsToApprove", c);
    double t0 = bench_now();
    if (mg_node_attach_to_tangle(c, tips.trunk, tips.branch, MWM, ptrs + i * ATTACH_TXS, ATTACH_TXS,
                                 &attached) != MG_NODE_OK)
      return fail("attachToTangle", c);
    samples[i] = (bench_now() - t0) * 1e3;
    mg_node_strings_free(&attached);
  }
  bench_report("devnode_attach_3_mwm9_ms", "ms", samples, runs);
  free(txs);
  free(hashes);
  free(ptrs);
  return 1;
}

int main(void) {
  size_t runs = bench_runs(RUNS);
  double *samples = malloc(runs * sizeof *samples);
  char dir[DEVNODE_SPAWN_PATH_SIZE], bin[DEVNODE_SPAWN_PATH_SIZE];
  devnode_proc_t node;
  if (samples == NULL || mg_node_global_init() != MG_NODE_OK ||
      !devnode_temp_dir(dir, sizeof dir) ||
      !devnode_spawn(devnode_binary_path(bin, sizeof bin), dir, MWM, 20000, &node)) {
    fprintf(stderr, "bench_devnode: cannot start %s\n", bin);
    return 1;
  }
  mg_node_config_t cfg;
  mg_node_config_init(&cfg, node.api_url);
  mg_node_client_t *c = NULL;
  int ok = mg_node_client_new(&cfg, &c) == MG_NODE_OK && run(c, runs, samples);
  mg_node_client_free(c);
  devnode_proc_stop(&node, 20000);
  devnode_remove_dir(dir);
  mg_node_global_cleanup();
  free(samples);
  return ok ? 0 : 1;
}
