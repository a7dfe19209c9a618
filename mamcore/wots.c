#include "mamcore/wots.h"

#include "mamcore/spongos.h"

#include <stdlib.h>
#include <string.h>

mam_err_t mam_wots_gen_sk(const mam_prng_t *prng, const mam_trits_view_t *nonces, size_t nonce_count,
                          mam_trit_t sk[MAM_WOTS_SK_TRITS]) {
  return mam_prng_gen(prng, MAM_PRNG_WOTSKEY, nonces, nonce_count, sk, MAM_WOTS_SK_TRITS);
}

/* pk = Spongos.Hash_243(chain ends): 13122 = 27 * 486, so absorbing is exactly 27 rate blocks each
 * followed by F, and the final commit has nothing to do (spec 6). Done for many keys at once. */
static mam_err_t hash_chain_ends(const mam_trit_t *ends, size_t count, mam_trit_t *pks) {
  mam_trit_t *states = calloc(count, MAM_TROIKA_STATE_TRITS);
  if (!states) return MAM_ERR_NO_MEMORY;
  for (size_t b = 0; b < MAM_WOTS_SK_TRITS / MAM_TROIKA_RATE_TRITS; b++) {
    for (size_t j = 0; j < count; j++)
      memcpy(states + j * MAM_TROIKA_STATE_TRITS,
             ends + j * MAM_WOTS_SK_TRITS + b * MAM_TROIKA_RATE_TRITS, MAM_TROIKA_RATE_TRITS);
    mam_troika_f_batch(states, count);
  }
  for (size_t j = 0; j < count; j++)
    memcpy(pks + j * MAM_WOTS_PK_TRITS, states + j * MAM_TROIKA_STATE_TRITS, MAM_WOTS_PK_TRITS);
  free(states);
  return MAM_OK;
}

mam_err_t mam_wots_pk_from_sk_consume(mam_trit_t *sks, size_t count, mam_trit_t *pks) {
  size_t chains = count * MAM_WOTS_CHAINS;
  uint8_t *steps = malloc(chains);
  if (!steps) return MAM_ERR_NO_MEMORY;
  memset(steps, MAM_WOTS_CHAIN_STEPS, chains);
  mam_troika_chains(sks, MAM_WOTS_CHAIN_TRITS, steps, chains);
  free(steps);
  return hash_chain_ends(sks, count, pks);
}

void mam_wots_digits(const mam_trit_t hash[MAM_WOTS_HASH_TRITS], int8_t digits[MAM_WOTS_CHAINS]) {
  int sum = 0;
  for (int i = 0; i < MAM_WOTS_HASH_TRITS / 3; i++) {
    digits[i] = (int8_t)mam_trits_to_int(hash + 3 * i, 3);
    sum += digits[i];
  }
  mam_trit_t check[9];
  mam_trits_from_int(-sum, check, 9);
  for (int i = 0; i < 3; i++) digits[78 + i] = (int8_t)mam_trits_to_int(check + 3 * i, 3);
}

/* The steps of each chain: 13 + sign * digit (sign +1 to sign, -1 to recover). */
static void chain_steps(const mam_trit_t hash[MAM_WOTS_HASH_TRITS], int sign, uint8_t steps[MAM_WOTS_CHAINS]) {
  int8_t digits[MAM_WOTS_CHAINS];
  mam_wots_digits(hash, digits);
  for (int i = 0; i < MAM_WOTS_CHAINS; i++) steps[i] = (uint8_t)(13 + sign * digits[i]);
}

/* Advances each chain of `x` by its steps for the hash. */
static void walk_chains(mam_trit_t x[MAM_WOTS_SK_TRITS], const mam_trit_t hash[MAM_WOTS_HASH_TRITS], int sign) {
  uint8_t steps[MAM_WOTS_CHAINS];
  chain_steps(hash, sign, steps);
  mam_troika_chains(x, MAM_WOTS_CHAIN_TRITS, steps, MAM_WOTS_CHAINS);
}

void mam_wots_sign(const mam_trit_t sk[MAM_WOTS_SK_TRITS], const mam_trit_t hash[MAM_WOTS_HASH_TRITS],
                   mam_trit_t sig[MAM_WOTS_SIG_TRITS]) {
  memcpy(sig, sk, MAM_WOTS_SK_TRITS);
  walk_chains(sig, hash, +1);
}

void mam_wots_recover(const mam_trit_t hash[MAM_WOTS_HASH_TRITS], const mam_trit_t sig[MAM_WOTS_SIG_TRITS],
                      mam_trit_t pk[MAM_WOTS_PK_TRITS]) {
  mam_trit_t ends[MAM_WOTS_SK_TRITS];
  memcpy(ends, sig, sizeof ends);
  walk_chains(ends, hash, -1);
  mam_spongos_hash(ends, MAM_WOTS_SK_TRITS, pk, MAM_WOTS_PK_TRITS);
}

mam_err_t mam_wots_recover_batch(const mam_trit_t *const *hashes, const mam_trit_t *const *sigs, size_t count,
                                 mam_trit_t *pks) {
  if (count == 0) return MAM_OK;
  if (!hashes || !sigs || !pks) return MAM_ERR_NULL_ARG;
  if (count > SIZE_MAX / MAM_WOTS_SK_TRITS) return MAM_ERR_LIMIT;
  mam_trit_t *ends = malloc(count * MAM_WOTS_SK_TRITS);
  uint8_t *steps = malloc(count * MAM_WOTS_CHAINS);
  mam_err_t err = ends && steps ? MAM_OK : MAM_ERR_NO_MEMORY;
  for (size_t j = 0; err == MAM_OK && j < count; j++) {
    memcpy(ends + j * MAM_WOTS_SK_TRITS, sigs[j], MAM_WOTS_SK_TRITS);
    chain_steps(hashes[j], -1, steps + j * MAM_WOTS_CHAINS);
  }
  if (err == MAM_OK) {
    mam_troika_chains(ends, MAM_WOTS_CHAIN_TRITS, steps, count * MAM_WOTS_CHAINS);
    err = hash_chain_ends(ends, count, pks);
  }
  free(ends);
  free(steps);
  return err;
}
