/* http/server.c: the REST adapter over libmicrohttpd (MHD). See http/server.h for the contract.
 *
 * Request life cycle in MHD's access handler: the first call (headers read) checks the framing and
 * answers 400 at once when it is ambiguous, checks Host and routes the request, and answers 413 at
 * once when the client waits for "100 Continue" or announces more than can be discarded; the upload
 * calls collect the body up to the limit and drop the rest; the last call runs the handler, or
 * answers the error decided earlier (404, 405, 400, 413, 421) once the body has been read, so that
 * the connection can be kept alive and every client reads the answer.
 *
 * Each connection is known to a head watch (http/headwatch.h) from its opening: the watch closes
 * it when no complete request head arrived in time, and is disarmed by the first call. MHD
 * accepts RESERVE_CONNECTIONS more than max_connections, so that a client past the limit gets a
 * quick 503 rather than waiting in the listen queue.
 *
 * Streams that have nothing to send are parked: the content reader suspends their connection and a
 * "ticker" thread resumes every parked connection STREAM_RETRY_MS later, so an idle stream costs no
 * CPU and never delays the other connections of its worker thread. */
#include "http/server.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/cache.h"
#include "http/header.h"
#include "http/headwatch.h"
#include "http/route.h"
#include "http/server_internal.h"

#define DEFAULT_MAX_BODY_BYTES ((size_t)1 << 20)
#define DEFAULT_MAX_DISCARD_BYTES ((uint64_t)64 << 20)
#define DEFAULT_MAX_CONNECTIONS 256u
#define DEFAULT_CONNECTIONS_PER_IP 64u
#define DEFAULT_TIMEOUT_S 30u
#define DEFAULT_HEADER_TIMEOUT_S 10u
#define DEFAULT_CACHE_BYTES ((size_t)16 << 20)
/* Connections accepted past max_connections, only to be answered 503 at once; such a connection
 * has this long to send its request head. */
#define RESERVE_CONNECTIONS 16u
#define RESERVE_HEAD_TIMEOUT_MS 1000u
#define CONNECTION_MEMORY_BYTES ((size_t)32 * 1024) /* MHD's per-connection pool: bounds the headers */
#define BODY_INITIAL_BYTES ((size_t)1024)
#define STREAM_BLOCK_BYTES ((size_t)8192)
#define STREAM_RETRY_MS 20
#define ALLOW_BYTES 128
static const char EVENT_STREAM_TYPE[] = "text/event-stream";

static const rejection_t REJECT_NOT_FOUND = {404, "not_found", "no route matches this path"};
static const rejection_t REJECT_METHOD = {405, "method_not_allowed", "this path does not accept this method"};
static const rejection_t REJECT_TOO_LARGE = {413, "payload_too_large", "the request body exceeds the size limit"};
static const rejection_t REJECT_NO_MEMORY = {500, "internal", "out of memory"};
static const rejection_t REJECT_NOT_ABSOLUTE = {400, "bad_path", "the request target is not an absolute path"};
static const rejection_t REJECT_PATH_ESCAPE = {400, "bad_path", "malformed or NUL percent-escape in the path"};
static const rejection_t REJECT_PATH_SLASH = {400, "bad_path", "encoded '/' in a path segment"};
static const rejection_t REJECT_DOT_SEGMENT = {400, "bad_path", "'.' or '..' segment in the path"};
static const rejection_t REJECT_QUERY_ESCAPE = {400, "bad_query", "malformed or NUL percent-escape in the query"};
static const rejection_t REJECT_BUSY = {503, "server_busy", "too many open connections, try again later"};
static const rejection_t REJECT_HOST = {421, "host_not_allowed", "the Host header names no address of this server"};
static const rejection_t REJECT_LENGTH_TWICE = {400, "bad_request", "more than one Content-Length header"};
static const rejection_t REJECT_LENGTH_AND_CHUNKED = {400, "bad_request",
                                                      "Content-Length together with Transfer-Encoding"};
