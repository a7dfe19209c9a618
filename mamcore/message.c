#include "mamcore/message.h"

#include <stdlib.h>
#include <string.h>

#include "mamcore/pb3.h"

#define TRYTE 3
#define TRINT 9
#define UNIQUE_NONCE_TRITS 162 /* fits the PRNG's key-safe budget of 240 nonce trits (spec 5) */

/* ---- output stream: every write is bounds-checked up front by the callers' size functions ---- */

typedef struct wstream {
  mam_trit_t *buf;
  size_t pos;
} wstream_t;

/* "absorb" treatment: written and absorbed (spec 10.2). */
static void w_absorb(wstream_t *w, mam_spongos_t *sp, const mam_trit_t *x, size_t n) {
  memcpy(w->buf + w->pos, x, n);
  mam_spongos_absorb(sp, x, n);
  w->pos += n;
}

static void w_absorb_int(wstream_t *w, mam_spongos_t *sp, int64_t v, size_t width) {
  mam_trit_t t[MAM_ORD_TRITS];
  mam_trits_from_int(v, t, width);
  w_absorb(w, sp, t, width);
}

static void w_absorb_sizet(wstream_t *w, mam_spongos_t *sp, uint64_t v) {
  mam_trit_t t[MAM_PB3_SIZET_MAX_TRITS];
  size_t n = 0;
  mam_pb3_encode_sizet(v, t, &n);
  w_absorb(w, sp, t, n);
}

static void w_crypt(wstream_t *w, mam_spongos_t *sp, const mam_trit_t *x, size_t n) {
  mam_spongos_encr(sp, x, w->buf + w->pos, n);
  w->pos += n;
}

static void w_squeeze(wstream_t *w, mam_spongos_t *sp, size_t n) {
  mam_spongos_squeeze(sp, w->buf + w->pos, n);
  w->pos += n;
}

/* ---- input stream: every read is checked against the end ---- */

typedef struct rstream {
  const mam_trit_t *buf;
  size_t len, pos;
} rstream_t;

static const mam_trit_t *r_take(rstream_t *r, size_t n) {
  if (r->len - r->pos < n) return NULL;
  const mam_trit_t *p = r->buf + r->pos;
  r->pos += n;
  return p;
}

static mam_err_t r_absorb(rstream_t *r, mam_spongos_t *sp, mam_trit_t *out, size_t n) {
  const mam_trit_t *p = r_take(r, n);
  if (!p) return MAM_ERR_TRUNCATED;
  if (!mam_trits_valid(p, n)) return MAM_ERR_INVALID_VALUE;
  if (out) memcpy(out, p, n);
  mam_spongos_absorb(sp, p, n);
  return MAM_OK;
}

static mam_err_t r_absorb_int(rstream_t *r, mam_spongos_t *sp, size_t width, int64_t *v) {
  mam_trit_t t[TRINT];
  mam_err_t err = r_absorb(r, sp, t, width);
  if (err == MAM_OK) *v = mam_trits_to_int(t, width);
  return err;
}

static mam_err_t r_absorb_sizet(rstream_t *r, mam_spongos_t *sp, uint64_t *v) {
  size_t start = r->pos;
  mam_err_t err = mam_pb3_decode_sizet(r->buf, r->len, &r->pos, v);
  if (err == MAM_OK) mam_spongos_absorb(sp, r->buf + start, r->pos - start);
  return err;
}

/* ---- PSK ---- */

mam_err_t mam_psk_derive(const mam_prng_t *prng, const mam_trit_t *nonce, size_t nonce_len,
                         mam_trit_t key[MAM_PSK_KEY_TRITS]) {
  mam_trits_view_t v = {nonce, nonce_len < 486 ? nonce_len : 486};
  return mam_prng_gen(prng, MAM_PRNG_SECKEY, &v, 1, key, MAM_PSK_KEY_TRITS);
}

mam_err_t mam_psk_id_pad(const char *id, size_t len, char out[MAM_PSK_ID_TRYTES + 1]) {
  if (!id || !out) return MAM_ERR_NULL_ARG;
  if (len == 0 || len > MAM_PSK_ID_TRYTES) return MAM_ERR_INVALID_ARG;
  if (!mam_trytes_valid(id, len)) return MAM_ERR_INVALID_TRYTE;
  memcpy(out, id, len);
  memset(out + len, '9', MAM_PSK_ID_TRYTES - len);
  out[MAM_PSK_ID_TRYTES] = 0;
  return MAM_OK;
}

