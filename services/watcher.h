/* services/watcher.h: live decoding of watched channels (design "Data flow").
 *
 * One thread owns the node feed: frame -> address filter -> bundle assembler -> the channel's MAM
 * reader -> store (in batches). It publishes nothing itself: the store tail (services/tail.h)
 * publishes what the store receives, from any instance of a fleet, once. While the database cannot
 * be reached, decoded packets wait in bounded memory (services/pending.h) and are stored when it
 * answers. In a sharded fleet only the channels the `decodes` dependency names are decoded; one
 * that becomes this instance's is back-filled.
 * Bundles that arrive before the message they continue (a packet before its header, back-filled
 * history in hash order) wait in a bounded per-channel queue and are retried after each packet of
 * that channel decodes. Invalid input is counted and skipped; it never stops the stream. A second
 * thread back-fills watched channels from the node's API when a watch asks for it, at start, and
 * after the feed reconnects. Channels announced by a watched channel are watched automatically
 * with the same keys. */
#ifndef SERVICES_WATCHER_H
#define SERVICES_WATCHER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamcore/message.h"
#include "store/store.h"
#include "services/env.h"
#include "services/metrics.h"

typedef enum mg_watch_err {
  MG_WATCH_OK = 0,
  MG_WATCH_EXISTS,
  MG_WATCH_NOT_FOUND,
  MG_WATCH_BAD_KEY,   /* an NTRU key id the store does not know */
  MG_WATCH_STORE,     /* the database failed */
  MG_WATCH_STORE_FULL, /* the database is full (disk or limit): nothing was written */
  MG_WATCH_NO_MEMORY,
  MG_WATCH_ERR__COUNT
} mg_watch_err_t;

/* A short English description of err (never NULL). */
const char *mg_watch_strerror(mg_watch_err_t err);

typedef struct mg_watch_request {
  char channel_id[82];
  const mam_psk_t *psks;
  size_t n_psks;
  char (*ntru_ids)[28]; /* ids of NTRU key pairs held in the store */
  size_t n_ntru;
  bool backfill;
  bool own_keys; /* on a channel of the gateway's own: decode with every PSK and NTRU key it holds */
} mg_watch_request_t;

/* The settings the watcher reads (a slice of the gateway's). */
typedef struct mg_watcher_settings {
  const char *db_path;           /* the store's location: the watcher opens a connection of its own */
  const mg_seal_key_t *store_key; /* the fleet key it opens it with (mg_store_open_sealed), or NULL */
  const char *node_zmq;          /* the node's feed */
  const char *node_api;          /* for back-fill */
  uint64_t node_timeout_ms;
  uint64_t backfill_page;
  uint64_t feed_queue_frames, feed_max_message_bytes;
  uint64_t assembler_max_txs, assembler_ttl_s;
  uint64_t reader_max_contexts, max_payload_bytes;
  uint64_t store_queue_packets;  /* decoded packets kept while the database cannot be reached */
  uint64_t watch_sync_ms;        /* follow watches, PSKs and NTRU keys added or removed by other processes
                                  * this often, keys also on a bundle no key opens (0: never; a database
                                  * other instances share) */
} mg_watcher_settings_t;

/* What the watcher uses; everything outlives the watcher. */
typedef struct mg_watcher_deps {
  const mg_env_t *env;
  mg_watcher_settings_t settings;
  mg_store_t *control;           /* keys and channels, shared with others: used under control_lock */
  pthread_mutex_t *control_lock;
  void *zmq_ctx;
  mg_metrics_t *metrics;
  atomic_int *stopping;          /* non-zero: the threads end (the watcher sets it when it fails to start) */
  /* Whether this instance decodes a watched channel now (a sharded fleet: services/fleet.h); NULL:
   * every one. Asked on the feed thread when a watch is installed and once a second. */
  bool (*decodes)(void *ctx, const char *channel_id);
  void *decodes_ctx;
} mg_watcher_deps_t;

typedef struct mg_watcher mg_watcher_t;

/* Loads the watches from the store, connects the feed, binds the output socket, starts the
 * threads. NULL with a message in err on failure. */
mg_watcher_t *mg_watcher_start(const mg_watcher_deps_t *deps, char *err, size_t err_len);
/* Ends the threads (set *stopping first) and frees wt (NULL is ignored). */
void mg_watcher_stop(mg_watcher_t *wt);

/* Thread-safe; the watch is persisted before it takes effect. */
mg_watch_err_t mg_watcher_add(mg_watcher_t *wt, const mg_watch_request_t *req);
/* Adds n watches, persisted in one transaction: all or none. On failure *bad is the index of the
 * request that failed (n when it was none in particular). */
mg_watch_err_t mg_watcher_add_all(mg_watcher_t *wt, const mg_watch_request_t *reqs, size_t n, size_t *bad);
mg_watch_err_t mg_watcher_remove(mg_watcher_t *wt, const char *channel_id);

/* The PSKs or NTRU keys in the store changed: watches of own channels (with own_keys) load their
 * keys again, on the feed thread, before the next transaction. */
void mg_watcher_own_keys_changed(mg_watcher_t *wt);

typedef struct mg_watcher_status {
  bool feed_connected;
  uint64_t feed_connections;
  size_t watches;
  uint64_t last_frame_ms; /* wall clock of the last feed frame; 0: none yet */
  size_t queued;          /* decoded packets not stored yet (waiting for the database too), and back-fill
                           * transactions not read yet */
} mg_watcher_status_t;
void mg_watcher_status(mg_watcher_t *wt, mg_watcher_status_t *out);

/* The name of an invalid-input reason (as in /v1/info and /metrics). */
const char *mg_invalid_reason_name(mg_invalid_reason_t reason);

/* Feeds transaction trytes (2673, hash optional) into the decoding path as if they came from the
 * feed (back-fill uses it). Blocks while the queue is full; 0, or -1 when stopping. */
int mg_watcher_inject(mg_watcher_t *wt, const char *trytes, const char *hash);

#endif
