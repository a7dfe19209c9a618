#include "services/watcher.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mamcore/transport.h"
#include "node/client.h"
#include "read/addrset.h"
#include "read/assembler.h"
#include "read/decoder.h"
#include "services/backfill.h"
#include "services/pending.h"
#include "services/watcher_internal.h"
#include "tangle/transaction.h"
#include "zmq/feed.h"

#define FEED_POLL_MS 100
#define BATCH_MAX_AGE_MS 20 /* a decoded packet waits this long at most to be stored and published */
#define DECODE_BATCH_SIGNATURES 64 /* signatures verified together (bundles wait BATCH_MAX_AGE_MS at most) */
#define INJECT_MAX 4096    /* back-filled transactions queued for the feed thread */
/* A bundle that has to wait for an earlier one (its header, the endpoint's announcement) shows a
 * gap: the node may have dropped feed frames. It asks for a back-fill of its channel, at most
 * once in this time per channel (junk bundles wait too). */
#define GAP_BACKFILL_EVERY_MS (30 * 1000)

static const char *const watch_err_names[MG_WATCH_ERR__COUNT] = {
    [MG_WATCH_OK] = "ok",
    [MG_WATCH_EXISTS] = "the channel is watched already",
    [MG_WATCH_NOT_FOUND] = "the channel is not watched",
    [MG_WATCH_BAD_KEY] = "unknown or unusable key",
    [MG_WATCH_STORE] = "the database failed",
    [MG_WATCH_STORE_FULL] = "the database is full",
    [MG_WATCH_NO_MEMORY] = "out of memory",
};

const char *mg_watch_strerror(mg_watch_err_t err) {
  return (unsigned)err < MG_WATCH_ERR__COUNT ? watch_err_names[err] : "unknown watch error";
}

/* The watch error of a store failure. */
static mg_watch_err_t watch_store_err(mg_store_err_t err) {
  return err == MG_STORE_ERR_FULL ? MG_WATCH_STORE_FULL : MG_WATCH_STORE;
}

/* ---- invalid input, counted by reason ---- */

static const char *const invalid_reason_names[MG_INVALID__COUNT] = {
    [MG_INVALID_FRAME] = "malformed_frame",
    [MG_INVALID_TRANSACTION] = "malformed_transaction",
    [MG_INVALID_HASH] = "hash_mismatch",
    [MG_INVALID_BUNDLE] = "bad_bundle",
    [MG_INVALID_DECODE] = "decode_failed",
    [MG_INVALID_FORGED_COPY] = "forged_copy",
    [MG_INVALID_CLOSED_MESSAGE] = "closed_message_copy",
};

const char *mg_invalid_reason_name(mg_invalid_reason_t reason) {
  return (unsigned)reason < MG_INVALID__COUNT ? invalid_reason_names[reason] : "unknown";
}

static void count_invalid(mg_watcher_t *wt, mg_invalid_reason_t reason) {
  atomic_fetch_add(&wt->d.metrics->invalid[reason], 1);
  atomic_fetch_add(&wt->d.metrics->feed_invalid, 1);
}


/* ---- queues between threads ---- */

static void push_command(mg_watcher_t *wt, command_t *c) {
  pthread_mutex_lock(&wt->lock);
  c->next = NULL;
  *wt->commands_tail = c;
  wt->commands_tail = &c->next;
  pthread_mutex_unlock(&wt->lock);
}

int mg_watcher_inject(mg_watcher_t *wt, const char *trytes, const char *hash) {
  injected_t *item = malloc(sizeof *item);
  if (!item) return -1;
  memcpy(item->trytes, trytes, MG_FEED_TX_TRYTES);
  item->has_hash = hash != NULL;
  if (hash) memcpy(item->hash, hash, ID);
  item->next = NULL;
  pthread_mutex_lock(&wt->lock);
  while (wt->n_injected >= INJECT_MAX && !atomic_load(wt->d.stopping)) pthread_cond_wait(&wt->wake, &wt->lock);
  if (atomic_load(wt->d.stopping)) {
    pthread_mutex_unlock(&wt->lock);
    free(item);
    return -1;
  }
  *wt->injected_tail = item;
  wt->injected_tail = &item->next;
  wt->n_injected++;
  pthread_mutex_unlock(&wt->lock);
  return 0;
}

/* ---- decoding (feed thread) ---- */

static void mark_dirty(mg_watcher_t *wt, watch_t *w) {
  if (w->dirty) return;
  w->dirty = true;
  w->next_dirty = wt->dirty;
  wt->dirty = w;
}

/* Whether this instance decodes the channel now (every channel unless sharded). */
static bool decodes(const mg_watcher_t *wt, const char *id) {
  return !wt->d.decodes || wt->d.decodes(wt->d.decodes_ctx, id);
}

/* A back-fill of the channel, when this instance decodes it. */
static void backfill_if_decoding(mg_watcher_t *wt, const char *id) {
  if (decodes(wt, id)) mg_backfill_request(wt->backfill, id);
}