static const rejection_t REJECT_HOST_TWICE = {400, "bad_request", "more than one Host header"};
static const rejection_t REJECT_NO_HOST = {400, "bad_request", "HTTP/1.1 requires a Host header"};
static const rejection_t REJECT_AUTHORIZATION_TWICE = {400, "bad_request", "more than one Authorization header"};

/* ---- small helpers ---- */

static void set_error(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_error(char *err, size_t err_len, const char *fmt, ...) {
  if (err == NULL || err_len == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, err_len, fmt, ap);
  va_end(ap);
}

/* Methods of the routes whose pattern matches the path, comma-separated, each once. */
static void allowed_methods(const mg_http_server_t *s, const mg_path_t *path, char out[ALLOW_BYTES]) {
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < s->n_routes; i++) {
    const route_t *rt = &s->routes[i];
    if (!mg_pattern_match(&rt->pattern, path)) continue;
    bool listed = false;
    for (size_t j = 0; j < i && !listed; j++)
      listed = strcmp(s->routes[j].method, rt->method) == 0 && mg_pattern_match(&s->routes[j].pattern, path);
    const char *also = strcmp(rt->method, "GET") == 0 ? ", HEAD" : ""; /* a GET route serves HEAD */
    int n = listed ? 0 : snprintf(out + used, ALLOW_BYTES - used, "%s%s%s", used ? ", " : "", rt->method, also);
    if (n < 0 || (size_t)n >= ALLOW_BYTES - used) {
      out[used] = '\0'; /* does not fit: left out */
      continue;
    }
    used += (size_t)n;
  }
}

static void respond_rejection(mg_http_request_t *r, const rejection_t *why) {
  char methods[ALLOW_BYTES];
  const char *allow = NULL;
  if (why == &REJECT_METHOD) {
    allowed_methods(r->server, &r->path, methods);
    allow = methods;
  }
  if (why == &REJECT_TOO_LARGE)
    mg_http_send_error_f(r, why->status, NULL, why->code, "%s (%zu bytes)", why->message,
                         r->server->limits.max_body_bytes);
  else
    mg_http_send_error_f(r, why->status, allow, why->code, "%s", why->message);
}

/* ---- streams ---- */

/* Resumes every parked stream; called with park_mu held. A resumed stream may be freed by its
 * worker at once, so its link is read before. */
static void resume_parked(mg_http_server_t *s) {
  stream_t *next;
  for (stream_t *st = s->parked; st != NULL; st = next) {
    next = st->next_parked;
    MHD_resume_connection(st->conn);
  }
  s->parked = NULL;
}

/* Suspends the stream's connection until the ticker's next round; END when the server stops. */
static ssize_t park(stream_t *st) {
  mg_http_server_t *s = st->server;
  pthread_mutex_lock(&s->park_mu);
  bool stopping = atomic_load(&s->stopping);
  if (!stopping) {
    MHD_suspend_connection(st->conn);
    if (s->parked == NULL) pthread_cond_signal(&s->park_cv);
    st->next_parked = s->parked;
    s->parked = st;
  }
  pthread_mutex_unlock(&s->park_mu);
  return stopping ? MHD_CONTENT_READER_END_OF_STREAM : 0;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max) {
  (void)pos;
  stream_t *st = cls;
  if (atomic_load(&st->server->stopping)) return MHD_CONTENT_READER_END_OF_STREAM;
  ssize_t n = st->fn(st->ctx, buf, max);
  if (n < 0) return MHD_CONTENT_READER_END_OF_STREAM;
  if ((size_t)n > max) return MHD_CONTENT_READER_END_WITH_ERROR; /* a broken producer */
  return n > 0 ? n : park(st);
}

/* MHD calls this exactly once, when the response is destroyed (stream ended or client gone). */
static void stream_free(void *cls) {
  stream_t *st = cls;
  if (st->free_fn != NULL) st->free_fn(st->ctx);
  free(st);
}

