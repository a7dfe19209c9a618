/* Batched Curl-P-81 transaction hashes: bit-sliced, 64 transactions per uint64_t lane word,
 * 256 with AVX2 and 512 with AVX-512 words chosen at run time (spec node-interface.md 3.4
 * describes the bit-sliced form). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tangle/curl.h"
#include "tangle/curl_bits.h"
#include "tangle/curl_internal.h"

#define CURL_RATE_BLOCKS 4 /* 64-trit blocks covering the 243-trit rate */

#ifdef __GNUC__
#define CURL_PREFETCH(p) __builtin_prefetch(p)
#else
#define CURL_PREFETCH(p) ((void)(p))
#endif

/* Transposes a 64x64 bit matrix in place: bit k of a[l] moves to bit l of a[k]. */
static void curl_transpose64(uint64_t a[64]) {
  uint64_t m = UINT64_C(0x00000000FFFFFFFF);
  for (unsigned j = 32; j != 0; j >>= 1, m ^= m << j) {
    for (unsigned k = 0; k < 64; k = ((k | j) + 1) & ~j) {
      uint64_t t = ((a[k] >> j) ^ a[k + j]) & m;
      a[k] ^= t << j;
      a[k + j] ^= t;
    }
  }
}

/* Packs n <= 64 trits into bit planes (curl_pack_trits or a SIMD equivalent). */
typedef void (*curl_pack_fn)(const mam_trit_t *trits, size_t n, uint64_t *lo, uint64_t *hi);

/* Row l of block q = bit planes of trits 64q.. of chunk `chunk` of transaction first + l
 * (rows of transactions past `count` are left zero; their lanes are never read). */
static inline void curl_rows_from_txs(const mam_trit_t *txs, size_t count, size_t first,
                                      unsigned chunk, curl_pack_fn pack,
                                      uint64_t rows_lo[CURL_RATE_BLOCKS][64],
                                      uint64_t rows_hi[CURL_RATE_BLOCKS][64]) {
  for (unsigned l = 0; l < 64; l++) {
    if (first + l >= count) {
      for (unsigned q = 0; q < CURL_RATE_BLOCKS; q++) rows_lo[q][l] = rows_hi[q][l] = 0;
      continue;
    }
    const mam_trit_t *in = txs + (first + l) * TANGLE_TX_TRITS + chunk * TANGLE_CURL_HASH_TRITS;
    /* The transactions are far apart: fetch the next chunk while this one is transformed. */
    for (unsigned b = 0; b < TANGLE_CURL_HASH_TRITS + 64 && chunk + 1 < CURL_TX_CHUNKS; b += 64)
      CURL_PREFETCH(in + TANGLE_CURL_HASH_TRITS + b);
    for (unsigned q = 0; q < CURL_RATE_BLOCKS; q++) {
      size_t n = TANGLE_CURL_HASH_TRITS - 64 * q;
      pack(in + 64 * q, n < 64 ? n : 64, &rows_lo[q][l], &rows_hi[q][l]);
    }
  }
}

/* The portable instance: 64 lanes in a uint64_t. */
#define CB_WORD uint64_t
#define CB_U64S 1
#define CB_NAME(x) x##_u64
#define CB_PACK curl_pack_trits
#include "tangle/curl_batch_impl.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define CURL_HAVE_X86_KERNELS 1

typedef uint64_t curl_v4u64 __attribute__((vector_size(32)));
typedef uint64_t curl_v8u64 __attribute__((vector_size(64)));

#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2")
/* curl_pack_trits with byte compares: lo = (t != 1), hi = (t != -1). */
static inline void curl_pack_trits_avx2(const mam_trit_t *trits, size_t n, uint64_t *lo,
                                        uint64_t *hi) {
  if (n < 64) {
    curl_pack_trits(trits, n, lo, hi);
    return;
  }
  const __m256i plus = _mm256_set1_epi8(1), minus = _mm256_set1_epi8(-1);
  __m256i x0 = _mm256_loadu_si256((const __m256i *)trits);
  __m256i x1 = _mm256_loadu_si256((const __m256i *)(trits + 32));
  uint64_t is_plus = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x0, plus)) |
                     (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x1, plus)) << 32;
  uint64_t is_minus = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x0, minus)) |
                      (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x1, minus)) << 32;
  *lo = ~is_plus;
  *hi = ~is_minus;
}

#define CB_WORD curl_v4u64
#define CB_U64S 4
#define CB_NAME(x) x##_avx2
#define CB_PACK curl_pack_trits_avx2
#include "tangle/curl_batch_impl.h"
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx2")
#define CB_WORD curl_v8u64
#define CB_U64S 8
#define CB_NAME(x) x##_avx512
#define CB_PACK curl_pack_trits_avx2
#include "tangle/curl_batch_impl.h"
#pragma GCC pop_options
#endif

bool tangle_curl_kernel_available(tangle_curl_kernel_t k) {
  switch (k) {
    case TANGLE_CURL_KERNEL_SINGLE:
    case TANGLE_CURL_KERNEL_U64:
      return true;
#ifdef CURL_HAVE_X86_KERNELS
    case TANGLE_CURL_KERNEL_AVX2:
      return __builtin_cpu_supports("avx2");
    case TANGLE_CURL_KERNEL_AVX512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2");
#endif
    default:
      return false;
  }
}

