#include "tangle/mam_bundle.h"

#include <stdlib.h>
#include <string.h>

tangle_err_t tangle_bundle_from_mam(const mam_bundle_t *b, int64_t timestamp, tangle_tx_t *txs) {
  if (!b || !txs || (b->n > 0 && !b->txs)) return TANGLE_ERR_NULL_ARG;
  if (b->n == 0) return TANGLE_ERR_INVALID_ARG;
  mam_trit_t *message = malloc(b->n * MAM_FRAGMENT_TRITS);
  tangle_bundle_entry_t *entries = malloc(b->n * sizeof *entries);
  tangle_err_t err = message && entries ? TANGLE_OK : TANGLE_ERR_NO_MEMORY;
  size_t n_entries = 0;
  for (size_t i = 0; err == TANGLE_OK && i < b->n; i++) {
    memcpy(message + i * MAM_FRAGMENT_TRITS, b->txs[i].fragment, MAM_FRAGMENT_TRITS);
    if (i > 0 && memcmp(b->txs[i].tag, b->txs[i - 1].tag, MAM_TAG_TRITS) == 0) {
      entries[n_entries - 1].message_trits += MAM_FRAGMENT_TRITS;
      continue;
    }
    entries[n_entries++] = (tangle_bundle_entry_t){b->txs[i].address, b->txs[i].tag, b->txs[i].tag, timestamp,
                                                   message + i * MAM_FRAGMENT_TRITS, MAM_FRAGMENT_TRITS};
  }
  if (err == TANGLE_OK) err = tangle_bundle_build(entries, n_entries, txs, b->n);
  if (err == TANGLE_OK) err = tangle_bundle_finalize(txs, b->n, NULL);
  free(entries);
  free(message);
  return err;
}