/* Decoded packets wait for the database: it could not be reached at the last try (retried once a
 * second). Meanwhile the feed thread makes no other call to it, which could block it as long as a
 * connection attempt lasts. */
static bool store_away(const mg_watcher_t *wt) { return mg_pending_count(wt->pending) > 0; }

static int install_watch(mg_watcher_t *wt, watch_t *w) {
  w->decoding = decodes(wt, w->id);
  if (mg_addrset_get(wt->watches, w->id)) {
    mg_watcher_watch_free(w);
    return 0;
  }
  if (mg_addrset_put(wt->watches, w->id, w) != 0) {
    mg_watcher_watch_free(w);
    return -1;
  }
  pthread_mutex_lock(&wt->lock);
  wt->n_watches = mg_addrset_count(wt->watches);
  pthread_mutex_unlock(&wt->lock);
  return 0;
}

static void remove_watch(mg_watcher_t *wt, const char *id) {
  watch_t *w = mg_addrset_get(wt->watches, id);
  if (!w) return;
  for (watch_t **p = &wt->dirty; *p; p = &(*p)->next_dirty)
    if (*p == w) {
      *p = w->next_dirty;
      break;
    }
  mg_addrset_remove(wt->watches, id);
  mg_watcher_watch_free(w);
  pthread_mutex_lock(&wt->lock);
  wt->n_watches = mg_addrset_count(wt->watches);
  pthread_mutex_unlock(&wt->lock);
}

/* A channel announced by a watched one is watched with the same keys. */
static void follow_announced_channel(mg_watcher_t *wt, const watch_t *from, const mam_trit_t chid1[MAM_ID_TRITS]) {
  char id[ID + 1] = {0};
  mam_trits_to_trytes(chid1, MAM_ID_TRITS, id);
  if (mg_addrset_get(wt->watches, id)) return;
  mg_watch_t row = {.options = from->options, .created_at_ms = (int64_t)mg_env_now_ms(wt->d.env)};
  memcpy(row.channel_id, id, ID + 1);
  mg_store_err_t err = mg_store_add_watch(wt->store, &row);
  watch_t *w = NULL;
  if ((err == MG_STORE_OK || err == MG_STORE_EXISTS) && mg_watcher_watch_new(wt, id, from->options, NULL, 0, &w) == MG_WATCH_OK &&
      install_watch(wt, w) == 0) {
    mg_env_log(wt->d.env, MAMGATE_LOG_INFO, "channel %.81s announced channel %.81s: now watched too", from->id, id);
    backfill_if_decoding(wt, id);
  }
}

static void queue_message(mg_watcher_t *wt, const watch_t *w, const mam_decoded_t *d, const char *bundle);
static void store_batch(mg_watcher_t *wt);

/* ---- what the channel's decoder tells (feed thread) ---- */

typedef struct decoding {
  mg_watcher_t *wt;
  watch_t *w;
  mam_err_t rejected; /* why the last bundle was dropped */
} decoding_t;

static void on_state_changed(void *ctx) {
  decoding_t *dc = ctx;
  mark_dirty(dc->wt, dc->w);
}

static void on_message(void *ctx, const mam_decoded_t *d, const char *bundle) {
  decoding_t *dc = ctx;
  queue_message(dc->wt, dc->w, d, bundle);
  if (d->pubkey_kind == MAM_PUBKEY_CHID1) follow_announced_channel(dc->wt, dc->w, d->signer);
}

static void on_forged_copy(void *ctx) {
  decoding_t *dc = ctx;
  count_invalid(dc->wt, MG_INVALID_FORGED_COPY);
}

static void on_rejected(void *ctx, mam_err_t err) {
  decoding_t *dc = ctx;
  dc->rejected = err;
  atomic_fetch_add(&dc->wt->d.metrics->rejected[(unsigned)err < MAM_ERR__COUNT ? err : MAM_ERR__COUNT - 1], 1);
  count_invalid(dc->wt, MG_INVALID_DECODE);
  mg_env_log(dc->wt->d.env, MAMGATE_LOG_DEBUG, "channel %.81s: bundle skipped: %s", dc->w->id, mam_strerror(err));
}

/* Whether a packet is stored already (the decoder's reader may have let its message go). */
static bool on_packet_stored(void *ctx, const mam_trit_t msg_id[MAM_MSG_ID_TRITS], int64_t ord) {
  decoding_t *dc = ctx;
  if (store_away(dc->wt)) return false; /* unknown: decoded again, and the store keeps one row */
  char mid[MG_MSG_ID_TRYTES + 1] = {0};
  mam_trits_to_trytes(msg_id, MAM_MSG_ID_TRITS, mid);
  mg_message_t *rows = NULL;
  size_t n = 0;
  bool stored = false;
  if (mg_store_get_message(dc->wt->store, dc->w->id, mid, &rows, &n) == MG_STORE_OK)
    for (size_t i = 0; i < n && !stored; i++) stored = rows[i].ord == ord;
  mg_messages_free(rows, n);
  return stored;
}

