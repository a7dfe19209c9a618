/* Fast F on a single state. Each lane (row, column) of the state holds 27 trits, one per slice,
 * packed as bit s of two 32-bit words (see troika_circuit.h). SubTrytes is then a bitwise circuit
 * on three lanes, ShiftRows a renaming of lanes, ShiftLanes a 27-bit rotation and
 * AddColumnParity a few lane additions (spec mam2.md 2.2). */
#include <string.h>

#include "mamcore/troika_fast.h"
#include "mamcore/troika_tiles.h"

typedef uint32_t word_t;
#include "mamcore/troika_circuit.h"

#define LANES (MAM_TROIKA_ROWS * MAM_TROIKA_COLUMNS)
#define SLICE_MASK ((UINT32_C(1) << MAM_TROIKA_SLICES) - 1)

const uint8_t mam_troika_lane_shift[LANES] = {19, 13, 21, 10, 24, 15, 2,  9,  3, 14, 0,  6,  5, 1,
                                              25, 22, 23, 20, 7,  17, 26, 12, 8, 18, 16, 11, 4};

/* Moves the trit of slice s to slice (s + k) mod 27. */
static inline word_t rotate_slices(word_t x, unsigned k) {
  return ((x << k) | (x >> (MAM_TROIKA_SLICES - k))) & SLICE_MASK;
}

static inline wtrit_t rotate_lane(wtrit_t x, unsigned k) {
  wtrit_t y = {rotate_slices(x.pos, k), rotate_slices(x.neg, k)};
  return y;
}

/* The state read as a matrix of 27 rows (slices) by 27 columns (lanes), padded with zeros to
 * 32 by 32 bytes and cut into four 16x16 tiles. */
#define PADDED (2 * TILE)

void mam_troika_lanes_load(mam_troika_lanes_t *lanes, const mam_trit_t state[MAM_TROIKA_STATE_TRITS]) {
  mam_trit_t padded[PADDED][PADDED] = {{0}};
  for (size_t s = 0; s < MAM_TROIKA_SLICES; s++)
    memcpy(padded[s], state + MAM_TROIKA_SLICES * s, MAM_TROIKA_SLICES);
  memset(lanes, 0, sizeof *lanes);
  for (size_t s0 = 0; s0 < PADDED; s0 += TILE)
    for (size_t l0 = 0; l0 < PADDED; l0 += TILE) {
      const mam_trit_t *rows[TILE];
      bytes16_t m[TILE];
      for (size_t j = 0; j < TILE; j++) rows[j] = padded[s0 + j];
      tile_read(m, rows, TILE, l0, TILE);
      tile_transpose(m);
      for (size_t k = 0; k < TILE; k++) {
        lanes->pos[l0 + k] |= (uint32_t)trits_pos_mask(m[k]) << s0;
        lanes->neg[l0 + k] |= (uint32_t)trits_neg_mask(m[k]) << s0;
      }
    }
}

void mam_troika_lanes_store(mam_trit_t state[MAM_TROIKA_STATE_TRITS], const mam_troika_lanes_t *lanes) {
  mam_trit_t padded[PADDED][PADDED];
  for (size_t s0 = 0; s0 < PADDED; s0 += TILE)
    for (size_t l0 = 0; l0 < PADDED; l0 += TILE) {
      mam_trit_t *rows[TILE];
      bytes16_t m[TILE];
      for (size_t k = 0; k < TILE; k++)
        m[k] = masks_to_trits((lanes->pos[l0 + k] >> s0) & 0xffff,
                              (lanes->neg[l0 + k] >> s0) & 0xffff);
      tile_transpose(m);
      for (size_t j = 0; j < TILE; j++) rows[j] = padded[s0 + j];
      tile_write(rows, TILE, l0, TILE, m);
    }
  for (size_t s = 0; s < MAM_TROIKA_SLICES; s++)
    memcpy(state + MAM_TROIKA_SLICES * s, padded[s], MAM_TROIKA_SLICES);
}

static void sub_trytes(wtrit_t lanes[LANES]) {
  for (unsigned l = 0; l < LANES; l += 3)
    wtrit_sbox(&lanes[l], &lanes[l + 1], &lanes[l + 2], SLICE_MASK);
}

/* ShiftRows then ShiftLanes: lane (r, c) moves to (r, c + 3r) and rotates by its new offset. */
static void shift_rows_and_lanes(wtrit_t out[LANES], const wtrit_t in[LANES]) {
  for (unsigned r = 0; r < MAM_TROIKA_ROWS; r++)
    for (unsigned c = 0; c < MAM_TROIKA_COLUMNS; c++) {
      unsigned to = MAM_TROIKA_COLUMNS * r + (c + 3 * r) % MAM_TROIKA_COLUMNS;
      out[to] = rotate_lane(in[MAM_TROIKA_COLUMNS * r + c], mam_troika_lane_shift[to]);
    }
}

/* AddColumnParity and AddRoundConstant: every trit gets P[s][c-1] + P[s+1][c+1] where P is the
 * sum of its column; row 0 also gets the round constant. */
static void add_parity_and_constant(wtrit_t out[LANES], const wtrit_t in[LANES], unsigned round) {
  wtrit_t parity[MAM_TROIKA_COLUMNS];
  for (unsigned c = 0; c < MAM_TROIKA_COLUMNS; c++)
    parity[c] =
        wtrit_add(wtrit_add(in[c], in[MAM_TROIKA_COLUMNS + c]), in[2 * MAM_TROIKA_COLUMNS + c]);
  for (unsigned c = 0; c < MAM_TROIKA_COLUMNS; c++) {
    wtrit_t left = parity[(c + MAM_TROIKA_COLUMNS - 1) % MAM_TROIKA_COLUMNS];
    wtrit_t right = rotate_lane(parity[(c + 1) % MAM_TROIKA_COLUMNS], MAM_TROIKA_SLICES - 1);
    wtrit_t q = wtrit_add(left, right);
    wtrit_t rc = {mam_troika_rc_lanes[round][c].pos, mam_troika_rc_lanes[round][c].neg};
    out[c] = wtrit_add(in[c], wtrit_add(q, rc));
    out[MAM_TROIKA_COLUMNS + c] = wtrit_add(in[MAM_TROIKA_COLUMNS + c], q);
    out[2 * MAM_TROIKA_COLUMNS + c] = wtrit_add(in[2 * MAM_TROIKA_COLUMNS + c], q);
  }
}

void mam_troika_packed_f(mam_troika_lanes_t *states, size_t n) {
  for (size_t i = 0; i < n; i++) {
    wtrit_t lanes[LANES], shifted[LANES];
    for (unsigned l = 0; l < LANES; l++) {
      lanes[l].pos = states[i].pos[l];
      lanes[l].neg = states[i].neg[l];
    }
    for (unsigned round = 0; round < MAM_TROIKA_ROUNDS; round++) {
      sub_trytes(lanes);
      shift_rows_and_lanes(shifted, lanes);
      add_parity_and_constant(lanes, shifted, round);
    }
    for (unsigned l = 0; l < LANES; l++) {
      states[i].pos[l] = lanes[l].pos;
      states[i].neg[l] = lanes[l].neg;
    }
  }
}

void mam_troika_lanes_f(mam_trit_t state[MAM_TROIKA_STATE_TRITS]) {
  mam_troika_lanes_t packed;
  mam_troika_lanes_load(&packed, state);
  mam_troika_packed_f(&packed, 1);
  mam_troika_lanes_store(state, &packed);
}
