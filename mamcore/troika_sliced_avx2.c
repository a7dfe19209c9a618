/* Bit-sliced Troika on 256 states at once in AVX2 registers. Called only on CPUs with AVX2. */
#if defined(__x86_64__) || defined(__i386__)
#pragma GCC target("avx2")

#include <stdint.h>

typedef uint64_t word_t __attribute__((vector_size(32)));

static inline word_t word_broadcast(uint64_t x) {
  word_t w = {x, x, x, x};
  return w;
}

#include "mamcore/troika_sliced_impl.h"

const mam_troika_sliced_t mam_troika_sliced_avx2 = {256, sliced_permute};

#endif
