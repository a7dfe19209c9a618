/* The bit-sliced Curl-P kernels, one instance of pow_kernel.h per instruction set. */
#include <stdint.h>
#include <string.h>
#ifdef __x86_64__
#include <immintrin.h>
#endif

#include "tangle/pow_internal.h"

static int pow_always_supported(void) { return 1; }

/* 64 lanes in plain words. */
#define POW_WORD uint64_t
#define POW_TARGET
#define POW_FN(f) f##_portable
#include "tangle/pow_kernel.h"

const tangle_pow_kernel_t tangle_pow_kernel_portable = {"portable", 64, pow_always_supported,
                                                        pass_portable, final_trit_portable};

#ifdef POW_X86_SIMD
typedef uint64_t pow_v256 __attribute__((vector_size(32)));
typedef uint64_t pow_v512 __attribute__((vector_size(64)));

static int pow_avx2_supported(void) { return __builtin_cpu_supports("avx2"); }
static int pow_avx512_supported(void) { return __builtin_cpu_supports("avx512f"); }

#define POW_WORD pow_v256
#define POW_TARGET __attribute__((target("avx2")))
#define POW_FN(f) f##_avx2
#include "tangle/pow_kernel.h"

const tangle_pow_kernel_t tangle_pow_kernel_avx2 = {"avx2", 256, pow_avx2_supported, pass_avx2,
                                                    final_trit_avx2};

#define POW_WORD pow_v512
#define POW_TARGET __attribute__((target("avx512f")))
#define POW_FN(f) f##_avx512
/* GCC keeps d = aL & (bL ^ aH) and negates it, three instructions; these are two. */
#define POW_TERNLOG(x, y, z, imm) \
  ((pow_v512)_mm512_ternarylogic_epi64((__m512i)(x), (__m512i)(y), (__m512i)(z), imm))
#define POW_NAND_XOR(x, a_lo, y) POW_TERNLOG(x, a_lo, y, 0xb7)
#define POW_XOR_OR_NOT(x, y, lo) POW_TERNLOG(x, y, lo, 0x7d)
#include "tangle/pow_kernel.h"
#undef POW_TERNLOG

const tangle_pow_kernel_t tangle_pow_kernel_avx512 = {"avx512", 512, pow_avx512_supported,
                                                      pass_avx512, final_trit_avx512};
#endif
