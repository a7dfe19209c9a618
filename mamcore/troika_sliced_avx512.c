/* Bit-sliced Troika on 512 states at once in AVX-512 registers (three-input logic instructions
 * merge the circuits' gates). Called only on CPUs with AVX-512F. */
#if defined(__x86_64__) || defined(__i386__)
#pragma GCC target("avx512f")

#include <stdint.h>

typedef uint64_t word_t __attribute__((vector_size(64)));

static inline word_t word_broadcast(uint64_t x) {
  word_t w = {x, x, x, x, x, x, x, x};
  return w;
}

#include "mamcore/troika_sliced_impl.h"

const mam_troika_sliced_t mam_troika_sliced_avx512 = {512, sliced_permute};

#endif
