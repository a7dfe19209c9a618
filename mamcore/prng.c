#include "mamcore/prng.h"

#include <string.h>

void mam_prng_init(mam_prng_t *prng, const trit_t key[MAM_PRNG_KEY_TRITS]) {
  memcpy(prng->key, key, MAM_PRNG_KEY_TRITS);
}

void mam_prng_destroy(mam_prng_t *prng) { mam_wipe(prng->key, sizeof prng->key); }

mam_err_t mam_prng_gen(const mam_prng_t *prng, mam_prng_dest_t dest, const mam_trits_view_t *nonces,
                       size_t nonce_count, trit_t *out, size_t n) {
  if (nonce_count > MAM_PRNG_MAX_NONCES) return MAM_ERR_INVALID_ARG;
  trit_t dest_trits[3];
  mam_trits_from_int((int64_t)dest, dest_trits, 3);
  mam_trits_view_t pieces[2 + MAM_PRNG_MAX_NONCES];
  size_t count = 0;
  pieces[count++] = (mam_trits_view_t){prng->key, MAM_PRNG_KEY_TRITS};
  pieces[count++] = (mam_trits_view_t){dest_trits, 3};
  for (size_t i = 0; i < nonce_count; i++) pieces[count++] = nonces[i];
  mam_sponge_t sp;
  mam_sponge_init(&sp);
  mam_sponge_absorb(&sp, MAM_SPONGE_CTL_KEY, pieces, count);
  mam_sponge_squeeze(&sp, MAM_SPONGE_CTL_PRN, out, n);
  mam_wipe(&sp, sizeof sp);
  return MAM_OK;
}