/* ---- MSS signatures inside messages (spec 11.3 "MSSig") ---- */

static size_t mssig_trits(unsigned height) {
  size_t sig = MAM_MSS_SIG_TRITS(height);
  return mam_pb3_sizet_trits(sig / 3) + sig;
}

static mam_err_t w_mssig(wstream_t *w, mam_spongos_t *sp, mam_mss_t *mss, const mam_prng_t *prng) {
  mam_trit_t mac[MAM_WOTS_HASH_TRITS];
  size_t sig_len = mam_mss_sig_trits(mss);
  mam_spongos_commit(sp);
  mam_spongos_squeeze(sp, mac, sizeof mac);
  w_absorb_sizet(w, sp, sig_len / 3);
  mam_err_t err = mam_mss_sign(mss, prng, mac, w->buf + w->pos, sig_len);
  w->pos += sig_len;
  return err;
}

/* Reads and verifies an MSS signature; *leaf gets the signing leaf from its SKN field (spec 7.3). */
static mam_err_t r_mssig(rstream_t *r, mam_spongos_t *sp, mam_mss_memo_t *memo, const mam_trit_t pk[MAM_ID_TRITS],
                         int64_t *leaf) {
  mam_trit_t mac[MAM_WOTS_HASH_TRITS];
  uint64_t sig_trytes;
  mam_spongos_commit(sp);
  mam_spongos_squeeze(sp, mac, sizeof mac);
  mam_err_t err = r_absorb_sizet(r, sp, &sig_trytes);
  if (err != MAM_OK) return err;
  if (sig_trytes > MAM_MSS_SIG_TRITS(MAM_MSS_MAX_HEIGHT) / 3) return MAM_ERR_INVALID_VALUE;
  const mam_trit_t *sig = r_take(r, 3 * sig_trytes);
  if (!sig) return MAM_ERR_TRUNCATED;
  err = mam_mss_memo_check(memo, mac, sig, 3 * sig_trytes, pk);
  unsigned height;
  uint32_t skn;
  if (err == MAM_OK && leaf) err = mam_mss_skn_decode(sig, &height, &skn);
  if (err == MAM_OK && leaf) *leaf = skn;
  return err;
}

/* ---- header writer (spec 11.3) ---- */

static mam_pubkey_kind_t pubkey_kind(const mam_header_params_t *p) {
  if (p->announce_ch) return MAM_PUBKEY_CHID1;
  if (p->announce_ep) return MAM_PUBKEY_EPID1;
  return p->ep ? MAM_PUBKEY_EPID : MAM_PUBKEY_CHID;
}

size_t mam_header_trits(const mam_header_params_t *p) {
  size_t n = TRYTE + TRYTE + TRINT + mam_pb3_sizet_trits(p->n_psks + p->n_ntru);
  mam_pubkey_kind_t kind = pubkey_kind(p);
  if (kind != MAM_PUBKEY_CHID) n += MAM_ID_TRITS;
  if (kind == MAM_PUBKEY_CHID1 || kind == MAM_PUBKEY_EPID1) n += mssig_trits(p->ch->mss.height);
  n += p->n_psks * (TRYTE + MAM_PSK_ID_TRITS + MAM_SESSION_KEY_TRITS);
  n += p->n_ntru * (TRYTE + MAM_NTRU_ID_TRITS + MAM_NTRU_EKEY_TRITS);
  return n;
}

