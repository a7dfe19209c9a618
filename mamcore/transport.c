#include "mamcore/transport.h"

#include <stdlib.h>
#include <string.h>

/* ---- writing ---- */

void mam_bundle_free(mam_bundle_t *b) {
  if (!b) return;
  free(b->txs);
  memset(b, 0, sizeof *b);
}

void mam_bundles_free(mam_bundle_t *bundles, size_t n) {
  for (size_t i = 0; bundles && i < n; i++) mam_bundle_free(&bundles[i]);
  free(bundles);
}

static mam_err_t bundle_reserve(mam_bundle_t *b, size_t more) {
  if (b->cap - b->n >= more) return MAM_OK;
  size_t cap = b->cap ? b->cap : 4;
  while (cap - b->n < more) cap *= 2;
  mam_tx_t *txs = realloc(b->txs, cap * sizeof *txs);
  if (!txs) return MAM_ERR_NO_MEMORY;
  b->txs = txs;
  b->cap = cap;
  return MAM_OK;
}

mam_err_t mam_bundle_append(mam_bundle_t *b, const mam_trit_t chid[MAM_ID_TRITS],
                            const mam_trit_t msg_id[MAM_MSG_ID_TRITS], int64_t ord, const mam_trit_t *trits, size_t n) {
  size_t count = n ? (n + MAM_FRAGMENT_TRITS - 1) / MAM_FRAGMENT_TRITS : 1;
  mam_err_t err = bundle_reserve(b, count);
  if (err != MAM_OK) return err;
  for (size_t i = 0; i < count; i++) {
    mam_tx_t *tx = &b->txs[b->n++];
    size_t k = n - i * MAM_FRAGMENT_TRITS < MAM_FRAGMENT_TRITS ? n - i * MAM_FRAGMENT_TRITS : MAM_FRAGMENT_TRITS;
    memcpy(tx->address, chid, MAM_ID_TRITS);
    memcpy(tx->tag, msg_id, MAM_MSG_ID_TRITS);
    mam_trits_from_int(ord, tx->tag + MAM_MSG_ID_TRITS, MAM_ORD_TRITS);
    memset(tx->fragment, 0, MAM_FRAGMENT_TRITS);
    if (n) memcpy(tx->fragment, trits + i * MAM_FRAGMENT_TRITS, k);
  }
  return MAM_OK;
}

void mam_tag_parse(const mam_trit_t tag[MAM_TAG_TRITS], mam_trit_t msg_id[MAM_MSG_ID_TRITS], int64_t *ord) {
  memcpy(msg_id, tag, MAM_MSG_ID_TRITS);
  *ord = mam_trits_to_int(tag + MAM_MSG_ID_TRITS, MAM_ORD_TRITS);
}

typedef struct message_writer {
  const mam_prng_t *prng;
  const mam_message_spec_t *spec;
  mam_write_ctx_t ctx;
  mam_trit_t *buf;
  size_t buf_len;
} message_writer_t;

static mam_err_t write_packet(message_writer_t *mw, size_t i, mam_bundle_t *b) {
  const mam_message_spec_t *s = mw->spec;
  size_t unit = s->unit_trytes ? s->unit_trytes : 1, units = s->payload_trits / 3 / unit;
  size_t base = units / s->packets, extra = units % s->packets;
  size_t first = unit * (i * base + (i < extra ? i : extra)), count = unit * (base + (i < extra));
  if (i + 1 == s->packets) count = s->payload_trits / 3 - first; /* a partial last unit goes last */
  size_t len;
  int64_t ord;
  const mam_trit_t *part = s->payload ? s->payload + 3 * first : NULL; /* no arithmetic on a NULL payload */
  mam_err_t err = mam_packet_write(mw->prng, &mw->ctx, part, 3 * count, s->checksum,
                                   i + 1 == s->packets, mw->buf, mw->buf_len, &len, &ord);
  return err == MAM_OK ? mam_bundle_append(b, mw->ctx.chid, mw->ctx.msg_id, ord, mw->buf, len) : err;
}

