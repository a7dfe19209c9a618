/* REST routes. Every error is {"error": {"code", "message"}} with a fitting status; write routes
 * need the bearer token (reads too when read_auth is set). No handler logs or returns a secret
 * other than the key it was asked to create. */
#include <stdarg.h>
#include <stdio.h>

#include "services/rest/rest_internal.h"

/* ---- request helpers ---- */

static void close_store(void *s) { mg_store_close(s); }

static _Thread_local mg_store_err_t thread_store_err = MG_STORE_OK; /* why this worker has no connection */

bool rest_store_ready(rest_t *r) { return atomic_load_explicit(&r->store_ready, memory_order_acquire); }

mg_store_t *rest_thread_store(rest_t *r) {
  mg_store_t *s = pthread_getspecific(r->store_key);
  if (s) return s;
  thread_store_err = r->d.open_store(r->d.open_store_ctx, &s);
  if (thread_store_err == MG_STORE_OK) pthread_setspecific(r->store_key, s);
  return s;
}

mg_store_err_t rest_thread_store_err(void) { return thread_store_err; }

bool rest_authorised(rest_t *r, mg_http_request_t *req, bool write) {
  if (!write && !r->d.settings.read_auth) return true;
  const char *h = mg_http_header(req, "Authorization");
  if (!h) return mg_http_respond_error(req, 401, "unauthorized", "this route needs Authorization: Bearer <token>"), false;
  if (!mg_http_bearer_ok(req, r->d.token)) return mg_http_respond_error(req, 403, "forbidden", "wrong token"), false;
  return true;
}

bool rest_is_trytes(const char *s, size_t n) { return s && strlen(s) == n && mam_trytes_valid(s, n); }

/* A path or body id of n trytes; answers 400 when malformed. */
const char *rest_valid_id(mg_http_request_t *req, const char *value, size_t n, const char *what) {
  if (rest_is_trytes(value, n)) return value;
  mg_http_respond_error(req, 400, "bad_request", "%s must be %zu trytes (9A-Z)", what, n);
  return NULL;
}

bool rest_psk_id(const char *given, char out[MG_PSK_ID_TRYTES + 1]) {
  return given && mam_psk_id_pad(given, strlen(given), out) == MAM_OK;
}

/* Optional unsigned integer field with bounds; returns false after answering 400. */
bool rest_uint_field(mg_http_request_t *req, json_t *body, const char *name, uint64_t min, uint64_t max,
                       uint64_t fallback, uint64_t *out) {
  json_t *v = json_object_get(body, name);
  if (!v) return *out = fallback, true;
  if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)min || (uint64_t)json_integer_value(v) > max) {
    mg_http_respond_error(req, 400, "bad_request", "%s must be an integer from %llu to %llu", name,
                          (unsigned long long)min, (unsigned long long)max);
    return false;
  }
  *out = (uint64_t)json_integer_value(v);
  return true;
}

/* ---- Idempotency-Key on the routes that spend (leaves, channel numbers) ---- */