/* The session key of spec 11.3, or its unique-per-message variant. */
static mam_err_t session_key(const mam_prng_t *prng, const mam_header_params_t *p, mam_trit_t key[MAM_SESSION_KEY_TRITS]) {
  memset(key, 0, MAM_SESSION_KEY_TRITS);
  if (p->n_psks + p->n_ntru == 0) return MAM_OK;
  mam_trit_t ch_size[MAM_NAME_SIZE_FIELD_TRITS], ep_size[MAM_NAME_SIZE_FIELD_TRITS], skn[MAM_MSS_SKN_TRITS];
  const mam_mss_t *skn_mss = p->ep ? &p->ep->mss : &p->ch->mss;
  mam_name_size_field(p->ch->name_len, ch_size);
  mam_mss_skn_encode(skn_mss->height, skn_mss->skn, skn);
  mam_trits_view_t pieces[7] = {{ch_size, sizeof ch_size}, {p->ch->name, p->ch->name_len}};
  size_t count = 2;
  if (p->ep) {
    mam_name_size_field(p->ep->name_len, ep_size);
    pieces[count++] = (mam_trits_view_t){ep_size, sizeof ep_size};
    pieces[count++] = (mam_trits_view_t){p->ep->name, p->ep->name_len};
  }
  pieces[count++] = (mam_trits_view_t){skn, sizeof skn};
  if (p->key_mode == MAM_SESSION_KEY_REFERENCE) return mam_prng_gen(prng, MAM_PRNG_SECKEY, pieces, count, key, MAM_SESSION_KEY_TRITS);
  /* Unique mode: the same inputs plus the message id and the caller's entropy, digested to a
   * fixed 162 trits so the key K always stays in the PRNG's last input block. */
  pieces[count++] = (mam_trits_view_t){p->msg_id, MAM_MSG_ID_TRITS};
  pieces[count++] = (mam_trits_view_t){p->entropy, p->entropy ? p->entropy_len : 0};
  mam_spongos_t sp;
  mam_spongos_init(&sp);
  for (size_t i = 0; i < count; i++) mam_spongos_absorb(&sp, pieces[i].p, pieces[i].n);
  mam_spongos_commit(&sp);
  mam_trit_t digest[UNIQUE_NONCE_TRITS];
  mam_spongos_squeeze(&sp, digest, sizeof digest);
  mam_trits_view_t v = {digest, sizeof digest};
  mam_err_t err = mam_prng_gen(prng, MAM_PRNG_SECKEY, &v, 1, key, MAM_SESSION_KEY_TRITS);
  mam_wipe(&sp, sizeof sp);
  return err;
}

static mam_err_t check_header_params(const mam_header_params_t *p) {
  if (!p || !p->ch || !p->msg_id) return MAM_ERR_NULL_ARG;
  if ((p->n_psks && !p->psks) || (p->n_ntru && !p->ntru_pks)) return MAM_ERR_NULL_ARG;
  if (!!p->announce_ch + !!p->announce_ep + !!p->ep > 1) return MAM_ERR_INVALID_ARG;
  if (p->n_psks + p->n_ntru > MAM_KEYLOADS_MAX) return MAM_ERR_LIMIT;
  if (p->key_mode != MAM_SESSION_KEY_UNIQUE && p->key_mode != MAM_SESSION_KEY_REFERENCE) return MAM_ERR_INVALID_ARG;
  return MAM_OK;
}

static mam_err_t write_keyloads(wstream_t *w, mam_spongos_t *sp, const mam_prng_t *prng,
                                const mam_header_params_t *p, const mam_trit_t key[MAM_SESSION_KEY_TRITS]) {
  w_absorb_sizet(w, sp, p->n_psks + p->n_ntru);
  for (size_t i = 0; i < p->n_psks; i++) {
    w_absorb_int(w, sp, 1, TRYTE);
    mam_spongos_t f = *sp;
    w_absorb(w, &f, p->psks[i].id, MAM_PSK_ID_TRITS);
    mam_spongos_absorb(&f, p->psks[i].key, MAM_PSK_KEY_TRITS);
    mam_spongos_commit(&f);
    w_crypt(w, &f, key, MAM_SESSION_KEY_TRITS);
    mam_wipe(&f, sizeof f);
  }
  for (size_t i = 0; i < p->n_ntru; i++) {
    const mam_trit_t *pk = p->ntru_pks + i * MAM_NTRU_PK_TRITS;
    w_absorb_int(w, sp, 2, TRYTE);
    memcpy(w->buf + w->pos, pk, MAM_NTRU_ID_TRITS); /* absorbed by a fork that is dropped */
    w->pos += MAM_NTRU_ID_TRITS;
    mam_err_t err = mam_ntru_encrypt(prng, pk, key, p->msg_id, MAM_MSG_ID_TRITS, w->buf + w->pos);
    if (err != MAM_OK) return err;
    w->pos += MAM_NTRU_EKEY_TRITS;
  }
  return MAM_OK;
}