mam_err_t mam_message_write(const mam_prng_t *prng, const mam_message_spec_t *spec, mam_bundle_t **bundles,
                            size_t *n_bundles) {
  if (!prng || !spec || !bundles || !n_bundles || (!spec->payload && spec->payload_trits)) return MAM_ERR_NULL_ARG;
  if (spec->packets == 0 || spec->payload_trits % 3) return MAM_ERR_INVALID_ARG;
  size_t header = mam_header_trits(&spec->header);
  size_t unit = spec->unit_trytes ? spec->unit_trytes : 1;
  size_t packet = mam_packet_trits(unit * ((spec->payload_trits / 3 / unit + spec->packets - 1) / spec->packets + 1),
                                   spec->checksum, MAM_MSS_MAX_HEIGHT);
  message_writer_t mw = {.prng = prng, .spec = spec, .buf_len = header > packet ? header : packet};
  mam_bundle_t *out = calloc(spec->packets, sizeof *out);
  mw.buf = malloc(mw.buf_len);
  mam_err_t err = out && mw.buf ? MAM_OK : MAM_ERR_NO_MEMORY;
  size_t len = 0, nb = 0;
  if (err == MAM_OK) err = mam_header_write(prng, &spec->header, mw.buf, mw.buf_len, &len, &mw.ctx);
  if (err == MAM_OK) err = mam_bundle_append(&out[0], mw.ctx.chid, mw.ctx.msg_id, 0, mw.buf, len);
  if (err == MAM_OK) nb = 1;
  /* spec 12.3: the reference reader misses a first packet behind a header of whole fragments */
  bool own_bundle = len % MAM_FRAGMENT_TRITS == 0;
  for (size_t i = 0; err == MAM_OK && i < spec->packets; i++) {
    if (i > 0 || own_bundle) nb++;
    if (nb > spec->packets) {
      mam_bundle_t *grown = realloc(out, nb * sizeof *out);
      if (!grown) {
        err = MAM_ERR_NO_MEMORY;
        break;
      }
      out = grown;
      memset(&out[nb - 1], 0, sizeof *out);
    }
    err = write_packet(&mw, i, &out[nb - 1]);
  }
  free(mw.buf);
  mam_wipe(&mw.ctx, sizeof mw.ctx);
  if (err != MAM_OK) {
    mam_bundles_free(out, out ? (nb > spec->packets ? nb : spec->packets) : 0);
    return err;
  }
  *bundles = out;
  *n_bundles = nb;
  return MAM_OK;
}

/* ---- reading ---- */

void mam_decoded_free(mam_decoded_t *d) {
  if (!d) return;
  free(d->payload);
  d->payload = NULL;
}

void mam_reader_init(mam_reader_t *r) {
  memset(r, 0, sizeof *r);
  r->max_contexts = MAM_READER_DEFAULT_MAX_CONTEXTS;
  r->max_payload_trytes = MAM_READER_DEFAULT_MAX_PAYLOAD_TRYTES;
}

void mam_reader_destroy(mam_reader_t *r) {
  if (!r) return;
  mam_id_set_free(&r->keys.trusted_channels);
  mam_id_set_free(&r->keys.trusted_endpoints);
  if (r->ctxs) mam_wipe(r->ctxs, r->n_ctxs * sizeof *r->ctxs);
  free(r->ctxs);
  memset(r, 0, sizeof *r);
}

static mam_read_ctx_t *find_ctx(mam_reader_t *r, const mam_trit_t chid[MAM_ID_TRITS], const mam_trit_t msg_id[MAM_MSG_ID_TRITS]) {
  for (size_t i = 0; i < r->n_ctxs; i++)
    if (memcmp(r->ctxs[i].msg_id, msg_id, MAM_MSG_ID_TRITS) == 0 && memcmp(r->ctxs[i].chid, chid, MAM_ID_TRITS) == 0)
      return &r->ctxs[i];
  return NULL;
}

static void drop_ctx(mam_reader_t *r, mam_read_ctx_t *c) {
  size_t i = (size_t)(c - r->ctxs);
  mam_wipe(c, sizeof *c);
  memmove(&r->ctxs[i], &r->ctxs[i + 1], (r->n_ctxs - i - 1) * sizeof *c);
  r->n_ctxs--;
}

static mam_err_t store_ctx(mam_reader_t *r, const mam_read_ctx_t *c) {
  if (r->max_contexts == 0) return MAM_ERR_LIMIT;
  if (r->n_ctxs == r->max_contexts) drop_ctx(r, &r->ctxs[0]); /* the oldest open message */
  if (r->n_ctxs == r->cap_ctxs) {
    size_t cap = r->cap_ctxs ? 2 * r->cap_ctxs : 8;
    mam_read_ctx_t *grown = realloc(r->ctxs, cap * sizeof *grown);
    if (!grown) return MAM_ERR_NO_MEMORY;
    r->ctxs = grown;
    r->cap_ctxs = cap;
  }
  r->ctxs[r->n_ctxs++] = *c;
  return MAM_OK;
}

