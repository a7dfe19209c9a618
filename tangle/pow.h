/* tangle/pow.h: Curl-P-81 proof of work for one transaction (spec node-interface.md 2.3, 3.3).
 *
 * The search fixes the first 32 chunks of the transaction once (the mid-state), then tries nonces
 * with a bit-sliced Curl-P-81 (one nonce per bit of the widest SIMD word the CPU offers: AVX-512F,
 * AVX2 or plain 64-bit words), one worker thread per CPU on disjoint nonce ranges. */
#ifndef TANGLE_POW_H
#define TANGLE_POW_H

#include <stdint.h>
#if defined(__cplusplus) && __cplusplus < 202302L
/* The cancel flag is a C11 atomic_int; C++ before C++23 names it only in namespace std. */
#include <atomic>
using std::atomic_int;
#else
#include <stdatomic.h>
#endif

#include "mamcore/trits.h"
#include "tangle/curl.h"
#include "tangle/error.h"
#include "tangle/transaction.h"

MAM_BEGIN_DECLS

#define TANGLE_POW_MAX_MWM TANGLE_TX_HASH_TRITS /* every hash trit zero */
#define TANGLE_POW_MAX_THREADS 256                /* larger thread counts are rejected */

/* What a search did; filled whenever the search ran (also when it was cancelled). */
typedef struct tangle_pow_stats {
  uint64_t trials;     /* nonces tried, summed over the workers */
  unsigned threads;    /* workers used */
  unsigned lanes;      /* nonces per bit-sliced transform */
  const char *variant; /* instruction set: "avx512", "avx2" or "portable" (static string) */
} tangle_pow_stats_t;

/* Finds a nonce such that the Curl-P-81 hash of the 8019-trit transaction ends in at least `mwm`
 * zero trits (0 <= mwm <= 243), writes it into tx trits 7938..8018 (no other trit changes) and,
 * when hash_out is not NULL, the 243-trit hash into hash_out.
 *
 * threads: workers to run, 0 = all online CPUs, at most TANGLE_POW_MAX_THREADS.
 * cancel:  NULL, or a flag another thread may set to non-zero to stop the search; it is polled
 *          between bit-sliced transforms (tens of microseconds apart).
 * stats:   NULL, or filled with what the search did.
 *
 * The nonce found is always re-checked with the plain tangle_curl_hash_tx before TANGLE_OK is
 * returned. Errors: TANGLE_ERR_NULL_ARG (tx), TANGLE_ERR_INVALID_ARG (mwm, threads, or a trit of
 * tx outside -1..1), TANGLE_ERR_POW_CANCELLED, TANGLE_ERR_POW_FAILED (the check failed or the
 * nonce space ran out), TANGLE_ERR_NO_MEMORY, TANGLE_ERR_THREAD. On any error tx is unchanged. */
MAM_API tangle_err_t tangle_pow(mam_trit_t tx[TANGLE_TX_TRITS], unsigned mwm, unsigned threads,
                                const atomic_int *cancel, mam_trit_t *hash_out,
                                tangle_pow_stats_t *stats) MAM_WARN_UNUSED;

/* The same on a 2673-tryte transaction, in place (only trytes 2646..2672, the nonce, change).
 * A character outside 9A-Z gives TANGLE_ERR_INVALID_TRYTE and leaves the string unchanged. */
MAM_API tangle_err_t tangle_pow_trytes(char tx_trytes[TANGLE_TX_TRYTES], unsigned mwm, unsigned threads,
                                       const atomic_int *cancel) MAM_WARN_UNUSED;

MAM_END_DECLS

#endif