static mg_decoder_events_t decoder_events(decoding_t *dc) {
  return (mg_decoder_events_t){.ctx = dc,
                               .state_changed = on_state_changed,
                               .message = on_message,
                               .forged_copy = on_forged_copy,
                               .rejected = on_rejected,
                               .packet_stored = on_packet_stored};
}

/* A bundle that has to wait shows a gap: ask for a back-fill of its channel, now and then. */
static void backfill_gap(mg_watcher_t *wt, watch_t *w, uint64_t now) {
  if (w->gap_backfill_ms != 0 && now - w->gap_backfill_ms < GAP_BACKFILL_EVERY_MS) return;
  w->gap_backfill_ms = now;
  mg_backfill_request(wt->backfill, w->id);
}

static void expire_pending(mg_watcher_t *wt, watch_t *w, uint64_t now) {
  decoding_t dc = {wt, w, MAM_OK};
  const mg_decoder_events_t ev = decoder_events(&dc);
  if (w->decoder) mg_decoder_expire(w->decoder, now, &ev);
}

static void note_outcome(mg_watcher_t *wt, watch_t *w, mg_decode_outcome_t outcome, uint64_t now) {
  if (outcome == MG_DECODE_CLOSED_COPY) count_invalid(wt, MG_INVALID_CLOSED_MESSAGE);
  if (outcome == MG_DECODE_WAITING) backfill_gap(wt, w, now);
}

static void on_bundle(void *ctx, const tangle_tx_t *const *txs, const mam_trit_t *const *hashes, size_t n) {
  (void)hashes;
  mg_watcher_t *wt = ctx;
  char id[ID + 1] = {0}, bundle[ID + 1] = {0};
  mam_trits_to_trytes(txs[0]->address, MAM_ID_TRITS, id);
  mam_trits_to_trytes(txs[0]->bundle, MAM_ID_TRITS, bundle);
  watch_t *w = mg_addrset_get(wt->watches, id);
  mam_tx_t *m = malloc(n * sizeof *m);
  if (!w || !m || !mg_watcher_decoder_of(wt, w)) {
    free(m);
    return;
  }
  atomic_fetch_add(&wt->d.metrics->bundles_completed, 1);
  for (size_t i = 0; i < n; i++) {
    memcpy(m[i].address, txs[i]->address, MAM_ID_TRITS);
    memcpy(m[i].tag, txs[i]->tag, MAM_TAG_TRITS);
    memcpy(m[i].fragment, txs[i]->signature_message_fragment, MAM_FRAGMENT_TRITS);
  }
  decoding_t dc = {wt, w, MAM_OK};
  const mg_decoder_events_t ev = decoder_events(&dc);
  uint64_t now = mg_env_now_ms(wt->d.env);
  mg_decode_outcome_t outcome = mg_decoder_add(w->decoder, m, n, bundle, now, &ev);
  /* a key none of ours: on a shared database, maybe one made through another instance just now */
  if (outcome == MG_DECODE_REJECTED && dc.rejected == MAM_ERR_KEYLOAD_IRRELEVANT && wt->d.settings.watch_sync_ms &&
      !store_away(wt) && mg_watcher_follow_own_keys(wt, now))
    outcome = mg_decoder_add(w->decoder, m, n, bundle, now, &ev);
  free(m);
  note_outcome(wt, w, outcome, now);
}

/* A flush of the decode batch reads the bundles it kept, channel by channel. */
static void replay_deferred(void *ctx, mg_decoder_t *dec, void *owner) {
  mg_watcher_t *wt = ctx;
  decoding_t dc = {wt, owner, MAM_OK};
  const mg_decoder_events_t ev = decoder_events(&dc);
  uint64_t now = mg_env_now_ms(wt->d.env);
  mg_decode_outcome_t outcome;
  while (mg_decoder_replay_next(dec, now, &ev, &outcome)) note_outcome(wt, owner, outcome, now);
}

/* A watched transaction with its Curl-P hash, computed with the others of its flush. */
static void on_hashed(void *ctx, const tangle_tx_t *tx, const mam_trit_t *hash, bool hash_matches) {
  mg_watcher_t *wt = ctx;
  if (!hash_matches) return count_invalid(wt, MG_INVALID_HASH); /* a frame whose hash lies about its transaction */
  uint64_t now = mg_env_now_ms(wt->d.env);
  mg_assembler_result_t r = mg_assembler_add(wt->assembler, tx, hash, now, on_bundle, wt);
  if (r == MG_ASSEMBLER_DUPLICATE) atomic_fetch_add(&wt->d.metrics->feed_duplicates, 1);
  if (r == MG_ASSEMBLER_REJECTED) count_invalid(wt, MG_INVALID_BUNDLE);
  /* a flush brings many bundles at once: verify their signatures before the batch overflows */
  if (mg_decode_batch_due(wt->decode_batch, now, BATCH_MAX_AGE_MS)) mg_decode_batch_flush(wt->decode_batch, replay_deferred, wt);
}

