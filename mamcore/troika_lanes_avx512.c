/* Fast F on a single state with AVX-512F: the packed lanes of troika_lanes.c, nine to a vector.
 *
 * Lane (row r, column c = 3t + k) sits in slot 3r + t of vector k (slots 9..15 unused), so the
 * three trits of every tryte are the same slot of vectors 0, 1 and 2 and SubTrytes is one circuit
 * on the three vectors. ShiftRows keeps k and maps slot (r, t) to (r, t + r): a permutation of
 * slots; ShiftLanes rotates every slot by its own offset. For AddColumnParity each vector is added
 * to its copies with the rows rotated, which leaves the sum of a column in every row of it; the
 * neighbouring columns c - 1 and c + 1 are the same slot of the neighbouring vector, or for the
 * vectors at the ends a slot permutation of the vector at the other end. Called only on CPUs with
 * AVX-512F. */
#if defined(__x86_64__) || defined(__i386__)
#pragma GCC target("avx512f")

#include <immintrin.h>
#include <string.h>

#include "mamcore/troika_fast.h"

typedef uint32_t word_t __attribute__((vector_size(64)));
#include "mamcore/troika_circuit.h"

#define SLOTS 16
#define SLICE_MASK ((UINT32_C(1) << MAM_TROIKA_SLICES) - 1)
#define NONE 31 /* a slot index whose source is 0 in the two-vector permutations */

static inline word_t broadcast(uint32_t x) {
  word_t w = {x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x};
  return w;
}

static inline wtrit_t permute_slots(wtrit_t x, word_t from) {
  wtrit_t y = {__builtin_shuffle(x.pos, from), __builtin_shuffle(x.neg, from)};
  return y;
}

/* Moves the trit of slice s to slice (s + k) mod 27, k per slot. */
static inline word_t rotate_slices(word_t x, word_t k) {
  return ((x << k) | (x >> (MAM_TROIKA_SLICES - k))) & broadcast(SLICE_MASK);
}

static inline wtrit_t rotate_lane(wtrit_t x, word_t k) {
  wtrit_t y = {rotate_slices(x.pos, k), rotate_slices(x.neg, k)};
  return y;
}

/* Slot permutations: ShiftRows; the rows moved by one and two; the tryte column moved by one
 * down or up. */
static const word_t shift_rows = {0, 1, 2, 5, 3, 4, 7, 8, 6, 9, 10, 11, 12, 13, 14, 15};
static const word_t next_row = {3, 4, 5, 6, 7, 8, 0, 1, 2, 9, 10, 11, 12, 13, 14, 15};
static const word_t row_after_next = {6, 7, 8, 0, 1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 14, 15};
static const word_t previous_column = {2, 0, 1, 5, 3, 4, 8, 6, 7, 9, 10, 11, 12, 13, 14, 15};
static const word_t following_column = {1, 2, 0, 4, 5, 3, 7, 8, 6, 9, 10, 11, 12, 13, 14, 15};

/* Lane 3j + k of a 32-entry table into slot j of vector k. */
static const word_t lane_of_slot[3] = {
    {0, 3, 6, 9, 12, 15, 18, 21, 24, NONE, NONE, NONE, NONE, NONE, NONE, NONE},
    {1, 4, 7, 10, 13, 16, 19, 22, 25, NONE, NONE, NONE, NONE, NONE, NONE, NONE},
    {2, 5, 8, 11, 14, 17, 20, 23, 26, NONE, NONE, NONE, NONE, NONE, NONE, NONE}};

static inline word_t gather(const uint32_t table[32], word_t from) {
  word_t lo, hi;
  memcpy(&lo, table, sizeof lo);
  memcpy(&hi, table + SLOTS, sizeof hi);
  return __builtin_shuffle(lo, hi, from);
}

/* One round's constants of row 0 (tryte column t in slot t), other rows 0. */
typedef struct {
  wtrit_t column[3];
} round_constants_t;

/* The round's table holds pos, neg of column c at entries 2c, 2c + 1 (18 entries, read without
 * going past them); column 3t + k goes to slot t of vector k. */
static const word_t pos_of_slot[3] = {
    {0, 6, 12, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE},
    {2, 8, 14, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE},
    {4, 10, 16, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE}};
static const word_t neg_of_slot[3] = {
    {1, 7, 13, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE},
    {3, 9, 15, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE},
    {5, 11, 17, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE}};

static void load_round_constants(round_constants_t *rc, unsigned round) {
  const mam_troika_rc_lane_t *table = mam_troika_rc_lanes[round];
  word_t lo = (word_t)_mm512_maskz_loadu_epi32(0xffff, table);
  word_t hi = (word_t)_mm512_maskz_loadu_epi32(0x0003, table + SLOTS / 2);
  for (unsigned k = 0; k < 3; k++) {
    rc->column[k].pos = __builtin_shuffle(lo, hi, pos_of_slot[k]);
    rc->column[k].neg = __builtin_shuffle(lo, hi, neg_of_slot[k]);
  }
}