mam_err_t mam_header_write(const mam_prng_t *prng, const mam_header_params_t *p, mam_trit_t *buf,
                           size_t buf_len, size_t *written, mam_write_ctx_t *ctx) {
  mam_err_t err = check_header_params(p);
  if (err != MAM_OK) return err;
  if (!prng || !buf || !written || !ctx) return MAM_ERR_NULL_ARG;
  if (buf_len < mam_header_trits(p)) return MAM_ERR_BUFFER_TOO_SMALL;
  mam_trit_t key[MAM_SESSION_KEY_TRITS];
  err = session_key(prng, p, key); /* before the header's own signature spends a leaf */
  wstream_t w = {buf, 0};
  mam_spongos_t sp;
  mam_spongos_init(&sp);
  mam_pubkey_kind_t kind = pubkey_kind(p);
  if (err == MAM_OK) {
    w_absorb_int(&w, &sp, 0, TRYTE); /* version */
    mam_spongos_absorb(&sp, mam_channel_id(p->ch), MAM_ID_TRITS);
    w_absorb_int(&w, &sp, kind, TRYTE);
    if (kind == MAM_PUBKEY_CHID1) w_absorb(&w, &sp, mam_channel_id(p->announce_ch), MAM_ID_TRITS);
    if (kind == MAM_PUBKEY_EPID1) w_absorb(&w, &sp, mam_endpoint_id(p->announce_ep), MAM_ID_TRITS);
    if (kind == MAM_PUBKEY_EPID) w_absorb(&w, &sp, mam_endpoint_id(p->ep), MAM_ID_TRITS);
    if (kind == MAM_PUBKEY_CHID1 || kind == MAM_PUBKEY_EPID1) err = w_mssig(&w, &sp, &p->ch->mss, prng);
  }
  if (err == MAM_OK) {
    mam_spongos_absorb(&sp, p->msg_id, MAM_MSG_ID_TRITS);
    w_absorb_int(&w, &sp, 0, TRINT); /* type id: unstructured */
    err = write_keyloads(&w, &sp, prng, p, key);
  }
  if (err == MAM_OK) {
    mam_spongos_absorb(&sp, key, MAM_SESSION_KEY_TRITS);
    mam_spongos_commit(&sp);
    memcpy(ctx->chid, mam_channel_id(p->ch), MAM_ID_TRITS);
    memcpy(ctx->msg_id, p->msg_id, MAM_MSG_ID_TRITS);
    ctx->sp = sp;
    ctx->ord = 1;
    ctx->mss = kind == MAM_PUBKEY_CHID1 ? &p->announce_ch->mss
             : kind == MAM_PUBKEY_EPID1 ? &p->announce_ep->mss
             : kind == MAM_PUBKEY_EPID  ? &p->ep->mss
                                        : &p->ch->mss;
    *written = w.pos;
  }
  mam_wipe(key, sizeof key);
  mam_wipe(&sp, sizeof sp);
  return err;
}

/* ---- packets (spec 11.5) ---- */

size_t mam_packet_trits(size_t payload_trytes, mam_checksum_t checksum, unsigned sig_height) {
  size_t n = mam_pb3_sizet_trits(payload_trytes) + 3 * payload_trytes + TRYTE;
  if (checksum == MAM_CHECKSUM_MAC) n += MAM_MAC_TRITS;
  if (checksum == MAM_CHECKSUM_SIG) n += mssig_trits(sig_height);
  return n;
}

