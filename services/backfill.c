/* services/backfill.c: see services/backfill.h. */
#include "services/backfill.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mamcore/trits.h"
#include "node/client.h"
#include "read/addrset.h"
#include "tangle/transaction.h"

#define ID MG_ADDRESS_TRYTES
#define RETRY_FIRST_MS 500
#define RETRY_MAX_MS 30000
/* Nodes answer findTransactions in no useful order (the client sorts the hashes): replayed as
 * they come, a long history would leave packets before their headers, more than a channel's
 * waiting room holds. So the transactions are replayed in attachment order, in chunks of at most
 * this many (about 2.7 KB each while a chunk is held). */
#define CHUNK 20000
#define ATTACHMENT_TS_TRYTES (TANGLE_TX_OFF_ATTACHMENT_TS / 3)

typedef struct item {
  char id[ID + 1];
  struct item *next;
} item_t;

struct mg_backfill {
  mg_backfill_deps_t d;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  item_t *queue, **tail;  /* oldest first */
  mg_addrset_t *queued;   /* the ids in the queue */
  uint64_t retry_at_ms;   /* 0: no wait */
};

static bool stopping(const mg_backfill_t *bf) { return atomic_load(bf->d.stopping) != 0; }

static void request_locked(mg_backfill_t *bf, const char *id) {
  pthread_cond_broadcast(&bf->wake);
  if (mg_addrset_has(bf->queued, id)) return;
  item_t *b = calloc(1, sizeof *b);
  if (!b || mg_addrset_add(bf->queued, id) != 0) {
    mg_env_log(bf->d.env, MAMGATE_LOG_ERROR, "out of memory queueing a back-fill of %.81s", id);
    free(b);
    return;
  }
  memcpy(b->id, id, ID);
  *bf->tail = b;
  bf->tail = &b->next;
}

void mg_backfill_request(mg_backfill_t *bf, const char *channel_id) {
  pthread_mutex_lock(&bf->lock);
  request_locked(bf, channel_id);
  pthread_mutex_unlock(&bf->lock);
}

void mg_backfill_no_wait(mg_backfill_t *bf) {
  pthread_mutex_lock(&bf->lock);
  bf->retry_at_ms = 0;
  pthread_cond_broadcast(&bf->wake);
  pthread_mutex_unlock(&bf->lock);
}

static void wait_until_ms(mg_backfill_t *bf, uint64_t when_ms) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t now = mg_env_now_ms(bf->d.env), wait = when_ms > now ? when_ms - now : 0;
  if (wait > 1000) wait = 1000; /* the env's clock may run apart from CLOCK_REALTIME */
  ts.tv_sec += (time_t)(wait / 1000);
  ts.tv_nsec += (long)(wait % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
  pthread_cond_timedwait(&bf->wake, &bf->lock, &ts);
}

/* The next channel to back-fill, once the retry wait (if any) is over; NULL when stopping. */
static item_t *next_item(mg_backfill_t *bf) {
  pthread_mutex_lock(&bf->lock);
  while (!stopping(bf)) {
    if (bf->queue && bf->retry_at_ms <= mg_env_now_ms(bf->d.env)) break;
    if (bf->queue) wait_until_ms(bf, bf->retry_at_ms);
    else pthread_cond_wait(&bf->wake, &bf->lock);
  }
  item_t *b = stopping(bf) ? NULL : bf->queue;
  if (b) {
    bf->queue = b->next;
    if (!bf->queue) bf->tail = &bf->queue;
    mg_addrset_remove(bf->queued, b->id);
  }
  pthread_mutex_unlock(&bf->lock);
  return b;
}

/* After a failure: id goes to the back of the queue and the thread waits before the next attempt. */
static void retry_later(mg_backfill_t *bf, const char *id, uint64_t delay_ms) {
  pthread_mutex_lock(&bf->lock);
  request_locked(bf, id);
  bf->retry_at_ms = mg_env_now_ms(bf->d.env) + delay_ms;
  pthread_mutex_unlock(&bf->lock);
}

typedef struct fetched {
  char *trytes;
  const char *hash;
  int64_t attached_ms;
} fetched_t;

static int64_t attachment_ms(const char *trytes) {
  mam_trit_t t[TANGLE_TX_INT_TRITS];
  if (mam_trytes_to_trits(trytes + ATTACHMENT_TS_TRYTES, TANGLE_TX_INT_TRITS / 3, t) != MAM_OK) return INT64_MAX;
  return mam_trits_to_int(t, TANGLE_TX_INT_TRITS);
}

static int by_attachment(const void *a, const void *b) {
  const fetched_t *x = a, *y = b;
  if (x->attached_ms != y->attached_ms) return x->attached_ms < y->attached_ms ? -1 : 1;
  return strncmp(x->hash, y->hash, ID); /* a stable order within one attachment time */
}

/* getTrytes of hashes[0..n) page by page into out (taking the strings); *got counts those the node
 * knows. */
