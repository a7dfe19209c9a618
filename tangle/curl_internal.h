/* tangle/curl_internal.h (internal): what the Curl-P implementations share.
 *
 * Labelled states. The fast kernels keep the 729 trits in a permuted order: S[i] lives at
 * position (label * i) mod 729. Writing round outputs so that the reads of the next round are
 * regular multiplies the label by 364 each round (see curl_single.c and curl_batch_impl.h).
 * 364 has order 243 modulo 729, so after a transform (81 rounds) the label is one of three
 * values, and after the 33 transforms of a transaction hash it is 1 again. */
#ifndef TANGLE_CURL_INTERNAL_H
#define TANGLE_CURL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tangle/curl.h"

#define CURL_TX_CHUNKS (TANGLE_TX_TRITS / TANGLE_CURL_HASH_TRITS)
#define CURL_LABEL_PERIOD 3 /* transforms after which the label repeats */

static inline unsigned curl_next_label(unsigned label) {
  return (364u * label) % TANGLE_CURL_STATE_TRITS;
}

/* The positions that hold the rate S[0..242] under `label`. */
static inline void curl_rate_positions(unsigned label, uint16_t pos[TANGLE_CURL_HASH_TRITS]) {
  unsigned p = 0;
  for (unsigned i = 0; i < TANGLE_CURL_HASH_TRITS; i++) {
    pos[i] = (uint16_t)p;
    p = (p + label) % TANGLE_CURL_STATE_TRITS;
  }
}

/* The single-state kernels: portable (curl_single.c) and, on x86-64 CPUs with AVX-512F/BW,
 * the AVX-512 one (curl_single_avx512.c). tangle_curl_hash_tx picks the best. */
void tangle_curl_hash_tx_portable(const mam_trit_t tx[TANGLE_TX_TRITS],
                                  mam_trit_t hash[TANGLE_CURL_HASH_TRITS]);
#if defined(__GNUC__) && defined(__x86_64__)
#define TANGLE_CURL_HAVE_AVX512 1
bool tangle_curl_avx512_usable(void);
void tangle_curl_hash_tx_avx512(const mam_trit_t tx[TANGLE_TX_TRITS],
                                mam_trit_t hash[TANGLE_CURL_HASH_TRITS]);
#endif

/* Every way to hash transactions (curl_batch.c); the batch entry point chooses among them by
 * a cost model, tests run each one. */
typedef enum {
  TANGLE_CURL_KERNEL_SINGLE,  /* tangle_curl_hash_tx, one transaction at a time */
  TANGLE_CURL_KERNEL_U64,     /* bit-sliced, 64 lanes in uint64_t */
  TANGLE_CURL_KERNEL_AVX2,    /* bit-sliced, 256 lanes */
  TANGLE_CURL_KERNEL_AVX512,  /* bit-sliced, 512 lanes */
  TANGLE_CURL_KERNEL_COUNT
} tangle_curl_kernel_t;

bool tangle_curl_kernel_available(tangle_curl_kernel_t k);
size_t tangle_curl_kernel_lanes(tangle_curl_kernel_t k);
/* tangle_curl_hash_tx_batch with one given (available) kernel. */
tangle_err_t tangle_curl_hash_tx_kernel(tangle_curl_kernel_t k, const mam_trit_t *txs, size_t count,
                                        mam_trit_t *hashes) MAM_WARN_UNUSED;

#endif
