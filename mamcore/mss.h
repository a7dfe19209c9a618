/* mamcore/mss.h: the Merkle signature scheme of MAM2 (spec mam2.md section 7).
 *
 * A tree of height h (0..20) has 2^h WOTS leaves; the root is the channel or endpoint id. Leaf i's
 * private key is PRNG(K, WOTSKEY, nonce || <i>_18, 13122) where `nonce` is the concatenation of the
 * instance's name fields (section 11.1).
 *
 * Traversal keeps memory at O(2^(h/2)) hashes rather than the whole tree: heights up to
 * MAM_MSS_LAYER_HEIGHT keep their tree; taller trees keep the top tree, the bottom subtree that holds
 * the current leaf, and the next bottom subtree, which is built a leaf or two per signature so that
 * every signature costs about the same (no spikes at subtree boundaries). */
#ifndef MAMCORE_MSS_H
#define MAMCORE_MSS_H

#include "mamcore/wots.h"

MAM_BEGIN_DECLS

#define MAM_MSS_MAX_HEIGHT 20
#define MAM_MSS_HASH_TRITS 243
#define MAM_MSS_SKN_TRITS 18
#define MAM_MSS_LAYER_HEIGHT 10
#define MAM_MSS_NONCE_MAX_TRITS 486
#define MAM_MSS_SIG_TRITS(h) (MAM_MSS_SKN_TRITS + MAM_WOTS_SIG_TRITS + MAM_MSS_HASH_TRITS * (size_t)(h))
#define MAM_MSS_SIG_MIN_TRITS MAM_MSS_SIG_TRITS(0) /* 13140 */

/* A complete binary tree of hashes in heap order (node 1 = root, children 2k and 2k+1), each hash
 * packed as 81 tryte values. */
typedef struct mam_mss_tree {
  unsigned height;
  int8_t *nodes;
} mam_mss_tree_t;

typedef struct mam_mss {
  unsigned height;
  uint32_t skn; /* index of the next unused leaf; 2^height when exhausted */
  mam_trit_t root[MAM_MSS_HASH_TRITS];
  mam_trit_t nonce[MAM_MSS_NONCE_MAX_TRITS];
  size_t nonce_len;
  unsigned bottom_height, top_height; /* bottom + top = height; top is 0 for short trees */
  mam_mss_tree_t top;                 /* leaves are the roots of the bottom subtrees */
  mam_mss_tree_t current;             /* the bottom subtree holding leaf skn */
  mam_mss_tree_t next;                /* the following bottom subtree, being built */
  uint32_t next_index;                /* which bottom subtree `next` is */
  uint32_t next_filled;               /* how many of its leaves are computed */
} mam_mss_t;

/* Prepares an instance of height h bound to the concatenation of the nonce pieces (at most 4,
 * MAM_MSS_NONCE_MAX_TRITS trits in all). No key material is computed yet. */
MAM_API mam_err_t mam_mss_init(mam_mss_t *mss, unsigned height, const mam_trits_view_t *nonces,
                               size_t nonce_count) MAM_WARN_UNUSED;
/* Chooses the bottom-subtree height kept in memory (1..MAM_MSS_LAYER_HEIGHT; default
 * MAM_MSS_LAYER_HEIGHT). Smaller layers trade signing time for memory; tests use it to exercise the
 * layered traversal on small trees. Call before mam_mss_gen. */
MAM_API mam_err_t mam_mss_set_layer_height(mam_mss_t *mss, unsigned layer) MAM_WARN_UNUSED;
/* Generates every leaf, computes the root and sets skn = 0. threads = 0 uses every online CPU. */
MAM_API mam_err_t mam_mss_gen(mam_mss_t *mss, const mam_prng_t *prng, unsigned threads) MAM_WARN_UNUSED;
/* Frees the traversal memory. */
MAM_API void mam_mss_destroy(mam_mss_t *mss);

/* Signatures left: 2^h - skn. */
MAM_API uint64_t mam_mss_remaining(const mam_mss_t *mss);
/* Signature length in trits for this height. */
MAM_API size_t mam_mss_sig_trits(const mam_mss_t *mss);

/* Signs the 234-trit value with leaf skn and moves skn on by one. sig must hold
 * mam_mss_sig_trits(mss) trits. MAM_ERR_MSS_EXHAUSTED when no leaf is left. */
MAM_API mam_err_t mam_mss_sign(mam_mss_t *mss, const mam_prng_t *prng, const mam_trit_t hash[MAM_WOTS_HASH_TRITS],
                               mam_trit_t *sig, size_t sig_len) MAM_WARN_UNUSED;

/* Moves skn forward to new_skn (<= 2^h) without signing, e.g. to skip leaves reserved before a
 * crash. Never moves backwards (MAM_ERR_MSS_SKN). */
MAM_API mam_err_t mam_mss_skip_to(mam_mss_t *mss, const mam_prng_t *prng, uint32_t new_skn,
                                  unsigned threads) MAM_WARN_UNUSED;

