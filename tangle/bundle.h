/* tangle/bundle.h: zero-value data bundles - build, bundle hash, finalisation, validation and
 * the attach chaining (spec node-interface.md 4.2 - 4.6).
 *
 * A bundle is an array of transactions in currentIndex order (tail = index 0 first). */
#ifndef TANGLE_BUNDLE_H
#define TANGLE_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "mamcore/trits.h"
#include "tangle/error.h"
#include "tangle/transaction.h"

MAM_BEGIN_DECLS

#define TANGLE_BUNDLE_NORMALIZED_TRYTES 81
#define TANGLE_BUNDLE_NORMALIZED_MAX 13 /* the value finalisation keeps out (tryte 'M') */

/* One message of a bundle: its transactions share address, tags and timestamp. */
typedef struct tangle_bundle_entry {
  const mam_trit_t *address;      /* 243 trits */
  const mam_trit_t *tag;          /* 81 trits, or NULL for all zero */
  const mam_trit_t *obsolete_tag; /* 81 trits, or NULL for all zero (all '9') */
  int64_t timestamp;          /* seconds, 0 .. TANGLE_TX_INT_MAX */
  const mam_trit_t *message;      /* cut into 6561-trit fragments, the last padded with zeros */
  size_t message_trits;       /* 0 gives one transaction with an all-zero fragment */
} tangle_bundle_entry_t;

/* Number of transactions an entry takes: max(1, ceil(message_trits / 6561)). */
MAM_API size_t tangle_bundle_entry_txs(const tangle_bundle_entry_t *entry);

/* Builds the unfinalised zero-value bundle of the entries, in order, into txs[0..n_txs) (spec
 * 4.4): value 0, currentIndex i, lastIndex n_txs - 1; bundle, trunk, branch, nonce and the
 * attachment fields zero. Errors: TANGLE_ERR_NULL_ARG, TANGLE_ERR_INVALID_LENGTH (n_txs is not
 * the sum of tangle_bundle_entry_txs), TANGLE_ERR_INVALID_TRIT, TANGLE_ERR_INVALID_VALUE (a
 * timestamp out of range). */
MAM_API tangle_err_t tangle_bundle_build(const tangle_bundle_entry_t *entries, size_t n_entries,
                                         tangle_tx_t *txs, size_t n_txs) MAM_WARN_UNUSED;

/* The bundle hash: Kerl over the essences of txs[0..n) in order, 243 trits squeezed (spec 4.2).
 * Errors: TANGLE_ERR_NULL_ARG, TANGLE_ERR_INVALID_ARG (n = 0), those of tangle_tx_essence. */
MAM_API tangle_err_t tangle_bundle_hash(const tangle_tx_t *txs, size_t n,
                                        mam_trit_t hash[TANGLE_TX_HASH_TRITS]) MAM_WARN_UNUSED;

/* The normalized bundle hash: 81 tryte values, each block of 27 brought to sum 0 (spec 4.3). */
MAM_API void tangle_bundle_normalize(const mam_trit_t hash[TANGLE_TX_HASH_TRITS],
                                     int8_t normalized[TANGLE_BUNDLE_NORMALIZED_TRYTES]);

/* Finalises a built bundle (spec 4.3): while the normalized bundle hash contains 13, adds 1 to
 * txs[0].obsolete_tag (an 81-trit integer, wrapping) and rehashes; then writes the hash into
 * every bundle field. *increments (if not NULL) gets the number of additions. Errors as
 * tangle_bundle_hash, plus TANGLE_ERR_NO_MEMORY. */
MAM_API tangle_err_t tangle_bundle_finalize(tangle_tx_t *txs, size_t n,
                                            uint64_t *increments) MAM_WARN_UNUSED;

/* Checks a received bundle given in index order (spec 4.6). hashes: NULL to compute the n
 * transaction hashes here, or those hashes (243 trits each) when the caller already computed
 * them, e.g. with tangle_curl_hash_tx_batch. Do not pass hashes read from the feed unchecked: a
 * forged hash would let a forged trunk chain pass.
 *   TANGLE_ERR_INVALID_ARG    n = 0
 *   TANGLE_ERR_BUNDLE_INDEX   currentIndex != position, or lastIndex != n - 1
 *   TANGLE_ERR_BUNDLE_VALUE   a |value| or running sum beyond the supply, or sum != 0
 *   TANGLE_ERR_BUNDLE_HASH    bundle fields differ, or differ from the recomputed hash
 *   TANGLE_ERR_BUNDLE_CHAIN   the trunk of tx i is not the hash of tx i + 1
 * plus TANGLE_ERR_NULL_ARG and the errors of tangle_tx_to_trits. Signatures are not checked
 * (they only matter for negative values). */
MAM_API tangle_err_t tangle_bundle_validate(const tangle_tx_t *txs, size_t n,
                                            const mam_trit_t *hashes) MAM_WARN_UNUSED;

/* One attach step (spec 4.5), for index = n - 1 (the head) down to 0, each after the PoW of
 * the previous step: the head gets trunk = tip_trunk, branch = tip_branch; every other tx gets
 * trunk = hash of txs[index + 1] (computed here, so that tx must be final) and branch =
 * tip_trunk. Also sets attachmentTimestamp = attachment_timestamp_ms, lower bound 0, upper bound
 * TANGLE_TX_INT_MAX, and copies obsoleteTag into an all-zero tag. The nonce is left to the PoW.
 * Errors: TANGLE_ERR_NULL_ARG, TANGLE_ERR_INVALID_ARG (index >= n),
 * TANGLE_ERR_INVALID_VALUE (timestamp out of 0 .. TANGLE_TX_INT_MAX), those of tangle_tx_hash. */
MAM_API tangle_err_t tangle_bundle_chain(tangle_tx_t *txs, size_t n, size_t index,
                                         const mam_trit_t tip_trunk[TANGLE_TX_HASH_TRITS],
                                         const mam_trit_t tip_branch[TANGLE_TX_HASH_TRITS],
                                         int64_t attachment_timestamp_ms) MAM_WARN_UNUSED;

/* The proof-of-work step for tangle_bundle_attach: must set tx->nonce (it may also change the
 * attachment fields, e.g. to a fresh clock); a non-OK return stops the attach. */
typedef tangle_err_t (*tangle_bundle_pow_fn)(tangle_tx_t *tx, void *ctx);

/* tangle_bundle_chain + pow for every index from the head down to 0, with one timestamp for all
 * transactions. On error the bundle is partly attached. */
MAM_API tangle_err_t tangle_bundle_attach(tangle_tx_t *txs, size_t n,
                                          const mam_trit_t tip_trunk[TANGLE_TX_HASH_TRITS],
                                          const mam_trit_t tip_branch[TANGLE_TX_HASH_TRITS],
                                          int64_t attachment_timestamp_ms, tangle_bundle_pow_fn pow,
                                          void *ctx) MAM_WARN_UNUSED;

MAM_END_DECLS

#endif
