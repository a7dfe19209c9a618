/* Bit-sliced Troika on 64 states at once in plain uint64_t words: runs on any CPU. */
#include <stdint.h>

typedef uint64_t word_t;

static inline word_t word_broadcast(uint64_t x) { return x; }

#include "mamcore/troika_sliced_impl.h"

const mam_troika_sliced_t mam_troika_sliced_portable = {64, sliced_permute};
