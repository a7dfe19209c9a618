/* Interim: the batch API on top of the plain permutation, until the bit-sliced one lands. */
#include <string.h>

#include "mamcore/troika_internal.h"

void mam_troika_f(trit_t state[MAM_TROIKA_STATE_TRITS]) { mam_troika_ref_f(state); }

void mam_troika_f_batch(trit_t *states, size_t count) {
  for (size_t j = 0; j < count; j++) mam_troika_f(states + j * MAM_TROIKA_STATE_TRITS);
}

void mam_troika_hash_batch(const trit_t *in, size_t in_len, trit_t *out, size_t out_len,
                           size_t count) {
  trit_t s[MAM_TROIKA_STATE_TRITS];
  for (size_t j = 0; j < count; j++) {
    memset(s, 0, sizeof s);
    memcpy(s, in + j * in_len, in_len);
    mam_troika_f(s);
    memcpy(out + j * out_len, s, out_len);
  }
}

void mam_troika_chains(trit_t *chains, size_t len, const uint8_t *steps, size_t count) {
  trit_t s[MAM_TROIKA_STATE_TRITS];
  for (size_t j = 0; j < count; j++) {
    memcpy(s, chains + j * len, len);
    for (unsigned k = 0; k < steps[j]; k++) {
      memset(s + len, 0, sizeof s - len);
      mam_troika_f(s);
    }
    memcpy(chains + j * len, s, len);
  }
}
