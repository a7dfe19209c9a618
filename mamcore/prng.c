#include "mamcore/prng.h"

#include <stdlib.h>
#include <string.h>

void mam_prng_init(mam_prng_t *prng, const mam_trit_t key[MAM_PRNG_KEY_TRITS]) {
  memcpy(prng->key, key, MAM_PRNG_KEY_TRITS);
}

void mam_prng_destroy(mam_prng_t *prng) { mam_wipe(prng->key, sizeof prng->key); }

/* The sponge after absorbing K || <dest>_3 || nonces (no transform happens, spec 5). */
static void prng_absorb(const mam_prng_t *prng, mam_prng_dest_t dest, const mam_trits_view_t *nonces,
                        size_t nonce_count, mam_sponge_t *sp) {
  mam_trit_t dest_trits[3];
  mam_trits_from_int((int64_t)dest, dest_trits, 3);
  mam_trits_view_t pieces[2 + MAM_PRNG_MAX_NONCES];
  size_t count = 0;
  pieces[count++] = (mam_trits_view_t){prng->key, MAM_PRNG_KEY_TRITS};
  pieces[count++] = (mam_trits_view_t){dest_trits, 3};
  for (size_t i = 0; i < nonce_count; i++) pieces[count++] = nonces[i];
  mam_sponge_init(sp);
  mam_sponge_absorb(sp, MAM_SPONGE_CTL_KEY, pieces, count);
}

mam_err_t mam_prng_gen(const mam_prng_t *prng, mam_prng_dest_t dest, const mam_trits_view_t *nonces,
                       size_t nonce_count, mam_trit_t *out, size_t n) {
  if (nonce_count > MAM_PRNG_MAX_NONCES) return MAM_ERR_INVALID_ARG;
  mam_sponge_t sp;
  prng_absorb(prng, dest, nonces, nonce_count, &sp);
  mam_sponge_squeeze(&sp, MAM_SPONGE_CTL_PRN, out, n);
  mam_wipe(&sp, sizeof sp);
  return MAM_OK;
}

mam_err_t mam_prng_gen_batch(const mam_prng_t *prng, mam_prng_dest_t dest, const mam_trits_view_t *nonces,
                             size_t nonce_count, size_t count, mam_trit_t *out, size_t n) {
  if (nonce_count > MAM_PRNG_MAX_NONCES) return MAM_ERR_INVALID_ARG;
  mam_trit_t *states = malloc(count * MAM_TROIKA_STATE_TRITS);
  if (!states && count > 0) return MAM_ERR_NO_MEMORY;
  for (size_t j = 0; j < count; j++) {
    mam_sponge_t sp;
    prng_absorb(prng, dest, nonces + j * nonce_count, nonce_count, &sp);
    memcpy(states + j * MAM_TROIKA_STATE_TRITS, sp.s, MAM_TROIKA_STATE_TRITS);
    mam_wipe(&sp, sizeof sp);
  }
  mam_sponge_squeeze_batch(states, count, MAM_SPONGE_CTL_PRN, out, n);
  mam_wipe(states, count * MAM_TROIKA_STATE_TRITS);
  free(states);
  return MAM_OK;
}
