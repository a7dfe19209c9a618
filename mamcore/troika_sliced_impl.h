/* mamcore/troika_sliced_impl.h: the bit-sliced Troika permutation, written once for any word
 * type (not installed). Each trit of the state is a wtrit_t whose bit j belongs to state j (see
 * troika_fast.h). Include it after declaring `word_t` and `static inline word_t
 * word_broadcast(uint64_t)` (the 64-bit value repeated across the word).
 *
 * A round is two passes over the state. The S-box pass first adds the previous round's column
 * parities (AddColumnParity, AddRoundConstant of spec 2.2 steps 4-5, deferred), then applies
 * SubTrytes and writes every trit straight to its place after ShiftRows and ShiftLanes. The parity
 * pass sums the columns of the result into the terms the next pass adds. */
#ifndef MAMCORE_TROIKA_SLICED_IMPL_H
#define MAMCORE_TROIKA_SLICED_IMPL_H

#include "mamcore/troika_circuit.h"
#include "mamcore/troika_fast.h"

#define SLICE_TRITS (MAM_TROIKA_ROWS * MAM_TROIKA_COLUMNS)
#define PLANE_TRITS (MAM_TROIKA_SLICES * MAM_TROIKA_COLUMNS)

/* What a round adds to each trit of a (slice, column): P[s][c-1] + P[s+1][c+1], the same for the
 * three rows; row 0 also gets the round constant, added where the terms are added. */
typedef struct {
  wtrit_t sum[PLANE_TRITS];
} column_terms_t;

static inline wtrit_t round_constant(unsigned round, unsigned slice, unsigned col) {
  const mam_troika_rc_lane_t *rc = &mam_troika_rc_lanes[round][col];
  wtrit_t t = {word_broadcast(-(uint64_t)((rc->pos >> slice) & 1)),
               word_broadcast(-(uint64_t)((rc->neg >> slice) & 1))};
  return t;
}

/* The term of trit (row, col) of slice s: the column term, plus for row 0 the round constant. */
static inline wtrit_t term(const column_terms_t *terms, unsigned round, unsigned row, unsigned s,
                           unsigned col) {
  wtrit_t t = terms->sum[MAM_TROIKA_COLUMNS * s + col];
  return row == 0 ? wtrit_add(t, round_constant(round, s, col)) : t;
}

/* Where one S-box output of a tryte column goes: the lane after ShiftRows and its slice after
 * ShiftLanes, which moves on by one (mod 27) from one tryte of the column to the next. */
typedef struct {
  wtrit_t *lane;
  unsigned slice;
} destination_t;

static inline destination_t destination_of(wtrit_t *out, unsigned row, unsigned col) {
  unsigned to_col = (col + 3 * row) % MAM_TROIKA_COLUMNS;
  destination_t d = {out + MAM_TROIKA_COLUMNS * row + to_col,
                     mam_troika_lane_shift[MAM_TROIKA_COLUMNS * row + to_col]};
  return d;
}

static inline void put(destination_t *d, wtrit_t t) {
  d->lane[SLICE_TRITS * d->slice] = t;
  d->slice = d->slice + 1 == MAM_TROIKA_SLICES ? 0 : d->slice + 1;
}

/* SubTrytes, ShiftRows and ShiftLanes from `in` to `out`, after adding the terms of round
 * `round` - 1 (none in round 0) to `in`. The trytes are visited tryte column by tryte column. */
