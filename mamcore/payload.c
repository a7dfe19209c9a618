#include "mamcore/payload.h"

void mam_bytes_to_trytes(const uint8_t *bytes, size_t n, char *trytes) {
  for (size_t i = 0; i < n; i++) {
    trytes[2 * i] = MAM_TRYTE_ALPHABET[bytes[i] % 27];
    trytes[2 * i + 1] = MAM_TRYTE_ALPHABET[bytes[i] / 27];
  }
}

/* Position 0..26 of a tryte character in the alphabet "9A..Z"; sets *bad for any other character.
 * Inline arithmetic rather than mam_tryte_value: this loop is the hot path of every REST page. */
static inline unsigned alphabet_index(unsigned char c, unsigned *bad) {
  unsigned letter = (unsigned)(c - 'A');
  if (letter < 26) return letter + 1;
  *bad |= c != '9';
  return 0;
}

mam_err_t mam_trytes_to_bytes(const char *trytes, size_t n_trytes, uint8_t *bytes) {
  if (n_trytes % 2) return MAM_ERR_INVALID_VALUE;
  const unsigned char *t = (const unsigned char *)trytes;
  unsigned bad = 0;
  for (size_t i = 0; i < n_trytes / 2; i++) {
    unsigned value = alphabet_index(t[2 * i], &bad) + 27 * alphabet_index(t[2 * i + 1], &bad);
    bad |= value > 255;
    bytes[i] = (uint8_t)value;
  }
  return bad ? MAM_ERR_INVALID_VALUE : MAM_OK;
}

bool mam_utf8_valid(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    size_t len;
    uint32_t cp, min;
    if (c < 0x80) { i++; continue; }
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
    else return false;
    if (n - i < len) return false;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}
