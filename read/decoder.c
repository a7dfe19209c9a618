/* read/decoder.c: one channel's reader and its queue of bundles that came too early. */
#include "read/decoder.h"

#include <stdlib.h>
#include <string.h>

#include "mamcore/state.h"

typedef struct pending_bundle {
  mam_tx_t *txs;
  size_t n;
  char bundle[MAM_ID_TRITS / 3 + 1];
  uint64_t since_ms;
} pending_bundle_t;

struct mg_decoder {
  trit_t chid[MAM_ID_TRITS];
  mam_reader_t reader;
  mg_decoder_limits_t limits;
  pending_bundle_t *pending; /* allocated only when a bundle has to wait (most channels never do) */
  size_t n_pending, cap_pending;
};

mg_decoder_t *mg_decoder_new(const trit_t chid[MAM_ID_TRITS], const mg_decoder_limits_t *limits) {
  mg_decoder_t *dec = calloc(1, sizeof *dec);
  if (!dec) return NULL;
  memcpy(dec->chid, chid, MAM_ID_TRITS);
  dec->limits = *limits;
  mam_reader_init(&dec->reader);
  dec->reader.max_contexts = limits->max_contexts;
  dec->reader.max_payload_trytes = limits->max_payload_trytes;
  if (mam_id_set_add(&dec->reader.keys.trusted_channels, chid) != MAM_OK) {
    mg_decoder_free(dec);
    return NULL;
  }
  return dec;
}

static void drop_pending_at(mg_decoder_t *dec, size_t i) {
  free(dec->pending[i].txs);
  dec->pending[i] = dec->pending[--dec->n_pending];
}

void mg_decoder_free(mg_decoder_t *dec) {
  if (!dec) return;
  while (dec->n_pending) drop_pending_at(dec, 0);
  free(dec->pending);
  mam_reader_destroy(&dec->reader); /* frees its id sets and contexts, never the caller's keys */
  free(dec);
}

void mg_decoder_set_keys(mg_decoder_t *dec, const mam_psk_t *psks, size_t n_psks, const mam_ntru_sk_t *ntru,
                         size_t n_ntru) {
  dec->reader.keys.psks = psks;
  dec->reader.keys.n_psks = n_psks;
  dec->reader.keys.ntru_sks = ntru;
  dec->reader.keys.n_ntru = n_ntru;
}

mam_err_t mg_decoder_state_save(const mg_decoder_t *dec, uint8_t **buf, size_t *len) {
  size_t cap = mam_reader_state_size(&dec->reader);
  uint8_t *b = malloc(cap);
  if (!b) return MAM_ERR_NO_MEMORY;
  mam_err_t err = mam_reader_state_save(&dec->reader, b, cap, len);
  if (err != MAM_OK) {
    mam_wipe(b, cap);
    free(b);
    return err;
  }
  *buf = b;
  return MAM_OK;
}

/* The loaded state replaces the trusted ids; the decoder's own channel stays trusted. */
mam_err_t mg_decoder_state_load(mg_decoder_t *dec, const uint8_t *buf, size_t len) {
  mam_err_t err = mam_reader_state_load(&dec->reader, buf, len);
  if (err != MAM_OK || mam_id_set_has(&dec->reader.keys.trusted_channels, dec->chid)) return err;
  return mam_id_set_add(&dec->reader.keys.trusted_channels, dec->chid);
}

size_t mg_decoder_pending(const mg_decoder_t *dec) { return dec->n_pending; }

/* Errors a later bundle can cure: a packet before its header, a packet of an endpoint whose
 * announcement has not been read yet. */
static bool is_out_of_order(mam_err_t err) {
  return err == MAM_ERR_MESSAGE_NOT_FOUND || err == MAM_ERR_BAD_ORD || err == MAM_ERR_ENDPOINT_UNTRUSTED;
}

static int64_t tag_ord(const mam_tx_t *tx, trit_t msg_id[MAM_MSG_ID_TRITS]) {
  int64_t ord;
  mam_tag_parse(tx->tag, msg_id, &ord);
  return ord;
}

/* Whether a bundle reads as a whole with a fresh reader that holds the same keys and trusts what
 * the channel's reader trusts (that reader skips a header it has read before, unread). */
static bool reads_afresh(const mam_reader_t *r, const mam_tx_t *txs, size_t n) {
  mam_reader_t fresh;
  mam_reader_init(&fresh);
  fresh.max_payload_trytes = r->max_payload_trytes;
  fresh.keys.psks = r->keys.psks;
  fresh.keys.n_psks = r->keys.n_psks;
  fresh.keys.ntru_sks = r->keys.ntru_sks;
  fresh.keys.n_ntru = r->keys.n_ntru;
  const mam_id_set_t *ch = &r->keys.trusted_channels, *ep = &r->keys.trusted_endpoints;
  bool ok = true;
  for (size_t i = 0; ok && i < ch->n; i++) ok = mam_id_set_add(&fresh.keys.trusted_channels, ch->ids + i * MAM_ID_TRITS) == MAM_OK;
  for (size_t i = 0; ok && i < ep->n; i++) ok = mam_id_set_add(&fresh.keys.trusted_endpoints, ep->ids + i * MAM_ID_TRITS) == MAM_OK;
  mam_decoded_t d;
  bool has = false;
  ok = ok && mam_reader_read_bundle(&fresh, txs, n, &d, &has) == MAM_OK;
  if (has) mam_decoded_free(&d);
  mam_reader_destroy(&fresh);
  return ok;
}

