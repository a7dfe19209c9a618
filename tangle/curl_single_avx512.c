/* Curl-P-81 transaction hash on one state with AVX-512 (see curl_single.c for the idea).
 *
 * Layout: 729 = 27 * 27, so the labelled state A is held as 27 dwords of 27 bits per plane,
 * position j in dword j / 27, bit j % 27, in two zmm registers per plane (lanes 27..31 unused).
 * A rotation by d = 27 a + b is then a rotation of the dword sequence by a (one two-register
 * permute: the dword sequence is exactly periodic) plus a 27-bit funnel shift by b. The rate
 * S[0..242] is 9 whole dwords under label 1, and under the other two labels it is spread so that
 * S[i] sits at a position congruent to i modulo 243: a chunk is absorbed by replicating its 9
 * dwords three times and merging them under a mask. */
#include <string.h>

#include "tangle/curl_bits.h"
#include "tangle/curl_internal.h"

#ifdef TANGLE_CURL_HAVE_AVX512
#include <immintrin.h>

#define DW_BITS 27                       /* bits per dword, and dwords per plane */
#define DW_MASK ((UINT32_C(1) << DW_BITS) - 1)
#define DW_LANES 32                      /* dword lanes in two zmm registers */
#define CHUNK_DWORDS (TANGLE_CURL_HASH_TRITS / DW_BITS) /* 9 */

/* vpternlog truth tables are built from these three operand patterns. */
#define TL_A 0xF0
#define TL_B 0xCC
#define TL_C 0xAA

bool tangle_curl_avx512_usable(void) {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}

typedef struct {
  uint32_t lo[DW_LANES], hi[DW_LANES];
} dw_state_t;

/* Sets bit p (0..728) of a 27-bit-dword plane. */
static void dw_set(uint32_t *plane, unsigned p) { plane[p / DW_BITS] |= UINT32_C(1) << (p % DW_BITS); }

static void dw_rate_mask(unsigned label, uint32_t mask[DW_LANES]) {
  uint16_t pos[TANGLE_CURL_HASH_TRITS];
  curl_rate_positions(label, pos);
  memset(mask, 0, DW_LANES * sizeof *mask);
  for (unsigned i = 0; i < TANGLE_CURL_HASH_TRITS; i++) dw_set(mask, pos[i]);
}

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw")

/* Bits [27 u, 27 u + 27) of a 256-bit little-endian bit string w[0..3] (w[4] = 0). */
static inline uint32_t dw_field(const uint64_t w[5], unsigned u) {
  unsigned i = DW_BITS * u / 64, s = DW_BITS * u % 64;
  return (uint32_t)(((w[i] >> s) | ((w[i + 1] << 1) << (63 - s))) & DW_MASK);
}

/* Bit planes of a 243-trit chunk as 9 dwords each (masked loads never touch bytes past it). */
static void dw_pack_chunk(const mam_trit_t *chunk, uint32_t lo[CHUNK_DWORDS], uint32_t hi[CHUNK_DWORDS]) {
  uint64_t wl[5] = {0}, wh[5] = {0};
  const __m512i plus = _mm512_set1_epi8(1), minus = _mm512_set1_epi8(-1);
  for (unsigned q = 0; q < 4; q++) {
    unsigned n = TANGLE_CURL_HASH_TRITS - 64 * q;
    __mmask64 keep = n >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1);
    __m512i x = _mm512_maskz_loadu_epi8(keep, chunk + 64 * q);
    wl[q] = ~(uint64_t)_mm512_cmpeq_epi8_mask(x, plus);
    wh[q] = ~(uint64_t)_mm512_cmpeq_epi8_mask(x, minus);
  }
  for (unsigned u = 0; u < CHUNK_DWORDS; u++) {
    lo[u] = dw_field(wl, u);
    hi[u] = dw_field(wh, u);
  }
}

static void dw_absorb(dw_state_t *s, const mam_trit_t *chunk, const uint32_t mask[DW_LANES]) {
  uint32_t lo[CHUNK_DWORDS], hi[CHUNK_DWORDS];
  dw_pack_chunk(chunk, lo, hi);
  for (unsigned w = 0; w < DW_BITS; w++) {
    s->lo[w] = (s->lo[w] & ~mask[w]) | (lo[w % CHUNK_DWORDS] & mask[w]);
    s->hi[w] = (s->hi[w] & ~mask[w]) | (hi[w % CHUNK_DWORDS] & mask[w]);
  }
}

/* idx[a][w] = (w + a) mod 27: the source dword of lane w for a rotation by a dwords (a = 27
 * is a = 0 again, so that idx[a + 1] always exists). */
typedef struct {
  uint32_t idx[DW_BITS + 1][DW_LANES];
} dw_rotations_t;

