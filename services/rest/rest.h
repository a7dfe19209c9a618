/* services/rest/rest.h: the REST API service (design "REST API"), on the http/ adapter.
 *
 * It listens on its own HTTP server and answers the routes by resource (rest_channels.c,
 * rest_keys.c, rest_watches.c, rest_messages.c, rest_stream.c, rest_info.c); rest_errors.c is the
 * one map from service errors to HTTP status codes. It holds no policy of its own: channels and
 * publishing are the writer's, watches the watcher's. Every error is {"error": {"code", "message"}}
 * (http/server.h); write routes need the bearer token (reads too when read_auth is set). */
#ifndef SERVICES_REST_REST_H
#define SERVICES_REST_REST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/server.h"
#include "read/shard.h"
#include "services/env.h"
#include "services/fleet.h"
#include "services/metrics.h"
#include "services/probe.h"
#include "services/tail.h"
#include "services/watcher.h"
#include "services/writer.h"
#include "store/store.h"

#define MG_REST_PUBLISH_THREADS 4
#define MG_REST_PUBLISH_QUEUE 256

/* The settings the REST service reads (a slice of the gateway's). */
typedef struct mg_rest_settings {
  const char *http;          /* host:port to listen on (port 0: any free port, see mg_rest_port) */
  const char *allowed_hosts; /* Host headers accepted; "" or NULL: the bind address and localhost */
  mg_http_limits_t limits;
  bool read_auth;            /* read routes need the token too */
  uint64_t max_height;       /* tallest MSS tree a request may ask for */
  uint64_t max_list;         /* PSKs, NTRU keys, packets, watches or channels in one request */
  uint64_t max_payload_bytes;
  uint64_t page_limit;       /* most messages per page */
  uint64_t idempotency_ttl_s;
  unsigned publish_threads;  /* threads for the writes that sign or call the node (0: MG_REST_PUBLISH_THREADS) */
  size_t publish_queue;      /* writes waiting for one at most, 503 past it (0: MG_REST_PUBLISH_QUEUE) */
  const char *instance_id;   /* this instance's name in the fleet */
  mg_shard_t shard;          /* its shard (count 0: none) */
  uint64_t shard_takeover_s; /* a heartbeat older than this is not live */
} mg_rest_settings_t;

/* One more route on the service's server (the plugin adds the web console's). */
typedef struct mg_rest_route {
  const char *method, *pattern;
  mg_http_handler_t handler;
} mg_rest_route_t;

/* What needs the store: given at start, or later with mg_rest_store_ready (all or none). */
typedef struct mg_rest_backends {
  mg_store_t *store; /* shared with the writer and watcher (keys, watches): used under store_lock */
  mg_writer_t *writer;
  mg_watcher_t *watcher;
  mg_tail_t *tail;   /* the store's newest cursor, for live streams and /v1/info */
  mg_fleet_t *fleet; /* the live instances, for /v1/info and /metrics */
} mg_rest_backends_t;

/* What the REST service uses; everything outlives the service. */
typedef struct mg_rest_deps {
  const mg_env_t *env;
  mg_rest_settings_t settings;
  const char *token; /* the bearer token */
  /* Opens one more connection to the gateway's store: each HTTP worker thread and each live
   * stream holds its own (closed with mg_store_close). */
  mg_store_err_t (*open_store)(void *ctx, mg_store_t **out);
  void *open_store_ctx;
  /* NULL members (all of them: the database could not be opened yet): the service starts "store
   * not ready" and answers every route that needs them 503 store_unavailable with Retry-After;
   * /v1/health answers the same (load balancers skip the instance), /v1/info 200 with
   * "store_ready": false, /metrics mamgate_store_ready 0; until mg_rest_store_ready. */
  mg_rest_backends_t backends;
  pthread_mutex_t *store_lock;
  mg_metrics_t *metrics;
  mg_probe_t *probe;
  const atomic_int *stopping; /* non-zero: live streams end */
  const mg_rest_route_t *extra_routes; /* n_extra_routes, each called with ctx NULL */
  size_t n_extra_routes;
} mg_rest_deps_t;

typedef struct mg_rest mg_rest_t;

/* Starts listening and serving; NULL with a message in err on failure. */
mg_rest_t *mg_rest_start(const mg_rest_deps_t *deps, char *err, size_t err_len);
/* The store is open: every route answers with the backends given (once; from any thread). */
void mg_rest_store_ready(mg_rest_t *r, const mg_rest_backends_t *backends);
/* Stops the server (open streams end) and frees r; NULL is ignored. */
void mg_rest_stop(mg_rest_t *r);
/* The port it listens on. */
uint16_t mg_rest_port(const mg_rest_t *r);

#endif
