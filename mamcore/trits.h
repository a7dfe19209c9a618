/* mamcore/trits.h: balanced trits and trytes (spec mam2.md section 1). */
#ifndef MAMCORE_TRITS_H
#define MAMCORE_TRITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamcore/error.h"

MAM_BEGIN_DECLS

/* One balanced trit: -1, 0 or +1. */
typedef int8_t mam_trit_t;

#define MAM_TRITS_PER_TRYTE 3
#define MAM_TRYTE_ALPHABET "9ABCDEFGHIJKLMNOPQRSTUVWXYZ"

/* Value -13..13 of a tryte character, or MAM_TRYTE_INVALID. */
#define MAM_TRYTE_INVALID 127
MAM_API int mam_tryte_value(char c);
/* Tryte character of a value in -13..13. */
MAM_API char mam_tryte_char(int value);

/* True when the n characters are all tryte characters (9A-Z); false when trytes is NULL. */
MAM_API bool mam_trytes_valid(const char *trytes, size_t n);

/* Expands n trytes into 3n trits. Fails with MAM_ERR_INVALID_TRYTE on a bad character
 * (the output is then unspecified but never written past 3n trits). */
MAM_API mam_err_t mam_trytes_to_trits(const char *trytes, size_t n, mam_trit_t *trits) MAM_WARN_UNUSED;

/* Writes n_trits/3 tryte characters (n_trits must be a multiple of 3; no terminator). */
MAM_API void mam_trits_to_trytes(const mam_trit_t *trits, size_t n_trits, char *trytes);

/* Balanced little-endian encoding of v in n trits (low-order trits kept when v needs more). */
MAM_API void mam_trits_from_int(int64_t v, mam_trit_t *trits, size_t n);
/* Sum of trits[i] * 3^i (n <= 40). */
MAM_API int64_t mam_trits_to_int(const mam_trit_t *trits, size_t n);

/* Adds one to an n-trit balanced counter; overflow past the last trit is dropped. */
MAM_API void mam_trits_increment(mam_trit_t *trits, size_t n);

/* Balanced mod-3 sum and difference of single trits. */
static inline mam_trit_t mam_trit_add(mam_trit_t a, mam_trit_t b) {
  int s = a + b;
  return (mam_trit_t)(s > 1 ? s - 3 : (s < -1 ? s + 3 : s));
}
static inline mam_trit_t mam_trit_sub(mam_trit_t a, mam_trit_t b) { return mam_trit_add(a, (mam_trit_t)-b); }

/* True when every trit is -1, 0 or 1. */
MAM_API bool mam_trits_valid(const mam_trit_t *trits, size_t n);

/* Overwrites secret material so the compiler cannot elide it. */
MAM_API void mam_wipe(void *p, size_t n);

/* Constant-time comparison of trit strings (for MACs and keys). */
MAM_API bool mam_trits_equal_ct(const mam_trit_t *a, const mam_trit_t *b, size_t n);

MAM_END_DECLS

#endif
