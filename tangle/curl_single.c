/* Fast Curl-P-81 hash of one transaction: the 729-trit state as two 729-bit planes.
 *
 * A round of spec node-interface.md 3.1 reads S[p(i)] and S[p(i+1)] with p(i) = 364 i mod 729.
 * Because 364 = -1/2 (mod 729), relabelling the state removes the scattered reads: hold it as
 * A with S[i] = A[label * i mod 729] (curl_internal.h). With S'[i] = F(S[364 i], S[364 i + 364])
 * and label' = 364 label, position j = label' i of A' gets
 *     A'[j] = F(A[j], A[(j + d) mod 729]),   d = 364 label = label',
 * i.e. F of the planes and the planes rotated by d bits. This file holds the portable kernel on
 * 64-bit words and the dispatch to the AVX-512 one (curl_single_avx512.c). */
#include <stddef.h>
#include <string.h>

#include "tangle/curl.h"
#include "tangle/curl_bits.h"
#include "tangle/curl_internal.h"

#define PLANE_WORDS 12                   /* 768 bits hold the 729 trits */
#define LAST_WORD_MASK ((UINT64_C(1) << (TANGLE_CURL_STATE_TRITS - 64 * (PLANE_WORDS - 1))) - 1)
#define CHUNK_WORDS 4                    /* 256 bits hold one 243-trit chunk */

/* One plane with a zero guard word on each side: word k of the plane is w[k + 1]. */
typedef struct {
  uint64_t w[PLANE_WORDS + 2];
} plane_t;

typedef struct {
  plane_t lo, hi;
  unsigned label; /* S[i] lives at bit (label * i) mod 729 of the planes */
} planes_t;

/* Bits [64 w + sh, 64 w + sh + 64) of the plane x (x = &plane.w[1]; bits past 767 read 0). */
static inline uint64_t plane_shr_word(const uint64_t *x, unsigned w, unsigned sh) {
  unsigned i = w + (sh >> 6), b = sh & 63;
  return (x[i] >> b) | ((x[i + 1] << 1) << (63 - b));
}

/* Word w of the plane x shifted left by sh bits (bits before 0 read 0). */
static inline uint64_t plane_shl_word(const uint64_t *x, unsigned w, unsigned sh) {
  const uint64_t *p = x + (ptrdiff_t)w - (ptrdiff_t)(sh >> 6);
  unsigned b = sh & 63;
  return (p[0] << b) | ((p[-1] >> 1) >> (63 - b));
}

/* Word w of A rotated by d: bit j is A[(j + d) mod 729], which is A >> d below 729 - d and
 * A << (729 - d) from there on. `part` says which of the two pieces word w needs. */
enum { PIECE_LOW = 1, PIECE_HIGH = 2 };
static inline uint64_t plane_rot_word(const uint64_t *x, unsigned w, unsigned d, int part) {
  uint64_t v = 0;
  if (part & PIECE_LOW) v |= plane_shr_word(x, w, d);
  if (part & PIECE_HIGH) v |= plane_shl_word(x, w, TANGLE_CURL_STATE_TRITS - d);
  return v;
}

static inline void round_word(const planes_t *s, planes_t *out, unsigned w, unsigned d, int part) {
  const uint64_t *lo = &s->lo.w[1], *hi = &s->hi.w[1];
  uint64_t b_lo = plane_rot_word(lo, w, d, part), b_hi = plane_rot_word(hi, w, d, part);
  CURL_SBOX(lo[w], hi[w], b_lo, b_hi, out->lo.w[w + 1], out->hi.w[w + 1]);
}

/* One round from s into out (the guard words of out must be zero). */
static void planes_round(const planes_t *s, planes_t *out) {
  unsigned d = curl_next_label(s->label);
  unsigned split = (TANGLE_CURL_STATE_TRITS - d) >> 6; /* the word where the pieces meet */
  for (unsigned w = 0; w < split; w++) round_word(s, out, w, d, PIECE_LOW);
  round_word(s, out, split, d, PIECE_LOW | PIECE_HIGH);
  for (unsigned w = split + 1; w < PLANE_WORDS; w++) round_word(s, out, w, d, PIECE_HIGH);
  out->lo.w[PLANE_WORDS] &= LAST_WORD_MASK;
  out->hi.w[PLANE_WORDS] &= LAST_WORD_MASK;
  out->label = d;
}

static void planes_transform(planes_t *s, unsigned rounds) {
  planes_t tmp;
  memset(&tmp, 0, sizeof tmp);
  planes_t *cur = s, *next = &tmp;
  for (unsigned r = 0; r < rounds; r++) {
    planes_round(cur, next);
    planes_t *t = cur;
    cur = next;
    next = t;
  }
  if (cur != s) *s = *cur;
}