void mg_http_respond_stream(mg_http_request_t *r, const char *content_type, mg_http_stream_fn fn, void *stream_ctx,
                            mg_http_stream_free_fn free_fn) {
  stream_t *st = r->responded ? NULL : calloc(1, sizeof *st);
  if (st == NULL) {
    if (free_fn != NULL) free_fn(stream_ctx);
    mg_http_respond_fallback(r);
    return;
  }
  *st = (stream_t){.server = r->server, .conn = r->conn, .fn = fn, .free_fn = free_fn, .ctx = stream_ctx};
  struct MHD_Response *resp =
      MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK_BYTES, stream_read, st, stream_free);
  if (resp == NULL) {
    stream_free(st);
  } else if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache") != MHD_YES) {
    MHD_destroy_response(resp);
    resp = NULL;
  }
  mg_http_queue(r, 200, resp, content_type ? content_type : EVENT_STREAM_TYPE, NULL);
  mg_http_respond_fallback(r);
}

/* Resumes the parked streams every STREAM_RETRY_MS while there are any; sleeps otherwise. */
static void *ticker_main(void *arg) {
  mg_http_server_t *s = arg;
  pthread_mutex_lock(&s->park_mu);
  while (!atomic_load(&s->stopping)) {
    if (s->parked == NULL) {
      pthread_cond_wait(&s->park_cv, &s->park_mu);
      continue;
    }
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += STREAM_RETRY_MS * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    int rc = 0;
    while (rc != ETIMEDOUT && !atomic_load(&s->stopping)) rc = pthread_cond_timedwait(&s->park_cv, &s->park_mu, &until);
    resume_parked(s);
  }
  pthread_mutex_unlock(&s->park_mu);
  return NULL;
}

/* ---- requests ---- */

static const rejection_t *path_rejection(mg_path_err_t err) {
  switch (err) {
    case MG_PATH_OK:
      return NULL;
    case MG_PATH_NOT_ABSOLUTE:
      return &REJECT_NOT_ABSOLUTE;
    case MG_PATH_BAD_ESCAPE:
      return &REJECT_PATH_ESCAPE;
    case MG_PATH_SEPARATOR:
      return &REJECT_PATH_SLASH;
    case MG_PATH_DOT_SEGMENT:
      return &REJECT_DOT_SEGMENT;
    case MG_PATH_NO_MEMORY:
    case MG_PATH_ERR__COUNT:
      break;
  }
  return &REJECT_NO_MEMORY;
}

/* True when a route of route_method serves method: its own, and HEAD for GET. */
static bool serves_method(const char *route_method, const char *method) {
  return strcmp(route_method, method) == 0 || (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

/* Picks the route for method and path; otherwise 404 or 405. */
static const rejection_t *find_route(mg_http_request_t *r) {
  const mg_http_server_t *s = r->server;
  bool path_known = false;
  for (size_t i = 0; i < s->n_routes; i++) {
    if (!mg_pattern_match(&s->routes[i].pattern, &r->path)) continue;
    path_known = true;
    if (serves_method(s->routes[i].method, r->method)) {
      r->route = &s->routes[i];
      return NULL;
    }
  }
  return path_known ? &REJECT_METHOD : &REJECT_NOT_FOUND;
}

/* Decodes one query argument (MHD has already turned '+' into ' ') and appends it. */
static enum MHD_Result add_query_pair(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_len,
                                      const char *value, size_t value_len) {
  (void)kind;
  mg_http_request_t *r = cls;
  if (value == NULL) value_len = 0;
  query_pair_t *grown = realloc(r->query, (r->n_query + 1) * sizeof *grown);
  char *text = key_len < SIZE_MAX / 2 && value_len < SIZE_MAX / 2 ? malloc(key_len + value_len + 2) : NULL;
  if (grown != NULL) r->query = grown;
  if (grown == NULL || text == NULL) {
    free(text);
    r->reject = &REJECT_NO_MEMORY;
    return MHD_NO;
  }
  size_t klen, vlen;
  if (!mg_percent_decode(key, key_len, text, &klen) ||
      !mg_percent_decode(value ? value : "", value_len, text + klen + 1, &vlen)) {
    free(text);
    r->reject = &REJECT_QUERY_ESCAPE;
    return MHD_NO;
  }
  r->query[r->n_query++] = (query_pair_t){.key = text, .value = text + klen + 1};
  return MHD_YES;
}

/* How often the headers that frame a request or name its sender occur. */
typedef struct header_counts {
  unsigned content_length, transfer_encoding, host, authorization;
} header_counts_t;

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
  (void)kind, (void)value;
  header_counts_t *c = cls;
  if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) c->content_length++;
  if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) c->transfer_encoding++;
  if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0) c->host++;
  if (strcasecmp(key, MHD_HTTP_HEADER_AUTHORIZATION) == 0) c->authorization++;
  return MHD_YES;
}