/* The watched transactions kept since the last flush, hashed together and assembled. Done when
 * the batch is full, when the feed has nothing more at once, after the injected ones and before
 * stopping: a busy feed fills the SIMD lanes, a quiet one hashes each frame as it comes. */
static void flush_hashing(mg_watcher_t *wt) {
  if (mg_txbatch_count(wt->txbatch) == 0) return;
  if (mg_txbatch_flush(wt->txbatch, on_hashed, wt) != TANGLE_OK)
    mg_env_log(wt->d.env, MAMGATE_LOG_WARNING, "no memory for the batch transaction hash: hashed one at a time");
}

/* One transaction from the feed or the back-fill; hash may be NULL. It waits in the hash batch
 * for flush_hashing. */
static void handle_transaction(mg_watcher_t *wt, const char *trytes, const char *hash) {
  mg_metrics_t *mx = wt->d.metrics;
  atomic_fetch_add(&mx->feed_transactions, 1);
  const watch_t *w = mg_addrset_get(wt->watches, trytes + MG_FEED_ADDRESS_OFFSET);
  if (!w) return; /* the miss path */
  if (!w->decoding) return (void)atomic_fetch_add(&mx->shard_skipped, 1); /* another shard's */
  atomic_fetch_add(&mx->feed_matched, 1);
  if (mg_txbatch_full(wt->txbatch)) flush_hashing(wt);
  if (mg_txbatch_add(wt->txbatch, trytes, MG_FEED_TX_TRYTES, hash) != TANGLE_OK) count_invalid(wt, MG_INVALID_TRANSACTION);
}

/* ---- storing and publishing (feed thread) ---- */

static void queue_message(mg_watcher_t *wt, const watch_t *w, const mam_decoded_t *d, const char *bundle) {
  if (wt->n_batch == BATCH_MAX) store_batch(wt);
  if (wt->n_batch == 0) wt->batch_since_ms = mg_env_now_ms(wt->d.env);
  if (mg_message_from_decoded(&wt->batch[wt->n_batch], d, w->id, bundle, (int64_t)mg_env_now_ms(wt->d.env)) != 0) return;
  wt->n_batch++;
  atomic_store(&wt->batch_len, wt->n_batch);
  atomic_fetch_add(&wt->d.metrics->packets_decoded, 1);
}

static void save_reader_states(mg_watcher_t *wt) {
  if (store_away(wt)) return; /* kept dirty: saved once the database answers */
  for (watch_t *w = wt->dirty, *next; w; w = next) {
    next = w->next_dirty;
    w->dirty = false;
    w->next_dirty = NULL;
    uint8_t *buf;
    size_t len;
    if (mg_decoder_state_save(w->decoder, &buf, &len) != MAM_OK) continue;
    mg_store_set_watch_state(wt->store, w->id, buf, len);
    mam_wipe(buf, len);
    free(buf);
  }
  wt->dirty = NULL;
}

/* The database cannot be reached now (its server is down, or it stays locked): decoded packets
 * wait in memory instead of being lost. */
static bool store_unreachable(mg_store_err_t err) { return err == MG_STORE_ERR_UNAVAILABLE || err == MG_STORE_ERR_BUSY; }

static void count_stored(mg_watcher_t *wt, size_t stored, size_t repeated) {
  atomic_fetch_add(&wt->d.metrics->packets_stored, stored);
  atomic_fetch_add(&wt->d.metrics->packets_repeated, repeated);
}

/* Stores the decoded packets (they wait in memory while the database cannot be reached), then
 * saves the readers' states. The store tail publishes what was stored. */
static void store_batch(mg_watcher_t *wt) {
  if (wt->n_batch == 0) return save_reader_states(wt);
  bool wait = mg_pending_count(wt->pending) > 0; /* earlier packets wait: these join them, in order */
  if (!wait) {
    int inserted[BATCH_MAX] = {0};
    mg_store_err_t err = mg_store_put_messages(wt->store, wt->batch, wt->n_batch, inserted);
    size_t stored = 0;
    for (size_t i = 0; err == MG_STORE_OK && i < wt->n_batch; i++) stored += inserted[i] != 0;
    if (err == MG_STORE_OK) count_stored(wt, stored, wt->n_batch - stored);
    wait = store_unreachable(err);
    if (err != MG_STORE_OK)
      mg_env_log(wt->d.env, wait ? MAMGATE_LOG_WARNING : MAMGATE_LOG_ERROR, "storing %zu decoded packets failed: %s (%s); %s",
                 wt->n_batch, mg_store_strerror(err), mg_store_errmsg(wt->store),
                 wait ? "they wait in memory until the database answers" : "back-fill will bring them again");
  }
  if (wait) atomic_fetch_add(&wt->d.metrics->packets_dropped, mg_pending_push(wt->pending, wt->batch, wt->n_batch));
  for (size_t i = 0; i < wt->n_batch; i++) free(wt->batch[i].payload_trytes);
  wt->n_batch = 0;
  atomic_store(&wt->batch_len, 0);
  save_reader_states(wt);
}

