/* tangle/pow_kernel.h (internal): one bit-sliced Curl-P kernel, written once for any lane word.
 * pow_sliced.c includes it once per instruction set, having defined
 *   POW_WORD     the lane word: uint64_t or a GCC vector of uint64_t (any type with & | ^ ~)
 *   POW_TARGET   function attributes selecting the instruction set (may be empty)
 *   POW_FN(f)    the name of this instance's function f
 *   POW_NAND_XOR(x, a_lo, y), POW_XOR_OR_NOT(x, y, lo)   (optional) ~(a_lo & (x ^ y)) and
 *                (x ^ y) | ~lo, the two halves of the S-box, in one instruction each (AVX-512's
 *                ternary logic); the first operand is one the caller no longer needs, so a
 *                destructive instruction can overwrite it without a copy
 * and undefines them again. It deliberately has no include guard.
 *
 * A fused pass. Write V_0 for the input state and V_{k+1}[x] = F(V_k[p(x)], V_k[p(x) + 364]) for
 * one round (spec node-interface.md 3.1, p(x) = 364 x mod 729); a pass writes V_D (D = POW_DEPTH).
 * Output i needs V_{D-1} at p(i) and p(i) + 364 = p(i + 1), so consecutive outputs share one
 * value. One level further down the pair is n and n + 364 with n moving by 364^2 per output, and
 * as 364 = -1/2 (mod 729) the partner n + 364 is the value of the output two steps earlier; t
 * levels below the output the partner is (-2)^t outputs away. So iteration i loads one input trit,
 * computes one new value per level and takes each partner from a ring of the last 2^t values of
 * that level: D S-boxes per output instead of D loads and D stores round by round.
 * pow_plan_make gives the index each level produces in iteration i; for even t the new value is
 * the second of its pair and the ring supplies the first.
 *
 * In place (see pow_frame_t): iteration i reads input slot P(i) and, as the partner of the input
 * level, slot P(i - POW_RING), which it read POW_RING iterations ago; it then writes its output
 * over that slot. So the input level needs no ring (the widest one), and the state stays one
 * buffer: half the cache lines a pass streams through, and no line is fetched only to be
 * overwritten. The outputs of iterations 0..POW_RING-1 belong in the slots the last iterations
 * still read, so they wait in a small buffer until the end. */

#define POW_TRIT POW_FN(ptrit)

_Static_assert((POW_STATE - 1) % POW_RING == 0, "iteration 728 must fall on phase 0");
_Static_assert(sizeof(POW_WORD) <= POW_MAX_WORDS * sizeof(uint64_t), "lanes beyond POW_MAX_WORDS");

typedef struct {
  POW_WORD lo, hi;
} POW_TRIT;

/* F of spec 3.1 in bit-sliced form (spec 3.4): d = aL & (bL ^ aH), lo = ~d, hi = (aL ^ bH) | d. */
#ifndef POW_NAND_XOR
#define POW_NAND_XOR(x, a_lo, y) (~((a_lo) & ((x) ^ (y))))
#define POW_XOR_OR_NOT(x, y, lo) (((x) ^ (y)) | ~(lo))
#endif
/* The S-box when b is not needed afterwards (b's words come first). */
POW_TARGET static inline __attribute__((always_inline)) POW_TRIT POW_FN(sbox)(POW_TRIT a,
                                                                              POW_TRIT b) {
  POW_TRIT out;
  out.lo = POW_NAND_XOR(b.lo, a.lo, a.hi);
  out.hi = POW_XOR_OR_NOT(b.hi, a.lo, out.lo);
  return out;
}

/* The same S-box when a is not needed afterwards. */
POW_TARGET static inline __attribute__((always_inline)) POW_TRIT POW_FN(sbox_drop_a)(POW_TRIT a,
                                                                                     POW_TRIT b) {
  POW_TRIT out;
  out.lo = POW_NAND_XOR(a.hi, a.lo, b.lo);
  out.hi = POW_XOR_OR_NOT(a.lo, b.hi, out.lo);
  return out;
}

/* V_level[index] computed straight from V_0 (2^level loads); for the edges of a pass. */
POW_TARGET static void POW_FN(level_value)(const POW_TRIT *src, const pow_frame_t *frame,
                                           unsigned level, unsigned index, POW_TRIT *out) {
  if (level == 0) {
    *out = src[pow_frame_slot(frame, index)];
    return;
  }
  unsigned n = pow_mul(index, POW_HALF);
  POW_TRIT a, b;
  POW_FN(level_value)(src, frame, level - 1, n, &a);
  POW_FN(level_value)(src, frame, level - 1, pow_add(n, POW_HALF), &b);
  *out = POW_FN(sbox)(a, b);
}