static void dw_rotations_init(dw_rotations_t *r) {
  for (unsigned a = 0; a <= DW_BITS; a++)
    for (unsigned w = 0; w < DW_LANES; w++) r->idx[a][w] = (w + a) % DW_BITS;
}

/* Dword w of the plane (p0, p1) rotated by 27 a + b, for the lanes of one register. */
static inline __m512i dw_rotate(__m512i p0, __m512i p1, __m512i idx, __m512i idx_next, __m128i b,
                                __m128i b_rest) {
  __m512i low = _mm512_srl_epi32(_mm512_permutex2var_epi32(p0, idx, p1), b);
  __m512i high = _mm512_sll_epi32(_mm512_permutex2var_epi32(p0, idx_next, p1), b_rest);
  return _mm512_ternarylogic_epi32(low, high, _mm512_set1_epi32(DW_MASK), (TL_A | TL_B) & TL_C);
}

/* F of spec 3.1 on bit planes, keeping bits 27..31 of every dword clear. */
static inline void dw_sbox(__m512i a_lo, __m512i a_hi, __m512i b_lo, __m512i b_hi, __m512i *lo,
                           __m512i *hi) {
  __m512i d = _mm512_ternarylogic_epi32(a_lo, b_lo, a_hi, TL_A & (TL_B ^ TL_C));
  *lo = _mm512_andnot_si512(d, _mm512_set1_epi32(DW_MASK));
  *hi = _mm512_ternarylogic_epi32(a_lo, b_hi, d, (TL_A ^ TL_B) | TL_C);
}

/* 81 rounds: A'[j] = F(A[j], A[(j + d) mod 729]) with d = 364 label, which is the next label. */
static unsigned dw_transform(dw_state_t *s, unsigned label, const dw_rotations_t *rot) {
  __m512i lo0 = _mm512_loadu_si512(s->lo), lo1 = _mm512_loadu_si512(s->lo + 16);
  __m512i hi0 = _mm512_loadu_si512(s->hi), hi1 = _mm512_loadu_si512(s->hi + 16);
  for (unsigned r = 0; r < TANGLE_CURL_P81; r++) {
    unsigned d = curl_next_label(label);
    label = d;
    const uint32_t *idx = rot->idx[d / DW_BITS], *next = rot->idx[d / DW_BITS + 1];
    __m512i idx0 = _mm512_loadu_si512(idx), idx1 = _mm512_loadu_si512(idx + 16);
    __m512i next0 = _mm512_loadu_si512(next), next1 = _mm512_loadu_si512(next + 16);
    __m128i b = _mm_cvtsi32_si128((int)(d % DW_BITS));
    __m128i b_rest = _mm_cvtsi32_si128((int)(DW_BITS - d % DW_BITS));
    __m512i rl0 = dw_rotate(lo0, lo1, idx0, next0, b, b_rest);
    __m512i rl1 = dw_rotate(lo0, lo1, idx1, next1, b, b_rest);
    __m512i rh0 = dw_rotate(hi0, hi1, idx0, next0, b, b_rest);
    __m512i rh1 = dw_rotate(hi0, hi1, idx1, next1, b, b_rest);
    dw_sbox(lo0, hi0, rl0, rh0, &lo0, &hi0);
    dw_sbox(lo1, hi1, rl1, rh1, &lo1, &hi1);
  }
  _mm512_storeu_si512(s->lo, lo0);
  _mm512_storeu_si512(s->lo + 16, lo1);
  _mm512_storeu_si512(s->hi, hi0);
  _mm512_storeu_si512(s->hi + 16, hi1);
  return label;
}

void tangle_curl_hash_tx_avx512(const mam_trit_t tx[TANGLE_TX_TRITS],
                                mam_trit_t hash[TANGLE_CURL_HASH_TRITS]) {
  dw_state_t s;
  memset(&s, 0, sizeof s);
  for (unsigned w = 0; w < DW_BITS; w++) s.lo[w] = s.hi[w] = DW_MASK; /* all trits 0 */
  uint32_t masks[CURL_LABEL_PERIOD][DW_LANES];
  dw_rotations_t rot;
  dw_rotations_init(&rot);
  unsigned label = 1;
  for (unsigned c = 0; c < CURL_TX_CHUNKS; c++) {
    if (c < CURL_LABEL_PERIOD) dw_rate_mask(label, masks[c]);
    dw_absorb(&s, tx + c * TANGLE_CURL_HASH_TRITS, masks[c % CURL_LABEL_PERIOD]);
    label = dw_transform(&s, label, &rot);
  }
  /* label 1 again: S[i] is bit i % 27 of dword i / 27 */
  for (unsigned i = 0; i < TANGLE_CURL_HASH_TRITS; i++)
    hash[i] = curl_bit_trit(s.lo[i / DW_BITS], s.hi[i / DW_BITS], i % DW_BITS);
}

#pragma GCC pop_options

#endif
