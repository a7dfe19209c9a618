/* mamcore/prng.h: the MAM2 PRNG (spec section 5). */
#ifndef MAMCORE_PRNG_H
#define MAMCORE_PRNG_H

#include "mamcore/sponge.h"

MAM_BEGIN_DECLS

#define MAM_PRNG_KEY_TRITS 243

/* Destination trytes: what the output is for. */
typedef enum mam_prng_dest {
  MAM_PRNG_SECKEY = 0,  /* session keys and PSKs */
  MAM_PRNG_WOTSKEY = 1, /* WOTS private keys */
  MAM_PRNG_NTRUKEY = 2, /* NTRU key generation and encryption randomness */
} mam_prng_dest_t;

typedef struct mam_prng {
  mam_trit_t key[MAM_PRNG_KEY_TRITS];
} mam_prng_t;

/* Sets the secret key (243 trits). */
MAM_API void mam_prng_init(mam_prng_t *prng, const mam_trit_t key[MAM_PRNG_KEY_TRITS]);
/* Forgets the key. */
MAM_API void mam_prng_destroy(mam_prng_t *prng);

/* PRNG(K, dest, nonces..., n): absorbs K || <dest>_3 || nonce pieces with the KEY control trit and
 * squeezes n trits. At most MAM_PRNG_MAX_NONCES nonce pieces (else MAM_ERR_INVALID_ARG). Only the last 486-trit block of that input matters (spec section 5): the
 * reference never transforms while absorbing, and neither do we. */
#define MAM_PRNG_MAX_NONCES 5
MAM_API mam_err_t mam_prng_gen(const mam_prng_t *prng, mam_prng_dest_t dest, const mam_trits_view_t *nonces,
                               size_t nonce_count, mam_trit_t *out, size_t n) MAM_WARN_UNUSED;

/* out_j = PRNG(K, dest, nonces[j*nonce_count .. (j+1)*nonce_count), n) for j < count, outputs
 * stored one after another; the same as `count` calls of mam_prng_gen, with batched transforms. */
MAM_API mam_err_t mam_prng_gen_batch(const mam_prng_t *prng, mam_prng_dest_t dest, const mam_trits_view_t *nonces,
                                     size_t nonce_count, size_t count, mam_trit_t *out, size_t n) MAM_WARN_UNUSED;

MAM_END_DECLS

#endif