size_t tangle_curl_kernel_lanes(tangle_curl_kernel_t k) {
  static const size_t lanes[TANGLE_CURL_KERNEL_COUNT] = {1, 64, 256, 512};
  return k < TANGLE_CURL_KERNEL_COUNT ? lanes[k] : 0;
}

/* Rough time of one call of each kernel (one group for the bit-sliced ones) in microseconds,
 * measured on the development machine (AMD EPYC with AVX-512); only the ratios matter. */
static unsigned curl_kernel_cost(tangle_curl_kernel_t k) {
  static const unsigned group_cost[TANGLE_CURL_KERNEL_COUNT] = {0, 2800, 2200, 3900};
  if (k != TANGLE_CURL_KERNEL_SINGLE) return group_cost[k];
#ifdef TANGLE_CURL_HAVE_AVX512
  if (tangle_curl_avx512_usable()) return 30;
#endif
  return 70;
}

/* The available kernel with the lowest estimated cost per transaction for the next `count`. */
static tangle_curl_kernel_t curl_kernel_for(size_t count) {
  tangle_curl_kernel_t best = TANGLE_CURL_KERNEL_SINGLE;
  double best_cost = curl_kernel_cost(best);
  for (tangle_curl_kernel_t k = TANGLE_CURL_KERNEL_U64; k < TANGLE_CURL_KERNEL_COUNT; k++) {
    if (!tangle_curl_kernel_available(k)) continue;
    size_t n = count < tangle_curl_kernel_lanes(k) ? count : tangle_curl_kernel_lanes(k);
    double cost = (double)curl_kernel_cost(k) / (double)n;
    if (cost < best_cost) {
      best = k;
      best_cost = cost;
    }
  }
  return best;
}

#define WORK_ALIGN 64 /* aligned_alloc wants the size to be a multiple of it */

static size_t curl_kernel_work_bytes(tangle_curl_kernel_t k) {
  if (k == TANGLE_CURL_KERNEL_SINGLE) return 0;
  /* 729 cells, each two lane words of lanes/8 bytes */
  size_t bytes = TANGLE_CURL_STATE_TRITS * 2 * (tangle_curl_kernel_lanes(k) / 8);
  return (bytes + WORK_ALIGN - 1) / WORK_ALIGN * WORK_ALIGN;
}

/* Hashes count <= lanes(k) transactions with kernel k. */
static void curl_hash_step(tangle_curl_kernel_t k, const mam_trit_t *txs, size_t count,
                           mam_trit_t *hashes, void *work) {
  switch (k) {
#ifdef CURL_HAVE_X86_KERNELS
    case TANGLE_CURL_KERNEL_AVX512:
      cb_hash_group_avx512(txs, count, hashes, work);
      return;
    case TANGLE_CURL_KERNEL_AVX2:
      cb_hash_group_avx2(txs, count, hashes, work);
      return;
#endif
    case TANGLE_CURL_KERNEL_U64:
      cb_hash_group_u64(txs, count, hashes, work);
      return;
    default:
      tangle_curl_hash_tx(txs, hashes);
      return;
  }
}

/* Hashes all transactions, each step with the kernel `fixed` or, when NULL, the one the cost
 * model picks for the remaining count. The work area grows when a step needs more. */
static tangle_err_t curl_hash_all(const mam_trit_t *txs, size_t count, mam_trit_t *hashes,
                                  const tangle_curl_kernel_t *fixed) {
  if (count == 0) return TANGLE_OK;
  if (!txs || !hashes) return TANGLE_ERR_NULL_ARG;
  void *work = NULL;
  size_t have = 0;
  while (count > 0) {
    tangle_curl_kernel_t k = fixed ? *fixed : curl_kernel_for(count);
    size_t need = curl_kernel_work_bytes(k);
    if (need > have) {
      free(work);
      if (!(work = aligned_alloc(WORK_ALIGN, need))) return TANGLE_ERR_NO_MEMORY;
      have = need;
    }
    size_t n = count < tangle_curl_kernel_lanes(k) ? count : tangle_curl_kernel_lanes(k);
    curl_hash_step(k, txs, n, hashes, work);
    txs += n * TANGLE_TX_TRITS;
    hashes += n * TANGLE_CURL_HASH_TRITS;
    count -= n;
  }
  free(work);
  return TANGLE_OK;
}

tangle_err_t tangle_curl_hash_tx_kernel(tangle_curl_kernel_t k, const mam_trit_t *txs, size_t count,
                                        mam_trit_t *hashes) {
  if (!tangle_curl_kernel_available(k)) return TANGLE_ERR_INVALID_ARG;
  return curl_hash_all(txs, count, hashes, &k);
}

tangle_err_t tangle_curl_hash_tx_batch(const mam_trit_t *txs, size_t count, mam_trit_t *hashes) {
  return curl_hash_all(txs, count, hashes, NULL);
}
