/* mamcore/troika.h: the Troika permutation and MAM's function F (spec mam2.md section 2).
 *
 * F(S) adds one to every balanced trit, applies the 24-round Troika permutation and subtracts one
 * again. Two implementations: a plain one written to read like the specification (the "ref"
 * functions), and a fast one that every other module uses (packed lanes for one state, bit-sliced
 * across many states for the batch functions). Tests hold them equal. */
#ifndef MAMCORE_TROIKA_H
#define MAMCORE_TROIKA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamcore/trits.h"

MAM_BEGIN_DECLS

#define MAM_TROIKA_STATE_TRITS 729
#define MAM_TROIKA_RATE_TRITS 486
#define MAM_TROIKA_ROUNDS 24

/* Plain Troika permutation of an unbalanced state (values 0..2) for `rounds` rounds (<= 24). */
MAM_API void mam_troika_ref_permute(uint8_t state[MAM_TROIKA_STATE_TRITS], unsigned rounds);
/* Plain F on a balanced state. */
MAM_API void mam_troika_ref_f(mam_trit_t state[MAM_TROIKA_STATE_TRITS]);

/* Fast F on one balanced state. */
MAM_API void mam_troika_f(mam_trit_t state[MAM_TROIKA_STATE_TRITS]);

/* Fast F on `count` independent balanced states stored one after another (729 trits each). */
MAM_API void mam_troika_f_batch(mam_trit_t *states, size_t count);

/* Short-input hashes: out_j = F(in_j || 0^(729-in_len))[0..out_len) for j < count, where the
 * inputs (in_len trits each, 0 < in_len <= 486) and outputs (out_len <= 486) are stored one after
 * another. This equals Spongos.Hash_out_len(in_j) (spec section 4). */
MAM_API void mam_troika_hash_batch(const mam_trit_t *in, size_t in_len, mam_trit_t *out, size_t out_len,
                                   size_t count);

/* Hash chains: replaces each len-trit value x_j (0 < len <= 486), stored one after another, by
 * H^steps[j](x_j) with H(x) = F(x || 0^(729-len))[0..len). Used by WOTS (len 162). */
MAM_API void mam_troika_chains(mam_trit_t *chains, size_t len, const uint8_t *steps, size_t count);

/* Calls with lengths outside the ranges above do nothing. None of these functions keeps state
 * between calls; they are safe to call from several threads at once. */

/* The implementations behind the batch functions. The automatic choice takes, for the count at
 * hand, the fastest one the CPU supports; the others exist for tests and benchmarks. */
typedef enum {
  MAM_TROIKA_AUTO,          /* the fastest for this CPU and count */
  MAM_TROIKA_SINGLE,        /* one state at a time (mam_troika_f) */
  MAM_TROIKA_SLICED_64,     /* bit-sliced, 64 states per step, plain C */
  MAM_TROIKA_SLICED_AVX2,   /* bit-sliced, 256 states per step, needs AVX2 */
  MAM_TROIKA_SLICED_AVX512, /* bit-sliced, 512 states per step, needs AVX-512F */
  MAM_TROIKA_PACKED,        /* packed lanes, one state at a time, plain C; hash chains stay
                               packed from step to step */
  MAM_TROIKA_PACKED_AVX512, /* packed lanes, 4 states interleaved, needs AVX-512F; hash chains
                               stay packed, and a finished chain's place goes to the next one */
} mam_troika_impl_t;

/* Whether this CPU can run `impl`. */
MAM_API bool mam_troika_impl_supported(mam_troika_impl_t impl);
/* States handled per step (1 for MAM_TROIKA_SINGLE and MAM_TROIKA_PACKED, 0 for
 * MAM_TROIKA_AUTO). */
MAM_API size_t mam_troika_impl_lanes(mam_troika_impl_t impl);

/* The batch functions run by a given implementation; one the CPU does not support is replaced
 * by the automatic choice. */
MAM_API void mam_troika_f_batch_impl(mam_troika_impl_t impl, mam_trit_t *states, size_t count);
MAM_API void mam_troika_hash_batch_impl(mam_troika_impl_t impl, const mam_trit_t *in, size_t in_len,
                                        mam_trit_t *out, size_t out_len, size_t count);
MAM_API void mam_troika_chains_impl(mam_troika_impl_t impl, mam_trit_t *chains, size_t len,
                                    const uint8_t *steps, size_t count);

MAM_END_DECLS

#endif
