/* The sponge of spec section 3.3. The control trits sit at S[486..492); the reference writes the
 * operation type into S[486] (previous op) and S[489] (current op) only and tests S[487] to decide
 * whether an absorb transforms first (section 3.2). */
#include "mamcore/sponge.h"

#include <string.h>

#define RATE MAM_TROIKA_RATE_TRITS
#define CTL_PREV RATE         /* S[486] */
#define CTL_TEST (RATE + 1)   /* S[487] */
#define CTL_CURRENT (RATE + 3) /* S[489] */

void mam_sponge_init(mam_sponge_t *sp) { memset(sp->s, 0, sizeof sp->s); }

/* After a block of k trits: pad a partial block with 1 then zeros, record the operation type. */
static void finish_block(mam_trit_t *s, mam_trit_t c2, size_t k) {
  if (k < RATE) {
    s[k] = 1;
    memset(s + k + 1, 0, RATE - k - 1);
  }
  s[CTL_PREV] = c2;
}

static void absorb_block(mam_sponge_t *sp, mam_trit_t c2, const mam_trit_t *block, size_t k) {
  if (sp->s[CTL_TEST] != 0) {
    sp->s[CTL_CURRENT] = c2;
    mam_troika_f(sp->s);
  }
  memcpy(sp->s, block, k);
  finish_block(sp->s, c2, k);
}

void mam_sponge_absorb(mam_sponge_t *sp, mam_trit_t c2, const mam_trits_view_t *pieces, size_t count) {
  mam_trit_t block[RATE];
  size_t fill = 0, total = 0;
  for (size_t i = 0; i < count; i++) total += pieces[i].n;
  size_t remaining = total;
  for (size_t i = 0; i < count; i++) {
    for (size_t j = 0; j < pieces[i].n; j++) {
      block[fill++] = pieces[i].p[j];
      remaining--;
      /* A full block is emitted only when more input follows: the last block keeps 1..486 trits. */
      if (fill == RATE && remaining > 0) {
        absorb_block(sp, c2, block, fill);
        fill = 0;
      }
    }
  }
  absorb_block(sp, c2, block, fill);
}

void mam_sponge_squeeze_batch(mam_trit_t *states, size_t count, mam_trit_t c2, mam_trit_t *out, size_t n) {
  size_t done = 0;
  do {
    size_t k = n - done < RATE ? n - done : RATE;
    for (size_t j = 0; j < count; j++) states[j * MAM_TROIKA_STATE_TRITS + CTL_CURRENT] = c2;
    mam_troika_f_batch(states, count);
    for (size_t j = 0; j < count; j++) {
      mam_trit_t *s = states + j * MAM_TROIKA_STATE_TRITS;
      memcpy(out + j * n + done, s, k);
      memset(s, 0, k);
      finish_block(s, c2, k);
    }
    done += k;
  } while (done < n);
}

void mam_sponge_squeeze(mam_sponge_t *sp, mam_trit_t c2, mam_trit_t *out, size_t n) {
  mam_sponge_squeeze_batch(sp->s, 1, c2, out, n);
}