mam_err_t mam_packet_write(const mam_prng_t *prng, mam_write_ctx_t *ctx, const mam_trit_t *payload,
                           size_t payload_trits, mam_checksum_t checksum, bool last, mam_trit_t *buf,
                           size_t buf_len, size_t *written, int64_t *tag_ord) {
  if (!prng || !ctx || (!payload && payload_trits) || !buf || !written || !tag_ord) return MAM_ERR_NULL_ARG;
  if (payload_trits % 3 || (unsigned)checksum > MAM_CHECKSUM_SIG) return MAM_ERR_INVALID_ARG;
  if (checksum == MAM_CHECKSUM_SIG && mam_mss_remaining(ctx->mss) == 0) return MAM_ERR_MSS_EXHAUSTED;
  if (buf_len < mam_packet_trits(payload_trits / 3, checksum, ctx->mss->height)) return MAM_ERR_BUFFER_TOO_SMALL;
  int64_t ord = last ? -ctx->ord : ctx->ord;
  wstream_t w = {buf, 0};
  mam_spongos_t sp = ctx->sp;
  mam_trit_t ord_trits[MAM_ORD_TRITS];
  mam_trits_from_int(ord, ord_trits, MAM_ORD_TRITS);
  mam_spongos_absorb(&sp, ord_trits, MAM_ORD_TRITS);
  w_absorb_sizet(&w, &sp, payload_trits / 3);
  w_crypt(&w, &sp, payload, payload_trits);
  w_absorb_int(&w, &sp, checksum, TRYTE);
  mam_err_t err = MAM_OK;
  if (checksum == MAM_CHECKSUM_MAC) {
    mam_spongos_commit(&sp);
    w_squeeze(&w, &sp, MAM_MAC_TRITS);
  } else if (checksum == MAM_CHECKSUM_SIG) {
    err = w_mssig(&w, &sp, ctx->mss, prng);
  }
  if (err == MAM_OK) {
    mam_spongos_commit(&sp);
    ctx->sp = sp;
    if (!last) ctx->ord++;
    *tag_ord = ord;
    *written = w.pos;
  }
  mam_wipe(&sp, sizeof sp);
  return err;
}

/* ---- trusted id sets ---- */

mam_err_t mam_id_set_add(mam_id_set_t *s, const mam_trit_t id[MAM_ID_TRITS]) {
  if (mam_id_set_has(s, id)) return MAM_OK;
  if (s->n == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 1; /* a reader usually trusts one channel */
    mam_trit_t *ids = realloc(s->ids, cap * MAM_ID_TRITS);
    if (!ids) return MAM_ERR_NO_MEMORY;
    s->ids = ids;
    s->cap = cap;
  }
  memcpy(s->ids + s->n++ * MAM_ID_TRITS, id, MAM_ID_TRITS);
  return MAM_OK;
}

bool mam_id_set_has(const mam_id_set_t *s, const mam_trit_t id[MAM_ID_TRITS]) {
  for (size_t i = 0; i < s->n; i++)
    if (memcmp(s->ids + i * MAM_ID_TRITS, id, MAM_ID_TRITS) == 0) return true;
  return false;
}

void mam_id_set_free(mam_id_set_t *s) {
  free(s->ids);
  memset(s, 0, sizeof *s);
}

/* ---- header reader (spec 11.4) ---- */

/* Decrypts one keyload if we hold its key; *matched tells whether we did. */
static mam_err_t read_keyload(rstream_t *r, const mam_spongos_t *sp, const mam_reader_keys_t *keys,
                              int64_t kind, mam_trit_t key[MAM_SESSION_KEY_TRITS], bool *matched) {
  mam_spongos_t f = *sp;
  mam_trit_t id[MAM_PSK_ID_TRITS];
  *matched = false;
  mam_err_t err = r_absorb(r, &f, id, MAM_PSK_ID_TRITS);
  if (err != MAM_OK) return err;
  size_t body = kind == 1 ? MAM_SESSION_KEY_TRITS : MAM_NTRU_EKEY_TRITS;
  const mam_trit_t *p = r_take(r, body);
  if (!p) return MAM_ERR_TRUNCATED;
  if (kind == 1) {
    for (size_t i = 0; i < keys->n_psks && !*matched; i++) {
      if (memcmp(keys->psks[i].id, id, MAM_PSK_ID_TRITS) != 0) continue;
      mam_spongos_absorb(&f, keys->psks[i].key, MAM_PSK_KEY_TRITS);
      mam_spongos_commit(&f);
      mam_spongos_decr(&f, p, key, MAM_SESSION_KEY_TRITS);
      *matched = true;
    }
  } else {
    for (size_t i = 0; i < keys->n_ntru && !*matched; i++) {
      if (memcmp(keys->ntru_sks[i].pk, id, MAM_NTRU_ID_TRITS) != 0) continue;
      err = mam_ntru_decrypt(&keys->ntru_sks[i], p, key);
      *matched = err == MAM_OK;
    }
  }
  mam_wipe(&f, sizeof f);
  return err;
}