/* SKN field: 4 low trits of <h>_6 then 14 low trits of <skn>_18 (spec 7.3). */
MAM_API void mam_mss_skn_encode(unsigned height, uint32_t skn, mam_trit_t out[MAM_MSS_SKN_TRITS]);
MAM_API mam_err_t mam_mss_skn_decode(const mam_trit_t in[MAM_MSS_SKN_TRITS], unsigned *height,
                                     uint32_t *skn) MAM_WARN_UNUSED;

/* Verifies sig over the 234-trit value against the root pk: MAM_OK, MAM_ERR_BAD_SIGNATURE, or a
 * format error (MAM_ERR_TRUNCATED, MAM_ERR_MSS_HEIGHT, MAM_ERR_MSS_SKN, MAM_ERR_INVALID_VALUE). */
MAM_API mam_err_t mam_mss_verify(const mam_trit_t hash[MAM_WOTS_HASH_TRITS], const mam_trit_t *sig, size_t sig_len,
                                 const mam_trit_t pk[MAM_MSS_HASH_TRITS]) MAM_WARN_UNUSED;

/* One signature to verify: as the arguments of mam_mss_verify. */
typedef struct mam_mss_check {
  const mam_trit_t *hash; /* MAM_WOTS_HASH_TRITS */
  const mam_trit_t *sig;
  size_t sig_len;
  const mam_trit_t *pk; /* MAM_MSS_HASH_TRITS */
} mam_mss_check_t;

/* Verifies `count` signatures at once: results[j] becomes what mam_mss_verify returns for
 * checks[j]. The WOTS chains of all of them run together in the Troika lanes, and so do the
 * hashes of their Merkle paths, level by level, which makes many signatures much cheaper than
 * one call each. Returns MAM_OK when every result is set, else MAM_ERR_NULL_ARG or
 * MAM_ERR_NO_MEMORY (results then unspecified). */
MAM_API mam_err_t mam_mss_verify_batch(const mam_mss_check_t *checks, size_t count,
                                       mam_err_t *results) MAM_WARN_UNUSED;

/* Signatures checked together ahead of the reads that need them. A reader holding a memo
 * (mam_reader_keys_t.memo) looks every signature up there instead of verifying it on the spot:
 *   - checked already: the memo gives mam_mss_verify's result;
 *   - unknown while the memo collects and has room: the memo notes it (copying what it needs)
 *     and the read fails with MAM_ERR_SIG_DEFERRED, leaving the reader as any failed read does;
 *   - otherwise it is verified on the spot, as without a memo.
 * mam_mss_memo_verify then checks every noted signature in one mam_mss_verify_batch call, and a
 * second read of the same bundle finds its result. The memo is keyed by the whole (hash,
 * signature, key), so a result serves only the very same check. Not thread-safe. */
typedef struct mam_mss_memo_entry {
  mam_trit_t hash[MAM_WOTS_HASH_TRITS];
  mam_trit_t pk[MAM_MSS_HASH_TRITS];
  mam_trit_t *sig; /* malloc'd copy */
  size_t sig_len;
  mam_err_t result; /* MAM_ERR_SIG_DEFERRED until verified */
} mam_mss_memo_entry_t;

typedef struct mam_mss_memo {
  mam_mss_memo_entry_t *entries;
  size_t n, cap;
  size_t max;      /* signatures noted at most between two verifications */
  bool collecting; /* whether unknown signatures are noted (else verified on the spot) */
} mam_mss_memo_t;

/* An empty memo that notes up to `max` signatures, collecting. */
MAM_API void mam_mss_memo_init(mam_mss_memo_t *m, size_t max);
/* Forgets every entry (the memo keeps collecting as it did). */
MAM_API void mam_mss_memo_clear(mam_mss_memo_t *m);
MAM_API void mam_mss_memo_destroy(mam_mss_memo_t *m);
/* Signatures noted and not verified yet. */
MAM_API size_t mam_mss_memo_pending(const mam_mss_memo_t *m);
/* mam_mss_verify through the memo (m may be NULL: verified on the spot). */
MAM_API mam_err_t mam_mss_memo_check(mam_mss_memo_t *m, const mam_trit_t hash[MAM_WOTS_HASH_TRITS],
                                     const mam_trit_t *sig, size_t sig_len,
                                     const mam_trit_t pk[MAM_MSS_HASH_TRITS]) MAM_WARN_UNUSED;
/* Verifies every noted signature at once. MAM_ERR_NO_MEMORY leaves them noted. */
MAM_API mam_err_t mam_mss_memo_verify(mam_mss_memo_t *m) MAM_WARN_UNUSED;

/* Saved form of an MSS with its traversal caches (used by mamcore/state.c). */
struct mam_benc;
struct mam_bdec;
MAM_API void mam_mss_encode(const mam_mss_t *mss, struct mam_benc *e);
/* Decodes into an uninitialised mss; MAM_ERR_STATE_FORMAT on any inconsistency. */
MAM_API mam_err_t mam_mss_decode(mam_mss_t *mss, struct mam_bdec *d) MAM_WARN_UNUSED;

MAM_END_DECLS

#endif
