#include "mamcore/state.h"

#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>

#include "mamcore/bytes.h"

#define MAGIC "MAMG"
#define ENVELOPE_HEAD 10 /* magic 4, version 1, kind 1, body length 4 */
#define CHECKSUM_BYTES 16
#define KIND_CHANNEL 'C'
#define KIND_READER 'R'
#define MAX_ENDPOINTS 65536
#define MAX_IDS (1u << 20)

/* ---- envelope ---- */

static void checksum(const uint8_t *p, size_t n, uint8_t out[CHECKSUM_BYTES]) {
  struct sha256_ctx ctx;
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_init(&ctx);
  sha256_update(&ctx, n, p);
  sha256_digest(&ctx, sizeof digest, digest);
  memcpy(out, digest, CHECKSUM_BYTES);
}

typedef void (*body_encoder_t)(const void *obj, mam_benc_t *e);

static size_t envelope_size(body_encoder_t encode, const void *obj) {
  mam_benc_t e = {0};
  encode(obj, &e);
  return ENVELOPE_HEAD + e.pos + CHECKSUM_BYTES;
}

static mam_err_t envelope_save(body_encoder_t encode, const void *obj, uint8_t kind, uint8_t *buf, size_t len,
                               size_t *written) {
  if (!buf || !written) return MAM_ERR_NULL_ARG;
  size_t total = envelope_size(encode, obj), body = total - ENVELOPE_HEAD - CHECKSUM_BYTES;
  if (len < total) return MAM_ERR_BUFFER_TOO_SMALL;
  if (body > UINT32_MAX) return MAM_ERR_LIMIT;
  mam_benc_t e = {buf, len, 0};
  mam_benc_bytes(&e, MAGIC, 4);
  mam_benc_uint(&e, MAM_STATE_FORMAT_VERSION, 1);
  mam_benc_uint(&e, kind, 1);
  mam_benc_uint(&e, body, 4);
  encode(obj, &e);
  checksum(buf, e.pos, buf + e.pos);
  *written = e.pos + CHECKSUM_BYTES;
  return MAM_OK;
}

/* Checks the envelope and gives a decoder over the body. */
static mam_err_t envelope_open(const uint8_t *buf, size_t len, uint8_t kind, mam_bdec_t *body) {
  if (!buf) return MAM_ERR_NULL_ARG;
  if (len < ENVELOPE_HEAD + CHECKSUM_BYTES || memcmp(buf, MAGIC, 4) != 0) return MAM_ERR_STATE_FORMAT;
  if (buf[4] != MAM_STATE_FORMAT_VERSION || buf[5] != kind) return MAM_ERR_STATE_FORMAT;
  mam_bdec_t d = {buf + 6, 4, 0, false};
  uint64_t n = mam_bdec_uint(&d, 4);
  if (n != len - ENVELOPE_HEAD - CHECKSUM_BYTES) return MAM_ERR_STATE_FORMAT;
  uint8_t sum[CHECKSUM_BYTES];
  checksum(buf, len - CHECKSUM_BYTES, sum);
  if (!mam_trits_equal_ct((const mam_trit_t *)sum, (const mam_trit_t *)(buf + len - CHECKSUM_BYTES), CHECKSUM_BYTES))
    return MAM_ERR_STATE_FORMAT;
  *body = (mam_bdec_t){buf + ENVELOPE_HEAD, (size_t)n, 0, false};
  return MAM_OK;
}

/* ---- channels ---- */

typedef struct channel_record {
  const mam_channel_t *ch;
  const mam_endpoint_t *eps;
  size_t n_eps;
} channel_record_t;

static void encode_channel(const void *obj, mam_benc_t *e) {
  const channel_record_t *rec = obj;
  mam_benc_uint(e, rec->ch->name_len, 2);
  mam_benc_trits(e, rec->ch->name, rec->ch->name_len);
  mam_benc_trits(e, rec->ch->msg_ord, MAM_MSG_ORD_TRITS);
  mam_benc_uint(e, (uint64_t)rec->ch->endpoint_ord, 8);
  mam_mss_encode(&rec->ch->mss, e);
  mam_benc_uint(e, rec->n_eps, 4);
  for (size_t i = 0; i < rec->n_eps; i++) {
    mam_benc_uint(e, rec->eps[i].name_len, 2);
    mam_benc_trits(e, rec->eps[i].name, rec->eps[i].name_len);
    mam_mss_encode(&rec->eps[i].mss, e);
  }
}