static mam_err_t read_keyloads(rstream_t *r, mam_spongos_t *sp, const mam_reader_keys_t *keys,
                               mam_trit_t key[MAM_SESSION_KEY_TRITS]) {
  uint64_t count;
  bool have_key = false;
  mam_err_t err = r_absorb_sizet(r, sp, &count);
  if (err != MAM_OK) return err;
  if (count > MAM_KEYLOADS_MAX) return MAM_ERR_LIMIT;
  memset(key, 0, MAM_SESSION_KEY_TRITS);
  for (uint64_t i = 0; i < count && err == MAM_OK; i++) {
    int64_t kind;
    mam_trit_t candidate[MAM_SESSION_KEY_TRITS];
    bool matched;
    err = r_absorb_int(r, sp, TRYTE, &kind);
    if (err == MAM_OK && kind != 1 && kind != 2) err = MAM_ERR_KEYLOAD_KIND;
    if (err == MAM_OK) err = read_keyload(r, sp, keys, kind, candidate, &matched);
    if (err == MAM_OK && matched) {
      if (have_key && !mam_trits_equal_ct(candidate, key, MAM_SESSION_KEY_TRITS)) err = MAM_ERR_KEYLOAD_OVERLOADED;
      memcpy(key, candidate, MAM_SESSION_KEY_TRITS);
      have_key = true;
    }
    mam_wipe(candidate, sizeof candidate);
  }
  if (err == MAM_OK && count > 0 && !have_key) err = MAM_ERR_KEYLOAD_IRRELEVANT;
  return err;
}

static mam_err_t read_pubkey(rstream_t *r, mam_spongos_t *sp, const mam_reader_keys_t *keys,
                             const mam_trit_t chid[MAM_ID_TRITS], mam_read_ctx_t *ctx) {
  int64_t kind;
  mam_err_t err = r_absorb_int(r, sp, TRYTE, &kind);
  if (err != MAM_OK) return err;
  if (kind < MAM_PUBKEY_CHID || kind > MAM_PUBKEY_EPID1) return MAM_ERR_PUBKEY_KIND;
  ctx->pubkey_kind = (mam_pubkey_kind_t)kind;
  memcpy(ctx->pk, chid, MAM_ID_TRITS);
  if (kind == MAM_PUBKEY_CHID) return MAM_OK;
  err = r_absorb(r, sp, ctx->pk, MAM_ID_TRITS);
  if (err != MAM_OK) return err;
  if (kind == MAM_PUBKEY_EPID)
    return mam_id_set_has(&keys->trusted_endpoints, ctx->pk) ? MAM_OK : MAM_ERR_ENDPOINT_UNTRUSTED;
  return r_mssig(r, sp, keys->memo, chid, NULL); /* an announcement is signed by the channel itself */
}

mam_err_t mam_header_read(mam_reader_keys_t *keys, const mam_trit_t chid[MAM_ID_TRITS],
                          const mam_trit_t msg_id[MAM_MSG_ID_TRITS], const mam_trit_t *buf, size_t len,
                          size_t *consumed, mam_read_ctx_t *ctx) {
  if (!keys || !chid || !msg_id || !buf || !consumed || !ctx) return MAM_ERR_NULL_ARG;
  rstream_t r = {buf, len, 0};
  mam_read_ctx_t c;
  mam_trit_t key[MAM_SESSION_KEY_TRITS];
  int64_t version, type;
  mam_spongos_init(&c.sp);
  mam_err_t err = r_absorb_int(&r, &c.sp, TRYTE, &version);
  if (err == MAM_OK && version != 0) err = MAM_ERR_VERSION;
  if (err == MAM_OK && !mam_id_set_has(&keys->trusted_channels, chid)) err = MAM_ERR_CHANNEL_UNTRUSTED;
  if (err == MAM_OK) {
    mam_spongos_absorb(&c.sp, chid, MAM_ID_TRITS);
    err = read_pubkey(&r, &c.sp, keys, chid, &c);
  }
  if (err == MAM_OK) {
    mam_spongos_absorb(&c.sp, msg_id, MAM_MSG_ID_TRITS);
    err = r_absorb_int(&r, &c.sp, TRINT, &type); /* type id: not checked, as the reference */
  }
  if (err == MAM_OK) err = read_keyloads(&r, &c.sp, keys, key);
  if (err == MAM_OK) {
    mam_spongos_absorb(&c.sp, key, MAM_SESSION_KEY_TRITS);
    mam_spongos_commit(&c.sp);
    if (c.pubkey_kind == MAM_PUBKEY_CHID1) err = mam_id_set_add(&keys->trusted_channels, c.pk);
    if (c.pubkey_kind == MAM_PUBKEY_EPID1) err = mam_id_set_add(&keys->trusted_endpoints, c.pk);
  }
  if (err == MAM_OK) {
    memcpy(c.chid, chid, MAM_ID_TRITS);
    memcpy(c.msg_id, msg_id, MAM_MSG_ID_TRITS);
    c.ord = 1;
    *ctx = c;
    *consumed = r.pos;
  }
  mam_wipe(key, sizeof key);
  mam_wipe(&c.sp, sizeof c.sp);
  return err;
}

