/* mamcore/spongos.h: Spongos, the duplex object every MAM2 layer is built on (spec section 4). */
#ifndef MAMCORE_SPONGOS_H
#define MAMCORE_SPONGOS_H

#include "mamcore/troika.h"

MAM_BEGIN_DECLS

typedef struct mam_spongos {
  mam_trit_t s[MAM_TROIKA_STATE_TRITS];
  size_t pos; /* 0..485 */
} mam_spongos_t;

MAM_API void mam_spongos_init(mam_spongos_t *sp);
/* Transforms when pos != 0. */
MAM_API void mam_spongos_commit(mam_spongos_t *sp);
/* Overwrites the rate with x (commits automatically each time pos reaches 486). */
MAM_API void mam_spongos_absorb(mam_spongos_t *sp, const mam_trit_t *x, size_t n);
/* Reads n trits of the rate into out, zeroing them. */
MAM_API void mam_spongos_squeeze(mam_spongos_t *sp, mam_trit_t *out, size_t n);
/* Encrypts x into y (they may alias); the state keeps the plaintext. */
MAM_API void mam_spongos_encr(mam_spongos_t *sp, const mam_trit_t *x, mam_trit_t *y, size_t n);
/* Decrypts y into x (they may alias); the state keeps the plaintext. */
MAM_API void mam_spongos_decr(mam_spongos_t *sp, const mam_trit_t *y, mam_trit_t *x, size_t n);
/* Squeezes n trits and compares them with expected in constant time; the state advances the same
 * way whatever the result. */
MAM_API bool mam_spongos_squeeze_eq(mam_spongos_t *sp, const mam_trit_t *expected, size_t n);
/* Hash_n: Init, Absorb(x), Commit, Squeeze(n). */
MAM_API void mam_spongos_hash(const mam_trit_t *x, size_t x_len, mam_trit_t *out, size_t n);

/* Serialised form `sizet(pos) || S` (for saved state). */
#define MAM_SPONGOS_SERIALIZED_MAX (6 + MAM_TROIKA_STATE_TRITS)

MAM_END_DECLS

#endif
