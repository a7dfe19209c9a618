/* Plain Curl-P (node-interface.md 3.1). */
#include "tangle/curl.h"

#include <string.h>

/* F(a, b) looked up at a + 4b + 5; entries 3 and 7 are unreachable. */
static const mam_trit_t curl_sbox[11] = {1, 0, -1, 2, 1, -1, 0, 2, -1, 1, 0};

void tangle_curl_transform(mam_trit_t state[TANGLE_CURL_STATE_TRITS], unsigned rounds) {
  mam_trit_t copy[TANGLE_CURL_STATE_TRITS];
  for (unsigned r = 0; r < rounds; r++) {
    memcpy(copy, state, sizeof copy);
    size_t p = 0;
    for (size_t i = 0; i < TANGLE_CURL_STATE_TRITS; i++) {
      size_t q = p < 365 ? p + 364 : p - 365;
      state[i] = curl_sbox[copy[p] + 4 * copy[q] + 5];
      p = q;
    }
  }
}

void tangle_curl_init(tangle_curl_t *c, unsigned rounds) {
  memset(c->state, 0, sizeof c->state);
  c->rounds = rounds;
}

void tangle_curl_absorb(tangle_curl_t *c, const mam_trit_t *in, size_t n) {
  while (n > 0) {
    size_t k = n < TANGLE_CURL_HASH_TRITS ? n : TANGLE_CURL_HASH_TRITS;
    memcpy(c->state, in, k);
    tangle_curl_transform(c->state, c->rounds);
    in += k;
    n -= k;
  }
}

void tangle_curl_squeeze(tangle_curl_t *c, mam_trit_t *out, size_t n) {
  while (n > 0) {
    size_t k = n < TANGLE_CURL_HASH_TRITS ? n : TANGLE_CURL_HASH_TRITS;
    memcpy(out, c->state, k);
    tangle_curl_transform(c->state, c->rounds);
    out += k;
    n -= k;
  }
}