/* Stores the packets that waited for the database, when it answers again. */
static void flush_pending(mg_watcher_t *wt) {
  size_t waiting = mg_pending_count(wt->pending), stored = 0, repeated = 0;
  if (waiting == 0) return;
  mg_store_err_t err = mg_pending_flush(wt->pending, wt->store, BATCH_MAX, &stored, &repeated);
  count_stored(wt, stored, repeated);
  if (err == MG_STORE_OK)
    mg_env_log(wt->d.env, MAMGATE_LOG_INFO, "the database answers again: %zu waiting packets stored (%llu dropped so far)",
               waiting, (unsigned long long)atomic_load(&wt->d.metrics->packets_dropped));
}

/* Reads what waits for its signatures, then stores everything decoded. */
static void flush_batch(mg_watcher_t *wt) {
  mg_decode_batch_flush(wt->decode_batch, replay_deferred, wt);
  store_batch(wt);
}

/* ---- the feed thread ---- */

static void apply_commands(mg_watcher_t *wt) {
  pthread_mutex_lock(&wt->lock);
  command_t *c = wt->commands;
  wt->commands = NULL;
  wt->commands_tail = &wt->commands;
  pthread_mutex_unlock(&wt->lock);
  while (c) {
    command_t *next = c->next;
    if (c->kind == CMD_ADD && install_watch(wt, c->watch) != 0)
      mg_env_log(wt->d.env, MAMGATE_LOG_ERROR, "out of memory adding a watch");
    if (c->kind == CMD_REMOVE) remove_watch(wt, c->id);
    if (c->kind == CMD_RELOAD_OWN_KEYS) mg_watcher_reload_own_keys(wt);
    free(c);
    c = next;
  }
}

static void drain_injected(mg_watcher_t *wt) {
  pthread_mutex_lock(&wt->lock);
  injected_t *list = wt->injected;
  wt->injected = NULL;
  wt->injected_tail = &wt->injected;
  wt->n_injected = 0;
  pthread_cond_broadcast(&wt->wake);
  pthread_mutex_unlock(&wt->lock);
  while (list) {
    injected_t *next = list->next;
    handle_transaction(wt, list->trytes, list->has_hash ? list->hash : NULL);
    free(list);
    list = next;
  }
  flush_hashing(wt);
}

/* After a reconnect: every watched channel, at once (the node is back, no retry wait). */
static void backfill_all(mg_watcher_t *wt) {
  mg_env_log(wt->d.env, MAMGATE_LOG_INFO, "feed reconnected: back-filling watched channels");
  mg_backfill_no_wait(wt->backfill);
  for (size_t i = 0; i < mg_addrset_count(wt->watches); i++) {
    const watch_t *w = mg_addrset_value_at(wt->watches, i);
    if (w->decoding) mg_backfill_request(wt->backfill, w->id);
  }
}

static void track_connection(mg_watcher_t *wt) {
  bool connected = mg_feed_connected(wt->feed);
  uint64_t connections = mg_feed_connections(wt->feed), reopens = mg_feed_reopens(wt->feed);
  if (reopens != wt->feed_reopens)
    mg_env_log(wt->d.env, MAMGATE_LOG_WARNING, "the feed's session ended without a reconnect (a message over %llu bytes?): "
           "opened it again", (unsigned long long)wt->d.settings.feed_max_message_bytes);
  wt->feed_reopens = reopens;
  if (connected != wt->connected)
    mg_env_log(wt->d.env, MAMGATE_LOG_INFO, "feed %s %s", wt->d.settings.node_zmq, connected ? "connected" : "disconnected");
  pthread_mutex_lock(&wt->lock);
  bool reconnected = connections > wt->connections && wt->connections > 0;
  wt->connected = connected;
  wt->connections = connections;
  pthread_mutex_unlock(&wt->lock);
  if (reconnected) backfill_all(wt);
}

/* Watches added or removed through another instance sharing the database: the stored list is
 * followed (every watch_sync_ms). A new one is back-filled, as a watch made here would be. */