/* Requests that a proxy in front might read differently (RFC 9112 3.2, 6.3) or whose sender is
 * ambiguous: the error, or NULL. (MHD's own strict mode refuses a missing Host too, but with an
 * HTML page: the check is made here for a JSON error.) */
static const rejection_t *framing_rejection(struct MHD_Connection *conn, const char *version) {
  header_counts_t c = {0};
  MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, &c);
  if (c.content_length > 1) return &REJECT_LENGTH_TWICE;
  if (c.content_length > 0 && c.transfer_encoding > 0) return &REJECT_LENGTH_AND_CHUNKED;
  if (c.host == 0 && strcmp(version, MHD_HTTP_VERSION_1_1) == 0) return &REJECT_NO_HOST;
  if (c.host > 1) return &REJECT_HOST_TWICE;
  if (c.authorization > 1) return &REJECT_AUTHORIZATION_TWICE;
  return NULL;
}

static const rejection_t *host_rejection(const mg_http_request_t *r) {
  if (r->server->allowed_hosts == NULL) return NULL;
  const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
  return host != NULL && mg_header_host_listed(r->server->allowed_hosts, host) ? NULL : &REJECT_HOST;
}

/* Routing and query decoding, on the first call; returns the error to answer, if any. */
static const rejection_t *classify(mg_http_request_t *r) {
  const rejection_t *why = host_rejection(r);
  if (why != NULL) return why;
  why = path_rejection(mg_path_split(r->url, &r->path));
  if (why == NULL) why = find_route(r);
  if (why == NULL) MHD_get_connection_values_n(r->conn, MHD_GET_ARGUMENT_KIND, add_query_pair, r);
  return why != NULL ? why : r->reject;
}

/* The body length Content-Length announces (UINT64_MAX when it overflows), 0 without one. */
static uint64_t announced_length(struct MHD_Connection *conn) {
  const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  uint64_t n = 0;
  for (; v != NULL && *v >= '0' && *v <= '9'; v++) {
    if (n > (UINT64_MAX - 9) / 10) return UINT64_MAX;
    n = n * 10 + (uint64_t)(*v - '0');
  }
  return n;
}

static bool expects_continue(struct MHD_Connection *conn) {
  const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
  return v != NULL && strcasecmp(v, "100-continue") == 0;
}

/* True when the body past the limit is more than the server reads to drop it. */
static bool beyond_discard(const mg_http_limits_t *l, uint64_t length) {
  return length > l->max_body_bytes && length - l->max_body_bytes > l->max_discard_bytes;
}

static void drop_body(mg_http_request_t *r) {
  free(r->body);
  r->body = NULL;
  r->body_len = r->body_cap = 0;
}