size_t mam_channel_state_size(const mam_channel_t *ch, const mam_endpoint_t *eps, size_t n_eps) {
  channel_record_t rec = {ch, eps, n_eps};
  return envelope_size(encode_channel, &rec);
}

mam_err_t mam_channel_state_save(const mam_channel_t *ch, const mam_endpoint_t *eps, size_t n_eps, uint8_t *buf,
                                 size_t len, size_t *written) {
  if (!ch || (n_eps && !eps)) return MAM_ERR_NULL_ARG;
  channel_record_t rec = {ch, eps, n_eps};
  return envelope_save(encode_channel, &rec, KIND_CHANNEL, buf, len, written);
}

/* A name of at most `max` trits, a multiple of 3. */
static size_t decode_name(mam_bdec_t *d, mam_trit_t *name, size_t max) {
  size_t n = (size_t)mam_bdec_uint(d, 2);
  if (n > max || n % 3) {
    d->bad = true;
    return 0;
  }
  mam_bdec_trits(d, name, n);
  return n;
}

static mam_err_t decode_endpoints(mam_bdec_t *d, const mam_channel_t *ch, mam_endpoint_t **out, size_t *n_out) {
  uint64_t n = mam_bdec_uint(d, 4);
  if (d->bad || n > MAX_ENDPOINTS) return MAM_ERR_STATE_FORMAT;
  mam_endpoint_t *eps = n ? calloc((size_t)n, sizeof *eps) : NULL;
  if (n && !eps) return MAM_ERR_NO_MEMORY;
  size_t done = 0;
  mam_err_t err = MAM_OK;
  for (; done < n && err == MAM_OK; done++) {
    mam_endpoint_t *ep = &eps[done];
    ep->name_len = decode_name(d, ep->name, MAM_NAMES_MAX_TRITS - ch->name_len);
    err = d->bad ? MAM_ERR_STATE_FORMAT : mam_mss_decode(&ep->mss, d);
  }
  if (err != MAM_OK) {
    for (size_t i = 0; i < done; i++) mam_endpoint_destroy(&eps[i]);
    free(eps);
    return err;
  }
  *out = eps;
  *n_out = (size_t)n;
  return MAM_OK;
}

mam_err_t mam_channel_state_load(const uint8_t *buf, size_t len, mam_channel_t *ch, mam_endpoint_t **eps,
                                 size_t *n_eps) {
  if (!ch || !eps || !n_eps) return MAM_ERR_NULL_ARG;
  mam_bdec_t d;
  mam_err_t err = envelope_open(buf, len, KIND_CHANNEL, &d);
  if (err != MAM_OK) return err;
  mam_channel_t c;
  memset(&c, 0, sizeof c);
  c.name_len = decode_name(&d, c.name, MAM_CHANNEL_NAME_MAX_TRITS);
  mam_bdec_trits(&d, c.msg_ord, MAM_MSG_ORD_TRITS);
  c.endpoint_ord = (int64_t)mam_bdec_uint(&d, 8);
  if (d.bad || c.endpoint_ord < 0) return MAM_ERR_STATE_FORMAT;
  err = mam_mss_decode(&c.mss, &d);
  if (err != MAM_OK) return err;
  mam_endpoint_t *list = NULL;
  size_t n = 0;
  err = decode_endpoints(&d, &c, &list, &n);
  if (err == MAM_OK && d.pos != d.len) err = MAM_ERR_STATE_FORMAT;
  if (err != MAM_OK) {
    for (size_t i = 0; i < n; i++) mam_endpoint_destroy(&list[i]);
    free(list);
    mam_channel_destroy(&c);
    return err;
  }
  *ch = c;
  *eps = list;
  *n_eps = n;
  return MAM_OK;
}

/* ---- readers ---- */

static void encode_ids(const mam_id_set_t *s, mam_benc_t *e) {
  mam_benc_uint(e, s->n, 4);
  mam_benc_trits(e, s->ids, s->n * MAM_ID_TRITS);
}

static void encode_reader(const void *obj, mam_benc_t *e) {
  const mam_reader_t *r = obj;
  encode_ids(&r->keys.trusted_channels, e);
  encode_ids(&r->keys.trusted_endpoints, e);
  mam_benc_uint(e, r->n_ctxs, 4);
  for (size_t i = 0; i < r->n_ctxs; i++) {
    const mam_read_ctx_t *c = &r->ctxs[i];
    mam_benc_trits(e, c->chid, MAM_ID_TRITS);
    mam_benc_trits(e, c->msg_id, MAM_MSG_ID_TRITS);
    mam_benc_trits(e, c->sp.s, MAM_TROIKA_STATE_TRITS);
    mam_benc_uint(e, c->sp.pos, 2);
    mam_benc_trits(e, c->pk, MAM_ID_TRITS);
    mam_benc_uint(e, c->pubkey_kind, 1);
    mam_benc_uint(e, (uint64_t)c->ord, 8);
  }
}

