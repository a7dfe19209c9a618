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

/* Bundles in arrival order, allocated only when one has to wait (most channels never do). */
typedef struct bundle_queue {
  pending_bundle_t *items;
  size_t n, cap;
} bundle_queue_t;

struct mg_decoder {
  mam_trit_t chid[MAM_ID_TRITS];
  mam_reader_t reader;
  mg_decoder_limits_t limits;
  bundle_queue_t pending;  /* too early: tried again after each bundle that reads */
  bundle_queue_t deferred; /* kept for the batch's signature check */
  mg_decode_batch_t *batch;
  void *owner;
  mg_decoder_t *next_deferring; /* in the batch's list of decoders keeping bundles */
  bool listed;
};

struct mg_decode_batch {
  mam_mss_memo_t memo;
  mg_decoder_t *head, *tail; /* decoders keeping bundles, in the order they began to */
  uint64_t since_ms;         /* when the oldest kept bundle was kept */
};

mg_decoder_t *mg_decoder_new(const mam_trit_t chid[MAM_ID_TRITS], const mg_decoder_limits_t *limits) {
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

/* Drops item i; the pending queue lets the last item take its place, the deferred one keeps
 * its order. */
static void drop_pending_at(mg_decoder_t *dec, size_t i) {
  free(dec->pending.items[i].txs);
  dec->pending.items[i] = dec->pending.items[--dec->pending.n];
}

static void drop_deferred_first(mg_decoder_t *dec) {
  bundle_queue_t *q = &dec->deferred;
  free(q->items[0].txs);
  memmove(&q->items[0], &q->items[1], --q->n * sizeof *q->items);
}

static void unlist(mg_decoder_t *dec) {
  mg_decode_batch_t *b = dec->batch;
  if (!dec->listed) return;
  mg_decoder_t **p = &b->head, *prev = NULL;
  while (*p != dec) {
    prev = *p;
    p = &(*p)->next_deferring;
  }
  *p = dec->next_deferring;
  if (b->tail == dec) b->tail = prev;
  dec->next_deferring = NULL;
  dec->listed = false;
}

void mg_decoder_free(mg_decoder_t *dec) {
  if (!dec) return;
  unlist(dec);
  while (dec->pending.n) drop_pending_at(dec, 0);
  while (dec->deferred.n) drop_deferred_first(dec);
  free(dec->pending.items);
  free(dec->deferred.items);
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

size_t mg_decoder_pending(const mg_decoder_t *dec) { return dec->pending.n; }

/* Errors a later bundle can cure: a packet before its header, a packet of an endpoint whose
 * announcement has not been read yet. */
static bool is_out_of_order(mam_err_t err) {
  return err == MAM_ERR_MESSAGE_NOT_FOUND || err == MAM_ERR_BAD_ORD || err == MAM_ERR_ENDPOINT_UNTRUSTED;
}

static int64_t tag_ord(const mam_tx_t *tx, mam_trit_t msg_id[MAM_MSG_ID_TRITS]) {
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
  mam_trit_t msg_id[MAM_MSG_ID_TRITS];
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

/* Room for one more bundle in q, within max. */
static bool make_room(bundle_queue_t *q, size_t max) {
  if (q->n < q->cap) return true;
  if (q->cap >= max) return false;
  size_t cap = q->cap ? 2 * q->cap : 4;
  cap = cap < max ? cap : max;
  pending_bundle_t *grown = realloc(q->items, cap * sizeof *grown);
  if (!grown) return false;
  q->items = grown;
  q->cap = cap;
  return true;
}

/* Appends a copy of a bundle to q; false when it has no room. */
static bool queue_bundle(bundle_queue_t *q, size_t max, const mam_tx_t *txs, size_t n, const char *bundle,
                         uint64_t now_ms) {
  mam_tx_t *copy = make_room(q, max) ? malloc(n * sizeof *copy) : NULL;
  if (!copy) return false;
  memcpy(copy, txs, n * sizeof *copy);
  pending_bundle_t *p = &q->items[q->n++];
  *p = (pending_bundle_t){.txs = copy, .n = n, .since_ms = now_ms};
  memcpy(p->bundle, bundle, sizeof p->bundle - 1);
  p->bundle[sizeof p->bundle - 1] = '\0';
  return true;
}

/* ---- keeping bundles for the batch's signature check ---- */

/* Whether reads note signatures now (a joined decoder, outside a flush). */
static bool collecting(const mg_decoder_t *dec) { return dec->batch && dec->batch->memo.collecting; }

static size_t max_deferred(const mg_decoder_t *dec) { return dec->limits.max_pending + dec->batch->memo.max; }

/* Lists the decoder in its batch once it keeps a bundle. */
static void listed_keeping(mg_decoder_t *dec, uint64_t since_ms) {
  mg_decode_batch_t *b = dec->batch;
  if (dec->listed) return;
  if (!b->head) b->since_ms = since_ms;
  if (b->tail) b->tail->next_deferring = dec;
  else b->head = dec;
  b->tail = dec;
  dec->listed = true;
}

/* Keeps a waiting bundle (its transactions move); false when there is no room. */
static bool keep_deferred(mg_decoder_t *dec, const pending_bundle_t *p) {
  if (!make_room(&dec->deferred, max_deferred(dec))) return false;
  dec->deferred.items[dec->deferred.n++] = *p;
  listed_keeping(dec, p->since_ms);
  return true;
}

/* Keeps a copy of a new bundle whose read failed with err, when that is what the batch asks:
 * a noted signature, or a bundle that may need a kept one. */
static bool defer(mg_decoder_t *dec, mam_err_t err, const mam_tx_t *txs, size_t n, const char *bundle,
                  uint64_t now_ms) {
  if (!collecting(dec) || !(err == MAM_ERR_SIG_DEFERRED || (dec->deferred.n && is_out_of_order(err)))) return false;
  if (!queue_bundle(&dec->deferred, max_deferred(dec), txs, n, bundle, now_ms)) return false;
  listed_keeping(dec, now_ms);
  return true;
}

/* Retries waiting bundles until none makes progress. */
static void retry_pending(mg_decoder_t *dec, const mg_decoder_events_t *ev) {
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t i = 0; i < dec->pending.n;) {
      pending_bundle_t *p = &dec->pending.items[i];
      mam_err_t err = read_bundle(dec, p->txs, p->n, p->bundle, ev);
      if (is_out_of_order(err) || (err == MAM_ERR_SIG_DEFERRED && !keep_deferred(dec, p))) {
        i++;
        continue;
      }
      if (err == MAM_ERR_SIG_DEFERRED) {
        dec->pending.items[i] = dec->pending.items[--dec->pending.n]; /* its copy moved on */
        continue;
      }
      if (err != MAM_OK) reject(ev, err);
      progress = progress || err == MAM_OK;
      drop_pending_at(dec, i);
    }
  }
}

void mg_decoder_expire(mg_decoder_t *dec, uint64_t now_ms, const mg_decoder_events_t *ev) {
  for (size_t i = 0; i < dec->pending.n;) {
    if (now_ms - dec->pending.items[i].since_ms < dec->limits.pending_ttl_ms) {
      i++;
      continue;
    }
    reject(ev, MAM_ERR_MESSAGE_NOT_FOUND);
    drop_pending_at(dec, i);
  }
}

static bool queue_pending(mg_decoder_t *dec, const mam_tx_t *txs, size_t n, const char *bundle, uint64_t now_ms) {
  return queue_bundle(&dec->pending, dec->limits.max_pending, txs, n, bundle, now_ms);
}

/* A packet whose message the reader no longer holds, stored already: a late copy that cannot be
 * checked, not a packet ahead of its header. */
static bool is_closed_copy(const mam_tx_t *first, const mg_decoder_events_t *ev) {
  if (!ev->packet_stored) return false;
  mam_trit_t msg_id[MAM_MSG_ID_TRITS];
  int64_t ord = tag_ord(first, msg_id);
  return ev->packet_stored(ev->ctx, msg_id, ord < 0 ? -ord : ord);
}

/* Reads a bundle whose signatures the batch could not keep back: verified on the spot. */
static mam_err_t read_bundle_now(mg_decoder_t *dec, const mam_tx_t *txs, size_t n, const char *bundle,
                                 const mg_decoder_events_t *ev) {
  mam_mss_memo_t *memo = dec->reader.keys.memo;
  dec->reader.keys.memo = NULL;
  mam_err_t err = read_bundle(dec, txs, n, bundle, ev);
  dec->reader.keys.memo = memo;
  return err;
}

mg_decode_outcome_t mg_decoder_add(mg_decoder_t *dec, const mam_tx_t *txs, size_t n, const char *bundle,
                                   uint64_t now_ms, const mg_decoder_events_t *ev) {
  mam_err_t err = read_bundle(dec, txs, n, bundle, ev);
  if (err != MAM_OK && defer(dec, err, txs, n, bundle, now_ms)) return MG_DECODE_DEFERRED;
  if (err == MAM_ERR_SIG_DEFERRED) err = read_bundle_now(dec, txs, n, bundle, ev);
  if (err == MAM_OK) {
    retry_pending(dec, ev);
    return MG_DECODE_READ;
  }
  if (err == MAM_ERR_MESSAGE_NOT_FOUND && is_closed_copy(&txs[0], ev)) return MG_DECODE_CLOSED_COPY;
  if (is_out_of_order(err) && queue_pending(dec, txs, n, bundle, now_ms)) return MG_DECODE_WAITING;
  reject(ev, err);
  return MG_DECODE_REJECTED;
}

bool mg_decoder_replay_next(mg_decoder_t *dec, uint64_t now_ms, const mg_decoder_events_t *ev,
                            mg_decode_outcome_t *outcome) {
  if (dec->deferred.n == 0) return false;
  pending_bundle_t p = dec->deferred.items[0];
  dec->deferred.items[0].txs = NULL; /* p owns them now */
  drop_deferred_first(dec);
  *outcome = mg_decoder_add(dec, p.txs, p.n, p.bundle, now_ms, ev);
  free(p.txs);
  return true;
}

void mg_decoder_join(mg_decoder_t *dec, mg_decode_batch_t *b, void *owner) {
  unlist(dec);
  dec->batch = b;
  dec->owner = owner;
  dec->reader.keys.memo = b ? &b->memo : NULL;
}

/* ---- the batch ---- */

mg_decode_batch_t *mg_decode_batch_new(size_t max_signatures) {
  mg_decode_batch_t *b = calloc(1, sizeof *b);
  if (b) mam_mss_memo_init(&b->memo, max_signatures);
  return b;
}

void mg_decode_batch_free(mg_decode_batch_t *b) {
  if (!b) return;
  mam_mss_memo_destroy(&b->memo);
  free(b);
}

bool mg_decode_batch_waiting(const mg_decode_batch_t *b) { return b->head != NULL; }

bool mg_decode_batch_due(const mg_decode_batch_t *b, uint64_t now_ms, uint64_t max_age_ms) {
  return b->head && (b->memo.n >= b->memo.max || now_ms - b->since_ms >= max_age_ms);
}

void mg_decode_batch_flush(mg_decode_batch_t *b, void (*replay)(void *ctx, mg_decoder_t *dec, void *owner),
                           void *ctx) {
  /* Out of memory: the memo forgets them, and the reads below verify them one by one. */
  if (mam_mss_memo_verify(&b->memo) != MAM_OK) mam_mss_memo_clear(&b->memo);
  b->memo.collecting = false;
  while (b->head) {
    mg_decoder_t *dec = b->head;
    unlist(dec);
    replay(ctx, dec, dec->owner);
    while (dec->deferred.n) drop_deferred_first(dec); /* a replay that gave up */
  }
  mam_mss_memo_clear(&b->memo);
  b->memo.collecting = true;
}