/* Appends n bytes, keeping a NUL after them; false when out of memory. */
static bool append_body(mg_http_request_t *r, const char *data, size_t n) {
  size_t need = r->body_len + n + 1;
  if (need > r->body_cap) {
    size_t cap = r->body_cap ? r->body_cap : BODY_INITIAL_BYTES;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *grown = realloc(r->body, cap);
    if (grown == NULL) return false;
    r->body = grown;
    r->body_cap = cap;
  }
  memcpy(r->body + r->body_len, data, n);
  r->body_len += n;
  r->body[r->body_len] = '\0';
  return true;
}

/* Takes one piece of the body; false to close the connection (far too much sent). */
static bool take_upload(mg_http_request_t *r, const char *data, size_t n) {
  uint64_t max = r->server->limits.max_body_bytes;
  r->received += n;
  if (beyond_discard(&r->server->limits, r->received)) return false;
  if (r->reject != NULL) return true;
  if (r->received > max)
    r->reject = &REJECT_TOO_LARGE;
  else if (!append_body(r, data, n))
    r->reject = &REJECT_NO_MEMORY;
  if (r->reject != NULL) drop_body(r);
  return true;
}

/* The head watch entry of conn (NULL when it could not be made). */
static mg_head_entry_t *head_entry(struct MHD_Connection *conn) {
  const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return info != NULL ? info->socket_context : NULL;
}

/* Answers before the body is read; the connection is then closed. */
static enum MHD_Result respond_early(mg_http_request_t *r, const rejection_t *why) {
  r->close_after = true;
  respond_rejection(r, why);
  return r->responded ? MHD_YES : MHD_NO;
}

static enum MHD_Result begin_request(mg_http_server_t *s, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version, void **con_cls) {
  mg_head_entry_t *watched = head_entry(conn);
  if (watched != NULL) mg_head_watch_disarm(s->head_watch, watched);
  mg_http_request_t *r = calloc(1, sizeof *r);
  if (r == NULL) return MHD_NO;
  *r = (mg_http_request_t){.server = s, .conn = conn, .method = method, .url = url};
  *con_cls = r;
  if (watched != NULL && mg_head_entry_hurried(watched)) return respond_early(r, &REJECT_BUSY);
  const rejection_t *framing = framing_rejection(conn, version);
  if (framing != NULL) return respond_early(r, framing);
  r->reject = classify(r);
  uint64_t announced = announced_length(conn);
  if (announced <= s->limits.max_body_bytes) return MHD_YES;
  if (expects_continue(conn) || beyond_discard(&s->limits, announced)) return respond_early(r, &REJECT_TOO_LARGE);
  return MHD_YES; /* the body is read and dropped (take_upload), and 413 answered at its end */
}

static enum MHD_Result finish_request(mg_http_request_t *r) {
  if (r->reject != NULL) {
    respond_rejection(r, r->reject);
  } else {
    r->route->handler(r->route->ctx, r);
    if (r->deferring) return MHD_YES; /* answered by another thread: r->responded is its to write */
    if (!r->responded) mg_http_send_error_f(r, 500, NULL, "internal", "the handler gave no answer");
  }
  return r->responded ? MHD_YES : MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls) {
  mg_http_request_t *r = *con_cls;
  if (r == NULL) return begin_request(cls, conn, url, method, version, con_cls);
  if (r->deferring) return r->responded ? MHD_YES : MHD_NO; /* resumed: the answer is queued */
  if (*upload_size == 0) return finish_request(r);
  bool keep = take_upload(r, upload, *upload_size);
  *upload_size = 0;
  return keep ? MHD_YES : MHD_NO;
}

static void free_request(mg_http_request_t *r) {
  mg_http_defer_request_ended(r);
  mg_path_free(&r->path);
  for (size_t i = 0; i < r->n_query; i++) free(r->query[i].key);
  free(r->query);
  free(r->body);
  json_decref(r->json);
  free(r);
}