/* The rings of levels 1..D-1: row k - 1 holds the last 2^(D-1-k) values of level k. */
typedef struct {
  POW_TRIT v[POW_DEPTH - 1][POW_RING / 2];
} POW_FN(rings_t);

/* One iteration: input `in`, the input POW_RING iterations back `back`; the output. `phase` is
 * the iteration modulo POW_RING, a constant after inlining, so the rings stay in registers. */
POW_TARGET static inline __attribute__((always_inline)) POW_TRIT
POW_FN(step)(POW_FN(rings_t) *rings, unsigned phase, POW_TRIT in, POW_TRIT back) {
  POW_TRIT v = (POW_DEPTH - 1) % 2 == 0 ? POW_FN(sbox)(back, in) : POW_FN(sbox)(in, back);
#pragma GCC unroll 8
  for (unsigned k = 1; k < POW_DEPTH; k++) {
    unsigned t = POW_DEPTH - 1 - k, slot = phase & ((1u << t) - 1);
    POW_TRIT partner = rings->v[k - 1][slot];
    rings->v[k - 1][slot] = v;
    v = t % 2 == 0 ? POW_FN(sbox_drop_a)(partner, v) : POW_FN(sbox)(v, partner);
  }
  return v;
}

/* Byte offset of a slot plus a step, both below 729 slots, modulo the state: an add, a compare
 * and a conditional move. */
static inline __attribute__((always_inline)) size_t POW_FN(advance)(size_t offset, size_t step) {
  size_t next = offset + step, wrapped = next - POW_STATE * sizeof(POW_TRIT);
  return next >= POW_STATE * sizeof(POW_TRIT) ? wrapped : next;
}

POW_TARGET static void POW_FN(pass)(const void *src_state, void *dst_state,
                                    const pow_frame_t *frame) {
  const POW_TRIT *src = src_state;
  pow_plan_t plan;
  pow_plan_make(&plan);

  /* Fill each ring with the values of the iterations just before the first one. */
  POW_FN(rings_t) rings;
  for (unsigned k = 1; k < POW_DEPTH; k++) {
    unsigned slots = 1u << (POW_DEPTH - 1 - k);
    for (unsigned j = 0; j < slots; j++)
      POW_FN(level_value)(src, frame, k, pow_plan_index(&plan, k, POW_STATE - slots + j),
                          &rings.v[k - 1][j]);
  }

  /* P(i) = stride * i + first (mod 729), the slot iteration i reads, kept as
   * `in` (P(i)) and `back` (P(i - POW_RING)) as byte offsets that wrap at the end of the state. */
  unsigned stride = pow_mul(frame->scale, plan.slope[0]);
  unsigned first = pow_frame_slot(frame, plan.offset[0]);
  size_t step = stride * sizeof(POW_TRIT), in = first * sizeof(POW_TRIT);
  size_t back = pow_add(first, POW_STATE - pow_mul(stride, POW_RING)) * sizeof(POW_TRIT);
  const char *from = src_state;
  char *to = dst_state;
#define POW_IN(offset) (*(const POW_TRIT *)(from + (offset)))
#define POW_OUT(offset) (*(POW_TRIT *)(to + (offset)))
  POW_TRIT early[POW_RING];
#pragma GCC unroll 8
  for (unsigned phase = 0; phase < POW_RING; phase++) {
    early[phase] = POW_FN(step)(&rings, phase, POW_IN(in), POW_IN(back));
    in = POW_FN(advance)(in, step);
    back = POW_FN(advance)(back, step);
  }
  for (unsigned i = POW_RING; i < POW_STATE - 1; i += POW_RING) {
#pragma GCC unroll 8
    for (unsigned phase = 0; phase < POW_RING; phase++) {
      POW_TRIT v = POW_FN(step)(&rings, phase, POW_IN(in), POW_IN(back));
      POW_OUT(back) = v;
      in = POW_FN(advance)(in, step);
      back = POW_FN(advance)(back, step);
    }
  }
  POW_OUT(back) = POW_FN(step)(&rings, 0, POW_IN(in), POW_IN(back)); /* iteration 728 */
  for (unsigned phase = 0; phase < POW_RING; phase++) {
    back = POW_FN(advance)(back, step);
    POW_OUT(back) = early[phase];
  }
#undef POW_IN
#undef POW_OUT
}

POW_TARGET static void POW_FN(final_trit)(const void *src, const pow_frame_t *frame,
                                          unsigned index, uint64_t *out) {
  POW_TRIT v;
  POW_FN(level_value)(src, frame, POW_FINAL_ROUNDS, index, &v);
  memcpy(out, &v, sizeof v);
}

#undef POW_TRIT
#undef POW_NAND_XOR
#undef POW_XOR_OR_NOT
#undef POW_WORD
#undef POW_TARGET
#undef POW_FN