static void sync_watches(mg_watcher_t *wt) {
  mg_watch_t *rows = NULL;
  size_t n = 0;
  if (store_away(wt) || mg_store_list_watches(wt->store, &rows, &n) != MG_STORE_OK) return; /* the next sync tries again */
  mg_addrset_t *listed = mg_addrset_new(n ? n : 1);
  for (size_t i = 0; listed && i < n; i++) {
    if (mg_addrset_add(listed, rows[i].channel_id) != 0) break;
    watch_t *w;
    if (mg_addrset_get(wt->watches, rows[i].channel_id) ||
        mg_watcher_watch_new(wt, rows[i].channel_id, rows[i].options, rows[i].state, rows[i].state_len, &w) != MG_WATCH_OK ||
        install_watch(wt, w) != 0)
      continue;
    mg_env_log(wt->d.env, MAMGATE_LOG_INFO, "watch %.81s added through another instance", rows[i].channel_id);
    backfill_if_decoding(wt, rows[i].channel_id);
  }
  bool complete = listed && mg_addrset_count(listed) == n;
  /* backwards: a removal moves the last entry, already visited, into the removed one's place */
  for (size_t i = mg_addrset_count(wt->watches); complete && i-- > 0;) {
    const watch_t *w = mg_addrset_value_at(wt->watches, i);
    char id[ID + 1];
    memcpy(id, w->id, sizeof id);
    if (mg_addrset_has(listed, id)) continue;
    mg_env_log(wt->d.env, MAMGATE_LOG_INFO, "watch %.81s removed through another instance", id);
    remove_watch(wt, id);
  }
  mg_addrset_free(listed);
  mg_watches_free(rows, n);
}

/* A channel this instance decodes from now on (a shard's instance went away) is back-filled:
 * what came while nobody decoded it is on the node. */
static void follow_share(mg_watcher_t *wt, watch_t *w) {
  bool now_mine = decodes(wt, w->id);
  if (now_mine && !w->decoding) mg_backfill_request(wt->backfill, w->id);
  w->decoding = now_mine;
}

/* Once a second: follow the stored watches and keys (a shared database), expire incomplete
 * bundles and long-waiting out-of-order ones, follow the shard's share, store what waited for the
 * database. */
static void sweep(mg_watcher_t *wt, uint64_t now) {
  if (wt->d.settings.watch_sync_ms && now - wt->watches_synced_ms >= wt->d.settings.watch_sync_ms) {
    wt->watches_synced_ms = now;
    sync_watches(wt);
    if (!store_away(wt)) mg_watcher_follow_own_keys(wt, now);
  }
  mg_assembler_expire(wt->assembler, now);
  for (size_t i = 0; i < mg_addrset_count(wt->watches); i++) {
    expire_pending(wt, mg_addrset_value_at(wt->watches, i), now);
    if (wt->d.decodes) follow_share(wt, mg_addrset_value_at(wt->watches, i));
  }
  flush_pending(wt);
}

static void *feed_main(void *arg) {
  mg_watcher_t *wt = arg;
  uint64_t last_sweep = mg_env_now_ms(wt->d.env);
  while (!atomic_load(wt->d.stopping)) {
    apply_commands(wt);
    drain_injected(wt);
    track_connection(wt);
    const char *frame;
    size_t len;
    bool holding = wt->n_batch || mg_decode_batch_waiting(wt->decode_batch) || mg_txbatch_count(wt->txbatch);
    mg_feed_err_t err = mg_feed_recv(wt->feed, holding ? 0 : FEED_POLL_MS, &frame, &len);
    if (err == MG_FEED_OK) {
      atomic_fetch_add(&wt->d.metrics->feed_frames, 1);
      atomic_store(&wt->last_frame_ms, mg_env_now_ms(wt->d.env));
      mg_feed_tx_t tx;
      mg_feed_err_t perr = mg_feed_parse(frame, len, &tx);
      if (perr == MG_FEED_OK) handle_transaction(wt, tx.trytes, tx.hash);
      else if (perr != MG_FEED_NOT_TX) count_invalid(wt, MG_INVALID_FRAME);
    } else if (err != MG_FEED_TIMEOUT) {
      count_invalid(wt, MG_INVALID_FRAME);
    }
    if (err != MG_FEED_OK) flush_hashing(wt); /* nothing more at once */
    uint64_t now = mg_env_now_ms(wt->d.env);
    /* a busy feed never goes quiet: store by age too, not only when idle or full */
    if (mg_decode_batch_due(wt->decode_batch, now, BATCH_MAX_AGE_MS)) mg_decode_batch_flush(wt->decode_batch, replay_deferred, wt);
    if (err != MG_FEED_OK || wt->n_batch == BATCH_MAX || (wt->n_batch && now - wt->batch_since_ms >= BATCH_MAX_AGE_MS))
      flush_batch(wt);
    if (now - last_sweep > 1000) {
      last_sweep = now;
      sweep(wt, now);
    }
  }
  flush_hashing(wt);
  flush_batch(wt);
  return NULL;
}

/* ---- start, stop, public calls ---- */

static int load_watches(mg_watcher_t *wt, char *err, size_t err_len) {
  mg_watch_t *rows = NULL;
  size_t n = 0;
  mg_store_err_t serr = mg_store_list_watches(wt->store, &rows, &n);
  if (serr != MG_STORE_OK) {
    snprintf(err, err_len, "cannot read watches: %s", mg_store_strerror(serr));
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    watch_t *w;
    mg_watch_err_t werr = mg_watcher_watch_new(wt, rows[i].channel_id, rows[i].options, rows[i].state, rows[i].state_len, &w);
    if (werr == MG_WATCH_OK && install_watch(wt, w) == 0) {
      backfill_if_decoding(wt, rows[i].channel_id);
      continue;
    }
    mg_env_log(wt->d.env, MAMGATE_LOG_ERROR, "watch %.81s could not be restored (code %d)", rows[i].channel_id, (int)werr);
  }
  mg_watches_free(rows, n);
  return 0;
}

