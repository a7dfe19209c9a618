#include "devnode/attach.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mamcore/trits.h"
#include "tangle/bundle.h"
#include "tangle/pow.h"
#include "tangle/transaction.h"

typedef struct pow_job {
  unsigned mwm;
  const atomic_int *cancel;
  mam_trit_t trits[TANGLE_TX_TRITS];
} pow_job_t;

/* tangle_bundle_attach's proof-of-work step: nonce search on the serialised transaction. */
static tangle_err_t prove(tangle_tx_t *tx, void *ctx) {
  pow_job_t *job = ctx;
  tangle_err_t err = tangle_tx_to_trits(tx, job->trits);
  if (err == TANGLE_OK) err = tangle_pow(job->trits, job->mwm, 0, job->cancel, NULL, NULL);
  if (err == TANGLE_OK) memcpy(tx->nonce, job->trits + TANGLE_TX_OFF_NONCE, sizeof tx->nonce);
  return err;
}

static int by_current_index(const void *a, const void *b) {
  int64_t x = ((const tangle_tx_t *)a)->current_index, y = ((const tangle_tx_t *)b)->current_index;
  return (x > y) - (x < y);
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static devnode_attach_result_t read_all(const char *const *trytes, size_t n, tangle_tx_t *txs,
                                        char *why, size_t why_size) {
  for (size_t i = 0; i < n; i++) {
    tangle_err_t err = tangle_tx_from_trytes(&txs[i], trytes[i], strlen(trytes[i]));
    if (err != TANGLE_OK) {
      snprintf(why, why_size, "Invalid %s (trytes[%zu])",
               err == TANGLE_ERR_INVALID_VALUE ? "transaction value" : "trytes input", i);
      return DEVNODE_ATTACH_INVALID;
    }
  }
  return DEVNODE_ATTACH_OK;
}

static bool hash_trits(const char *hash, mam_trit_t out[TANGLE_TX_HASH_TRITS]) {
  return strlen(hash) == TANGLE_TX_HASH_TRYTES &&
         mam_trytes_to_trits(hash, TANGLE_TX_HASH_TRYTES, out) == MAM_OK;
}

static devnode_attach_result_t attach_all(tangle_tx_t *txs, size_t n, const char *trunk,
                                          const char *branch, pow_job_t *job, char *why,
                                          size_t why_size) {
  mam_trit_t tip_trunk[TANGLE_TX_HASH_TRITS], tip_branch[TANGLE_TX_HASH_TRITS];
  if (!hash_trits(trunk, tip_trunk) || !hash_trits(branch, tip_branch)) {
    snprintf(why, why_size, "Invalid trunkTransaction or branchTransaction input");
    return DEVNODE_ATTACH_INVALID;
  }
  /* Chained in currentIndex order from the head down (IRI sorts the same way). */
  qsort(txs, n, sizeof *txs, by_current_index);
  tangle_err_t err = tangle_bundle_attach(txs, n, tip_trunk, tip_branch, now_ms(), prove, job);
  if (err == TANGLE_ERR_POW_CANCELLED) return DEVNODE_ATTACH_CANCELLED;
  if (err != TANGLE_OK) {
    snprintf(why, why_size, "attachToTangle failed: %s", tangle_strerror(err));
    return DEVNODE_ATTACH_FAILED;
  }
  return DEVNODE_ATTACH_OK;
}

static devnode_attach_result_t write_all(const tangle_tx_t *txs, size_t n,
                                         char (*out)[TANGLE_TX_TRYTES + 1], char *why,
                                         size_t why_size) {
  for (size_t i = 0; i < n; i++) {
    if (tangle_tx_to_trytes(&txs[i], out[i]) != TANGLE_OK) {
      snprintf(why, why_size, "attachToTangle failed: cannot encode transaction %zu", i);
      return DEVNODE_ATTACH_FAILED;
    }
    out[i][TANGLE_TX_TRYTES] = '\0';
  }
  return DEVNODE_ATTACH_OK;
}

devnode_attach_result_t devnode_attach(const char *const *trytes, size_t n, const char *trunk,
                                       const char *branch, unsigned mwm, const atomic_int *cancel,
                                       char (*out)[TANGLE_TX_TRYTES + 1], char *why,
                                       size_t why_size) {
  if (n == 0) return DEVNODE_ATTACH_OK;
  tangle_tx_t *txs = calloc(n, sizeof *txs);
  pow_job_t *job = malloc(sizeof *job);
  devnode_attach_result_t r = DEVNODE_ATTACH_FAILED;
  snprintf(why, why_size, "out of memory");
  if (txs != NULL && job != NULL) {
    *job = (pow_job_t){.mwm = mwm, .cancel = cancel};
    r = read_all(trytes, n, txs, why, why_size);
    if (r == DEVNODE_ATTACH_OK) r = attach_all(txs, n, trunk, branch, job, why, why_size);
    if (r == DEVNODE_ATTACH_OK) r = write_all(txs, n, out, why, why_size);
  }
  free(txs);
  free(job);
  return r;
}
