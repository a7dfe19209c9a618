/* store/batch.c: the batch writes of the store front (store/store.h): decoded messages and watches,
 * each batch in one transaction of the engine (its transaction operation) built from the engine's
 * per-row operations. What a batch reports - which rows are new, which index failed - and what it
 * rolls back are decided here, once for every engine. */
#include <string.h>

#include "mamcore/trits.h"
#include "store/front.h"

/* ---- decoded messages ---- */

static bool valid_message(const mg_message_t *m) {
  return store_valid_id(m->channel_id, MG_ID_TRYTES) && store_valid_id(m->endpoint_id, MG_ID_TRYTES) &&
         store_valid_id(m->message_id, MG_MSG_ID_TRYTES) && store_valid_id(m->bundle, MG_ID_TRYTES) && m->ord >= 1 &&
         (m->last == 0 || m->last == 1) && m->checksum >= 0 && m->checksum <= 2 &&
         (m->verified == 0 || m->verified == 1) && m->received_at_ms >= 0 && m->leaf >= -1 && m->payload_trytes &&
         mam_trytes_valid(m->payload_trytes, strlen(m->payload_trytes));
}

static bool valid_messages(const mg_message_t *msgs, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!valid_message(&msgs[i])) return false;
  return true;
}

typedef struct message_batch {
  const mg_store_engine_t *engine;
  mg_message_t *msgs;
  size_t n;
} message_batch_t;

static mg_store_err_t insert_messages(mg_store_conn_t *c, void *ctx) {
  message_batch_t *b = ctx;
  return b->engine->insert_messages(c, b->msgs, b->n);
}

/* The outcome of each row: a new row keeps its cursor and counts as inserted; a repeat (cursor 0)
 * does not; after an error nothing was stored, so no row has a cursor or counts. */
static void report_messages(mg_message_t *msgs, size_t n, int *inserted, mg_store_err_t err) {
  for (size_t i = 0; i < n; i++) {
    if (err) msgs[i].cursor = 0;
    if (inserted) inserted[i] = msgs[i].cursor != 0;
  }
}

mg_store_err_t mg_store_put_messages(mg_store_t *s, mg_message_t *msgs, size_t n, int *inserted) {
  if (!s || (!msgs && n)) return MG_STORE_ERR_ARG;
  for (size_t i = 0; i < n; i++) msgs[i].cursor = 0; /* what a repeat keeps */
  message_batch_t batch = {s->engine, msgs, n};
  mg_store_err_t err = MG_STORE_OK;
  if (!valid_messages(msgs, n))
    err = store_fail(s, MG_STORE_ERR_ARG, "invalid message field");
  else if (n > 0)
    err = s->engine->transaction(s->conn, insert_messages, &batch);
  report_messages(msgs, n, inserted, err);
  return err;
}

/* ---- watched channels ---- */

static bool valid_watch(const mg_watch_t *w) {
  return store_valid_id(w->channel_id, MG_ID_TRYTES) && w->options && store_valid_blob(w->state, w->state_len) &&
         w->created_at_ms >= 0;
}

typedef struct watch_batch {
  const mg_store_engine_t *engine;
  const mg_watch_t *w;
  size_t n, *failed;
} watch_batch_t;

/* The first watch that fails stops the batch and is the one reported. */
static mg_store_err_t insert_watches(mg_store_conn_t *c, void *ctx) {
  watch_batch_t *b = ctx;
  mg_store_err_t err = MG_STORE_OK;
  for (size_t i = 0; !err && i < b->n; i++)
    if ((err = b->engine->insert_watch(c, &b->w[i]))) *b->failed = i;
  return err;
}

mg_store_err_t mg_store_add_watches(mg_store_t *s, const mg_watch_t *w, size_t n, size_t *failed) {
  if (!s || !failed || (n && !w)) return MG_STORE_ERR_ARG;
  *failed = n; /* the transaction as a whole, until a watch fails */
  for (size_t i = 0; i < n; i++)
    if (!valid_watch(&w[i])) return *failed = i, store_fail(s, MG_STORE_ERR_ARG, "invalid watch field");
  watch_batch_t batch = {s->engine, w, n, failed};
  if (n == 1) return insert_watches(s->conn, &batch); /* one statement is atomic by itself */
  return s->engine->transaction(s->conn, insert_watches, &batch);
}

mg_store_err_t mg_store_add_watch(mg_store_t *s, const mg_watch_t *w) {
  size_t failed;
  return mg_store_add_watches(s, w, 1, &failed);
}
