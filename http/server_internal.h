/* http/server_internal.h: what http/server.c and http/respond.c share. Internal to http/, not part
 * of the adapter's interface: nothing outside http/ includes it (the interface is http/server.h). */
#ifndef MAMGATE_HTTP_SERVER_INTERNAL_H
#define MAMGATE_HTTP_SERVER_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/cache.h"
#include "http/headwatch.h"
#include "http/route.h"
#include "http/server.h"

#define METHOD_MAX 16
#define STATUS_SLOTS 600
#define EPOCH_CHARS 24 /* hex of the start time in ns and the process id */

typedef struct route {
  char method[METHOD_MAX];
  mg_pattern_t pattern;
  mg_http_handler_t handler;
  void *ctx;
} route_t;

typedef struct counters {
  atomic_uint_fast64_t requests, status_2xx, status_4xx, status_5xx;
  atomic_uint_fast64_t by_status[STATUS_SLOTS];
} counters_t;

typedef struct stream stream_t;

struct mg_http_server {
  struct MHD_Daemon *daemon;
  mg_http_limits_t limits;
  uint16_t port;
  route_t *routes;
  size_t n_routes, cap_routes;
  counters_t counters;
  /* parked streams, guarded by park_mu; stopping is written under it too */
  pthread_mutex_t park_mu;
  pthread_cond_t park_cv;
  stream_t *parked;
  atomic_bool stopping;
  pthread_t ticker;
  bool ticker_started;
  mg_head_watch_t *head_watch;
  atomic_uint open_connections; /* those with a head watch entry */
  char *allowed_hosts; /* comma-separated; NULL: every Host */
  char epoch[EPOCH_CHARS + 1]; /* this start's mark in every entity tag */
  mg_http_cache_t *cache;      /* answers kept by mg_http_respond_body_kept */
  mg_http_deferred_t *deferred; /* pending deferrals (http/defer.c), guarded by its lock */
  atomic_uint stop_answers;     /* deferrals answered by the stop whose answer is not sent yet */
};

/* An error decided before the handler runs. */
typedef struct rejection {
  unsigned status;
  const char *code, *message;
} rejection_t;

typedef struct query_pair {
  char *key;         /* one allocation: key, NUL, value, NUL */
  const char *value; /* "" for a key without '=' */
} query_pair_t;

struct mg_http_request {
  mg_http_server_t *server;
  struct MHD_Connection *conn;
  const char *method, *url; /* owned by MHD for the request's lifetime */
  mg_path_t path;
  const route_t *route;
  const rejection_t *reject;
  query_pair_t *query;
  size_t n_query;
  char *body; /* NUL-terminated */
  size_t body_len, body_cap;
  uint64_t received; /* body bytes received, kept or not */
  json_t *json;
  bool responded;
  bool close_after; /* answered before the body: "Connection: close" */
  unsigned retry_after_s; /* non-zero: the answer carries "Retry-After: retry_after_s" */
  bool deferring;   /* the handler deferred the answer (read and written on the worker only) */
  mg_http_deferred_t *deferral; /* while pending; guarded by the lock of http/defer.c */
  bool stop_answered;           /* answered 503 by mg_http_defer_stop */
};

struct stream {
  mg_http_server_t *server;
  struct MHD_Connection *conn;
  mg_http_stream_fn fn;
  mg_http_stream_free_fn free_fn;
  void *ctx;
  stream_t *next_parked;
};

/* Queues resp (consumed) with its Content-Type and, for 405, Allow. */
void mg_http_queue(mg_http_request_t *r, unsigned status, struct MHD_Response *resp, const char *content_type,
                   const char *allow);

/* The last resort when a response cannot be built (no memory, a NULL or unencodable JSON body):
 * a static 500. */
void mg_http_respond_fallback(mg_http_request_t *r);

/* An error answer whose message is printf-formatted; allow (NULL: none) is the Allow header. */
void mg_http_send_error_f(mg_http_request_t *r, unsigned status, const char *allow, const char *code, const char *fmt,
                          ...) __attribute__((format(printf, 5, 6)));

/* A JSON answer with extra headers (http/server.h, mg_http_deferred_answer). */
void mg_http_send_json_text(mg_http_request_t *r, int status, const char *json_text, size_t len,
                            const char *const *headers);

/* http/defer.c: the request ends (freed next): a pending deferral of it is detached, so that its
 * completion only frees it. */
void mg_http_defer_request_ended(mg_http_request_t *r);
/* The server stops: every pending deferral is answered 503 and its connection resumed; waits up
 * to a bound for those answers to be sent. */
void mg_http_defer_stop(mg_http_server_t *s);

#endif
