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
#include "mamgate/mamgate_plugin.h"
#include "seal/key.h"
#include "store/store.h"
#include "services/env.h"
#include "services/metrics.h"

#define MG_PATH_MAX 4096
#define MG_TOKEN_CHARS 43 /* 256 bits, base64url without padding */

struct mg_watcher;
struct mg_writer;
struct mg_probe;
struct mg_rest;

typedef struct mg_gateway {
  mamgate_host_t host; /* the host's callbacks, copied (fields past its struct_size are NULL) */
  mg_config_t cfg;
  struct mg_datadir *data_dir; /* locked for the gateway's life; released last */
  char db_path[MG_PATH_MAX];     /* the store's location: data_dir/mamgate.db or the PostgreSQL URI */
  char store_shown[MG_PATH_MAX]; /* the location as logs show it: without its password */
  bool fleet;                    /* fleet_key_file is set: secrets are sealed with fleet_key */
  mg_seal_key_t fleet_key;
  char token[MG_CONFIG_TEXT_MAX];
  mam_prng_t prng;     /* keyed by the gateway seed */
  void *zmq_ctx;
  mg_metrics_t metrics;
  mg_env_t env; /* the log and clock the services are given (the host's) */
  struct mg_watcher *watcher;
  struct mg_writer *writer;
  struct mg_rest *rest;
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
 * it), then loads or creates, unless configured, the token (0600). */
int mg_files_prepare(mg_gateway_t *g, char *err, size_t err_len);
/* Loads or creates the seed file (81 trytes, 0600) and keys g->prng with the gateway seed: the
 * file's, or in a fleet (g->fleet) the one the store holds, which the first instance set from its
 * own file, so that every instance derives the same channels. */
int mg_files_load_seed(mg_gateway_t *g, mg_store_t *store, char *err, size_t err_len);

/* ---- the store (plugin/fleet.c) ---- */

/* Sets g->db_path and g->store_shown from the option store; loads the fleet key when configured. */
int mg_fleet_prepare(mg_gateway_t *g, char *err, size_t err_len);
/* Opens one more connection to the gateway's store, sealed with the fleet key when there is one.
 * Every connection of the gateway is opened here. */
mg_store_err_t mg_gateway_open_store(mg_gateway_t *g, mg_store_t **out);
/* Opens g->control, retrying with a log line while the database server cannot be reached (until a
 * stop signal comes); a fleet key the database does not know is a clear error at once. */
int mg_fleet_open_control(mg_gateway_t *g, char *err, size_t err_len);

#endif