static void sbox_pass(wtrit_t *out, const wtrit_t *in, const column_terms_t *terms,
                      unsigned round) {
  word_t ones = word_broadcast(UINT64_MAX);
  for (unsigned r = 0; r < MAM_TROIKA_ROWS; r++)
    for (unsigned c = 0; c < MAM_TROIKA_COLUMNS; c += 3) {
      destination_t d0 = destination_of(out, r, c), d1 = destination_of(out, r, c + 1),
                    d2 = destination_of(out, r, c + 2);
      for (unsigned s = 0; s < MAM_TROIKA_SLICES; s++) {
        const wtrit_t *src = in + SLICE_TRITS * s + MAM_TROIKA_COLUMNS * r + c;
        wtrit_t a = src[0], b = src[1], t = src[2];
        if (round > 0) {
          a = wtrit_add(a, term(terms, round - 1, r, s, c));
          b = wtrit_add(b, term(terms, round - 1, r, s, c + 1));
          t = wtrit_add(t, term(terms, round - 1, r, s, c + 2));
        }
        wtrit_sbox(&a, &b, &t, ones);
        put(&d0, a);
        put(&d1, b);
        put(&d2, t);
      }
    }
}

/* P[s][c] = the sum of column c of slice s. */
static inline void column_sums(wtrit_t sums[MAM_TROIKA_COLUMNS], const wtrit_t *slice) {
  for (unsigned c = 0; c < MAM_TROIKA_COLUMNS; c++)
    sums[c] = wtrit_add(wtrit_add(slice[c], slice[MAM_TROIKA_COLUMNS + c]),
                        slice[2 * MAM_TROIKA_COLUMNS + c]);
}

/* terms[s][c] = P[s][c-1] + P[s+1][c+1], slice by slice with the sums of slices s and s + 1 at
 * hand (those of slice 0 serve again for slice 26). */
static void parity_pass(column_terms_t *terms, const wtrit_t *state) {
  wtrit_t sums[3][MAM_TROIKA_COLUMNS];
  column_sums(sums[0], state);
  for (unsigned s = 0; s < MAM_TROIKA_SLICES; s++) {
    const wtrit_t *here = sums[s == 0 ? 0 : 1 + (s + 1) % 2];
    wtrit_t *next = sums[s + 1 == MAM_TROIKA_SLICES ? 0 : 1 + s % 2];
    if (s + 1 < MAM_TROIKA_SLICES) column_sums(next, state + SLICE_TRITS * (s + 1));
    for (unsigned c = 0; c < MAM_TROIKA_COLUMNS; c++) {
      terms->sum[MAM_TROIKA_COLUMNS * s + c] = wtrit_add(
          here[(c + MAM_TROIKA_COLUMNS - 1) % MAM_TROIKA_COLUMNS], next[(c + 1) % MAM_TROIKA_COLUMNS]);
    }
  }
}

static void add_terms(wtrit_t *state, const column_terms_t *terms, unsigned round) {
  for (unsigned s = 0; s < MAM_TROIKA_SLICES; s++)
    for (unsigned r = 0; r < MAM_TROIKA_ROWS; r++)
      for (unsigned c = 0; c < MAM_TROIKA_COLUMNS; c++) {
        wtrit_t *t = state + SLICE_TRITS * s + MAM_TROIKA_COLUMNS * r + c;
        *t = wtrit_add(*t, term(terms, round, r, s, c));
      }
}

_Static_assert(MAM_TROIKA_ROUNDS % 2 == 0, "the rounds swap the two states");
_Static_assert(sizeof(wtrit_t) * MAM_TROIKA_STATE_TRITS + sizeof(column_terms_t) ==
                   sizeof(wtrit_t) * MAM_TROIKA_SLICED_SCRATCH_TRITS,
               "the scratch area holds a state and the terms");

/* The scratch area holds a second state and the column terms. */
static void sliced_permute(void *state_v, void *scratch_v) {
  wtrit_t *state = state_v, *other = scratch_v;
  column_terms_t *terms = (column_terms_t *)(other + MAM_TROIKA_STATE_TRITS);
  for (unsigned round = 0; round < MAM_TROIKA_ROUNDS; round++) {
    sbox_pass(other, state, terms, round);
    parity_pass(terms, other);
    wtrit_t *t = state;
    state = other;
    other = t;
  }
  /* An even number of rounds leaves the result in the caller's state. */
  add_terms(state, terms, MAM_TROIKA_ROUNDS - 1);
}

#endif
