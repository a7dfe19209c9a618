/* mamcore/channel.h: MAM2 channels and endpoints (spec mam2.md sections 11.1 and 12.1).
 *
 * A channel is a named MSS tree (its root is the channel id) with an 81-trit message counter; an
 * endpoint is a further named MSS tree under a channel. Leaf keys are derived from the channel's
 * name-size field and name (and the endpoint's), so names must stay within the PRNG's key-safe
 * budget: MAM_CHANNEL_NAME_MAX_TRITS for a channel, MAM_NAMES_MAX_TRITS for both names together. */
#ifndef MAMCORE_CHANNEL_H
#define MAMCORE_CHANNEL_H

#include "mamcore/mss.h"

MAM_BEGIN_DECLS

#define MAM_ID_TRITS 243              /* channel and endpoint ids */
#define MAM_MSG_ORD_TRITS 81          /* a channel's message counter */
#define MAM_MSG_ID_TRITS 63           /* message id: 21 trytes */
#define MAM_NAME_SIZE_FIELD_TRITS 45  /* zero-padded sizet of the name length (LP64 width) */
#define MAM_API_NAME_TRITS 18         /* names of API channels and endpoints: <n>_18 */
#define MAM_ID_TRYTES (MAM_ID_TRITS / 3)         /* 81 */
#define MAM_MSG_ID_TRYTES (MAM_MSG_ID_TRITS / 3) /* 21 */
#define MAM_CHANNEL_NAME_MAX_TRITS 177
#define MAM_NAMES_MAX_TRITS 132

typedef struct mam_endpoint {
  mam_trit_t name[MAM_NAMES_MAX_TRITS];
  size_t name_len;
  mam_mss_t mss;
} mam_endpoint_t;

typedef struct mam_channel {
  mam_trit_t name[MAM_CHANNEL_NAME_MAX_TRITS];
  size_t name_len;
  mam_mss_t mss;
  mam_trit_t msg_ord[MAM_MSG_ORD_TRITS];
  int64_t endpoint_ord; /* number of endpoints created: the next endpoint's name */
} mam_channel_t;

/* The name-size field: sizet(name length in trytes), zero-padded to 45 trits (spec 11.1). */
MAM_API void mam_name_size_field(size_t name_trits, mam_trit_t out[MAM_NAME_SIZE_FIELD_TRITS]);

/* Prepares a channel of the given name (a multiple of 3 trits, at most 177) and height and generates
 * its tree (threads as for mam_mss_gen). */
MAM_API mam_err_t mam_channel_create(mam_channel_t *ch, const mam_prng_t *prng, const mam_trit_t *name,
                                     size_t name_len, unsigned height, unsigned threads) MAM_WARN_UNUSED;
/* Prepares the channel's MSS without generating it (for state loading). */
MAM_API mam_err_t mam_channel_init(mam_channel_t *ch, const mam_trit_t *name, size_t name_len,
                                   unsigned height) MAM_WARN_UNUSED;
MAM_API void mam_channel_destroy(mam_channel_t *ch);
static inline const mam_trit_t *mam_channel_id(const mam_channel_t *ch) { return ch->mss.root; }

/* An endpoint of channel ch with the given name (channel and endpoint names together at most 132
 * trits). */
MAM_API mam_err_t mam_endpoint_create(mam_endpoint_t *ep, const mam_channel_t *ch, const mam_prng_t *prng,
                                      const mam_trit_t *name, size_t name_len, unsigned height,
                                      unsigned threads) MAM_WARN_UNUSED;
MAM_API mam_err_t mam_endpoint_init(mam_endpoint_t *ep, const mam_channel_t *ch, const mam_trit_t *name,
                                    size_t name_len, unsigned height) MAM_WARN_UNUSED;
MAM_API void mam_endpoint_destroy(mam_endpoint_t *ep);
static inline const mam_trit_t *mam_endpoint_id(const mam_endpoint_t *ep) { return ep->mss.root; }

/* Message id of the channel's current counter, Hash_63(name || msg_ord) (spec 12.2), then moves
 * the counter on by one. */
MAM_API void mam_channel_next_msg_id(mam_channel_t *ch, mam_trit_t msg_id[MAM_MSG_ID_TRITS]);

MAM_END_DECLS

#endif
