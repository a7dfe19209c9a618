/* mamcore/troika_fast.h: the pieces of the fast Troika shared by its files (not installed). */
#ifndef MAMCORE_TROIKA_FAST_H
#define MAMCORE_TROIKA_FAST_H

#include <stddef.h>
#include <stdint.h>

#include "mamcore/troika_internal.h"

/* ShiftLanes offsets, index 9*row + column (spec 2.2 step 3). */
extern const uint8_t mam_troika_lane_shift[MAM_TROIKA_ROWS * MAM_TROIKA_COLUMNS];

/* The round constants as lanes: bit s of .pos (.neg) is set where RC[r][9s + c] is 1 (2), i.e.
 * the constant added at slice s, column c is +1 (-1). Derived from mam_troika_round_constants. */
typedef struct {
  uint32_t pos, neg;
} mam_troika_rc_lane_t;
extern const mam_troika_rc_lane_t mam_troika_rc_lanes[MAM_TROIKA_ROUNDS][MAM_TROIKA_COLUMNS];

/* A state as its 27 lanes (row, column) of 27 trits, lane 9*row + column: bit s of pos[l]
 * (neg[l]) is set when trit 27*s + l is +1 (-1). Entries 27..31 are 0. */
typedef struct {
  uint32_t pos[32], neg[32];
} mam_troika_lanes_t;

void mam_troika_lanes_load(mam_troika_lanes_t *lanes, const mam_trit_t state[MAM_TROIKA_STATE_TRITS]);
void mam_troika_lanes_store(mam_trit_t state[MAM_TROIKA_STATE_TRITS], const mam_troika_lanes_t *lanes);

/* F on one balanced state in packed lanes: plain C, and with AVX-512F (x86 only, to be called
 * only when the CPU has it). */
void mam_troika_lanes_f(mam_trit_t state[MAM_TROIKA_STATE_TRITS]);
void mam_troika_lanes_f_avx512(mam_trit_t state[MAM_TROIKA_STATE_TRITS]);

/* F on n balanced states in packed lanes, in place: plain C one state after another, and with
 * AVX-512F (x86 only, CPUs that have it) MAM_TROIKA_PACKED_AVX512_WIDTH states interleaved. */
void mam_troika_packed_f(mam_troika_lanes_t *states, size_t n);
void mam_troika_packed_f_avx512(mam_troika_lanes_t *states, size_t n);
#define MAM_TROIKA_PACKED_AVX512_WIDTH 4

/* Bit-sliced states: trit i of lane (state) j is bit j of words pos[i] and neg[i], each word
 * `lanes` bits wide. Memory layout: word 2i is pos[i], word 2i+1 is neg[i], a word being lanes/8
 * bytes with lane j in bit j%8 of byte j/8. Balanced 0 is all bits clear. */
typedef struct {
  size_t lanes;
  /* F on every lane of a state (729 trits); scratch holds MAM_TROIKA_SLICED_SCRATCH_TRITS
   * trits. Both must be aligned to the word size (lanes / 8 bytes). */
  void (*permute)(void *state, void *scratch);
} mam_troika_sliced_t;

/* A second state and a term per (slice, column), see troika_sliced_impl.h. */
#define MAM_TROIKA_SLICED_SCRATCH_TRITS \
  (MAM_TROIKA_STATE_TRITS + MAM_TROIKA_SLICES * MAM_TROIKA_COLUMNS)

extern const mam_troika_sliced_t mam_troika_sliced_portable;
extern const mam_troika_sliced_t mam_troika_sliced_avx2;
extern const mam_troika_sliced_t mam_troika_sliced_avx512;

#endif
