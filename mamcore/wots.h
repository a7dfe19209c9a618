/* mamcore/wots.h: Winternitz one-time signatures of MAM2 (spec mam2.md section 6).
 * 81 chains of 162 trits; a chain step is H(x) = F(x || 0^567)[0..162). */
#ifndef MAMCORE_WOTS_H
#define MAMCORE_WOTS_H

#include "mamcore/prng.h"

MAM_BEGIN_DECLS

#define MAM_WOTS_CHAINS 81
#define MAM_WOTS_CHAIN_TRITS 162
#define MAM_WOTS_CHAIN_STEPS 26
#define MAM_WOTS_SK_TRITS (MAM_WOTS_CHAINS * MAM_WOTS_CHAIN_TRITS) /* 13122 */
#define MAM_WOTS_SIG_TRITS MAM_WOTS_SK_TRITS
#define MAM_WOTS_PK_TRITS 243
#define MAM_WOTS_HASH_TRITS 234 /* the signed value: 78 trytes */

/* The private key: PRNG(K, WOTSKEY, nonces, 13122). */
MAM_API mam_err_t mam_wots_gen_sk(const mam_prng_t *prng, const mam_trits_view_t *nonces, size_t nonce_count,
                                  mam_trit_t sk[MAM_WOTS_SK_TRITS]) MAM_WARN_UNUSED;

/* Public keys of `count` private keys stored one after another. The private keys are consumed:
 * each is advanced to its chain ends in place (callers that keep a key pass a copy). */
MAM_API mam_err_t mam_wots_pk_from_sk_consume(mam_trit_t *sks, size_t count, mam_trit_t *pks) MAM_WARN_UNUSED;

/* Chain positions of a signed value: 78 tryte digits and a 3-tryte checksum (spec 6). */
MAM_API void mam_wots_digits(const mam_trit_t hash[MAM_WOTS_HASH_TRITS], int8_t digits[MAM_WOTS_CHAINS]);

MAM_API void mam_wots_sign(const mam_trit_t sk[MAM_WOTS_SK_TRITS], const mam_trit_t hash[MAM_WOTS_HASH_TRITS],
                           mam_trit_t sig[MAM_WOTS_SIG_TRITS]);
/* The public key a signature commits to; compare it with the expected key to verify. */
MAM_API void mam_wots_recover(const mam_trit_t hash[MAM_WOTS_HASH_TRITS], const mam_trit_t sig[MAM_WOTS_SIG_TRITS],
                              mam_trit_t pk[MAM_WOTS_PK_TRITS]);
/* The public keys of `count` signatures at once: pks + 243 j = mam_wots_recover(hashes[j],
 * sigs[j]), with the chains of all of them run together in the Troika lanes (and the hashes of
 * their chain ends as one batch). */
MAM_API mam_err_t mam_wots_recover_batch(const mam_trit_t *const *hashes, const mam_trit_t *const *sigs, size_t count,
                                         mam_trit_t *pks) MAM_WARN_UNUSED;

MAM_END_DECLS

#endif
