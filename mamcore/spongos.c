#include "mamcore/spongos.h"

#include <string.h>

#define RATE MAM_TROIKA_RATE_TRITS

void mam_spongos_init(mam_spongos_t *sp) {
  memset(sp->s, 0, sizeof sp->s);
  sp->pos = 0;
}

void mam_spongos_commit(mam_spongos_t *sp) {
  if (sp->pos != 0) {
    mam_troika_f(sp->s);
    sp->pos = 0;
  }
}

/* Moves the position on by k trits, committing exactly when it reaches the end of the rate. */
static void advance(mam_spongos_t *sp, size_t k) {
  sp->pos += k;
  if (sp->pos == RATE) mam_spongos_commit(sp);
}

/* Length of the next run of trits that fits in the rate without crossing a commit. */
static size_t run_length(const mam_spongos_t *sp, size_t n) {
  size_t room = RATE - sp->pos;
  return n < room ? n : room;
}

void mam_spongos_absorb(mam_spongos_t *sp, const mam_trit_t *x, size_t n) {
  while (n > 0) {
    size_t k = run_length(sp, n);
    memcpy(sp->s + sp->pos, x, k);
    x += k;
    n -= k;
    advance(sp, k);
  }
}

void mam_spongos_squeeze(mam_spongos_t *sp, mam_trit_t *out, size_t n) {
  while (n > 0) {
    size_t k = run_length(sp, n);
    memcpy(out, sp->s + sp->pos, k);
    memset(sp->s + sp->pos, 0, k);
    out += k;
    n -= k;
    advance(sp, k);
  }
}

bool mam_spongos_squeeze_eq(mam_spongos_t *sp, const mam_trit_t *expected, size_t n) {
  unsigned diff = 0;
  while (n > 0) {
    size_t k = run_length(sp, n);
    for (size_t i = 0; i < k; i++) diff |= (unsigned)(uint8_t)(sp->s[sp->pos + i] ^ expected[i]);
    memset(sp->s + sp->pos, 0, k);
    expected += k;
    n -= k;
    advance(sp, k);
  }
  return diff == 0;
}

void mam_spongos_encr(mam_spongos_t *sp, const mam_trit_t *x, mam_trit_t *y, size_t n) {
  while (n > 0) {
    size_t k = run_length(sp, n);
    mam_trit_t *s = sp->s + sp->pos;
    for (size_t i = 0; i < k; i++) {
      mam_trit_t plain = x[i];
      y[i] = mam_trit_add(plain, s[i]);
      s[i] = plain;
    }
    x += k;
    y += k;
    n -= k;
    advance(sp, k);
  }
}

void mam_spongos_decr(mam_spongos_t *sp, const mam_trit_t *y, mam_trit_t *x, size_t n) {
  while (n > 0) {
    size_t k = run_length(sp, n);
    mam_trit_t *s = sp->s + sp->pos;
    for (size_t i = 0; i < k; i++) {
      mam_trit_t plain = mam_trit_sub(y[i], s[i]);
      x[i] = plain;
      s[i] = plain;
    }
    x += k;
    y += k;
    n -= k;
    advance(sp, k);
  }
}

void mam_spongos_hash(const mam_trit_t *x, size_t x_len, mam_trit_t *out, size_t n) {
  mam_spongos_t sp;
  mam_spongos_init(&sp);
  mam_spongos_absorb(&sp, x, x_len);
  mam_spongos_commit(&sp);
  mam_spongos_squeeze(&sp, out, n);
}