static void watcher_free(mg_watcher_t *wt) {
  for (size_t i = 0; wt->watches && i < mg_addrset_count(wt->watches); i++) mg_watcher_watch_free(mg_addrset_value_at(wt->watches, i));
  mg_addrset_free(wt->watches);
  mg_assembler_free(wt->assembler);
  mg_txbatch_free(wt->txbatch);
  if (wt->feed) mg_feed_close(wt->feed);
  mg_store_close(wt->store);
  mg_pending_free(wt->pending);
  mg_watcher_key_ids_free(&wt->own_keys);
  for (command_t *c = wt->commands, *n; c; c = n) {
    n = c->next;
    mg_watcher_watch_free(c->watch);
    free(c);
  }
  for (injected_t *i = wt->injected, *n; i; i = n) n = i->next, free(i);
  mg_decode_batch_free(wt->decode_batch); /* after every decoder */
  pthread_mutex_destroy(&wt->lock);
  pthread_cond_destroy(&wt->wake);
  free(wt);
}

/* The back-fill service's transactions join the feed's. */
static int deliver_backfilled(void *ctx, const char *trytes, const char *hash) {
  return mg_watcher_inject(ctx, trytes, hash);
}

/* Writes a message into err and returns -1. */
static int fail(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t err_len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, err_len, fmt, ap);
  va_end(ap);
  return -1;
}

mg_watcher_t *mg_watcher_start(const mg_watcher_deps_t *deps, char *err, size_t err_len) {
  mg_watcher_t *wt = calloc(1, sizeof *wt);
  if (!wt) return snprintf(err, err_len, "out of memory"), NULL;
  wt->d = *deps;
  wt->commands_tail = &wt->commands;
  wt->injected_tail = &wt->injected;
  pthread_mutex_init(&wt->lock, NULL);
  pthread_cond_init(&wt->wake, NULL);
  mg_feed_limits_t feed_limits = {.queue_frames = wt->d.settings.feed_queue_frames, .max_message_bytes = wt->d.settings.feed_max_message_bytes};
  mg_assembler_limits_t limits = {.max_txs = wt->d.settings.assembler_max_txs, .ttl_ms = wt->d.settings.assembler_ttl_s * 1000};
  int rc = 0;
  mg_store_err_t serr = mg_store_open_sealed(wt->d.settings.db_path, wt->d.settings.store_key, &wt->store);
  if (serr != MG_STORE_OK) rc = fail(err, err_len, "the watcher cannot open the store: %s", mg_store_strerror(serr)); /* no location: a URI holds a password */
  if (rc == 0 && !(wt->watches = mg_addrset_new(1024))) rc = fail(err, err_len, "out of memory");
  if (rc == 0 && !(wt->assembler = mg_assembler_new(&limits))) rc = fail(err, err_len, "out of memory");
  if (rc == 0 && !(wt->txbatch = mg_txbatch_new(MG_TXBATCH_WATCHER))) rc = fail(err, err_len, "out of memory");
  if (rc == 0 && !(wt->decode_batch = mg_decode_batch_new(DECODE_BATCH_SIGNATURES))) rc = fail(err, err_len, "out of memory");
  if (rc == 0 && mg_feed_open(wt->d.zmq_ctx, wt->d.settings.node_zmq, &feed_limits, &wt->feed) != MG_FEED_OK)
    rc = fail(err, err_len, "cannot connect the node feed %s", wt->d.settings.node_zmq);
  if (rc == 0 && !(wt->pending = mg_pending_new(wt->d.settings.store_queue_packets))) rc = fail(err, err_len, "out of memory");
  mg_backfill_deps_t backfill = {
      .env = wt->d.env,
      .settings = {.node_api = wt->d.settings.node_api, .node_timeout_ms = wt->d.settings.node_timeout_ms, .page = wt->d.settings.backfill_page},
      .metrics = wt->d.metrics,
      .stopping = wt->d.stopping,
      .deliver = deliver_backfilled,
      .deliver_ctx = wt};
  if (rc == 0 && !(wt->backfill = mg_backfill_start(&backfill, err, err_len))) rc = -1;
  if (rc == 0) rc = load_watches(wt, err, err_len);
  if (rc == 0 && pthread_create(&wt->feed_thread, NULL, feed_main, wt) != 0) rc = fail(err, err_len, "cannot start the feed thread");
  wt->feed_started = rc == 0;
  if (rc != 0) {
    atomic_store(wt->d.stopping, 1); /* the gateway does not start: the back-fill thread ends too */
    mg_watcher_stop(wt);
    return NULL;
  }
  return wt;
}

