/* services/rest/rest_internal.h: what the REST files share (not part of any interface). */
#ifndef SERVICES_REST_REST_INTERNAL_H
#define SERVICES_REST_REST_INTERNAL_H

#include "services/rest/rest.h"

#include <errno.h>
#include <nettle/base64.h>
#include <nettle/sha2.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "http/server.h"
#include "mamcore/payload.h"
#include "read/message_json.h"
#include "seal/random.h"
#include "services/rest/openapi.h"

#define ID MG_ID_TRYTES

typedef struct mg_rest rest_t;

/* A route that needs the store: its handler, called once the store is ready. */
typedef struct store_route {
  rest_t *r;
  mg_http_handler_t handler;
} store_route_t;

typedef struct rest_pool rest_pool_t;

struct mg_rest {
  mg_rest_deps_t d; /* d.backends: set before store_ready, read after it */
  mg_http_server_t *http;
  atomic_bool store_ready; /* release/acquire: d.backends is complete once it is true */
  store_route_t *store_routes;
  pthread_key_t store_key; /* one database connection per worker or pool thread */
  rest_pool_t *pool;       /* the write threads (rest_writes.c) */
};

/* A reserved key: its answer is recorded by rest_idem_respond. Inactive without the header. */
typedef struct idem {
  bool active;
  const char *key;
  char scope[MG_IDEM_HASH_CHARS + 1];
} idem_t;

/* A write run by the pool: a route embeds it first in its own job, which owns copies of all it
 * needs (the request is out of reach once its answer is deferred). */
typedef struct rest_job rest_job_t;
struct rest_job {
  json_t *(*run)(rest_job_t *job, int *status); /* the write: its answer (status preset to 201) */
  void (*free_fn)(rest_job_t *job);             /* frees the job, wiping its secrets */
  rest_t *r;
  mg_http_deferred_t *answer;
  idem_t k;
  char idem_key[MG_IDEM_KEY_MAX + 1];
  rest_job_t *next;
};

/* services/rest/rest.c */
/* Whether the store is open (d.backends may be used). */
bool rest_store_ready(rest_t *r);
mg_store_t *rest_thread_store(rest_t *r);
/* Why the last rest_thread_store of this thread returned NULL (MG_STORE_ERR_UNAVAILABLE: the
 * database server cannot be reached now, answered 503; any other error: 500). */
mg_store_err_t rest_thread_store_err(void);
bool rest_authorised(rest_t *r, mg_http_request_t *req, bool write);
bool rest_is_trytes(const char *s, size_t n);
const char *rest_valid_id(mg_http_request_t *req, const char *value, size_t n, const char *what);
/* A PSK id as clients write it (1 to 27 trytes, padded with 9 to 27, mamcore/message.h) into out;
 * false for anything else, NULL included. */
bool rest_psk_id(const char *given, char out[MG_PSK_ID_TRYTES + 1]);
bool rest_uint_field(mg_http_request_t *req, json_t *body, const char *name, uint64_t min, uint64_t max,
                     uint64_t fallback, uint64_t *out);
bool rest_idem_begin(rest_t *r, mg_http_request_t *req, idem_t *k);
void rest_idem_respond(rest_t *r, mg_http_request_t *req, const idem_t *k, int status, json_t *body);
/* Records the answer (body stolen) for the key, or releases the key on a 5xx; the answer's text
 * with a newline (malloc'd), NULL when out of memory. */
char *rest_idem_finish(rest_t *r, const idem_t *k, int status, json_t *body);

/* services/rest/rest_writes.c */
/* Starts the write threads; -1 on failure (rest_pool_stop cleans up). */
int rest_pool_start(rest_t *r, unsigned threads, size_t queue);
/* Lets the running writes finish, answers the queued ones 503 and ends the threads. */
void rest_pool_stop(rest_t *r);
/* Runs job (taken) on the pool, its answer deferred, once the route reserved the key k. */
void rest_writes_run(rest_t *r, mg_http_request_t *req, rest_job_t *job, const idem_t *k);

/* services/rest/rest_errors.c */
void rest_errors_respond_store_error(mg_http_request_t *req, mg_store_err_t err, const char *doing);
/* 503 store_unavailable with Retry-After: the database could not be opened yet. */
void rest_errors_respond_store_not_ready(mg_http_request_t *req);
json_t *rest_errors_pub_error_json(mg_pub_err_t err, const char *msg, int *status);
void rest_errors_respond_pub_error(mg_http_request_t *req, mg_pub_err_t err, const char *msg);
void rest_errors_respond_watch_error(mg_http_request_t *req, mg_watch_err_t err, const char *where);

/* services/rest/rest_info.c */
void rest_info_get_health(void *ctx, mg_http_request_t *req);
void rest_info_get_info(void *ctx, mg_http_request_t *req);
void rest_info_get_openapi(void *ctx, mg_http_request_t *req);
void rest_info_get_metrics(void *ctx, mg_http_request_t *req);

/* services/rest/rest_channels.c */
void rest_channels_post_channel(void *ctx, mg_http_request_t *req);
void rest_channels_get_channels(void *ctx, mg_http_request_t *req);
void rest_channels_get_channel(void *ctx, mg_http_request_t *req);
void rest_channels_post_endpoint(void *ctx, mg_http_request_t *req);
void rest_channels_post_message(void *ctx, mg_http_request_t *req);

/* services/rest/rest_keys.c */
void rest_keys_post_psk(void *ctx, mg_http_request_t *req);
void rest_keys_get_psks(void *ctx, mg_http_request_t *req);
void rest_keys_delete_psk(void *ctx, mg_http_request_t *req);
void rest_keys_post_ntru_key(void *ctx, mg_http_request_t *req);
void rest_keys_get_ntru_keys(void *ctx, mg_http_request_t *req);
void rest_keys_get_ntru_key(void *ctx, mg_http_request_t *req);

/* services/rest/rest_watches.c */
void rest_watches_post_watch(void *ctx, mg_http_request_t *req);
void rest_watches_get_watches(void *ctx, mg_http_request_t *req);
void rest_watches_delete_watch(void *ctx, mg_http_request_t *req);

/* services/rest/rest_messages.c */
bool rest_messages_query_int(mg_http_request_t *req, const char *name, int64_t min, int64_t max, int64_t fallback, int64_t *out);
bool rest_messages_channel_known(mg_http_request_t *req, mg_store_t *s, const char *id);
void rest_messages_get_messages(void *ctx, mg_http_request_t *req);
void rest_messages_get_message(void *ctx, mg_http_request_t *req);

/* services/rest/rest_stream.c */
void rest_stream_get_stream(void *ctx, mg_http_request_t *req);
void rest_stream_get_multi_stream(void *ctx, mg_http_request_t *req);

#endif
