/* fuzz/fuzz.h: what the libFuzzer targets share (built by script/fuzz with clang, not by automake).
 *
 * Every target turns its input into the outside data one parser of mamgate reads, checks the
 * properties a successful parse promises (round trips, bounds) and aborts when one fails, so
 * libFuzzer keeps the input as a crasher. Inputs that carry trits pack five trits into a byte
 * (fz_trits), so that every byte string is a valid trit string and the corpus stays small. */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mamcore/trits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A property that must hold: report it and abort (libFuzzer saves the input). */
#define FZ_CHECK(cond)                                                                       \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);    \
      abort();                                                                               \
    }                                                                                        \
  } while (0)

/* The input read front to back; past its end every read gives zeros. */
typedef struct fz_input {
  const uint8_t *p;
  size_t n, pos;
} fz_input_t;

static inline size_t fz_left(const fz_input_t *in) { return in->n - in->pos; }

static inline uint8_t fz_byte(fz_input_t *in) { return in->pos < in->n ? in->p[in->pos++] : 0; }

static inline uint16_t fz_u16(fz_input_t *in) {
  uint16_t lo = fz_byte(in);
  return (uint16_t)(lo | (uint16_t)(fz_byte(in) << 8));
}

/* Bytes per packed trit string of n trits. */
#define FZ_PACKED_BYTES(n) (((n) + 4) / 5)

/* Digit d of a byte (0, 1, 2 in base 3, low digit first) is the trit 0, 1, -1: the zero byte is
 * five zero trits, and every byte below 243 is a distinct group (higher bytes wrap around). */
static inline void fz_trits(fz_input_t *in, mam_trit_t *out, size_t n) {
  for (size_t i = 0; i < n; i += 5) {
    unsigned v = fz_byte(in) % 243u;
    for (size_t k = i; k < i + 5 && k < n; k++, v /= 3) out[k] = (mam_trit_t)(v % 3 == 2 ? -1 : (int)(v % 3));
  }
}

/* The inverse of fz_trits, for corpus writers: n trits into FZ_PACKED_BYTES(n) bytes. */
static inline void fz_pack_trits(const mam_trit_t *t, size_t n, uint8_t *out) {
  for (size_t i = 0; i < n; i += 5) {
    unsigned v = 0, scale = 1;
    for (size_t k = i; k < i + 5 && k < n; k++, scale *= 3) v += (unsigned)(t[k] < 0 ? 2 : t[k]) * scale;
    out[i / 5] = (uint8_t)v;
  }
}

#endif