/* A request ended: on a connection kept alive, the next head is due in time too. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe) {
  mg_http_server_t *s = cls;
  if (*con_cls != NULL) free_request(*con_cls);
  *con_cls = NULL;
  mg_head_entry_t *watched = head_entry(conn);
  if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK && watched != NULL) mg_head_watch_arm(s->head_watch, watched);
}

/* Connections enter the head watch when they open and leave it before their socket is closed
 * (MHD may report a connection closed that it never reported open: its entry is NULL). One
 * opened past max_connections is hurried: a short head deadline, then 503. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
  mg_http_server_t *s = cls;
  if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
    if (*socket_context != NULL) atomic_fetch_sub(&s->open_connections, 1);
    mg_head_watch_remove(s->head_watch, *socket_context);
    *socket_context = NULL;
    return;
  }
  const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
  bool over = atomic_fetch_add(&s->open_connections, 1) >= s->limits.max_connections;
  *socket_context = info != NULL ? mg_head_watch_add(s->head_watch, info->connect_fd, over) : NULL;
  if (*socket_context == NULL) atomic_fetch_sub(&s->open_connections, 1);
}

/* Leaves escapes alone: the path is split before it is decoded (http/route.h), and query
 * arguments are decoded in add_query_pair. */
static size_t keep_escapes(void *cls, struct MHD_Connection *conn, char *s) {
  (void)cls, (void)conn;
  return strlen(s);
}

/* ---- request accessors ---- */

const char *mg_http_method(const mg_http_request_t *r) { return r->method; }
const char *mg_http_path(const mg_http_request_t *r) { return r->url; }

const char *mg_http_param(const mg_http_request_t *r, const char *name) {
  return r->route ? mg_pattern_param(&r->route->pattern, &r->path, name) : NULL;
}

const char *mg_http_query(const mg_http_request_t *r, const char *name) {
  for (size_t i = 0; i < r->n_query; i++)
    if (strcmp(r->query[i].key, name) == 0) return r->query[i].value;
  return NULL;
}

const char *mg_http_header(const mg_http_request_t *r, const char *name) {
  return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *mg_http_body(const mg_http_request_t *r, size_t *len) {
  if (len != NULL) *len = r->body_len;
  return r->body ? r->body : "";
}

json_t *mg_http_json_body(mg_http_request_t *r) {
  if (r->json != NULL || r->responded) return r->json;
  json_error_t e;
  json_t *j = json_loadb(mg_http_body(r, NULL), r->body_len, JSON_REJECT_DUPLICATES, &e);
  if (j == NULL) {
    mg_http_respond_error(r, 400, "bad_json", "line %d, column %d: %s", e.line, e.column, e.text);
  } else if (!json_is_object(j)) {
    json_decref(j);
    j = NULL;
    mg_http_respond_error(r, 400, "bad_json", "the body is not a JSON object");
  }
  r->json = j;
  return j;
}

bool mg_http_bearer_ok(const mg_http_request_t *r, const char *token) {
  static const char scheme[] = "Bearer";
  const char *v = mg_http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
  if (v == NULL || token == NULL || token[0] == '\0') return false;
  if (strncasecmp(v, scheme, sizeof scheme - 1) != 0 || v[sizeof scheme - 1] != ' ') return false;
  v += sizeof scheme - 1;
  while (*v == ' ') v++;
  return mg_header_equal_ct(v, token);
}

/* ---- the server ---- */

/* The CPUs online, 1 when unknown. */
static unsigned online_cpus(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n >= 1 && n <= 256 ? (unsigned)n : 1;
}

static mg_http_limits_t effective_limits(const mg_http_limits_t *in) {
  mg_http_limits_t l = in ? *in : (mg_http_limits_t){0};
  if (l.max_body_bytes == 0) l.max_body_bytes = DEFAULT_MAX_BODY_BYTES;
  if (l.max_discard_bytes == 0) l.max_discard_bytes = DEFAULT_MAX_DISCARD_BYTES;
  if (l.threads == 0) l.threads = online_cpus();
  if (l.max_connections == 0) l.max_connections = DEFAULT_MAX_CONNECTIONS;
  if (l.max_connections_per_ip == 0) l.max_connections_per_ip = DEFAULT_CONNECTIONS_PER_IP;
  if (l.connection_timeout_s == 0) l.connection_timeout_s = DEFAULT_TIMEOUT_S;
  if (l.header_timeout_s == 0) l.header_timeout_s = DEFAULT_HEADER_TIMEOUT_S;
  if (l.cache_bytes == 0) l.cache_bytes = DEFAULT_CACHE_BYTES;
  if (l.threads > l.max_connections) l.threads = l.max_connections; /* MHD needs a connection per thread */
  return l;
}

static struct MHD_Daemon *start_daemon(mg_http_server_t *s, const struct addrinfo *ai) {
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_ALLOW_SUSPEND_RESUME |
                   (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0);
  return MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                          MHD_OPTION_THREAD_POOL_SIZE, s->limits.threads, MHD_OPTION_CONNECTION_LIMIT,
                          s->limits.max_connections + RESERVE_CONNECTIONS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                          s->limits.max_connections_per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
                          s->limits.connection_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY_BYTES,
                          MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                          MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_UNESCAPE_CALLBACK, keep_escapes,
                          NULL, MHD_OPTION_END);
}

