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

/* 16 trits at once (GCC vector extension: SSE2 on x86-64, NEON on ARM): a + b or a - b brought
 * back into -1..1, as mam_trit_add and mam_trit_sub. */
typedef signed char trits16_t __attribute__((vector_size(16)));
static inline trits16_t trits16_wrap(trits16_t v) { return v + ((v < -1) & 3) - ((v > 1) & 3); }

/* One run over the rate trits s[0..k) (k <= RATE; in and out may be the same buffer): decrypting,
 * out = in - s and s = out; encrypting, out = in + s and s = in. Every payload trit of every
 * packet read passes here, so it works 16 trits at a time through local copies (which alias
 * nothing the compiler must reload), the tail one by one. */
static void crypt_run(mam_trit_t *s, const mam_trit_t *in, mam_trit_t *out, size_t k, bool decrypt) {
  size_t i = 0;
  for (; i + 16 <= k; i += 16) {
    trits16_t a, st;
    memcpy(&a, in + i, sizeof a);
    memcpy(&st, s + i, sizeof st);
    trits16_t b = trits16_wrap(decrypt ? a - st : a + st);
    memcpy(s + i, decrypt ? &b : &a, sizeof b);
    memcpy(out + i, &b, sizeof b);
  }
  for (; i < k; i++) {
    mam_trit_t a = in[i], b = decrypt ? mam_trit_sub(a, s[i]) : mam_trit_add(a, s[i]);
    s[i] = decrypt ? b : a;
    out[i] = b;
  }
}

static void crypt(mam_spongos_t *sp, const mam_trit_t *in, mam_trit_t *out, size_t n, bool decrypt) {
  while (n > 0) {
    size_t k = run_length(sp, n);
    crypt_run(sp->s + sp->pos, in, out, k, decrypt);
    in += k;
    out += k;
    n -= k;
    advance(sp, k);
  }
}

void mam_spongos_encr(mam_spongos_t *sp, const mam_trit_t *x, mam_trit_t *y, size_t n) { crypt(sp, x, y, n, false); }

void mam_spongos_decr(mam_spongos_t *sp, const mam_trit_t *y, mam_trit_t *x, size_t n) { crypt(sp, y, x, n, true); }

void mam_spongos_hash(const mam_trit_t *x, size_t x_len, mam_trit_t *out, size_t n) {
  mam_spongos_t sp;
  mam_spongos_init(&sp);
  mam_spongos_absorb(&sp, x, x_len);
  mam_spongos_commit(&sp);
  mam_spongos_squeeze(&sp, out, n);
}