/* All message fragments of a bundle, one after another. */
static mam_trit_t *concat_fragments(const mam_tx_t *txs, size_t n) {
  mam_trit_t *all = malloc(n * MAM_FRAGMENT_TRITS);
  for (size_t i = 0; all && i < n; i++) memcpy(all + i * MAM_FRAGMENT_TRITS, txs[i].fragment, MAM_FRAGMENT_TRITS);
  return all;
}

static void fill_decoded(const mam_read_ctx_t *c, int64_t ord, bool last, mam_packet_t *p, mam_decoded_t *out) {
  memcpy(out->chid, c->chid, MAM_ID_TRITS);
  memcpy(out->signer, c->pk, MAM_ID_TRITS);
  out->pubkey_kind = c->pubkey_kind;
  memcpy(out->msg_id, c->msg_id, MAM_MSG_ID_TRITS);
  out->ord = ord;
  out->last = last;
  out->checksum = p->checksum;
  out->sig_leaf = p->sig_leaf;
  out->payload = p->payload;
  out->payload_trits = p->payload_trits;
}

/* Reads the packet at msg[offset..) with context c; `tag_ord` is the ord its tag carries. */
static mam_err_t read_packet_at(mam_reader_t *r, mam_read_ctx_t *c, int64_t tag_ord, const mam_trit_t *msg,
                                size_t len, mam_decoded_t *out) {
  if (tag_ord != c->ord && tag_ord != -c->ord) return MAM_ERR_BAD_ORD;
  bool last = tag_ord < 0;
  int64_t ord = c->ord;
  mam_packet_t p;
  size_t used;
  mam_err_t err = mam_packet_read_memo(c, r->keys.memo, last, msg, len, r->max_payload_trytes, &used, &p);
  if (err == MAM_OK) fill_decoded(c, ord, last, &p, out);
  return err;
}

static mam_err_t read_header_bundle(mam_reader_t *r, const mam_tx_t *txs, size_t n, const mam_trit_t *msg,
                                    const mam_trit_t msg_id[MAM_MSG_ID_TRITS], mam_decoded_t *out, bool *has_packet) {
  const mam_trit_t *chid = txs[0].address;
  if (find_ctx(r, chid, msg_id)) return MAM_OK; /* a repeat of a header already read */
  mam_read_ctx_t c;
  size_t used;
  mam_err_t err = mam_header_read(&r->keys, chid, msg_id, msg, n * MAM_FRAGMENT_TRITS, &used, &c);
  if (err != MAM_OK) return err;
  size_t j = used / MAM_FRAGMENT_TRITS + (used % MAM_FRAGMENT_TRITS ? 1 : 0);
  if (j < n) {
    mam_trit_t id[MAM_MSG_ID_TRITS];
    int64_t tag_ord;
    mam_tag_parse(txs[j].tag, id, &tag_ord);
    err = read_packet_at(r, &c, tag_ord, msg + j * MAM_FRAGMENT_TRITS, (n - j) * MAM_FRAGMENT_TRITS, out);
    *has_packet = err == MAM_OK;
  }
  /* Only a bundle that reads completely opens the message: a forged packet behind a genuine header
   * must not stop the genuine bundle from being read when it arrives. */
  if (err == MAM_OK) err = store_ctx(r, &c);
  if (err != MAM_OK && *has_packet) {
    mam_decoded_free(out);
    *has_packet = false;
  }
  mam_wipe(&c, sizeof c);
  return err;
}

mam_err_t mam_reader_read_bundle(mam_reader_t *r, const mam_tx_t *txs, size_t n, mam_decoded_t *out, bool *has_packet) {
  if (!r || !txs || !out || !has_packet) return MAM_ERR_NULL_ARG;
  *has_packet = false;
  memset(out, 0, sizeof *out);
  if (n == 0) return MAM_ERR_TRUNCATED;
  mam_trit_t msg_id[MAM_MSG_ID_TRITS];
  int64_t ord;
  mam_tag_parse(txs[0].tag, msg_id, &ord);
  mam_trit_t *msg = concat_fragments(txs, n);
  if (!msg) return MAM_ERR_NO_MEMORY;
  mam_err_t err;
  if (ord == 0) {
    err = read_header_bundle(r, txs, n, msg, msg_id, out, has_packet);
  } else {
    mam_read_ctx_t *c = find_ctx(r, txs[0].address, msg_id);
    err = c ? read_packet_at(r, c, ord, msg, n * MAM_FRAGMENT_TRITS, out) : MAM_ERR_MESSAGE_NOT_FOUND;
    *has_packet = err == MAM_OK;
    if (err == MAM_OK && out->last) drop_ctx(r, c);
  }
  free(msg);
  return err;
}
