#include "mamcore/trits.h"

#include <string.h>

/* Inline forms for the loops below (the exported functions may be interposed, so calls to them
 * from this file are not inlined). */
static inline int tryte_value(char c) {
  unsigned u = (unsigned)(unsigned char)c - 'A';
  if (u < 13) return (int)u + 1; /* A..M */
  if (u < 26) return (int)u - 26; /* N..Z */
  return c == '9' ? 0 : MAM_TRYTE_INVALID;
}

static inline char tryte_char(int value) { return MAM_TRYTE_ALPHABET[value < 0 ? value + 27 : value]; }

int mam_tryte_value(char c) { return tryte_value(c); }

char mam_tryte_char(int value) { return tryte_char(value); }

/* 1 for a character outside 9A-Z. */
static unsigned bad_tryte(unsigned char c) {
  return (unsigned)((unsigned char)(c - 'A') > 'Z' - 'A') & (unsigned)(c != '9');
}

/* 16 characters at once: 0xff where a character is in 9A-Z. */
typedef unsigned char bytes16_t __attribute__((vector_size(16)));
static inline bytes16_t good_trytes16(const char *s) {
  bytes16_t v;
  memcpy(&v, s, sizeof v);
  return (bytes16_t)((v - (unsigned char)'A' <= (unsigned char)('Z' - 'A')) | (v == (unsigned char)'9'));
}

/* Every feed frame's 2754 trytes pass through here, so it checks 32 at a time without branches
 * (SSE2 on x86-64) and gathers the verdicts in registers, combined once at the end; the last
 * blocks overlap those before when n is not a multiple of 32. */
bool mam_trytes_valid(const char *s, size_t n) {
  enum { BLOCK = sizeof(bytes16_t) };
  if (s == NULL) return false;
  if (n < 2 * BLOCK) {
    unsigned bad = 0;
    for (size_t k = 0; k < n; k++) bad |= bad_tryte((unsigned char)s[k]);
    return bad == 0;
  }
  bytes16_t good0 = good_trytes16(s + n - 2 * BLOCK), good1 = good_trytes16(s + n - BLOCK);
  for (size_t i = 0; i + 2 * BLOCK <= n; i += 2 * BLOCK) {
    good0 &= good_trytes16(s + i);
    good1 &= good_trytes16(s + i + BLOCK);
  }
  uint64_t halves[2];
  good0 &= good1;
  memcpy(halves, &good0, sizeof halves);
  return (halves[0] & halves[1]) == UINT64_MAX;
}

/* The three trits of each tryte value -13..13, least significant first (spec 1.1); a table because
 * tryte conversion sits on the feed's hot path. A fourth, unused trit per row: the conversion
 * stores 4 bytes at a time (one store, not two). */
static const mam_trit_t tryte_trits[27][4] = {
    {-1, -1, -1}, {0, -1, -1}, {1, -1, -1}, {-1, 0, -1}, {0, 0, -1}, {1, 0, -1}, {-1, 1, -1}, {0, 1, -1}, {1, 1, -1},
    {-1, -1, 0}, {0, -1, 0}, {1, -1, 0}, {-1, 0, 0}, {0, 0, 0}, {1, 0, 0}, {-1, 1, 0}, {0, 1, 0}, {1, 1, 0},
    {-1, -1, 1}, {0, -1, 1}, {1, -1, 1}, {-1, 0, 1}, {0, 0, 1}, {1, 0, 1}, {-1, 1, 1}, {0, 1, 1}, {1, 1, 1}};

/* The row of tryte_trits of each valid character (tryte value + 13); 0 for the others, which
 * mam_trytes_valid turns away first. A lookup, not tryte_value's branches: the letters of a
 * transaction are random, and every feed frame's 2673 trytes pass through here. */
static const uint8_t tryte_row[256] = {
    ['9'] = 13, ['A'] = 14, ['B'] = 15, ['C'] = 16, ['D'] = 17, ['E'] = 18, ['F'] = 19, ['G'] = 20,
    ['H'] = 21, ['I'] = 22, ['J'] = 23, ['K'] = 24, ['L'] = 25, ['M'] = 26, ['N'] = 0, ['O'] = 1, ['P'] = 2,
    ['Q'] = 3, ['R'] = 4, ['S'] = 5, ['T'] = 6, ['U'] = 7, ['V'] = 8, ['W'] = 9, ['X'] = 10, ['Y'] = 11,
    ['Z'] = 12,
};

/* Checked first, 32 characters at a time, so that the conversion loop has no exit. */
mam_err_t mam_trytes_to_trits(const char *trytes, size_t n, mam_trit_t *trits) {
  if (n == 0) return MAM_OK;
  if (!mam_trytes_valid(trytes, n)) return MAM_ERR_INVALID_TRYTE;
  /* each store's fourth byte is overwritten by the next one; the last stores only 3 */
  for (size_t i = 0; i + 1 < n; i++) memcpy(trits + 3 * i, tryte_trits[tryte_row[(unsigned char)trytes[i]]], 4);
  memcpy(trits + 3 * (n - 1), tryte_trits[tryte_row[(unsigned char)trytes[n - 1]]], 3);
  return MAM_OK;
}

void mam_trits_to_trytes(const mam_trit_t *trits, size_t n_trits, char *trytes) {
  for (size_t i = 0; i + 3 <= n_trits; i += 3)
    trytes[i / 3] = tryte_char(trits[i] + 3 * trits[i + 1] + 9 * trits[i + 2]);
}

/* One division by 3 per trit: v = 3 q + r with r in -2..2, moved into -1..1. */
void mam_trits_from_int(int64_t v, mam_trit_t *trits, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int64_t q = v / 3, r = v - 3 * q;
    if (r > 1) r -= 3, q++;
    if (r < -1) r += 3, q--;
    trits[i] = (mam_trit_t)r;
    v = q;
  }
}

int64_t mam_trits_to_int(const mam_trit_t *trits, size_t n) {
  int64_t v = 0;
  for (size_t i = n; i-- > 0;) v = v * 3 + trits[i];
  return v;
}

void mam_trits_increment(mam_trit_t *trits, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (trits[i] < 1) {
      trits[i]++;
      return;
    }
    trits[i] = -1; /* 1 + 1 = -1 carry 1 */
  }
}

/* Whether any of n trits is outside -1..1: no early exit, so that the loop vectorises. */
static inline unsigned trits_bad(const mam_trit_t *trits, size_t n) {
  unsigned bad = 0;
  for (size_t i = 0; i < n; i++) bad |= (uint8_t)(trits[i] + 1) > 2;
  return bad;
}

/* On the decode path (every transaction twice): 16 trits per vector operation, the verdicts
 * gathered in a register, then the rest one by one. */
bool mam_trits_valid(const mam_trit_t *trits, size_t n) {
  bytes16_t bad16 = {0};
  size_t i = 0;
  for (; i + sizeof bad16 <= n; i += sizeof bad16) {
    bytes16_t v;
    memcpy(&v, trits + i, sizeof v);
    bad16 |= (bytes16_t)(v + 1 > 2);
  }
  uint64_t halves[2];
  memcpy(halves, &bad16, sizeof halves);
  return ((halves[0] | halves[1]) == 0) & (trits_bad(trits + i, n - i) == 0);
}

void mam_wipe(void *p, size_t n) { explicit_bzero(p, n); }

bool mam_trits_equal_ct(const mam_trit_t *a, const mam_trit_t *b, size_t n) {
  unsigned diff = 0;
  for (size_t i = 0; i < n; i++) diff |= (unsigned)(uint8_t)(a[i] ^ b[i]);
  return diff == 0;
}
