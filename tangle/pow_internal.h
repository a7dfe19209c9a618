/* tangle/pow_internal.h (not installed): the bit-sliced Curl-P kernels behind tangle_pow, and the
 * hooks that let tests and benchmarks force one of them.
 *
 * Bit-sliced state (spec node-interface.md 3.4): for each of the 729 positions two planes, lo then
 * hi, each lanes/64 uint64_t words; bit j of word w belongs to lane 64 w + j. A trit t is held as
 * lo = (t != +1), hi = (t != -1), so 0 -> (1,1), +1 -> (0,1), -1 -> (1,0), and a trit is zero
 * exactly when lo == hi. States are 64-byte aligned. */
#ifndef TANGLE_POW_INTERNAL_H
#define TANGLE_POW_INTERNAL_H

#include <stdint.h>

#include "tangle/pow.h"

#define POW_STATE TANGLE_CURL_STATE_TRITS
#define POW_HALF 364       /* p(i + 1) = p(i) + 364 (mod 729), spec 3.1 */
#define POW_FINAL_ROUNDS 5 /* the last rounds of a transform, evaluated per output position: 81 - 5 = 19 * POW_DEPTH */
/* Rounds fused into one kernel pass. 4 takes 19 passes for the 76 rounds before the final ones,
 * where 3 took 26 for 78: each pass streams the state (93 KB at 512 lanes, more than L1) once, so
 * fewer passes run the search about 1.8 times as fast on AVX-512 and 1.4 times on AVX2 (bench_pow,
 * pow_rate_*_1thr). Since the passes work in place the input level needs no ring, and 4 keeps 7
 * trits of rings (14 registers on AVX-512). 5 (15 trits, 30 registers, with a tail of 9
 * iterations as 16 does not divide 728) spills: 15 passes of 1.68 us against 19 of 1.24 us. */
#define POW_DEPTH 4
#define POW_RING (1u << (POW_DEPTH - 1)) /* the partner of the input level is this many iterations back */
#define POW_ALIGN 64
#define POW_MAX_WORDS 8 /* lanes / 64 of the widest kernel */

/* The named variants in order of width (TANGLE_POW_AUTO tries them widest first). */
typedef enum tangle_pow_variant {
  TANGLE_POW_AUTO = 0, /* the widest variant this CPU supports */
  TANGLE_POW_PORTABLE, /* uint64_t words, any CPU */
  TANGLE_POW_AVX2,     /* 256-bit words */
  TANGLE_POW_AVX512,   /* 512-bit words (AVX-512F) */
  TANGLE_POW__VARIANTS
} tangle_pow_variant_t;

/* Where a state keeps its trits: logical position x (spec 3.1) in slot (scale * x + shift) mod 729.
 * A pass works in place and leaves its output in a new frame (pow_frame_after_pass); states set
 * up by hand use the identity frame {1, 0}. */
typedef struct pow_frame {
  unsigned scale, shift;
} pow_frame_t;

typedef struct tangle_pow_kernel {
  const char *name;
  unsigned lanes; /* a multiple of 64 */
  int (*supported)(void);
  /* POW_DEPTH rounds of the sliced state src in `frame`, written to dst (src itself or a state that
   * does not overlap it) in pow_frame_after_pass(frame). */
  void (*pass)(const void *src, void *dst, const pow_frame_t *frame);
  /* Position `index` of the state POW_FINAL_ROUNDS rounds after src (in `frame`): the lo words then
   * the hi words, 2 * lanes / 64 in all. */
  void (*final_trit)(const void *src, const pow_frame_t *frame, unsigned index, uint64_t *out);
} tangle_pow_kernel_t;

extern const tangle_pow_kernel_t tangle_pow_kernel_portable;
#if defined(__x86_64__) && defined(__GNUC__)
#define POW_X86_SIMD 1
extern const tangle_pow_kernel_t tangle_pow_kernel_avx2;
extern const tangle_pow_kernel_t tangle_pow_kernel_avx512;
#endif

/* The kernel of a variant, or NULL when this build or this CPU lacks it. */
const tangle_pow_kernel_t *tangle_pow_kernel(tangle_pow_variant_t variant);