/* Listens on the first address of host that works, IPv4 ones first ("localhost" → 127.0.0.1). */
static bool listen_on(mg_http_server_t *s, const char *host, uint16_t port, char *err, size_t err_len) {
  char service[8];
  snprintf(service, sizeof service, "%u", (unsigned)port);
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
  struct addrinfo *list = NULL;
  int rc = getaddrinfo(host, service, &hints, &list);
  if (rc != 0) {
    set_error(err, err_len, "cannot resolve '%s': %s", host ? host : "*", gai_strerror(rc));
    return false;
  }
  for (int ipv4 = 1; ipv4 >= 0 && s->daemon == NULL; ipv4--)
    for (const struct addrinfo *ai = list; ai != NULL && s->daemon == NULL; ai = ai->ai_next)
      if ((ai->ai_family == AF_INET) == (ipv4 == 1)) s->daemon = start_daemon(s, ai);
  freeaddrinfo(list);
  const union MHD_DaemonInfo *info = s->daemon ? MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT) : NULL;
  if (info == NULL) {
    set_error(err, err_len, "cannot listen on %s port %u (address in use or not local?)", host ? host : "*",
              (unsigned)port);
    return false;
  }
  s->port = info->port;
  return true;
}

static bool init_parking(mg_http_server_t *s) {
  pthread_condattr_t attr;
  if (pthread_condattr_init(&attr) != 0) return false;
  bool ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 && pthread_cond_init(&s->park_cv, &attr) == 0;
  pthread_condattr_destroy(&attr);
  if (ok && pthread_mutex_init(&s->park_mu, NULL) != 0) {
    pthread_cond_destroy(&s->park_cv);
    ok = false;
  }
  return ok;
}

mg_http_server_t *mg_http_start(const char *host, uint16_t port, const mg_http_limits_t *limits, char *err,
                                size_t err_len) {
  mg_http_server_t *s = calloc(1, sizeof *s);
  if (s == NULL || !init_parking(s)) {
    free(s);
    set_error(err, err_len, "out of memory");
    return NULL;
  }
  s->limits = effective_limits(limits);
  if ((s->cache = mg_http_cache_new(s->limits.cache_bytes)) == NULL) {
    set_error(err, err_len, "out of memory");
    mg_http_stop(s);
    return NULL;
  }
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  snprintf(s->epoch, sizeof s->epoch, "%016llx%08x",
           (unsigned long long)now.tv_sec * 1000000000ull + (unsigned long long)now.tv_nsec, (unsigned)getpid());
  s->ticker_started = pthread_create(&s->ticker, NULL, ticker_main, s) == 0;
  s->head_watch = mg_head_watch_start((uint64_t)s->limits.header_timeout_s * 1000u, RESERVE_HEAD_TIMEOUT_MS);
  if (!s->ticker_started || s->head_watch == NULL) {
    set_error(err, err_len, "cannot start the stream or head-watch thread");
  } else if (listen_on(s, host, port, err, err_len)) {
    return s;
  }
  mg_http_stop(s);
  return NULL;
}