static mg_node_err_t fetch_chunk(mg_backfill_t *bf, mg_node_client_t *client, char *const *hashes, size_t n,
                                 fetched_t *out, size_t *got) {
  mg_node_err_t err = MG_NODE_OK;
  size_t page = bf->d.settings.page;
  *got = 0;
  for (size_t off = 0; err == MG_NODE_OK && off < n && !stopping(bf); off += page) {
    mg_node_strings_t trytes = {0};
    size_t k = n - off < page ? n - off : page;
    err = mg_node_get_trytes(client, (const char *const *)hashes + off, k, &trytes);
    for (size_t i = 0; err == MG_NODE_OK && i < trytes.count; i++) {
      if (!trytes.items[i]) continue;
      out[*got] = (fetched_t){trytes.items[i], hashes[off + i], attachment_ms(trytes.items[i])};
      trytes.items[i] = NULL;
      ++*got;
    }
    mg_node_strings_free(&trytes);
  }
  return err;
}

/* Delivers the transactions the node holds on id; false when the node failed. */
static bool backfill_channel(mg_backfill_t *bf, mg_node_client_t *client, const char *id) {
  mg_node_strings_t hashes = {0};
  const char *addresses[1] = {id};
  mg_node_err_t err = mg_node_find_transactions(client, MG_NODE_FIND_ADDRESSES, addresses, 1, &hashes);
  size_t chunk = hashes.count < CHUNK ? hashes.count : CHUNK;
  fetched_t *txs = err == MG_NODE_OK && chunk ? malloc(chunk * sizeof *txs) : NULL;
  if (chunk && !txs && err == MG_NODE_OK) err = MG_NODE_ERR_NO_MEMORY;
  for (size_t off = 0; err == MG_NODE_OK && off < hashes.count && !stopping(bf); off += chunk) {
    size_t n = hashes.count - off < chunk ? hashes.count - off : chunk, got = 0;
    err = fetch_chunk(bf, client, hashes.items + off, n, txs, &got);
    if (err == MG_NODE_OK) qsort(txs, got, sizeof *txs, by_attachment);
    for (size_t i = 0; i < got; i++) {
      if (err == MG_NODE_OK && bf->d.deliver(bf->d.deliver_ctx, txs[i].trytes, txs[i].hash) == 0)
        atomic_fetch_add(&bf->d.metrics->backfill_transactions, 1);
      free(txs[i].trytes);
    }
  }
  free(txs);
  bool done = err == MG_NODE_OK && !stopping(bf);
  if (done) {
    mg_env_log(bf->d.env, MAMGATE_LOG_DEBUG, "back-fill of %.81s: %zu transactions", id, hashes.count);
    atomic_fetch_add(&bf->d.metrics->backfill_runs, 1);
  } else if (err != MG_NODE_OK) {
    mg_env_log(bf->d.env, MAMGATE_LOG_WARNING, "back-fill of %.81s: %s: %s (will retry)", id, mg_node_strerror(err),
               mg_node_client_message(client));
    atomic_fetch_add(&bf->d.metrics->backfill_failures, 1);
  }
  mg_node_strings_free(&hashes);
  return done;
}

static void *backfill_main(void *arg) {
  mg_backfill_t *bf = arg;
  mg_node_config_t cfg;
  mg_node_config_init(&cfg, bf->d.settings.node_api);
  cfg.timeout_ms = (long)bf->d.settings.node_timeout_ms;
  cfg.cancel = bf->d.stopping;
  mg_node_client_t *client = NULL;
  if (mg_node_client_new(&cfg, &client) != MG_NODE_OK) {
    mg_env_log(bf->d.env, MAMGATE_LOG_ERROR, "back-fill disabled: cannot create a node client");
    return NULL;
  }
  uint64_t delay_ms = RETRY_FIRST_MS;
  for (item_t *b; (b = next_item(bf)) != NULL; free(b)) {
    if (backfill_channel(bf, client, b->id)) {
      delay_ms = RETRY_FIRST_MS;
    } else if (!stopping(bf)) {
      retry_later(bf, b->id, delay_ms);
      delay_ms = delay_ms * 2 < RETRY_MAX_MS ? delay_ms * 2 : RETRY_MAX_MS;
    }
  }
  mg_node_client_free(client);
  return NULL;
}

static void backfill_free(mg_backfill_t *bf) {
  for (item_t *b = bf->queue, *n; b; b = n) n = b->next, free(b);
  mg_addrset_free(bf->queued);
  pthread_mutex_destroy(&bf->lock);
  pthread_cond_destroy(&bf->wake);
  free(bf);
}

mg_backfill_t *mg_backfill_start(const mg_backfill_deps_t *deps, char *err, size_t err_len) {
  mg_backfill_t *bf = calloc(1, sizeof *bf);
  if (!bf) return snprintf(err, err_len, "out of memory"), NULL;
  bf->d = *deps;
  bf->tail = &bf->queue;
  pthread_mutex_init(&bf->lock, NULL);
  pthread_cond_init(&bf->wake, NULL);
  if (!(bf->queued = mg_addrset_new(64))) {
    backfill_free(bf);
    return snprintf(err, err_len, "out of memory"), NULL;
  }
  if (pthread_create(&bf->thread, NULL, backfill_main, bf) != 0) {
    backfill_free(bf);
    return snprintf(err, err_len, "cannot start the back-fill thread"), NULL;
  }
  return bf;
}

void mg_backfill_stop(mg_backfill_t *bf) {
  if (!bf) return;
  pthread_mutex_lock(&bf->lock);
  pthread_cond_broadcast(&bf->wake);
  pthread_mutex_unlock(&bf->lock);
  pthread_join(bf->thread, NULL);
  backfill_free(bf);
}