/* tangle_pow with a forced variant (TANGLE_ERR_INVALID_ARG when it is unavailable). */
tangle_err_t tangle_pow_with_variant(tangle_pow_variant_t variant, mam_trit_t tx[TANGLE_TX_TRITS],
                                     unsigned mwm, unsigned threads, const atomic_int *cancel,
                                     mam_trit_t *hash_out,
                                     tangle_pow_stats_t *stats) MAM_WARN_UNUSED;

/* Applies `rounds` Curl-P rounds to lanes * 729 trits (lane after lane) through the variant's
 * bit-sliced kernel, exactly as the search does. rounds - POW_FINAL_ROUNDS must be a non-negative
 * multiple of POW_DEPTH (e.g. 29, 81). */
tangle_err_t tangle_pow_sliced_transform(tangle_pow_variant_t variant, mam_trit_t *states,
                                         unsigned rounds) MAM_WARN_UNUSED;

/* The nonce a search tries in `lane` of the transform for `counter` (trits 0..80 of the tag). */
void tangle_pow_nonce(unsigned lane, uint64_t counter, mam_trit_t nonce[TANGLE_TX_TAG_TRITS]);

/* The hashes (lanes * 243 trits, lane after lane) the search computes for `counter`, through the
 * variant's kernel exactly as it does when it looks for a nonce: lane j is the hash of tx with
 * tangle_pow_nonce(j, counter) as its nonce. */
tangle_err_t tangle_pow_search_hashes(tangle_pow_variant_t variant,
                                      const mam_trit_t tx[TANGLE_TX_TRITS], uint64_t counter,
                                      mam_trit_t *hashes) MAM_WARN_UNUSED;

/* Index arithmetic modulo 729 for the kernels. */
static inline unsigned pow_add(unsigned a, unsigned b) {
  unsigned s = a + b;
  return s >= POW_STATE ? s - POW_STATE : s;
}
static inline unsigned pow_mul(unsigned a, unsigned b) { return (a * b) % POW_STATE; }

static inline unsigned pow_frame_slot(const pow_frame_t *frame, unsigned index) {
  return pow_add(pow_mul(frame->scale, index), frame->shift);
}

/* How a fused pass walks its levels (see pow_kernel.h): in iteration i, level k (0 = the input
 * state, POW_DEPTH = the output) produces its value at index slope[k] * i + offset[k]. */
typedef struct pow_plan {
  unsigned slope[POW_DEPTH + 1], offset[POW_DEPTH + 1];
} pow_plan_t;

static inline void pow_plan_make(pow_plan_t *plan) {
  plan->slope[POW_DEPTH] = 1;
  plan->offset[POW_DEPTH] = 0;
  for (unsigned k = POW_DEPTH; k-- > 0;) {
    unsigned t = POW_DEPTH - 1 - k; /* levels below the output */
    plan->slope[k] = pow_mul(plan->slope[k + 1], POW_HALF);
    plan->offset[k] = pow_mul(plan->offset[k + 1], POW_HALF);
    /* For even t the partner of this level's pair comes from an earlier iteration only if the
     * new value is the second of the pair. */
    if (t % 2 == 0) plan->offset[k] = pow_add(plan->offset[k], POW_HALF);
  }
}

static inline unsigned pow_plan_index(const pow_plan_t *plan, unsigned level, unsigned iteration) {
  return pow_add(pow_mul(plan->slope[level], iteration), plan->offset[level]);
}

/* The frame of a pass's output: iteration i reads slot P(i) (its input, logical index
 * plan.offset[0] + plan.slope[0] * i) and writes output i to slot P(i - POW_RING). */
static inline pow_frame_t pow_frame_after_pass(const pow_frame_t *frame) {
  pow_plan_t plan;
  pow_plan_make(&plan);
  unsigned stride = pow_mul(frame->scale, plan.slope[0]);
  unsigned first = pow_frame_slot(frame, plan.offset[0]);
  return (pow_frame_t){stride, pow_add(first, POW_STATE - pow_mul(stride, POW_RING))};
}

#endif
