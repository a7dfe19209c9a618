/* mamcore/troika_circuit.h: Troika's trit arithmetic as bitwise circuits (not installed).
 *
 * A trit of the permutation is held as two bits, pos and neg: balanced 0 is (0,0), +1 is (1,0),
 * -1 is (0,1). Troika is specified on unbalanced trits u = t + 1 (spec mam2.md 2.1, 2.2); its
 * additions are additions in Z/3 and give the same results on t, so F = (+1, permute, -1) is
 * simply the permutation carried out on the balanced trits with the S-box relabelled:
 * S'(t0,t1,t2) = SBOX(t0+1, t1+1, t2+1) - 1 trit by trit.
 *
 * Every bit position of a word is an independent trit, so the same circuits serve a state packed
 * as 27 slices per word (troika_lanes.c) and a state bit-sliced across many states
 * (troika_sliced_impl.h). Include this file after declaring `word_t`, an unsigned integer or
 * GCC vector type. The circuits are exact on valid trits (never both bits set). */
#ifndef MAMCORE_TROIKA_CIRCUIT_H
#define MAMCORE_TROIKA_CIRCUIT_H

typedef struct {
  word_t pos, neg;
} wtrit_t;

/* x + y in Z/3 (7 gates). */
static inline wtrit_t wtrit_add(wtrit_t x, wtrit_t y) {
  word_t t = x.neg | y.pos;
  wtrit_t z;
  z.pos = x.neg ^ ((t ^ x.pos) & ~y.neg);
  z.neg = y.pos ^ ((t ^ y.neg) & ~x.pos);
  return z;
}

/* The relabelled Troika S-box on the trits (a, b, c), a being the most significant digit
 * (spec 2.2 step 1), in 23 gates. `ones` has every used bit set. Found by a computer search. */
static inline void wtrit_sbox(wtrit_t *a, wtrit_t *b, wtrit_t *c, word_t ones) {
  word_t a_nz = a->pos | a->neg;
  word_t u = a_nz & (b->neg ^ c->neg);
  word_t v = b->pos ^ c->pos;
  word_t w = a->pos ^ (a_nz & ~v);
  word_t x = c->neg | w;
  word_t y_neg = a_nz ^ (b->neg | x);
  word_t y_pos = a->neg ^ (~b->neg & (u | (v & ~x)));
  word_t z_neg = ~u & x;
  word_t z_pos = ~z_neg & (c->pos ^ (~b->neg & (w | y_neg)));
  word_t x_neg = b->neg ^ u;
  word_t x_pos = ones ^ (x_neg | (b->pos ^ b->neg ^ (w | y_neg)));
  a->pos = x_pos;
  a->neg = x_neg;
  b->pos = y_pos;
  b->neg = y_neg;
  c->pos = z_pos;
  c->neg = z_neg;
}

#endif
