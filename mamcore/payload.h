/* mamcore/payload.h: bytes <-> trytes for message payloads.
 *
 * Each byte b becomes two trytes: the alphabet characters at b mod 27 and b div 27 (the legacy
 * asciiToTrytes convention extended to 8-bit bytes). Trytes decode back only when they have even
 * length and every pair gives a value below 256. */
#ifndef MAMCORE_PAYLOAD_H
#define MAMCORE_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamcore/trits.h"

MAM_BEGIN_DECLS

/* Writes 2n tryte characters for n bytes (no terminator). */
MAM_API void mam_bytes_to_trytes(const uint8_t *bytes, size_t n, char *trytes);
/* Decodes 2n trytes into n bytes; MAM_ERR_INVALID_VALUE when they are not such an encoding
 * (odd length, a bad character, a pair above 255). */
MAM_API mam_err_t mam_trytes_to_bytes(const char *trytes, size_t n_trytes, uint8_t *bytes) MAM_WARN_UNUSED;
/* True when the bytes are well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
MAM_API bool mam_utf8_valid(const uint8_t *s, size_t n);

MAM_END_DECLS

#endif
