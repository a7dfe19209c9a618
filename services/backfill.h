/* services/backfill.h: the history of watched channels, fetched from the node's API.
 *
 * One thread takes channel ids from a queue (each id queued once), asks the node for every
 * transaction at that address (findTransactions, then getTrytes page by page) and hands them, in
 * attachment order, to a deliver callback (the feed service's decoding path). A failure (the node
 * away, restarting or overloaded) puts the id back at the end of the queue, and the thread waits,
 * twice as long after each failure in a row up to a bound, before the next attempt: nothing is
 * dropped, and mg_backfill_no_wait ends the wait at once (the node is back). */
#ifndef SERVICES_BACKFILL_H
#define SERVICES_BACKFILL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "services/env.h"
#include "services/metrics.h"

typedef struct mg_backfill_settings {
  const char *node_api;    /* the node's HTTP API URL */
  uint64_t node_timeout_ms;
  uint64_t page;           /* hashes per getTrytes */
} mg_backfill_settings_t;

typedef struct mg_backfill_deps {
  const mg_env_t *env;
  mg_backfill_settings_t settings;
  mg_metrics_t *metrics;       /* backfill_runs, backfill_transactions, backfill_failures */
  const atomic_int *stopping;  /* non-zero: node calls give up and the thread ends */
  /* Takes one transaction (2673 trytes) and its hash (81 trytes); 0, or -1 when stopping. May
   * block while its consumer is busy. */
  int (*deliver)(void *ctx, const char *trytes, const char *hash);
  void *deliver_ctx;
} mg_backfill_deps_t;

typedef struct mg_backfill mg_backfill_t;

/* Starts the thread; NULL with a message in err on failure. */
mg_backfill_t *mg_backfill_start(const mg_backfill_deps_t *deps, char *err, size_t err_len);
/* Ends the thread (set *stopping first) and frees bf (NULL is ignored). */
void mg_backfill_stop(mg_backfill_t *bf);
/* Queues a back-fill of channel_id (81 trytes) unless one is waiting already; thread-safe. */
void mg_backfill_request(mg_backfill_t *bf, const char *channel_id);
/* Ends a retry wait: the next queued channel is fetched at once. */
void mg_backfill_no_wait(mg_backfill_t *bf);

#endif