size_t mam_reader_state_size(const mam_reader_t *r) { return envelope_size(encode_reader, r); }

mam_err_t mam_reader_state_save(const mam_reader_t *r, uint8_t *buf, size_t len, size_t *written) {
  if (!r) return MAM_ERR_NULL_ARG;
  return envelope_save(encode_reader, r, KIND_READER, buf, len, written);
}

static mam_err_t decode_ids(mam_bdec_t *d, mam_id_set_t *s) {
  uint64_t n = mam_bdec_uint(d, 4);
  if (d->bad || n > MAX_IDS || n * MAM_ID_TRITS > d->len - d->pos) return MAM_ERR_STATE_FORMAT;
  for (uint64_t i = 0; i < n; i++) {
    mam_trit_t id[MAM_ID_TRITS];
    mam_bdec_trits(d, id, MAM_ID_TRITS);
    if (d->bad) return MAM_ERR_STATE_FORMAT;
    mam_err_t err = mam_id_set_add(s, id);
    if (err != MAM_OK) return err;
  }
  return MAM_OK;
}

static mam_err_t decode_ctx(mam_bdec_t *d, mam_read_ctx_t *c) {
  mam_bdec_trits(d, c->chid, MAM_ID_TRITS);
  mam_bdec_trits(d, c->msg_id, MAM_MSG_ID_TRITS);
  mam_bdec_trits(d, c->sp.s, MAM_TROIKA_STATE_TRITS);
  c->sp.pos = (size_t)mam_bdec_uint(d, 2);
  mam_bdec_trits(d, c->pk, MAM_ID_TRITS);
  uint64_t kind = mam_bdec_uint(d, 1);
  c->ord = (int64_t)mam_bdec_uint(d, 8);
  if (d->bad || c->sp.pos >= MAM_TROIKA_RATE_TRITS || kind > MAM_PUBKEY_EPID1 || c->ord < 1) return MAM_ERR_STATE_FORMAT;
  c->pubkey_kind = (mam_pubkey_kind_t)kind;
  return MAM_OK;
}

mam_err_t mam_reader_state_load(mam_reader_t *r, const uint8_t *buf, size_t len) {
  if (!r) return MAM_ERR_NULL_ARG;
  mam_bdec_t d;
  mam_err_t err = envelope_open(buf, len, KIND_READER, &d);
  if (err != MAM_OK) return err;
  mam_reader_t fresh;
  mam_reader_init(&fresh);
  err = decode_ids(&d, &fresh.keys.trusted_channels);
  if (err == MAM_OK) err = decode_ids(&d, &fresh.keys.trusted_endpoints);
  uint64_t n = mam_bdec_uint(&d, 4);
  if (err == MAM_OK && (d.bad || n > r->max_contexts || n > (d.len - d.pos))) err = MAM_ERR_STATE_FORMAT;
  if (err == MAM_OK && n && !(fresh.ctxs = calloc((size_t)n, sizeof *fresh.ctxs))) err = MAM_ERR_NO_MEMORY;
  for (uint64_t i = 0; err == MAM_OK && i < n; i++) {
    err = decode_ctx(&d, &fresh.ctxs[i]);
    fresh.n_ctxs = fresh.cap_ctxs = (size_t)i + 1;
  }
  if (err == MAM_OK && d.pos != d.len) err = MAM_ERR_STATE_FORMAT;
  if (err != MAM_OK) {
    mam_reader_destroy(&fresh);
    return err;
  }
  /* keep the caller's keys and limits, take the loaded trust and contexts */
  mam_id_set_free(&r->keys.trusted_channels);
  mam_id_set_free(&r->keys.trusted_endpoints);
  free(r->ctxs);
  r->keys.trusted_channels = fresh.keys.trusted_channels;
  r->keys.trusted_endpoints = fresh.keys.trusted_endpoints;
  r->ctxs = fresh.ctxs;
  r->n_ctxs = fresh.n_ctxs;
  r->cap_ctxs = fresh.cap_ctxs;
  return MAM_OK;
}