/* mask[] = the bits that hold the rate S[0..242] (what absorb overwrites) under `label`. */
static void rate_mask(unsigned label, uint64_t mask[PLANE_WORDS]) {
  uint16_t pos[TANGLE_CURL_HASH_TRITS];
  curl_rate_positions(label, pos);
  memset(mask, 0, PLANE_WORDS * sizeof *mask);
  for (unsigned i = 0; i < TANGLE_CURL_HASH_TRITS; i++)
    mask[pos[i] >> 6] |= UINT64_C(1) << (pos[i] & 63);
}

/* dst |= src << off (src: CHUNK_WORDS words, dst: PLANE_WORDS words, nothing lands past 767). */
static void plane_or_shifted(uint64_t *dst, const uint64_t *src, unsigned off) {
  unsigned base = off >> 6, b = off & 63;
  for (unsigned k = 0; k < CHUNK_WORDS && base + k < PLANE_WORDS; k++) {
    dst[base + k] |= src[k] << b;
    if (b != 0 && base + k + 1 < PLANE_WORDS) dst[base + k + 1] |= src[k] >> (64 - b);
  }
}

/* Overwrites S[0..242] with a chunk. Every label in use after whole transforms (1, 1 + 243 or
 * 1 + 486) puts S[i] at a bit congruent to i modulo 243, so the chunk is replicated at 0, 243
 * and 486 and merged under the rate mask. */
static void planes_absorb(planes_t *s, const mam_trit_t chunk[TANGLE_CURL_HASH_TRITS],
                          const uint64_t mask[PLANE_WORDS]) {
  uint64_t c_lo[CHUNK_WORDS], c_hi[CHUNK_WORDS];
  for (unsigned k = 0; k < CHUNK_WORDS; k++) {
    size_t n = TANGLE_CURL_HASH_TRITS - 64 * k;
    curl_pack_trits(chunk + 64 * k, n < 64 ? n : 64, &c_lo[k], &c_hi[k]);
  }
  uint64_t x_lo[PLANE_WORDS] = {0}, x_hi[PLANE_WORDS] = {0};
  for (unsigned copy = 0; copy < 3; copy++) {
    plane_or_shifted(x_lo, c_lo, copy * TANGLE_CURL_HASH_TRITS);
    plane_or_shifted(x_hi, c_hi, copy * TANGLE_CURL_HASH_TRITS);
  }
  for (unsigned w = 0; w < PLANE_WORDS; w++) {
    s->lo.w[w + 1] = (s->lo.w[w + 1] & ~mask[w]) | (x_lo[w] & mask[w]);
    s->hi.w[w + 1] = (s->hi.w[w + 1] & ~mask[w]) | (x_hi[w] & mask[w]);
  }
}

static void planes_init(planes_t *s) {
  memset(s, 0, sizeof *s);
  for (unsigned w = 1; w <= PLANE_WORDS; w++) s->lo.w[w] = s->hi.w[w] = ~UINT64_C(0);
  s->lo.w[PLANE_WORDS] = s->hi.w[PLANE_WORDS] = LAST_WORD_MASK;
  s->label = 1;
}

void tangle_curl_hash_tx_portable(const mam_trit_t tx[TANGLE_TX_TRITS],
                                  mam_trit_t hash[TANGLE_CURL_HASH_TRITS]) {
  planes_t s;
  planes_init(&s);
  uint64_t masks[CURL_LABEL_PERIOD][PLANE_WORDS];
  for (unsigned c = 0; c < CURL_TX_CHUNKS; c++) {
    if (c < CURL_LABEL_PERIOD) rate_mask(s.label, masks[c]);
    planes_absorb(&s, tx + c * TANGLE_CURL_HASH_TRITS, masks[c % CURL_LABEL_PERIOD]);
    planes_transform(&s, TANGLE_CURL_P81);
  }
  /* label 1 again: S[i] is bit i */
  for (unsigned i = 0; i < TANGLE_CURL_HASH_TRITS; i++)
    hash[i] = curl_bit_trit(s.lo.w[1 + i / 64], s.hi.w[1 + i / 64], i % 64);
}

void tangle_curl_hash_tx(const mam_trit_t tx[TANGLE_TX_TRITS], mam_trit_t hash[TANGLE_CURL_HASH_TRITS]) {
#ifdef TANGLE_CURL_HAVE_AVX512
  if (tangle_curl_avx512_usable()) {
    tangle_curl_hash_tx_avx512(tx, hash);
    return;
  }
#endif
  tangle_curl_hash_tx_portable(tx, hash);
}
