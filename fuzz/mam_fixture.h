/* fuzz/mam_fixture.h: the fixed MAM world of the reader targets and of their corpus writer.
 *
 * A seed, two channels (A, height 2, and B, height 1), an endpoint E of A (height 1), one PSK and
 * one NTRU key pair, all derived deterministically so that messages written once by
 * fuzz/make_corpus.c still read in every later fuzzing run. */
#ifndef FUZZ_MAM_FIXTURE_H
#define FUZZ_MAM_FIXTURE_H

#include <string.h>

#include "mamcore/transport.h"

typedef struct fz_mam {
  mam_prng_t prng;
  mam_channel_t a, b;
  mam_endpoint_t e;
  mam_psk_t psk;
  mam_ntru_sk_t ntru;
} fz_mam_t;

/* Trits 0, 1, -1, 0, 1, ... shifted by `salt`: fixed material that is not all zero. */
static inline void fz_mam_pattern(mam_trit_t *t, size_t n, unsigned salt) {
  for (size_t i = 0; i < n; i++) t[i] = (mam_trit_t)((int)((i * 5 + salt) % 3) - 1);
}

/* Builds the world; 0 on success. */
static inline int fz_mam_init(fz_mam_t *w) {
  mam_trit_t key[MAM_PRNG_KEY_TRITS], name[MAM_API_NAME_TRITS], nonce[81];
  memset(w, 0, sizeof *w);
  fz_mam_pattern(key, sizeof key, 7);
  mam_prng_init(&w->prng, key);
  mam_trits_from_int(0, name, sizeof name);
  if (mam_channel_create(&w->a, &w->prng, name, sizeof name, 2, 1) != MAM_OK) return -1;
  if (mam_endpoint_create(&w->e, &w->a, &w->prng, name, sizeof name, 1, 1) != MAM_OK) return -1;
  mam_trits_from_int(1, name, sizeof name);
  if (mam_channel_create(&w->b, &w->prng, name, sizeof name, 1, 1) != MAM_OK) return -1;
  fz_mam_pattern(w->psk.id, MAM_PSK_ID_TRITS, 1);
  fz_mam_pattern(w->psk.key, MAM_PSK_KEY_TRITS, 2);
  fz_mam_pattern(nonce, sizeof nonce, 3);
  return mam_ntru_keygen(&w->prng, nonce, sizeof nonce, &w->ntru) == MAM_OK ? 0 : -1;
}

/* What a reader of the world holds: trust in A and B (and in E when asked), the PSK and the NTRU
 * secret key when asked. */
static inline int fz_mam_reader_keys(const fz_mam_t *w, mam_reader_t *r, bool trust_e, bool psk, bool ntru) {
  if (mam_id_set_add(&r->keys.trusted_channels, mam_channel_id(&w->a)) != MAM_OK ||
      mam_id_set_add(&r->keys.trusted_channels, mam_channel_id(&w->b)) != MAM_OK)
    return -1;
  if (trust_e && mam_id_set_add(&r->keys.trusted_endpoints, mam_endpoint_id(&w->e)) != MAM_OK) return -1;
  r->keys.psks = &w->psk;
  r->keys.n_psks = psk ? 1 : 0;
  r->keys.ntru_sks = &w->ntru;
  r->keys.n_ntru = ntru ? 1 : 0;
  return 0;
}

/* Flag bits of the first input byte of the reader targets. */
#define FZ_MAM_TRUST_E 1
#define FZ_MAM_PSK 2
#define FZ_MAM_NTRU 4

#endif
