/* Plain Troika, written step by step from spec mam2.md section 2.2. It is the yardstick the
 * fast implementation is tested against, not what MAM runs on. */
#include <string.h>

#include "mamcore/troika_internal.h"

static const uint8_t troika_sbox[27] = {6,  25, 17, 5, 15, 10, 4,  20, 24, 0,  1,  2,  9, 22,
                                        26, 18, 16, 14, 3, 13, 23, 7,  11, 12, 8, 21, 19};
static const uint8_t troika_lane_shift[27] = {19, 13, 21, 10, 24, 15, 2,  9,  3,  14, 0,  6, 5, 1,
                                              25, 22, 23, 20, 7,  17, 26, 12, 8,  18, 16, 11, 4};

#define IDX(slice, row, col) (27 * (slice) + 9 * (row) + (col))

/* SubTrytes: the first trit of each triple is the most significant digit of the S-box input. */
static void sub_trytes(uint8_t *s) {
  for (int k = 0; k < 243; k++) {
    uint8_t w = troika_sbox[9 * s[3 * k] + 3 * s[3 * k + 1] + s[3 * k + 2]];
    s[3 * k] = w / 9;
    s[3 * k + 1] = (w / 3) % 3;
    s[3 * k + 2] = w % 3;
  }
}

static void shift_rows(uint8_t *s) {
  uint8_t t[MAM_TROIKA_STATE_TRITS];
  for (int sl = 0; sl < 27; sl++)
    for (int r = 0; r < 3; r++)
      for (int c = 0; c < 9; c++) t[IDX(sl, r, (c + 3 * r) % 9)] = s[IDX(sl, r, c)];
  memcpy(s, t, sizeof t);
}

static void shift_lanes(uint8_t *s) {
  uint8_t t[MAM_TROIKA_STATE_TRITS];
  for (int sl = 0; sl < 27; sl++)
    for (int r = 0; r < 3; r++)
      for (int c = 0; c < 9; c++)
        t[IDX((sl + troika_lane_shift[9 * r + c]) % 27, r, c)] = s[IDX(sl, r, c)];
  memcpy(s, t, sizeof t);
}

static void add_column_parity(uint8_t *s) {
  uint8_t p[27][9];
  for (int sl = 0; sl < 27; sl++)
    for (int c = 0; c < 9; c++) p[sl][c] = (s[IDX(sl, 0, c)] + s[IDX(sl, 1, c)] + s[IDX(sl, 2, c)]) % 3;
  for (int sl = 0; sl < 27; sl++)
    for (int r = 0; r < 3; r++)
      for (int c = 0; c < 9; c++) {
        int add = p[sl][(c + 8) % 9] + p[(sl + 1) % 27][(c + 1) % 9];
        s[IDX(sl, r, c)] = (uint8_t)((s[IDX(sl, r, c)] + add) % 3);
      }
}

static void add_round_constant(uint8_t *s, unsigned round) {
  for (int sl = 0; sl < 27; sl++)
    for (int c = 0; c < 9; c++)
      s[IDX(sl, 0, c)] =
          (uint8_t)((s[IDX(sl, 0, c)] + (mam_troika_round_constants[round][9 * sl + c] - '0')) % 3);
}

void mam_troika_ref_permute(uint8_t state[MAM_TROIKA_STATE_TRITS], unsigned rounds) {
  if (rounds > MAM_TROIKA_ROUNDS) rounds = MAM_TROIKA_ROUNDS;
  for (unsigned r = 0; r < rounds; r++) {
    sub_trytes(state);
    shift_rows(state);
    shift_lanes(state);
    add_column_parity(state);
    add_round_constant(state, r);
  }
}

void mam_troika_ref_f(mam_trit_t state[MAM_TROIKA_STATE_TRITS]) {
  uint8_t u[MAM_TROIKA_STATE_TRITS];
  for (int i = 0; i < MAM_TROIKA_STATE_TRITS; i++) u[i] = (uint8_t)(state[i] + 1);
  mam_troika_ref_permute(u, MAM_TROIKA_ROUNDS);
  for (int i = 0; i < MAM_TROIKA_STATE_TRITS; i++) state[i] = (mam_trit_t)(u[i] - 1);
}
