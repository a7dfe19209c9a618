#include "mamcore/channel.h"

#include <string.h>

#include "mamcore/pb3.h"
#include "mamcore/spongos.h"

void mam_name_size_field(size_t name_trits, mam_trit_t out[MAM_NAME_SIZE_FIELD_TRITS]) {
  size_t pos = 0;
  memset(out, 0, MAM_NAME_SIZE_FIELD_TRITS);
  mam_pb3_encode_sizet(name_trits / 3, out, &pos);
}

static mam_err_t check_name(const mam_trit_t *name, size_t name_len, size_t max) {
  if (!name && name_len) return MAM_ERR_NULL_ARG;
  if (name_len % 3 || name_len > max) return MAM_ERR_LIMIT;
  return mam_trits_valid(name, name_len) ? MAM_OK : MAM_ERR_INVALID_VALUE;
}

mam_err_t mam_channel_init(mam_channel_t *ch, const mam_trit_t *name, size_t name_len, unsigned height) {
  if (!ch) return MAM_ERR_NULL_ARG;
  memset(ch, 0, sizeof *ch);
  mam_err_t err = check_name(name, name_len, MAM_CHANNEL_NAME_MAX_TRITS);
  if (err != MAM_OK) return err;
  if (name_len) memcpy(ch->name, name, name_len);
  ch->name_len = name_len;
  mam_trit_t size_field[MAM_NAME_SIZE_FIELD_TRITS];
  mam_name_size_field(name_len, size_field);
  mam_trits_view_t nonces[2] = {{size_field, sizeof size_field}, {ch->name, name_len}};
  return mam_mss_init(&ch->mss, height, nonces, 2);
}

mam_err_t mam_channel_create(mam_channel_t *ch, const mam_prng_t *prng, const mam_trit_t *name,
                             size_t name_len, unsigned height, unsigned threads) {
  mam_err_t err = mam_channel_init(ch, name, name_len, height);
  return err == MAM_OK ? mam_mss_gen(&ch->mss, prng, threads) : err;
}

void mam_channel_destroy(mam_channel_t *ch) {
  if (ch) mam_mss_destroy(&ch->mss);
}

mam_err_t mam_endpoint_init(mam_endpoint_t *ep, const mam_channel_t *ch, const mam_trit_t *name,
                            size_t name_len, unsigned height) {
  if (!ep || !ch) return MAM_ERR_NULL_ARG;
  memset(ep, 0, sizeof *ep);
  mam_err_t err = check_name(name, name_len, MAM_NAMES_MAX_TRITS - ch->name_len);
  if (err != MAM_OK) return err;
  if (name_len) memcpy(ep->name, name, name_len);
  ep->name_len = name_len;
  mam_trit_t ch_size[MAM_NAME_SIZE_FIELD_TRITS], ep_size[MAM_NAME_SIZE_FIELD_TRITS];
  mam_name_size_field(ch->name_len, ch_size);
  mam_name_size_field(name_len, ep_size);
  mam_trits_view_t nonces[4] = {
      {ch_size, sizeof ch_size}, {ch->name, ch->name_len}, {ep_size, sizeof ep_size}, {ep->name, name_len}};
  return mam_mss_init(&ep->mss, height, nonces, 4);
}

mam_err_t mam_endpoint_create(mam_endpoint_t *ep, const mam_channel_t *ch, const mam_prng_t *prng,
                              const mam_trit_t *name, size_t name_len, unsigned height, unsigned threads) {
  mam_err_t err = mam_endpoint_init(ep, ch, name, name_len, height);
  return err == MAM_OK ? mam_mss_gen(&ep->mss, prng, threads) : err;
}

void mam_endpoint_destroy(mam_endpoint_t *ep) {
  if (ep) mam_mss_destroy(&ep->mss);
}

void mam_channel_next_msg_id(mam_channel_t *ch, mam_trit_t msg_id[MAM_MSG_ID_TRITS]) {
  mam_trit_t input[MAM_CHANNEL_NAME_MAX_TRITS + MAM_MSG_ORD_TRITS];
  memcpy(input, ch->name, ch->name_len);
  memcpy(input + ch->name_len, ch->msg_ord, MAM_MSG_ORD_TRITS);
  mam_spongos_hash(input, ch->name_len + MAM_MSG_ORD_TRITS, msg_id, MAM_MSG_ID_TRITS);
  mam_trits_increment(ch->msg_ord, MAM_MSG_ORD_TRITS);
}
