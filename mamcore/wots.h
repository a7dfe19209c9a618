/* mamcore/wots.h: Winternitz one-time signatures of MAM2 (spec mam2.md section 6).
 * 81 chains of 162 trits; a chain step is H(x) = F(x || 0^567)[0..162). */
#ifndef MAMCORE_WOTS_H
#define MAMCORE_WOTS_H

#include "mamcore/prng.h"

#define MAM_WOTS_CHAINS 81
#define MAM_WOTS_CHAIN_TRITS 162
#define MAM_WOTS_CHAIN_STEPS 26
#define MAM_WOTS_SK_TRITS (MAM_WOTS_CHAINS * MAM_WOTS_CHAIN_TRITS) /* 13122 */
#define MAM_WOTS_SIG_TRITS MAM_WOTS_SK_TRITS
#define MAM_WOTS_PK_TRITS 243
#define MAM_WOTS_HASH_TRITS 234 /* the signed value: 78 trytes */

/* The private key: PRNG(K, WOTSKEY, nonces, 13122). */
mam_err_t mam_wots_gen_sk(const mam_prng_t *prng, const mam_trits_view_t *nonces, size_t nonce_count,
                          trit_t sk[MAM_WOTS_SK_TRITS]) MAM_WARN_UNUSED;

/* Public keys of `count` private keys stored one after another. The private keys are consumed:
 * each is advanced to its chain ends in place (callers that keep a key pass a copy). */
mam_err_t mam_wots_pk_from_sk_consume(trit_t *sks, size_t count, trit_t *pks) MAM_WARN_UNUSED;

/* Chain positions of a signed value: 78 tryte digits and a 3-tryte checksum (spec 6). */
void mam_wots_digits(const trit_t hash[MAM_WOTS_HASH_TRITS], int8_t digits[MAM_WOTS_CHAINS]);

void mam_wots_sign(const trit_t sk[MAM_WOTS_SK_TRITS], const trit_t hash[MAM_WOTS_HASH_TRITS],
                   trit_t sig[MAM_WOTS_SIG_TRITS]);
/* The public key a signature commits to; compare it with the expected key to verify. */
void mam_wots_recover(const trit_t hash[MAM_WOTS_HASH_TRITS], const trit_t sig[MAM_WOTS_SIG_TRITS],
                      trit_t pk[MAM_WOTS_PK_TRITS]);
/* The public keys of `count` signatures at once: pks + 243 j = mam_wots_recover(hashes[j],
 * sigs[j]), with the chains of all of them run together in the Troika lanes (and the hashes of
 * their chain ends as one batch). */
mam_err_t mam_wots_recover_batch(const trit_t *const *hashes, const trit_t *const *sigs, size_t count,
                                 trit_t *pks) MAM_WARN_UNUSED;

#endif
