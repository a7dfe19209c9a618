/* tangle/curl.h: Curl-P, the legacy transaction hash (spec node-interface.md section 3.1). */
#ifndef TANGLE_CURL_H
#define TANGLE_CURL_H

#include <stddef.h>

#include "mamcore/trits.h"
#include "tangle/error.h"

MAM_BEGIN_DECLS

#define TANGLE_CURL_STATE_TRITS 729
#define TANGLE_CURL_HASH_TRITS 243
#define TANGLE_CURL_P27 27
#define TANGLE_CURL_P81 81
#define TANGLE_TX_TRITS 8019

typedef struct tangle_curl {
  mam_trit_t state[TANGLE_CURL_STATE_TRITS];
  unsigned rounds;
} tangle_curl_t;

/* Plain transform: `rounds` rounds of the Curl-P S-box walk over the 729-trit state. */
MAM_API void tangle_curl_transform(mam_trit_t state[TANGLE_CURL_STATE_TRITS], unsigned rounds);

MAM_API void tangle_curl_init(tangle_curl_t *c, unsigned rounds);
/* Absorbs n trits in 243-trit chunks, each overwriting the rate and followed by a transform. */
MAM_API void tangle_curl_absorb(tangle_curl_t *c, const mam_trit_t *in, size_t n);
/* Squeezes n trits, 243 at a time, transforming after each chunk. */
MAM_API void tangle_curl_squeeze(tangle_curl_t *c, mam_trit_t *out, size_t n);

/* Curl-P-81 hash of one 8019-trit transaction (spec 3.2): the same result as init, absorb the
 * 8019 trits and squeeze 243, computed on a bit-sliced state (curl_single.c; AVX-512 when the
 * CPU has it). Trits outside -1..1 give an unspecified hash. */
MAM_API void tangle_curl_hash_tx(const mam_trit_t tx[TANGLE_TX_TRITS], mam_trit_t hash[TANGLE_CURL_HASH_TRITS]);

/* Curl-P-81 hashes of `count` transactions stored one after another (8019 trits each) into
 * `hashes` (243 trits each): equal to tangle_curl_hash_tx on each. Bit-sliced over 64, 256
 * (AVX2) or 512 (AVX-512) transactions at a time, as a cost model picks for the remaining count;
 * small remainders go through tangle_curl_hash_tx. Allocates a work area (up to 93 KB) per
 * call. Errors: TANGLE_ERR_NULL_ARG, TANGLE_ERR_NO_MEMORY. */
MAM_API tangle_err_t tangle_curl_hash_tx_batch(const mam_trit_t *txs, size_t count,
                                               mam_trit_t *hashes) MAM_WARN_UNUSED;

MAM_END_DECLS

#endif