/* Ends the streams: parked ones are resumed and every stream reads end-of-stream from now on. */
static void stop_streams(mg_http_server_t *s) {
  pthread_mutex_lock(&s->park_mu);
  atomic_store(&s->stopping, true);
  resume_parked(s);
  pthread_cond_broadcast(&s->park_cv);
  pthread_mutex_unlock(&s->park_mu);
  if (s->ticker_started) pthread_join(s->ticker, NULL);
}

void mg_http_stop(mg_http_server_t *s) {
  if (s == NULL) return;
  stop_streams(s);
  mg_http_defer_stop(s); /* MHD must not stop with a connection suspended */
  if (s->daemon != NULL) {
    MHD_socket listener = MHD_quiesce_daemon(s->daemon);
    MHD_stop_daemon(s->daemon);
    if (listener != MHD_INVALID_SOCKET) close(listener);
  }
  mg_head_watch_stop(s->head_watch); /* after the daemon: every connection has left it */
  mg_http_cache_free(s->cache);
  free(s->allowed_hosts);
  for (size_t i = 0; i < s->n_routes; i++) mg_pattern_free(&s->routes[i].pattern);
  free(s->routes);
  pthread_cond_destroy(&s->park_cv);
  pthread_mutex_destroy(&s->park_mu);
  free(s);
}

uint16_t mg_http_port(const mg_http_server_t *s) { return s->port; }

int mg_http_allow_hosts(mg_http_server_t *s, const char *hosts) {
  if (hosts == NULL || hosts[0] == '\0') return -1;
  char *copy = strdup(hosts);
  if (copy == NULL) return -1;
  free(s->allowed_hosts);
  s->allowed_hosts = copy;
  return 0;
}

static bool valid_method(const char *method) {
  size_t n = strlen(method);
  if (n == 0 || n >= METHOD_MAX) return false;
  for (size_t i = 0; i < n; i++)
    if (method[i] < 'A' || method[i] > 'Z') return false;
  return true;
}

int mg_http_route(mg_http_server_t *s, const char *method, const char *pattern, mg_http_handler_t handler, void *ctx) {
  if (method == NULL || pattern == NULL || handler == NULL || !valid_method(method)) return -1;
  if (s->n_routes == s->cap_routes) {
    size_t cap = s->cap_routes ? s->cap_routes * 2 : 16;
    route_t *grown = realloc(s->routes, cap * sizeof *grown);
    if (grown == NULL) return -1;
    s->routes = grown;
    s->cap_routes = cap;
  }
  route_t *rt = &s->routes[s->n_routes];
  if (mg_pattern_parse(pattern, &rt->pattern) != 0) return -1;
  snprintf(rt->method, sizeof rt->method, "%s", method);
  rt->handler = handler;
  rt->ctx = ctx;
  s->n_routes++;
  return 0;
}

void mg_http_get_stats(mg_http_server_t *s, mg_http_stats_t *out) {
  counters_t *c = &s->counters;
  out->requests = atomic_load_explicit(&c->requests, memory_order_relaxed);
  out->status_2xx = atomic_load_explicit(&c->status_2xx, memory_order_relaxed);
  out->status_4xx = atomic_load_explicit(&c->status_4xx, memory_order_relaxed);
  out->status_5xx = atomic_load_explicit(&c->status_5xx, memory_order_relaxed);
  for (size_t i = 0; i < STATUS_SLOTS; i++)
    out->by_status[i] = atomic_load_explicit(&c->by_status[i], memory_order_relaxed);
}
