/* tangle/pow_kernel.h (internal): one bit-sliced Curl-P kernel, written once for any lane word.
 * pow_sliced.c includes it once per instruction set, having defined
 *   POW_WORD     the lane word: uint64_t or a GCC vector of uint64_t (any type with & | ^ ~)
 *   POW_TARGET   function attributes selecting the instruction set (may be empty)
 *   POW_FN(f)    the name of this instance's function f
 * and undefines them again. It deliberately has no include guard.
 *
 * A fused pass. Write V_0 for the input state and V_{k+1}[x] = F(V_k[p(x)], V_k[p(x) + 364]) for
 * one round (spec node-interface.md 3.1, p(x) = 364 x mod 729); a pass writes V_D (D = POW_DEPTH)
 * in index order. Output i needs V_{D-1} at p(i) and p(i) + 364 = p(i + 1), so consecutive
 * outputs share one value. One level further down the pair is n and n + 364 with n moving by
 * 364^2 per output, and as 364 = -1/2 (mod 729) the partner n + 364 is the value of the output
 * two steps earlier; t levels below the output the partner is (-2)^t outputs away. So iteration i
 * loads one input trit, computes one new value per level and takes each partner from a ring of the
 * last 2^t values of that level: 1 load, D S-boxes and 1 store per output instead of D loads
 * and D stores round by round, which is what keeps wide words from being memory-bound.
 * pow_plan_make gives the index each level produces in iteration i; for even t the new value is
 * the second of its pair and the ring supplies the first. */

#define POW_RING (1u << (POW_DEPTH - 1)) /* iterations after which every ring slot repeats */
#define POW_TRIT POW_FN(ptrit)

_Static_assert((POW_STATE - 1) % POW_RING == 0, "the unrolled loop must end at output 728");
_Static_assert(sizeof(POW_WORD) <= POW_MAX_WORDS * sizeof(uint64_t), "lanes beyond POW_MAX_WORDS");

typedef struct {
  POW_WORD lo, hi;
} POW_TRIT;

/* F of spec 3.1 in bit-sliced form (spec 3.4): d = aL & (bL ^ aH), lo = ~d, hi = (aL ^ bH) | d. */
POW_TARGET static inline __attribute__((always_inline)) POW_TRIT POW_FN(sbox)(POW_TRIT a,
                                                                              POW_TRIT b) {
  POW_TRIT out;
  out.lo = ~(a.lo & (b.lo ^ a.hi));
  out.hi = (a.lo ^ b.hi) | ~out.lo;
  return out;
}

/* V_level[index] computed straight from V_0 (2^level loads); for the edges of a pass. */
POW_TARGET static void POW_FN(level_value)(const POW_TRIT *src, unsigned level, unsigned index,
                                           POW_TRIT *out) {
  if (level == 0) {
    *out = src[index];
    return;
  }
  unsigned n = pow_mul(index, POW_HALF);
  POW_TRIT a, b;
  POW_FN(level_value)(src, level - 1, n, &a);
  POW_FN(level_value)(src, level - 1, pow_add(n, POW_HALF), &b);
  *out = POW_FN(sbox)(a, b);
}

POW_TARGET static void POW_FN(pass)(const void *src_state, void *dst_state) {
  const POW_TRIT *src = src_state;
  POW_TRIT *dst = dst_state;
  pow_plan_t plan;
  pow_plan_make(&plan);

  /* Fill each ring with the values of the iterations just before the first one. */
  POW_TRIT ring[POW_DEPTH][POW_RING];
  for (unsigned k = 0; k < POW_DEPTH; k++) {
    unsigned slots = 1u << (POW_DEPTH - 1 - k);
    for (unsigned j = 0; j < slots; j++)
      POW_FN(level_value)(src, k, pow_plan_index(&plan, k, POW_STATE - slots + j), &ring[k][j]);
  }

  /* Unrolled by POW_RING so every ring slot index is a constant and the rings live in registers. */
  unsigned load = plan.offset[0];
  for (unsigned i = 0; i < POW_STATE - 1; i += POW_RING) {
#pragma GCC unroll 8
    for (unsigned phase = 0; phase < POW_RING; phase++) {
      POW_TRIT v = src[load];
      load = pow_add(load, plan.slope[0]);
#pragma GCC unroll 8
      for (unsigned k = 0; k < POW_DEPTH; k++) {
        unsigned t = POW_DEPTH - 1 - k, slot = phase & ((1u << t) - 1);
        POW_TRIT partner = ring[k][slot];
        ring[k][slot] = v;
        v = t % 2 == 0 ? POW_FN(sbox)(partner, v) : POW_FN(sbox)(v, partner);
      }
      dst[i + phase] = v;
    }
  }
  POW_FN(level_value)(src, POW_DEPTH, POW_STATE - 1, &dst[POW_STATE - 1]);
}

POW_TARGET static void POW_FN(final_trit)(const void *src, unsigned index, uint64_t *out) {
  POW_TRIT v;
  POW_FN(level_value)(src, POW_FINAL_ROUNDS, index, &v);
  memcpy(out, &v, sizeof v);
}

#undef POW_TRIT
#undef POW_RING
#undef POW_WORD
#undef POW_TARGET
#undef POW_FN