/* ShiftRows and ShiftLanes of one vector; returns its column sums (in every row). */
static inline wtrit_t shift_and_sum(wtrit_t *x, word_t shift) {
  *x = rotate_lane(permute_slots(*x, shift_rows), shift);
  return wtrit_add(wtrit_add(*x, permute_slots(*x, next_row)), permute_slots(*x, row_after_next));
}

/* Always inlined: as a call it kept the states in memory and the rounds of several states could
 * not overlap. */
static inline __attribute__((always_inline)) void round_function(wtrit_t *x0, wtrit_t *x1,
                                                                 wtrit_t *x2, const word_t shift[3],
                                                                 const round_constants_t *rc) {
  wtrit_sbox(x0, x1, x2, broadcast(SLICE_MASK));
  wtrit_t p0 = shift_and_sum(x0, shift[0]), p1 = shift_and_sum(x1, shift[1]),
          p2 = shift_and_sum(x2, shift[2]);
  word_t one_back = broadcast(MAM_TROIKA_SLICES - 1); /* P[s + 1] read at slice s */
  wtrit_t q0 = wtrit_add(permute_slots(p2, previous_column), rotate_lane(p1, one_back));
  wtrit_t q1 = wtrit_add(p0, rotate_lane(p2, one_back));
  wtrit_t q2 = wtrit_add(p1, rotate_lane(permute_slots(p0, following_column), one_back));
  *x0 = wtrit_add(*x0, wtrit_add(q0, rc->column[0]));
  *x1 = wtrit_add(*x1, wtrit_add(q1, rc->column[1]));
  *x2 = wtrit_add(*x2, wtrit_add(q2, rc->column[2]));
}

/* The per-slot ShiftLanes offsets of the three vectors (lane (r, c') after ShiftRows). */
static void load_shifts(word_t shift[3]) {
  uint32_t lane_shift[32] = {0};
  for (unsigned l = 0; l < MAM_TROIKA_ROWS * MAM_TROIKA_COLUMNS; l++)
    lane_shift[l] = mam_troika_lane_shift[l];
  for (unsigned k = 0; k < 3; k++) shift[k] = gather(lane_shift, lane_of_slot[k]);
}

static inline void from_lanes(wtrit_t x[3], const mam_troika_lanes_t *lanes) {
  for (unsigned k = 0; k < 3; k++) {
    x[k].pos = gather(lanes->pos, lane_of_slot[k]);
    x[k].neg = gather(lanes->neg, lane_of_slot[k]);
  }
}

static inline void to_lanes(mam_troika_lanes_t *lanes, const wtrit_t x[3]) {
  for (unsigned j = 0; j < 9; j++)
    for (unsigned k = 0; k < 3; k++) {
      lanes->pos[3 * j + k] = x[k].pos[j];
      lanes->neg[3 * j + k] = x[k].neg[j];
    }
}

/* F on n <= GROUP states whose rounds are interleaved: one state's round is a long chain of
 * dependent instructions, so several independent ones keep the vector units busy. n is a
 * constant wherever this is inlined, which unrolls the loops over the states. */
#define GROUP MAM_TROIKA_PACKED_AVX512_WIDTH
static inline __attribute__((always_inline)) void f_group(mam_troika_lanes_t *states, unsigned n) {
  wtrit_t x[GROUP][3];
  word_t shift[3];
  load_shifts(shift);
#pragma GCC unroll 8
  for (unsigned i = 0; i < n; i++) from_lanes(x[i], &states[i]);
  for (unsigned round = 0; round < MAM_TROIKA_ROUNDS; round++) {
    round_constants_t rc;
    load_round_constants(&rc, round);
#pragma GCC unroll 8
    for (unsigned i = 0; i < n; i++) round_function(&x[i][0], &x[i][1], &x[i][2], shift, &rc);
  }
#pragma GCC unroll 8
  for (unsigned i = 0; i < n; i++) to_lanes(&states[i], x[i]);
}

_Static_assert(GROUP == 4, "the tail cases below are 1 .. GROUP - 1");
void mam_troika_packed_f_avx512(mam_troika_lanes_t *states, size_t n) {
  for (; n >= GROUP; n -= GROUP, states += GROUP) f_group(states, GROUP);
  switch (n) { /* a constant count for each, so that f_group unrolls */
    case 3:
      f_group(states, 3);
      break;
    case 2:
      f_group(states, 2);
      break;
    case 1:
      f_group(states, 1);
      break;
    default:
      break;
  }
}

void mam_troika_lanes_f_avx512(mam_trit_t state[MAM_TROIKA_STATE_TRITS]) {
  mam_troika_lanes_t lanes;
  mam_troika_lanes_load(&lanes, state);
  mam_troika_packed_f_avx512(&lanes, 1);
  mam_troika_lanes_store(state, &lanes);
}

#endif