/* ---- packet reader ---- */

static mam_err_t read_checksum(rstream_t *r, mam_spongos_t *sp, mam_mss_memo_t *memo, const mam_trit_t pk[MAM_ID_TRITS],
                               mam_packet_t *out) {
  int64_t kind;
  mam_err_t err = r_absorb_int(r, sp, TRYTE, &kind);
  if (err != MAM_OK) return err;
  if (kind < MAM_CHECKSUM_NONE || kind > MAM_CHECKSUM_SIG) return MAM_ERR_CHECKSUM_KIND;
  out->checksum = (mam_checksum_t)kind;
  if (kind == MAM_CHECKSUM_MAC) {
    mam_spongos_commit(sp);
    const mam_trit_t *mac = r_take(r, MAM_MAC_TRITS);
    if (!mac) return MAM_ERR_TRUNCATED;
    return mam_spongos_squeeze_eq(sp, mac, MAM_MAC_TRITS) ? MAM_OK : MAM_ERR_BAD_MAC;
  }
  return kind == MAM_CHECKSUM_SIG ? r_mssig(r, sp, memo, pk, &out->sig_leaf) : MAM_OK;
}

mam_err_t mam_packet_read(mam_read_ctx_t *ctx, bool last, const mam_trit_t *buf, size_t len,
                          size_t payload_max_trytes, size_t *consumed, mam_packet_t *out) {
  return mam_packet_read_memo(ctx, NULL, last, buf, len, payload_max_trytes, consumed, out);
}

mam_err_t mam_packet_read_memo(mam_read_ctx_t *ctx, mam_mss_memo_t *memo, bool last, const mam_trit_t *buf, size_t len,
                               size_t payload_max_trytes, size_t *consumed, mam_packet_t *out) {
  if (!ctx || !buf || !consumed || !out) return MAM_ERR_NULL_ARG;
  memset(out, 0, sizeof *out);
  out->sig_leaf = -1;
  rstream_t r = {buf, len, 0};
  mam_spongos_t sp = ctx->sp;
  mam_trit_t ord[MAM_ORD_TRITS];
  mam_trits_from_int(last ? -ctx->ord : ctx->ord, ord, MAM_ORD_TRITS);
  mam_spongos_absorb(&sp, ord, MAM_ORD_TRITS);
  uint64_t n;
  mam_err_t err = r_absorb_sizet(&r, &sp, &n);
  if (err == MAM_OK && n > payload_max_trytes) err = MAM_ERR_LIMIT;
  const mam_trit_t *cipher = err == MAM_OK ? r_take(&r, 3 * n) : NULL;
  if (err == MAM_OK && !cipher) err = MAM_ERR_TRUNCATED;
  if (err == MAM_OK && !mam_trits_valid(cipher, 3 * n)) err = MAM_ERR_INVALID_VALUE;
  if (err == MAM_OK && !(out->payload = malloc(3 * n + 1))) err = MAM_ERR_NO_MEMORY;
  if (err == MAM_OK) {
    mam_spongos_decr(&sp, cipher, out->payload, 3 * n);
    out->payload_trits = 3 * n;
    err = read_checksum(&r, &sp, memo, ctx->pk, out);
  }
  if (err == MAM_OK) {
    mam_spongos_commit(&sp);
    ctx->sp = sp;
    if (!last) ctx->ord++;
    *consumed = r.pos;
  } else {
    free(out->payload);
    memset(out, 0, sizeof *out);
    out->sig_leaf = -1;
  }
  mam_wipe(&sp, sizeof sp);
  return err;
}
