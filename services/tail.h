/* services/tail.h: the store tail: what the store receives goes out on the ZeroMQ output (design
 * "ZeroMQ output"), once per packet, and the live streams learn the newest cursor.
 *
 * One thread follows the store by cursor: it waits for new rows (mg_store_wait_messages: woken by
 * any connection or process sharing the database, so in a fleet by any instance's inserts), reads
 * them in cursor order and publishes each as two frames, `mam <CHANNEL_ID>` and the packet's JSON.
 * It starts after the newest cursor stored when it starts, as a subscriber only sees what comes
 * after it subscribes. The watcher stores and never publishes, so each stored packet is published
 * once by each instance, whichever instance decoded it. While the database is unreachable the tail
 * waits and goes on from its cursor when it is back: nothing is skipped. */
#ifndef SERVICES_TAIL_H
#define SERVICES_TAIL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "services/env.h"
#include "services/metrics.h"
#include "store/store.h"

typedef struct mg_tail_settings {
  const char *db_path;            /* the store's location: the tail opens a connection of its own */
  const mg_seal_key_t *store_key; /* the fleet key it opens it with (mg_store_open_sealed), or NULL */
  const char *zmq_pub; /* where stored packets are published */
} mg_tail_settings_t;

/* What the tail uses; everything outlives it. */
typedef struct mg_tail_deps {
  const mg_env_t *env;
  mg_tail_settings_t settings;
  void *zmq_ctx;
  mg_metrics_t *metrics;
  atomic_int *stopping; /* non-zero: the thread ends */
} mg_tail_deps_t;

typedef struct mg_tail mg_tail_t;

/* Opens its connection, binds the output socket and starts the thread; NULL with a message in
 * err on failure. */
mg_tail_t *mg_tail_start(const mg_tail_deps_t *deps, char *err, size_t err_len);
/* Ends the thread (set *stopping first, or not: it is told) and frees t (NULL is ignored). */
void mg_tail_stop(mg_tail_t *t);

/* The newest cursor the store held when the tail last looked (within its wait of new rows); any
 * thread. Live streams read on when it moves past what they sent. */
int64_t mg_tail_last_cursor(const mg_tail_t *t);
/* The cursor published up to (every stored packet with a cursor at or below it went out). */
int64_t mg_tail_published_cursor(const mg_tail_t *t);
/* The endpoint the output socket bound (the port chosen for "tcp://127.0.0.1:*"). */
const char *mg_tail_endpoint(const mg_tail_t *t);

#endif
