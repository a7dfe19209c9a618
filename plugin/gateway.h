/* plugin/gateway.h: one running gateway instance and what its parts share (internal).
 *
 * The plugin is the only place that wires the adapters (zmq/, http/, node/, the store) to the MAM
 * core, and the only place with policy. Threads: the watcher owns the feed (one thread), REST
 * requests run on the HTTP worker pool, back-fill runs on its own thread. Shared state is the
 * configuration (read-only after init), the seed (read-only), the metrics (atomics) and what the
 * watcher and writer guard with their own locks. */
#ifndef PLUGIN_GATEWAY_H
#define PLUGIN_GATEWAY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mamcore/prng.h"
#include "plugin/settings.h"
#include "plugin/mamgate_plugin.h"
#include "store/store.h"

#define MG_PATH_MAX 4096
#define MG_TOKEN_CHARS 43 /* 256 bits, base64url without padding */

/* Why feed input was counted invalid and skipped; feed_invalid is their sum (names: plugin/watcher.h). */
typedef enum mg_invalid_reason {
  MG_INVALID_FRAME = 0,      /* a frame that does not parse */
  MG_INVALID_TRANSACTION,    /* trytes at a watched address that are no transaction */
  MG_INVALID_HASH,           /* the frame's hash is not its transaction's */
  MG_INVALID_BUNDLE,         /* refused by the bundle assembler (indexes, value, length) */
  MG_INVALID_DECODE,         /* a bundle the MAM reader refused (reasons in rejected[]) */
  MG_INVALID_FORGED_COPY,    /* a copy of a header already read, with other content */
  MG_INVALID_CLOSED_MESSAGE, /* a packet of a message whose packets are all stored: a copy */
  MG_INVALID__COUNT
} mg_invalid_reason_t;

typedef struct mg_metrics {
  atomic_uint_fast64_t feed_frames, feed_transactions, feed_matched, feed_invalid, feed_duplicates;
  atomic_uint_fast64_t invalid[MG_INVALID__COUNT]; /* feed_invalid by reason */
  atomic_uint_fast64_t bundles_completed, packets_decoded, packets_stored, packets_repeated;
  atomic_uint_fast64_t rejected[MAM_ERR__COUNT]; /* decode failures by mam_err_t */
  atomic_uint_fast64_t messages_published, publish_failures;
  atomic_uint_fast64_t pow_count, pow_ms_total;
  atomic_uint_fast64_t backfill_runs, backfill_transactions, backfill_failures;
} mg_metrics_t;

struct mg_watcher;
struct mg_writer;
struct mg_http_server;
struct mg_probe;
struct rest;

typedef struct mg_gateway {
  mamgate_host_t host; /* the host's callbacks, copied (fields past its struct_size are NULL) */
  mg_config_t cfg;
  struct mg_datadir *data_dir; /* locked for the gateway's life; released last */
  char db_path[MG_PATH_MAX];
  char token[MG_CONFIG_TEXT_MAX];
  mam_prng_t prng;     /* keyed by the gateway seed */
  void *zmq_ctx;
  mg_metrics_t metrics;
  struct mg_watcher *watcher;
  struct mg_writer *writer;
  struct mg_http_server *http;
  struct rest *rest;
  struct mg_probe *probe; /* the node's reachability, checked in the background */
  /* One database connection shared by the REST handlers and the writer for small control
   * operations (keys, watches, channels), serialised by control_lock. The watcher has its own. */
  mg_store_t *control;
  pthread_mutex_t control_lock;
  atomic_int stopping;
} mg_gateway_t;

/* A log line through the host, when level >= the configured level. Never pass secrets. */
void mg_log(mg_gateway_t *g, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Writes a message into err (for start-up failures) and returns -1. */
int mg_errorf(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Wall-clock milliseconds (the host's clock when it offers one). */
uint64_t mg_now_ms(const mg_gateway_t *g);

/* ---- data directory (plugin/files.c) ---- */

/* Creates the data directory (0700) if needed and locks it (refused while another process holds
 * it), then loads or creates the seed (81 trytes, 0600) and, unless configured, the token (0600). */
int mg_files_prepare(mg_gateway_t *g, char *err, size_t err_len);

#endif
