#include "read/txbatch.h"

#include <stdlib.h>
#include <string.h>

#define HASH_TRYTES TANGLE_TX_HASH_TRYTES

typedef struct kept {
  tangle_tx_t tx;
  bool has_hash;
  char hash[HASH_TRYTES]; /* as the feed sent it */
} kept_t;

struct mg_txbatch {
  size_t capacity, n;
  kept_t *kept;
  mam_trit_t *trits;  /* n transactions of TANGLE_TX_TRITS, one after another: the batch hash's input */
  mam_trit_t *hashes; /* capacity hashes of TANGLE_TX_HASH_TRITS */
};

void mg_txbatch_free(mg_txbatch_t *b) {
  if (!b) return;
  free(b->kept);
  free(b->trits);
  free(b->hashes);
  free(b);
}

mg_txbatch_t *mg_txbatch_new(size_t capacity) {
  if (capacity == 0 || capacity > SIZE_MAX / TANGLE_TX_TRITS / sizeof(kept_t)) return NULL;
  mg_txbatch_t *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->capacity = capacity;
  b->kept = malloc(capacity * sizeof *b->kept);
  b->trits = malloc(capacity * TANGLE_TX_TRITS);
  b->hashes = malloc(capacity * TANGLE_TX_HASH_TRITS);
  if (!b->kept || !b->trits || !b->hashes) {
    mg_txbatch_free(b);
    return NULL;
  }
  return b;
}

tangle_err_t mg_txbatch_add(mg_txbatch_t *b, const char *trytes, size_t len, const char *hash) {
  if (!b) return TANGLE_ERR_NULL_ARG;
  if (b->n == b->capacity) return TANGLE_ERR_INVALID_ARG;
  kept_t *k = &b->kept[b->n];
  tangle_err_t err = tangle_tx_from_trytes_trits(&k->tx, trytes, len, b->trits + b->n * TANGLE_TX_TRITS);
  if (err != TANGLE_OK) return err;
  k->has_hash = hash != NULL;
  if (hash) memcpy(k->hash, hash, HASH_TRYTES);
  b->n++;
  return TANGLE_OK;
}

size_t mg_txbatch_count(const mg_txbatch_t *b) { return b ? b->n : 0; }

bool mg_txbatch_full(const mg_txbatch_t *b) { return b && b->n == b->capacity; }

/* The batch hash, or one at a time when it has no memory for its work area. */
static tangle_err_t hash_all(mg_txbatch_t *b) {
  tangle_err_t err = tangle_curl_hash_tx_batch(b->trits, b->n, b->hashes);
  if (err != TANGLE_OK)
    for (size_t i = 0; i < b->n; i++)
      tangle_curl_hash_tx(b->trits + i * TANGLE_TX_TRITS, b->hashes + i * TANGLE_TX_HASH_TRITS);
  return err;
}

tangle_err_t mg_txbatch_flush(mg_txbatch_t *b, mg_txbatch_fn fn, void *ctx) {
  if (!b || !fn) return TANGLE_ERR_NULL_ARG;
  tangle_err_t err = hash_all(b);
  for (size_t i = 0; i < b->n; i++) {
    const mam_trit_t *h = b->hashes + i * TANGLE_TX_HASH_TRITS;
    char computed[HASH_TRYTES];
    mam_trits_to_trytes(h, TANGLE_TX_HASH_TRITS, computed);
    const kept_t *k = &b->kept[i];
    fn(ctx, &k->tx, h, !k->has_hash || memcmp(k->hash, computed, HASH_TRYTES) == 0);
  }
  b->n = 0;
  return err;
}
