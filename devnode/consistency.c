#include "devnode/consistency.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/trits.h"
#include "tangle/bundle.h"
#include "tangle/transaction.h"

/* Loads a stored transaction; false when it is not stored (or does not decode). */
static bool load(devnode_store_t *store, const char *hash, tangle_tx_t *tx) {
  char trytes[TANGLE_TX_TRYTES + 1];
  return devnode_store_get_trytes(store, hash, trytes) &&
         tangle_tx_from_trytes(tx, trytes, TANGLE_TX_TRYTES) == TANGLE_OK;
}

static void hash_text(const mam_trit_t *trits, char out[TANGLE_TX_HASH_TRYTES + 1]) {
  mam_trits_to_trytes(trits, TANGLE_TX_HASH_TRITS, out);
  out[TANGLE_TX_HASH_TRYTES] = '\0';
}

/* Stored, or the all-9 hash that stands for the genesis. */
static bool known(devnode_store_t *store, const mam_trit_t *hash) {
  if (tangle_trits_zero(hash, TANGLE_TX_HASH_TRITS)) return true;
  char text[TANGLE_TX_HASH_TRYTES + 1], trytes[TANGLE_TX_TRYTES + 1];
  hash_text(hash, text);
  return devnode_store_get_trytes(store, text, trytes);
}

/* Follows trunks from the tail for txs[0].last_index more transactions. */
static devnode_consistency_t load_bundle(devnode_store_t *store, tangle_tx_t *txs, size_t n) {
  char next[TANGLE_TX_HASH_TRYTES + 1];
  for (size_t i = 1; i < n; i++) {
    hash_text(txs[i - 1].trunk, next);
    if (!load(store, next, &txs[i])) return DEVNODE_NOT_SOLID;
  }
  return DEVNODE_CONSISTENT;
}

static bool approvees_known(devnode_store_t *store, const tangle_tx_t *txs, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!known(store, txs[i].branch)) return false;
  return known(store, txs[n - 1].trunk);
}

devnode_consistency_t devnode_check_tail(devnode_store_t *store, const char *tail) {
  tangle_tx_t first;
  if (!load(store, tail, &first)) return DEVNODE_TAIL_MISSING;
  if (first.current_index != 0) return DEVNODE_NOT_A_TAIL;
  if (first.last_index < 0 || first.last_index >= DEVNODE_MAX_BUNDLE) return DEVNODE_BUNDLE_INVALID;
  size_t n = (size_t)first.last_index + 1;
  tangle_tx_t *txs = malloc(n * sizeof *txs);
  if (txs == NULL) return DEVNODE_CHECK_FAILED;
  txs[0] = first;
  devnode_consistency_t result = load_bundle(store, txs, n);
  if (result == DEVNODE_CONSISTENT && tangle_bundle_validate(txs, n, NULL) != TANGLE_OK)
    result = DEVNODE_BUNDLE_INVALID;
  if (result == DEVNODE_CONSISTENT && !approvees_known(store, txs, n)) result = DEVNODE_NOT_SOLID;
  free(txs);
  return result;
}
