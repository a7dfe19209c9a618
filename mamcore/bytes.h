/* mamcore/bytes.h: bounded byte encoders and decoders for saved state (internal, not installed).
 *
 * An encoder with buf == NULL only counts, so one function gives both the size and the bytes.
 * A decoder never reads past its end: the first short read marks it bad and later reads return
 * zeros, so callers check `bad` once at the end of a record. */
#ifndef MAMCORE_BYTES_H
#define MAMCORE_BYTES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mamcore/trits.h"

typedef struct mam_benc {
  uint8_t *buf;
  size_t len, pos;
} mam_benc_t;

static inline void mam_benc_bytes(mam_benc_t *e, const void *p, size_t n) {
  if (e->buf && n && e->pos <= e->len && e->len - e->pos >= n) memcpy(e->buf + e->pos, p, n);
  e->pos += n;
}

static inline void mam_benc_uint(mam_benc_t *e, uint64_t v, size_t width) {
  uint8_t b[8];
  for (size_t i = 0; i < width; i++) b[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
  mam_benc_bytes(e, b, width);
}

/* Trits one per byte. */
static inline void mam_benc_trits(mam_benc_t *e, const mam_trit_t *t, size_t n) { mam_benc_bytes(e, t, n); }

typedef struct mam_bdec {
  const uint8_t *buf;
  size_t len, pos;
  bool bad;
} mam_bdec_t;

static inline const uint8_t *mam_bdec_take(mam_bdec_t *d, size_t n) {
  if (d->bad || d->len - d->pos < n) {
    d->bad = true;
    return NULL;
  }
  const uint8_t *p = d->buf + d->pos;
  d->pos += n;
  return p;
}

static inline uint64_t mam_bdec_uint(mam_bdec_t *d, size_t width) {
  const uint8_t *p = mam_bdec_take(d, width);
  uint64_t v = 0;
  for (size_t i = 0; p && i < width; i++) v = (v << 8) | p[i];
  return v;
}

/* Trits one per byte; marks the decoder bad on a value other than -1, 0, 1. */
static inline void mam_bdec_trits(mam_bdec_t *d, mam_trit_t *t, size_t n) {
  const uint8_t *p = mam_bdec_take(d, n);
  if (!p) return;
  memcpy(t, p, n);
  if (!mam_trits_valid(t, n)) d->bad = true;
}

#endif
