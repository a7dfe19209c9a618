/* mamcore/sponge.h: the MAM2 sponge with control trits, used only by the PRNG (spec section 3).
 * It reproduces the reference's control-trit behaviour exactly (section 3.2). */
#ifndef MAMCORE_SPONGE_H
#define MAMCORE_SPONGE_H

#include "mamcore/troika.h"

MAM_BEGIN_DECLS

/* Operation types (the control trit c2). */
#define MAM_SPONGE_CTL_DATA 0
#define MAM_SPONGE_CTL_KEY 1
#define MAM_SPONGE_CTL_PRN 1
#define MAM_SPONGE_CTL_TEXT (-1)

typedef struct mam_sponge {
  mam_trit_t s[MAM_TROIKA_STATE_TRITS];
} mam_sponge_t;

/* A read-only view of a trit string; absorb takes several, concatenated. */
typedef struct mam_trits_view {
  const mam_trit_t *p;
  size_t n;
} mam_trits_view_t;

MAM_API void mam_sponge_init(mam_sponge_t *sp);
/* Absorbs the concatenation of `count` pieces under control trit c2. */
MAM_API void mam_sponge_absorb(mam_sponge_t *sp, mam_trit_t c2, const mam_trits_view_t *pieces, size_t count);
/* Squeezes n trits under control trit c2 (transforms at least once, even for n = 0). */
MAM_API void mam_sponge_squeeze(mam_sponge_t *sp, mam_trit_t c2, mam_trit_t *out, size_t n);

/* Squeezes n trits from each of `count` sponge states stored one after another (729 trits each,
 * e.g. the `s` members copied side by side) into out (n trits per state, one after another).
 * Same result as `count` single squeezes; the transforms run as one batch. */
MAM_API void mam_sponge_squeeze_batch(mam_trit_t *states, size_t count, mam_trit_t c2, mam_trit_t *out, size_t n);

MAM_END_DECLS

#endif