/* Reads one bundle with the channel's reader; MAM_OK when it was consumed (decoded or skipped). A
 * header bundle read before is skipped by the reader: such a copy is read again on its own, and
 * one that does not read (a changed fragment) is told as forged. */
static mam_err_t read_bundle(mg_decoder_t *dec, const mam_tx_t *txs, size_t n, const char *bundle,
                             const mg_decoder_events_t *ev) {
  mam_decoded_t d;
  bool has;
  mam_err_t err = mam_reader_read_bundle(&dec->reader, txs, n, &d, &has);
  if (err != MAM_OK) return err;
  if (ev->state_changed) ev->state_changed(ev->ctx);
  trit_t msg_id[MAM_MSG_ID_TRITS];
  if (!has && tag_ord(&txs[0], msg_id) == 0 && !reads_afresh(&dec->reader, txs, n) && ev->forged_copy)
    ev->forged_copy(ev->ctx);
  if (has) {
    if (ev->message) ev->message(ev->ctx, &d, bundle);
    mam_decoded_free(&d);
  }
  return MAM_OK;
}

static void reject(const mg_decoder_events_t *ev, mam_err_t err) {
  if (ev->rejected) ev->rejected(ev->ctx, err);
}

/* Retries waiting bundles until none makes progress. */
static void retry_pending(mg_decoder_t *dec, const mg_decoder_events_t *ev) {
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t i = 0; i < dec->n_pending;) {
      pending_bundle_t *p = &dec->pending[i];
      mam_err_t err = read_bundle(dec, p->txs, p->n, p->bundle, ev);
      if (is_out_of_order(err)) {
        i++;
        continue;
      }
      if (err != MAM_OK) reject(ev, err);
      progress = progress || err == MAM_OK;
      drop_pending_at(dec, i);
    }
  }
}

void mg_decoder_expire(mg_decoder_t *dec, uint64_t now_ms, const mg_decoder_events_t *ev) {
  for (size_t i = 0; i < dec->n_pending;) {
    if (now_ms - dec->pending[i].since_ms < dec->limits.pending_ttl_ms) {
      i++;
      continue;
    }
    reject(ev, MAM_ERR_MESSAGE_NOT_FOUND);
    drop_pending_at(dec, i);
  }
}

/* Room for one more waiting bundle, within max_pending. */
static bool make_pending_room(mg_decoder_t *dec) {
  size_t max = dec->limits.max_pending;
  if (dec->n_pending < dec->cap_pending) return true;
  if (dec->cap_pending >= max) return false;
  size_t cap = dec->cap_pending ? 2 * dec->cap_pending : 4;
  cap = cap < max ? cap : max;
  pending_bundle_t *grown = realloc(dec->pending, cap * sizeof *grown);
  if (!grown) return false;
  dec->pending = grown;
  dec->cap_pending = cap;
  return true;
}

static bool queue_pending(mg_decoder_t *dec, const mam_tx_t *txs, size_t n, const char *bundle, uint64_t now_ms) {
  mam_tx_t *copy = make_pending_room(dec) ? malloc(n * sizeof *copy) : NULL;
  if (!copy) return false;
  memcpy(copy, txs, n * sizeof *copy);
  pending_bundle_t *p = &dec->pending[dec->n_pending++];
  *p = (pending_bundle_t){.txs = copy, .n = n, .since_ms = now_ms};
  memcpy(p->bundle, bundle, sizeof p->bundle - 1);
  p->bundle[sizeof p->bundle - 1] = '\0';
  return true;
}

/* A packet whose message the reader no longer holds, stored already: a late copy that cannot be
 * checked, not a packet ahead of its header. */
static bool is_closed_copy(const mam_tx_t *first, const mg_decoder_events_t *ev) {
  if (!ev->packet_stored) return false;
  trit_t msg_id[MAM_MSG_ID_TRITS];
  int64_t ord = tag_ord(first, msg_id);
  return ev->packet_stored(ev->ctx, msg_id, ord < 0 ? -ord : ord);
}

mg_decode_outcome_t mg_decoder_add(mg_decoder_t *dec, const mam_tx_t *txs, size_t n, const char *bundle,
                                   uint64_t now_ms, const mg_decoder_events_t *ev) {
  mam_err_t err = read_bundle(dec, txs, n, bundle, ev);
  if (err == MAM_OK) {
    retry_pending(dec, ev);
    return MG_DECODE_READ;
  }
  if (err == MAM_ERR_MESSAGE_NOT_FOUND && is_closed_copy(&txs[0], ev)) return MG_DECODE_CLOSED_COPY;
  if (is_out_of_order(err) && queue_pending(dec, txs, n, bundle, now_ms)) return MG_DECODE_WAITING;
  reject(ev, err);
  return MG_DECODE_REJECTED;
}
