/* mamcore/troika_tiles.h: moving trits between bytes and bit masks 16 by 16 (not installed).
 *
 * A tile is 16 rows of 16 trits held in byte vectors (SSE2 registers on x86-64). Rows are read
 * from trit arrays, a 16x16 byte transpose turns them into columns, and a column of 16 trits
 * becomes two 16-bit masks (bit k: trit k is +1, resp. -1), or back. Both the packed single state
 * (troika_lanes.c) and the bit-sliced batches (troika.c) convert this way. */
#ifndef MAMCORE_TROIKA_TILES_H
#define MAMCORE_TROIKA_TILES_H

#include <stdint.h>
#include <string.h>

#include "mamcore/trits.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define TILE 16

typedef uint8_t bytes16_t __attribute__((vector_size(TILE)));

/* Bit k set when byte k has its top bit set. */
static inline unsigned byte_signs(bytes16_t v) {
#if defined(__SSE2__)
  return (unsigned)_mm_movemask_epi8((__m128i)v);
#else
  unsigned m = 0;
  for (unsigned k = 0; k < TILE; k++) m |= (unsigned)(v[k] >> 7) << k;
  return m;
#endif
}

/* One round of the transpose: rows i and i + 8 interleaved into rows 2i and 2i + 1. Four
 * rounds transpose the matrix. */
static inline void interleave_rows(bytes16_t out[TILE], const bytes16_t in[TILE]) {
  const bytes16_t lo = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23};
  const bytes16_t hi = {8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
  for (unsigned i = 0; i < TILE / 2; i++) {
    out[2 * i] = __builtin_shuffle(in[i], in[i + TILE / 2], lo);
    out[2 * i + 1] = __builtin_shuffle(in[i], in[i + TILE / 2], hi);
  }
}

static inline void tile_transpose(bytes16_t m[TILE]) {
  bytes16_t t[TILE];
  interleave_rows(t, m);
  interleave_rows(m, t);
  interleave_rows(t, m);
  interleave_rows(m, t);
}

/* Row j of the tile = rows[j][first .. first + cols) for j < n_rows, the rest 0. */
static inline void tile_read(bytes16_t m[TILE], const mam_trit_t *const *rows, size_t n_rows,
                             size_t first, size_t cols) {
  if (n_rows == TILE && cols == TILE) {
    for (size_t j = 0; j < TILE; j++) memcpy(&m[j], rows[j] + first, TILE);
    return;
  }
  memset(m, 0, TILE * sizeof *m);
  for (size_t j = 0; j < n_rows; j++) memcpy(&m[j], rows[j] + first, cols);
}

/* rows[j][first .. first + cols) = row j of the tile for j < n_rows. */
static inline void tile_write(mam_trit_t *const *rows, size_t n_rows, size_t first, size_t cols,
                              const bytes16_t m[TILE]) {
  if (cols == TILE) {
    for (size_t j = 0; j < n_rows; j++) memcpy(rows[j] + first, &m[j], TILE);
    return;
  }
  for (size_t j = 0; j < n_rows; j++) memcpy(rows[j] + first, &m[j], cols);
}

/* The masks of the +1 and -1 trits among 16 (+1 is byte 0x01, -1 is 0xff). */
static inline unsigned trits_pos_mask(bytes16_t t) { return byte_signs(t + 127); }
static inline unsigned trits_neg_mask(bytes16_t t) { return byte_signs(t); }

/* Byte k all-ones when bit k of the 16-bit mask is set. */
static inline bytes16_t mask_to_bytes(unsigned mask) {
  static const bytes16_t select = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  const uint64_t every_byte = UINT64_C(0x0101010101010101);
  uint64_t halves __attribute__((vector_size(TILE))) = {(mask & 0xff) * every_byte,
                                                        ((mask >> 8) & 0xff) * every_byte};
  bytes16_t v = (bytes16_t)halves;
  return (bytes16_t)((v & select) == select);
}

/* 16 trits from their +1 and -1 masks: (-1 or 0) - (-1 or 0) in every byte. */
static inline bytes16_t masks_to_trits(unsigned pos, unsigned neg) {
  return mask_to_bytes(neg) - mask_to_bytes(pos);
}

#endif
