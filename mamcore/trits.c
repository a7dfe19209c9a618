#include "mamcore/trits.h"

#include <string.h>

int mam_tryte_value(char c) {
  if (c == '9') return 0;
  if (c >= 'A' && c <= 'M') return c - 'A' + 1;
  if (c >= 'N' && c <= 'Z') return c - 'N' - 13;
  return MAM_TRYTE_INVALID;
}

char mam_tryte_char(int value) { return MAM_TRYTE_ALPHABET[value < 0 ? value + 27 : value]; }

bool mam_trytes_valid(const char *trytes, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (mam_tryte_value(trytes[i]) == MAM_TRYTE_INVALID) return false;
  return true;
}

/* The three trits of a tryte value, least significant first (spec 1.1). */
static void tryte_to_trits(int v, trit_t *t) {
  for (int i = 0; i < 3; i++) {
    int r = ((v % 3) + 3) % 3;
    if (r == 2) r = -1;
    t[i] = (trit_t)r;
    v = (v - r) / 3;
  }
}

mam_err_t mam_trytes_to_trits(const char *trytes, size_t n, trit_t *trits) {
  for (size_t i = 0; i < n; i++) {
    int v = mam_tryte_value(trytes[i]);
    if (v == MAM_TRYTE_INVALID) return MAM_ERR_INVALID_TRYTE;
    tryte_to_trits(v, trits + 3 * i);
  }
  return MAM_OK;
}

void mam_trits_to_trytes(const trit_t *trits, size_t n_trits, char *trytes) {
  for (size_t i = 0; i + 3 <= n_trits; i += 3)
    trytes[i / 3] = mam_tryte_char(trits[i] + 3 * trits[i + 1] + 9 * trits[i + 2]);
}

void mam_trits_from_int(int64_t v, trit_t *trits, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int64_t r = ((v % 3) + 3) % 3;
    if (r == 2) r = -1;
    trits[i] = (trit_t)r;
    v = (v - r) / 3;
  }
}

int64_t mam_trits_to_int(const trit_t *trits, size_t n) {
  int64_t v = 0;
  for (size_t i = n; i-- > 0;) v = v * 3 + trits[i];
  return v;
}

void mam_trits_increment(trit_t *trits, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (trits[i] < 1) {
      trits[i]++;
      return;
    }
    trits[i] = -1; /* 1 + 1 = -1 carry 1 */
  }
}

bool mam_trits_valid(const trit_t *trits, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (trits[i] < -1 || trits[i] > 1) return false;
  return true;
}

void mam_wipe(void *p, size_t n) { explicit_bzero(p, n); }

bool mam_trits_equal_ct(const trit_t *a, const trit_t *b, size_t n) {
  unsigned diff = 0;
  for (size_t i = 0; i < n; i++) diff |= (unsigned)(uint8_t)(a[i] ^ b[i]);
  return diff == 0;
}