/* The hex SHA-256 of n strings, each with its terminating NUL (so that "a","bc" differs from "ab","c"). */
static void sha256_hex(const char *const *parts, size_t n, char out[MG_IDEM_HASH_CHARS + 1]) {
  struct sha256_ctx ctx;
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_init(&ctx);
  for (size_t i = 0; i < n; i++) sha256_update(&ctx, strlen(parts[i]) + 1, (const uint8_t *)parts[i]);
  sha256_digest(&ctx, sizeof digest, digest);
  for (size_t i = 0; i < sizeof digest; i++) snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* 1 to MG_IDEM_KEY_MAX visible ASCII characters or spaces. */
static bool valid_idem_key(const char *key) {
  size_t len = strnlen(key, MG_IDEM_KEY_MAX + 1);
  if (len == 0 || len > MG_IDEM_KEY_MAX) return false;
  for (size_t i = 0; i < len; i++)
    if (key[i] < 0x20 || key[i] > 0x7e) return false;
  return true;
}

/* Answers a request whose key an earlier one holds: its answer again, 409 while it runs, 422 when
 * the requests differ. */
static void respond_held_key(mg_http_request_t *req, const mg_idem_entry_t *held, const char *request_hash) {
  if (strcmp(held->request_hash, request_hash) != 0)
    return mg_http_respond_error(req, 422, "idempotency_key_reused",
                                 "this Idempotency-Key was used for a different request");
  if (held->status == 0 || !held->body)
    return mg_http_respond_error(req, 409, "in_progress", "a request with this Idempotency-Key is still running");
  mg_http_respond_text(req, held->status, "application/json", held->body, strlen(held->body));
}

/* Reserves the request's Idempotency-Key, scoped by the token (a hash of it, never the token).
 * Call it once the request is validated, just before it spends anything. true: go on (k tells
 * whether a key is held); false: answered already (a replay, 409, 422, or an error). */
bool rest_idem_begin(rest_t *r, mg_http_request_t *req, idem_t *k) {
  *k = (idem_t){.key = mg_http_header(req, "Idempotency-Key")};
  if (!k->key) return true;
  if (!valid_idem_key(k->key))
    return mg_http_respond_error(req, 400, "bad_request", "Idempotency-Key must be 1 to %d printable ASCII characters",
                                 MG_IDEM_KEY_MAX), false;
  mg_store_t *s = rest_thread_store(r);
  if (!s) return rest_errors_respond_store_error(req, rest_thread_store_err(), "the database could not be opened: "), false;
  const char *auth = mg_http_header(req, "Authorization");
  const char *token[] = {auth ? auth : ""};
  const char *request[] = {mg_http_method(req), mg_http_path(req), mg_http_body(req, NULL)}; /* JSON: no NUL inside */
  char request_hash[MG_IDEM_HASH_CHARS + 1];
  sha256_hex(token, 1, k->scope);
  sha256_hex(request, 3, request_hash);
  int64_t now = (int64_t)mg_env_now_ms(r->d.env);
  mg_idem_entry_t held;
  int64_t ttl_ms = (int64_t)r->d.settings.idempotency_ttl_s * 1000;
  mg_store_err_t err = mg_store_idem_reserve(s, k->scope, k->key, request_hash, now, now - ttl_ms, &held);
  if (err == MG_STORE_EXISTS) respond_held_key(req, &held, request_hash);
  else if (err != MG_STORE_OK) rest_errors_respond_store_error(req, err, "");
  mg_idem_entry_free(&held);
  k->active = err == MG_STORE_OK;
  return k->active;
}

char *rest_idem_finish(rest_t *r, const idem_t *k, int status, json_t *body) {
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  char *answer = text ? realloc(text, strlen(text) + 2) : NULL;
  if (!answer) free(text);
  if (answer) strcat(answer, "\n");
  mg_store_t *s = k->active ? rest_thread_store(r) : NULL;
  mg_store_err_t err = MG_STORE_OK;
  if (s && answer && status < 500) err = mg_store_idem_finish(s, k->scope, k->key, status, answer);
  else if (s) err = mg_store_idem_release(s, k->scope, k->key);
  if (err != MG_STORE_OK) mg_env_log(r->d.env, MAMGATE_LOG_WARNING, "Idempotency-Key answer not recorded: %s", mg_store_strerror(err));
  return answer;
}

/* Answers with body (stolen) and, when a key is held, records the answer for retries; a 5xx
 * answer releases the key instead, so that a retry runs again. */
void rest_idem_respond(rest_t *r, mg_http_request_t *req, const idem_t *k, int status, json_t *body) {
  char *answer = rest_idem_finish(r, k, status, body);
  if (!answer) return mg_http_respond_error(req, 500, "internal", "out of memory");
  mg_http_respond_text(req, status, "application/json", answer, strlen(answer));
  free(answer);
}

/* ---- routing, start, stop ---- */

/* The routes that answer before the store is ready (each says whether it is). */
static const mg_rest_route_t status_routes[] = {
    {"GET", "/v1/health", rest_info_get_health},
    {"GET", "/v1/info", rest_info_get_info},
    {"GET", "/v1/openapi.json", rest_info_get_openapi},
    {"GET", "/metrics", rest_info_get_metrics},
};

/* The routes that need the store: 503 store_unavailable until it is ready. */
static const mg_rest_route_t store_routes[] = {
    {"POST", "/v1/channels", rest_channels_post_channel},
    {"GET", "/v1/channels", rest_channels_get_channels},
    {"GET", "/v1/channels/{channel_id}", rest_channels_get_channel},
    {"POST", "/v1/channels/{channel_id}/endpoints", rest_channels_post_endpoint},
    {"POST", "/v1/channels/{channel_id}/messages", rest_channels_post_message},
    {"GET", "/v1/channels/{channel_id}/messages", rest_messages_get_messages},
    {"GET", "/v1/channels/{channel_id}/messages/{message_id}", rest_messages_get_message},
    {"GET", "/v1/channels/{channel_id}/stream", rest_stream_get_stream},
    {"GET", "/v1/stream", rest_stream_get_multi_stream},
    {"POST", "/v1/psks", rest_keys_post_psk},
    {"GET", "/v1/psks", rest_keys_get_psks},
    {"DELETE", "/v1/psks/{id}", rest_keys_delete_psk},
    {"POST", "/v1/ntru-keys", rest_keys_post_ntru_key},
    {"GET", "/v1/ntru-keys", rest_keys_get_ntru_keys},
    {"GET", "/v1/ntru-keys/{id}", rest_keys_get_ntru_key},
    {"POST", "/v1/watches", rest_watches_post_watch},
    {"GET", "/v1/watches", rest_watches_get_watches},
    {"DELETE", "/v1/watches/{channel_id}", rest_watches_delete_watch},
};

/* Writes a message into err and returns NULL. */
static mg_rest_t *start_error(mg_rest_t *r, char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static mg_rest_t *start_error(mg_rest_t *r, char *err, size_t err_len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, err_len, fmt, ap);
  va_end(ap);
  mg_rest_stop(r);
  return NULL;
}

/* host:port of the http option. */
static int split_address(const char *text, char *host, size_t host_len, uint16_t *port) {
  const char *colon = strrchr(text, ':');
  if (!colon || (size_t)(colon - text) >= host_len) return -1;
  char *end;
  long p = strtol(colon + 1, &end, 10);
  if (*end || p < 0 || p > 65535 || colon[1] == 0) return -1;
  memcpy(host, text, (size_t)(colon - text));
  host[colon - text] = 0;
  if (host[0] == '[') { /* [::1] */
    memmove(host, host + 1, strlen(host));
    host[strcspn(host, "]")] = 0;
  }
  *port = (uint16_t)p;
  return 0;
}

/* The allowed_hosts option, or by default the bind address and the loopback names, each with and
 * without the port (a DNS-rebinding page sends its own name as Host). */
static int allow_hosts(rest_t *r, const char *bind_host) {
  const char *allowed = r->d.settings.allowed_hosts;
  if (allowed && allowed[0] != '\0') return mg_http_allow_hosts(r->http, allowed);
  if (strcmp(bind_host, "0.0.0.0") == 0 || strcmp(bind_host, "::") == 0)
    mg_env_log(r->d.env, MAMGATE_LOG_WARNING, "REST listens on every address but answers only loopback Host names: "
                                              "set allowed_hosts to the names clients use");
  bool ipv6 = strchr(bind_host, ':') != NULL;
  unsigned port = mg_http_port(r->http);
  char name[300], list[1024];
  snprintf(name, sizeof name, "%s%s%s", ipv6 ? "[" : "", bind_host, ipv6 ? "]" : "");
  int n = snprintf(list, sizeof list, "%s,%s:%u,localhost,localhost:%u,127.0.0.1,127.0.0.1:%u,[::1],[::1]:%u", name,
                   name, port, port, port, port);
  return n > 0 && (size_t)n < sizeof list ? mg_http_allow_hosts(r->http, list) : -1;
}

static int add_route(rest_t *r, const mg_rest_route_t *route, mg_http_handler_t handler, void *ctx, char *err,
                     size_t err_len) {
  if (mg_http_route(r->http, route->method, route->pattern, handler, ctx) == 0) return 0;
  return snprintf(err, err_len, "cannot register %s %s", route->method, route->pattern), -1;
}

static int add_routes(rest_t *r, const mg_rest_route_t *list, size_t n, void *ctx, char *err, size_t err_len) {
  for (size_t i = 0; i < n; i++)
    if (add_route(r, &list[i], list[i].handler, ctx, err, err_len) != 0) return -1;
  return 0;
}

/* A route that needs the store, before its handler. */
static void store_route(void *ctx, mg_http_request_t *req) {
  const store_route_t *route = ctx;
  if (!rest_store_ready(route->r)) return rest_errors_respond_store_not_ready(req);
  route->handler(route->r, req);
}

static int add_store_routes(rest_t *r, char *err, size_t err_len) {
  size_t n = sizeof store_routes / sizeof *store_routes;
  if (!(r->store_routes = calloc(n, sizeof *r->store_routes))) return snprintf(err, err_len, "out of memory"), -1;
  for (size_t i = 0; i < n; i++) {
    r->store_routes[i] = (store_route_t){r, store_routes[i].handler};
    if (add_route(r, &store_routes[i], store_route, &r->store_routes[i], err, err_len) != 0) return -1;
  }
  return 0;
}

mg_rest_t *mg_rest_start(const mg_rest_deps_t *deps, char *err, size_t err_len) {
  const char *address = deps->settings.http;
  char host[256];
  uint16_t port;
  if (split_address(address, host, sizeof host, &port) != 0)
    return start_error(NULL, err, err_len, "http must be host:port, got '%s'", address);
  rest_t *r = calloc(1, sizeof *r);
  if (!r || pthread_key_create(&r->store_key, close_store) != 0) {
    free(r);
    return start_error(NULL, err, err_len, "out of memory");
  }
  r->d = *deps;
  atomic_init(&r->store_ready, deps->backends.store != NULL);
  unsigned threads = deps->settings.publish_threads ? deps->settings.publish_threads : MG_REST_PUBLISH_THREADS;
  size_t queue = deps->settings.publish_queue ? deps->settings.publish_queue : MG_REST_PUBLISH_QUEUE;
  if (rest_pool_start(r, threads, queue) != 0) return start_error(r, err, err_len, "cannot start the write threads");
  char herr[256] = "";
  if (!(r->http = mg_http_start(host, port, &deps->settings.limits, herr, sizeof herr)))
    return start_error(r, err, err_len, "REST server on %s: %s", address, herr);
  if (allow_hosts(r, host) != 0) return start_error(r, err, err_len, "out of memory");
  if (add_routes(r, status_routes, sizeof status_routes / sizeof *status_routes, r, err, err_len) != 0 ||
      add_store_routes(r, err, err_len) != 0 ||
      add_routes(r, deps->extra_routes, deps->n_extra_routes, NULL, err, err_len) != 0)
    return mg_rest_stop(r), NULL;
  return r;
}

void mg_rest_store_ready(mg_rest_t *r, const mg_rest_backends_t *backends) {
  r->d.backends = *backends;
  atomic_store_explicit(&r->store_ready, true, memory_order_release);
}

uint16_t mg_rest_port(const mg_rest_t *r) { return mg_http_port(r->http); }

void mg_rest_stop(mg_rest_t *r) {
  if (!r) return;
  rest_pool_stop(r); /* first: the writes answer through the server */
  mg_http_stop(r->http);
  pthread_key_delete(r->store_key);
  free(r->store_routes);
  free(r);
}
