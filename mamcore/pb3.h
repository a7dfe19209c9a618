/* mamcore/pb3.h: PB3, MAM2's trinary field encodings (spec sections 1.4 and 10.1).
 *
 * Encoders write into a trit buffer at *pos and advance it; decoders read from a bounded buffer,
 * advance *pos and fail with MAM_ERR_TRUNCATED rather than read past the end. */
#ifndef MAMCORE_PB3_H
#define MAMCORE_PB3_H

#include "mamcore/trits.h"

MAM_BEGIN_DECLS

#define MAM_PB3_TRYTE_TRITS 3
#define MAM_PB3_TRINT_TRITS 9
#define MAM_PB3_LONG_TRINT_TRITS 18
/* Largest value sizet can carry: 13 value trytes, (27^13 - 1) / 2. */
#define MAM_PB3_SIZET_MAX UINT64_C(2026277576509488133)
#define MAM_PB3_SIZET_MAX_TRITS 42

/* Trits used by sizet(v) (v <= MAM_PB3_SIZET_MAX). */
MAM_API size_t mam_pb3_sizet_trits(uint64_t v);
/* Writes sizet(v): one tryte holding the number d of value trytes, then v in 3d trits. */
MAM_API void mam_pb3_encode_sizet(uint64_t v, mam_trit_t *buf, size_t *pos);
/* Reads a sizet; accepts non-minimal encodings and negative values the way the reference does
 * not check them, but rejects a length tryte outside 0..13 and negative values. */
MAM_API mam_err_t mam_pb3_decode_sizet(const mam_trit_t *buf, size_t len, size_t *pos, uint64_t *v) MAM_WARN_UNUSED;

/* Fixed-width balanced integers (tryte = 3, trint = 9, long trint = 18 trits). */
MAM_API void mam_pb3_encode_int(int64_t v, size_t width, mam_trit_t *buf, size_t *pos);
MAM_API mam_err_t mam_pb3_decode_int(const mam_trit_t *buf, size_t len, size_t *pos, size_t width,
                                     int64_t *v) MAM_WARN_UNUSED;

/* Raw trits of a known length. */
MAM_API void mam_pb3_encode_trits(const mam_trit_t *x, size_t n, mam_trit_t *buf, size_t *pos);
MAM_API mam_err_t mam_pb3_decode_trits(const mam_trit_t *buf, size_t len, size_t *pos, mam_trit_t *x,
                                       size_t n) MAM_WARN_UNUSED;

MAM_END_DECLS

#endif
