/* tangle/curl_bits.h (internal): trits <-> bit planes for the bit-sliced Curl-P code.
 *
 * A trit t is held as two bits (lo, hi) with lo = (t != +1) and hi = (t != -1): 0 -> (1,1),
 * +1 -> (0,1), -1 -> (1,0), as in spec node-interface.md 3.4. Then t = hi - lo. */
#ifndef TANGLE_CURL_BITS_H
#define TANGLE_CURL_BITS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mamcore/trits.h"

#define CURL_BYTE_LOW_BITS UINT64_C(0x0101010101010101)
/* Multiplying a word whose bytes are 0 or 1 by this gathers byte j into bit 56 + j. */
#define CURL_GATHER_MAGIC UINT64_C(0x0102040810204080)

/* The F S-box of spec 3.1 on bit planes (a = S[p(i)], b = S[p(i+1)]), written once for any
 * type with bitwise operators (uint64_t or a GCC vector of them). */
#define CURL_SBOX(a_lo, a_hi, b_lo, b_hi, out_lo, out_hi) \
  do {                                                  \
    __typeof__(a_lo) curl_d_ = (a_lo) & ((b_lo) ^ (a_hi)); \
    (out_lo) = ~curl_d_;                                \
    (out_hi) = ((a_lo) ^ (b_hi)) | curl_d_;              \
  } while (0)

/* Bit planes of n <= 64 trits: bit k of *lo / *hi belongs to trits[k]. */
static inline void curl_pack_trits(const mam_trit_t *trits, size_t n, uint64_t *lo, uint64_t *hi) {
  uint64_t l = 0, h = 0;
  size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    uint64_t x; /* byte j = trit k + j */
    memcpy(&x, trits + k, sizeof x);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    uint64_t sign = (x >> 7) & CURL_BYTE_LOW_BITS; /* 1 in byte j when trit j is -1 */
    uint64_t odd = x & CURL_BYTE_LOW_BITS;         /* 1 when trit j is -1 or +1 */
    uint64_t lo_bytes = sign | (odd ^ CURL_BYTE_LOW_BITS);
    uint64_t hi_bytes = sign ^ CURL_BYTE_LOW_BITS;
    l |= ((lo_bytes * CURL_GATHER_MAGIC) >> 56) << k;
    h |= ((hi_bytes * CURL_GATHER_MAGIC) >> 56) << k;
  }
  for (; k < n; k++) {
    l |= (uint64_t)(trits[k] != 1) << k;
    h |= (uint64_t)(trits[k] != -1) << k;
  }
  *lo = l;
  *hi = h;
}

/* The trit held by bit `bit` of a (lo, hi) word pair. */
static inline mam_trit_t curl_bit_trit(uint64_t lo, uint64_t hi, unsigned bit) {
  return (mam_trit_t)((int)((hi >> bit) & 1) - (int)((lo >> bit) & 1));
}

#endif