void mg_watcher_stop(mg_watcher_t *wt) {
  if (!wt) return;
  pthread_mutex_lock(&wt->lock);
  pthread_cond_broadcast(&wt->wake);
  pthread_mutex_unlock(&wt->lock);
  mg_backfill_stop(wt->backfill);
  wt->backfill = NULL;
  if (wt->feed_started) pthread_join(wt->feed_thread, NULL);
  watcher_free(wt);
}

/* The persisted row and the ready watch of one request (the row's options are malloc'd, also on
 * failure). */
static mg_watch_err_t prepare_watch(mg_watcher_t *wt, const mg_watch_request_t *req, mg_watch_t *row, watch_t **w) {
  char *options = mg_watcher_watch_options(req->psks, req->n_psks, req->ntru_ids, req->n_ntru, req->own_keys);
  *row = (mg_watch_t){.options = options, .created_at_ms = (int64_t)mg_env_now_ms(wt->d.env)};
  memcpy(row->channel_id, req->channel_id, ID + 1);
  return options ? mg_watcher_watch_new(wt, req->channel_id, options, NULL, 0, w) : MG_WATCH_NO_MEMORY;
}

mg_watch_err_t mg_watcher_add_all(mg_watcher_t *wt, const mg_watch_request_t *reqs, size_t n, size_t *bad) {
  mg_watch_t *rows = calloc(n + 1, sizeof *rows);
  watch_t **ws = calloc(n + 1, sizeof *ws);
  command_t **cs = calloc(n + 1, sizeof *cs);
  mg_watch_err_t err = rows && ws && cs ? MG_WATCH_OK : MG_WATCH_NO_MEMORY;
  *bad = n;
  for (size_t i = 0; err == MG_WATCH_OK && i < n; i++) {
    if (!(cs[i] = calloc(1, sizeof *cs[i]))) err = MG_WATCH_NO_MEMORY;
    if (err == MG_WATCH_OK) err = prepare_watch(wt, &reqs[i], &rows[i], &ws[i]);
    if (err != MG_WATCH_OK) *bad = i;
  }
  if (err == MG_WATCH_OK) {
    pthread_mutex_lock(wt->d.control_lock);
    mg_store_err_t serr = mg_store_add_watches(wt->d.control, rows, n, bad);
    pthread_mutex_unlock(wt->d.control_lock);
    err = serr == MG_STORE_OK ? MG_WATCH_OK : (serr == MG_STORE_EXISTS ? MG_WATCH_EXISTS : watch_store_err(serr));
  }
  for (size_t i = 0; i < n; i++) {
    if (rows && rows[i].options) mam_wipe(rows[i].options, strlen(rows[i].options));
    if (rows) free(rows[i].options);
    if (err == MG_WATCH_OK) {
      cs[i]->kind = CMD_ADD;
      cs[i]->watch = ws[i];
      push_command(wt, cs[i]);
      if (reqs[i].backfill) backfill_if_decoding(wt, reqs[i].channel_id);
    } else {
      if (ws) mg_watcher_watch_free(ws[i]);
      if (cs) free(cs[i]);
    }
  }
  free(rows);
  free(ws);
  free(cs);
  return err;
}

mg_watch_err_t mg_watcher_add(mg_watcher_t *wt, const mg_watch_request_t *req) {
  size_t bad;
  return mg_watcher_add_all(wt, req, 1, &bad);
}

mg_watch_err_t mg_watcher_remove(mg_watcher_t *wt, const char *channel_id) {
  command_t *c = calloc(1, sizeof *c);
  if (!c) return MG_WATCH_NO_MEMORY;
  pthread_mutex_lock(wt->d.control_lock);
  mg_store_err_t serr = mg_store_remove_watch(wt->d.control, channel_id);
  pthread_mutex_unlock(wt->d.control_lock);
  if (serr != MG_STORE_OK) {
    free(c);
    return serr == MG_STORE_NOT_FOUND ? MG_WATCH_NOT_FOUND : watch_store_err(serr);
  }
  c->kind = CMD_REMOVE;
  memcpy(c->id, channel_id, ID + 1);
  push_command(wt, c);
  return MG_WATCH_OK;
}

void mg_watcher_own_keys_changed(mg_watcher_t *wt) {
  command_t *c = calloc(1, sizeof *c);
  if (!c) return mg_env_log(wt->d.env, MAMGATE_LOG_ERROR, "out of memory: watches keep their keys until the next start");
  c->kind = CMD_RELOAD_OWN_KEYS;
  push_command(wt, c);
}

void mg_watcher_status(mg_watcher_t *wt, mg_watcher_status_t *out) {
  pthread_mutex_lock(&wt->lock);
  *out = (mg_watcher_status_t){wt->connected, wt->connections, wt->n_watches, atomic_load(&wt->last_frame_ms),
                                atomic_load(&wt->batch_len) + wt->n_injected + mg_pending_count(wt->pending)};
  pthread_mutex_unlock(&wt->lock);
}
