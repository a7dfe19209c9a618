/* REST routes. Every error is {"error": {"code", "message"}} with a fitting status; write routes
 * need the bearer token (reads too when read_auth is set). No handler logs or returns a secret
 * other than the key it was asked to create. */
#include "plugin/rest.h"

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
#include "plugin/console.h"
#include "read/message_json.h"
#include "plugin/openapi.h"
#include "services/probe.h"
#include "plugin/watcher.h"
#include "services/writer.h"

#define ID 81
#define STREAM_WAIT_MS 1000
#define STREAM_PAGE 100

struct rest {
  mg_gateway_t *g;
  pthread_key_t store_key; /* one database connection per worker thread */
};
typedef struct rest rest_t;

/* ---- request helpers ---- */

static void close_store(void *s) { mg_store_close(s); }

static mg_store_t *thread_store(rest_t *r) {
  mg_store_t *s = pthread_getspecific(r->store_key);
  if (!s && mg_store_open(r->g->db_path, &s) == MG_STORE_OK) pthread_setspecific(r->store_key, s);
  return s;
}

static bool authorised(rest_t *r, mg_http_request_t *req, bool write) {
  if (!write && !r->g->cfg.read_auth) return true;
  const char *h = mg_http_header(req, "Authorization");
  if (!h) return mg_http_respond_error(req, 401, "unauthorized", "this route needs Authorization: Bearer <token>"), false;
  if (!mg_http_bearer_ok(req, r->g->token)) return mg_http_respond_error(req, 403, "forbidden", "wrong token"), false;
  return true;
}

static bool is_trytes(const char *s, size_t n) { return s && strlen(s) == n && mam_trytes_valid(s, n); }

/* A path or body id of n trytes; answers 400 when malformed. */
static const char *valid_id(mg_http_request_t *req, const char *value, size_t n, const char *what) {
  if (is_trytes(value, n)) return value;
  mg_http_respond_error(req, 400, "bad_request", "%s must be %zu trytes (9A-Z)", what, n);
  return NULL;
}

/* Optional unsigned integer field with bounds; returns false after answering 400. */
static bool uint_field(mg_http_request_t *req, json_t *body, const char *name, uint64_t min, uint64_t max,
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

static json_t *error_json(const char *code, const char *message) {
  return json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);
}

/* ---- the one map from service errors to HTTP status codes ---- */

/* A full store (disk or configured limit) is 507 and changed nothing; any other store failure is 500. */
#define STATUS_STORE_FULL 507
#define STATUS_STORE_FAILED 500

static int store_status(mg_store_err_t err) {
  return err == MG_STORE_ERR_FULL ? STATUS_STORE_FULL : STATUS_STORE_FAILED;
}

static const char *store_code(mg_store_err_t err) { return err == MG_STORE_ERR_FULL ? "storage_failed" : "internal"; }

/* Answers a store failure (not NOT_FOUND or EXISTS, which each route names); `doing` prefixes the
 * message ("" for none). */
static void respond_store_error(mg_http_request_t *req, mg_store_err_t err, const char *doing) {
  mg_http_respond_error(req, store_status(err), store_code(err), "%s%s", doing, mg_store_strerror(err));
}

/* The error answer of a writer failure: its JSON and *status. */
static json_t *pub_error_json(mg_pub_err_t err, const char *msg, int *status) {
  switch (err) {
    case MG_PUB_NOT_FOUND: return *status = 404, error_json("not_found", msg[0] ? msg : "unknown channel");
    case MG_PUB_EXHAUSTED: return *status = 422, error_json("exhausted", msg[0] ? msg : "no signatures left");
    case MG_PUB_INVALID: return *status = 400, error_json("bad_request", msg[0] ? msg : "invalid request");
    case MG_PUB_NODE: return *status = 503, error_json("node_unavailable", msg);
    case MG_PUB_STORE_FULL: return *status = STATUS_STORE_FULL, error_json("storage_failed", "the database is full");
    case MG_PUB_STORE: return *status = STATUS_STORE_FAILED, error_json("internal", "the database could not be written");
    default: return *status = 500, error_json("internal", msg[0] ? msg : "internal error");
  }
}

static void respond_pub_error(mg_http_request_t *req, mg_pub_err_t err, const char *msg) {
  int status;
  json_t *body = pub_error_json(err, msg, &status);
  mg_http_respond_json(req, status, body);
}

/* ---- Idempotency-Key on the routes that spend (leaves, channel numbers) ---- */

/* A reserved key: its answer is recorded by idem_respond. Inactive without the header. */
typedef struct idem {
  bool active;
  const char *key;
  char scope[MG_IDEM_HASH_CHARS + 1];
} idem_t;

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
static bool idem_begin(rest_t *r, mg_http_request_t *req, idem_t *k) {
  *k = (idem_t){.key = mg_http_header(req, "Idempotency-Key")};
  if (!k->key) return true;
  if (!valid_idem_key(k->key))
    return mg_http_respond_error(req, 400, "bad_request", "Idempotency-Key must be 1 to %d printable ASCII characters",
                                 MG_IDEM_KEY_MAX), false;
  mg_store_t *s = thread_store(r);
  if (!s) return mg_http_respond_error(req, 500, "internal", "the database could not be opened"), false;
  const char *auth = mg_http_header(req, "Authorization");
  const char *token[] = {auth ? auth : ""};
  const char *request[] = {mg_http_method(req), mg_http_path(req), mg_http_body(req, NULL)}; /* JSON: no NUL inside */
  char request_hash[MG_IDEM_HASH_CHARS + 1];
  sha256_hex(token, 1, k->scope);
  sha256_hex(request, 3, request_hash);
  int64_t now = (int64_t)mg_now_ms(r->g);
  mg_idem_entry_t held;
  int64_t ttl_ms = (int64_t)r->g->cfg.idempotency_ttl_s * 1000;
  mg_store_err_t err = mg_store_idem_reserve(s, k->scope, k->key, request_hash, now, now - ttl_ms, &held);
  if (err == MG_STORE_EXISTS) respond_held_key(req, &held, request_hash);
  else if (err != MG_STORE_OK) respond_store_error(req, err, "");
  mg_idem_entry_free(&held);
  k->active = err == MG_STORE_OK;
  return k->active;
}

/* Answers with body (stolen) and, when a key is held, records the answer for retries; a 5xx
 * answer releases the key instead, so that a retry runs again. */
static void idem_respond(rest_t *r, mg_http_request_t *req, const idem_t *k, int status, json_t *body) {
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  char *answer = text ? realloc(text, strlen(text) + 2) : NULL;
  if (!answer) free(text);
  if (answer) strcat(answer, "\n");
  mg_store_t *s = k->active ? thread_store(r) : NULL;
  mg_store_err_t err = MG_STORE_OK;
  if (s && answer && status < 500) err = mg_store_idem_finish(s, k->scope, k->key, status, answer);
  else if (s) err = mg_store_idem_release(s, k->scope, k->key);
  if (err != MG_STORE_OK) mg_log(r->g, MAMGATE_LOG_WARNING, "Idempotency-Key answer not recorded: %s", mg_store_strerror(err));
  if (!answer) return mg_http_respond_error(req, 500, "internal", "out of memory");
  mg_http_respond_text(req, status, "application/json", answer, strlen(answer));
  free(answer);
}

static json_t *tree_json(const mg_tree_info_t *t, const char *id_name) {
  return json_pack("{s:s, s:i, s:I}", id_name, t->id, "height", (int)t->height, "remaining_signatures",
                   (json_int_t)t->remaining);
}

static json_t *channel_json(const mg_channel_info_t *info) {
  json_t *o = tree_json(&info->channel, "channel_id"), *eps = json_array();
  for (size_t i = 0; i < info->n_endpoints; i++) json_array_append_new(eps, tree_json(&info->endpoints[i], "endpoint_id"));
  json_object_set_new(o, "endpoints", eps);
  json_object_set_new(o, "active_endpoint_id",
                      info->active_endpoint >= 0 ? json_string(info->endpoints[info->active_endpoint].id) : json_null());
  return o;
}

/* ---- health, info, metrics, OpenAPI ---- */

static void get_health(void *ctx, mg_http_request_t *req) {
  (void)ctx;
  mg_http_respond_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

static json_t *counters_json(const mg_metrics_t *m) {
  return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "feed_transactions", (json_int_t)m->feed_transactions,
                   "feed_matched", (json_int_t)m->feed_matched, "feed_invalid", (json_int_t)m->feed_invalid,
                   "bundles_completed", (json_int_t)m->bundles_completed, "packets_decoded", (json_int_t)m->packets_decoded,
                   "packets_stored", (json_int_t)m->packets_stored, "messages_published", (json_int_t)m->messages_published,
                   "publish_failures", (json_int_t)m->publish_failures);
}

/* Invalid feed input by reason (every reason), and the MAM reader's rejections by error (those seen). */
static json_t *invalid_json(const mg_metrics_t *m) {
  json_t *by_reason = json_object(), *rejected = json_object();
  for (int i = 0; i < MG_INVALID__COUNT; i++)
    json_object_set_new(by_reason, mg_invalid_reason_name((mg_invalid_reason_t)i), json_integer((json_int_t)m->invalid[i]));
  for (int e = 1; e < 32 && e < MAM_ERR__COUNT; e++)
    if (m->rejected[e]) json_object_set_new(rejected, mam_strerror((mam_err_t)e), json_integer((json_int_t)m->rejected[e]));
  return json_pack("{s:o, s:o}", "by_reason", by_reason, "decode_rejected", rejected);
}

static void get_info(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  if (!authorised(r, req, false)) return;
  mg_watcher_status_t st;
  mg_watcher_status(r->g, &st);
  mg_http_respond_json(req, 200, json_pack("{s:s, s:b, s:b, s:I, s:I, s:o, s:o}", "version", PACKAGE_VERSION, "node_reachable",
                                           mg_probe_status(r->g->probe).reachable, "feed_connected", st.feed_connected, "watches",
                                           (json_int_t)st.watches, "last_cursor", (json_int_t)st.last_cursor, "counters",
                                           counters_json(&r->g->metrics), "invalid", invalid_json(&r->g->metrics)));
}

static void get_openapi(void *ctx, mg_http_request_t *req) {
  (void)ctx;
  mg_http_respond_text(req, 200, "application/json", mg_openapi_document, strlen(mg_openapi_document));
}

/* The counters exported as they are, mamgate_<name>_total. */
static const struct {
  const char *name;
  size_t offset;
} plain_counters[] = {
#define COUNTER(field) {#field, offsetof(mg_metrics_t, field)}
    COUNTER(feed_frames),        COUNTER(feed_transactions),  COUNTER(feed_matched),         COUNTER(feed_invalid),
    COUNTER(feed_duplicates),    COUNTER(bundles_completed),  COUNTER(packets_decoded),      COUNTER(packets_stored),
    COUNTER(packets_repeated),   COUNTER(messages_published), COUNTER(publish_failures),     COUNTER(backfill_runs),
    COUNTER(backfill_transactions), COUNTER(backfill_failures),
#undef COUNTER
};

/* Prometheus text exposition of the counters. */
static void get_metrics(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const mg_metrics_t *m = &r->g->metrics;
  mg_http_stats_t hs;
  mg_http_get_stats(r->g->http, &hs);
  size_t cap = 16384, len = 0;
  char *out = malloc(cap);
  if (!out) return mg_http_respond_error(req, 500, "internal", "out of memory");
#define EMIT(...) (len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, __VA_ARGS__))
  for (size_t i = 0; i < sizeof plain_counters / sizeof *plain_counters; i++)
    EMIT("# TYPE mamgate_%s_total counter\nmamgate_%s_total %llu\n", plain_counters[i].name, plain_counters[i].name,
         (unsigned long long)atomic_load((const atomic_uint_fast64_t *)((const char *)m + plain_counters[i].offset)));
  EMIT("# TYPE mamgate_feed_invalid_reason_total counter\n");
  for (int i = 0; i < MG_INVALID__COUNT; i++)
    EMIT("mamgate_feed_invalid_reason_total{reason=\"%s\"} %llu\n", mg_invalid_reason_name((mg_invalid_reason_t)i),
         (unsigned long long)m->invalid[i]);
  EMIT("# TYPE mamgate_decode_rejected_total counter\n");
  for (int e = 1; e < 32 && e < MAM_ERR__COUNT; e++)
    if (m->rejected[e]) EMIT("mamgate_decode_rejected_total{reason=\"%s\"} %llu\n", mam_strerror((mam_err_t)e), (unsigned long long)m->rejected[e]);
  EMIT("# TYPE mamgate_pow_seconds_total counter\nmamgate_pow_seconds_total %.3f\n", (double)m->pow_ms_total / 1000.0);
  EMIT("# TYPE mamgate_pow_total counter\nmamgate_pow_total %llu\n", (unsigned long long)m->pow_count);
  EMIT("# TYPE mamgate_http_requests_total counter\n");
  for (int s = 100; s < 600; s++)
    if (hs.by_status[s]) EMIT("mamgate_http_requests_total{status=\"%d\"} %llu\n", s, (unsigned long long)hs.by_status[s]);
#undef EMIT
  if (len >= cap) len = cap - 1;
  mg_http_respond_text(req, 200, "text/plain; version=0.0.4", out, len);
  free(out);
}

/* ---- channels ---- */

static void post_channel(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  if (!authorised(r, req, true)) return;
  json_t *body = mg_http_json_body(req);
  uint64_t height;
  idem_t k;
  if (!body || !uint_field(req, body, "height", 0, r->g->cfg.max_height, 10, &height) || !idem_begin(r, req, &k)) return;
  mg_channel_info_t info;
  int status = 201;
  mg_pub_err_t err = mg_writer_create_channel(r->g->writer, (unsigned)height, &info);
  json_t *answer = err == MG_PUB_OK ? channel_json(&info) : pub_error_json(err, "", &status);
  idem_respond(r, req, &k, status, answer);
  if (err == MG_PUB_OK) mg_channel_info_free(&info);
}

static void get_channels(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  if (!authorised(r, req, false)) return;
  char **ids;
  size_t n;
  if (mg_writer_list_channels(r->g->writer, &ids, &n) != MG_PUB_OK) return mg_http_respond_error(req, 500, "internal", "out of memory");
  json_t *list = json_array();
  for (size_t i = 0; i < n; i++) {
    mg_channel_info_t info;
    if (mg_writer_channel_info(r->g->writer, ids[i], &info) != MG_PUB_OK) continue;
    json_array_append_new(list, channel_json(&info));
    mg_channel_info_free(&info);
  }
  mg_strings_free(ids, n);
  mg_http_respond_json(req, 200, json_pack("{s:o}", "channels", list));
}

static void get_channel(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const char *id = valid_id(req, mg_http_param(req, "channel_id"), ID, "channel_id");
  if (!id || !authorised(r, req, false)) return;
  mg_channel_info_t info;
  mg_pub_err_t err = mg_writer_channel_info(r->g->writer, id, &info);
  if (err != MG_PUB_OK) return respond_pub_error(req, err, "no such channel on this gateway");
  mg_http_respond_json(req, 200, channel_json(&info));
  mg_channel_info_free(&info);
}

static void post_endpoint(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const char *id = valid_id(req, mg_http_param(req, "channel_id"), ID, "channel_id");
  if (!id || !authorised(r, req, true)) return;
  json_t *body = mg_http_json_body(req);
  uint64_t height;
  if (!body || !uint_field(req, body, "height", 0, r->g->cfg.max_height, 10, &height)) return;
  json_t *announce = json_object_get(body, "announce");
  if (announce && !json_is_boolean(announce)) return mg_http_respond_error(req, 400, "bad_request", "announce must be true or false");
  idem_t k;
  if (!idem_begin(r, req, &k)) return;
  mg_tree_info_t ep;
  char msg[256] = "";
  int status = 201;
  mg_pub_err_t err = mg_writer_create_endpoint(r->g->writer, id, (unsigned)height, !announce || json_is_true(announce), &ep, msg, sizeof msg);
  json_t *answer = err == MG_PUB_OK ? tree_json(&ep, "endpoint_id") : pub_error_json(err, msg, &status);
  idem_respond(r, req, &k, status, answer);
}

/* ---- keys ---- */

/* n uniformly random trytes. */
static int random_trytes(char *out, size_t n) {
  unsigned char b[64];
  size_t have = 0;
  while (have < n) {
    if (getentropy(b, sizeof b) != 0) return -1;
    for (size_t i = 0; i < sizeof b && have < n; i++)
      if (b[i] < 243) out[have++] = MAM_TRYTE_ALPHABET[b[i] % 27];
  }
  out[n] = 0;
  mam_wipe(b, sizeof b);
  return 0;
}

static void post_psk(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  if (!authorised(r, req, true)) return;
  json_t *body = mg_http_json_body(req);
  if (!body) return;
  char id[MG_PSK_ID_TRYTES + 1], key[MG_PSK_KEY_TRYTES + 1];
  const char *given_id = json_string_value(json_object_get(body, "id"));
  const char *given_key = json_string_value(json_object_get(body, "key"));
  /* a shorter id is padded with 9, as the reference's users do */
  if ((json_object_get(body, "id") && (!given_id || mam_psk_id_pad(given_id, strlen(given_id), id) != MAM_OK)) ||
      (json_object_get(body, "key") && !is_trytes(given_key, MG_PSK_KEY_TRYTES)))
    return mg_http_respond_error(req, 400, "bad_request", "id must be 1 to 27 trytes (padded with 9) and key 81 trytes");
  if ((given_id ? 0 : random_trytes(id, MG_PSK_ID_TRYTES)) != 0 ||
      (given_key ? (snprintf(key, sizeof key, "%s", given_key), 0) : random_trytes(key, MG_PSK_KEY_TRYTES)) != 0)
    return mg_http_respond_error(req, 500, "internal", "no random source");
  pthread_mutex_lock(&r->g->control_lock);
  mg_store_err_t err = mg_store_add_psk(r->g->control, id, key);
  pthread_mutex_unlock(&r->g->control_lock);
  if (err == MG_STORE_EXISTS) mg_http_respond_error(req, 409, "conflict", "a PSK with this id exists");
  else if (err != MG_STORE_OK) respond_store_error(req, err, "");
  else mg_http_respond_json(req, 201, json_pack("{s:s, s:s}", "id", id, "key", key));
  if (err == MG_STORE_OK) mg_watcher_own_keys_changed(r->g);
  mam_wipe(key, sizeof key);
}

static void list_ids(rest_t *r, mg_http_request_t *req, mg_store_err_t (*list)(mg_store_t *, char ***, size_t *),
                     const char *name) {
  if (!authorised(r, req, false)) return;
  char **ids = NULL;
  size_t n = 0;
  pthread_mutex_lock(&r->g->control_lock);
  mg_store_err_t err = list(r->g->control, &ids, &n);
  pthread_mutex_unlock(&r->g->control_lock);
  if (err != MG_STORE_OK) return respond_store_error(req, err, "");
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++) json_array_append_new(a, json_pack("{s:s}", "id", ids[i]));
  mg_strings_free(ids, n);
  mg_http_respond_json(req, 200, json_pack("{s:o}", name, a));
}

static void get_psks(void *ctx, mg_http_request_t *req) { list_ids(ctx, req, mg_store_list_psks, "psks"); }

static void delete_psk(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const char *id = valid_id(req, mg_http_param(req, "id"), MG_PSK_ID_TRYTES, "id");
  if (!id || !authorised(r, req, true)) return;
  pthread_mutex_lock(&r->g->control_lock);
  mg_store_err_t err = mg_store_delete_psk(r->g->control, id);
  pthread_mutex_unlock(&r->g->control_lock);
  if (err == MG_STORE_NOT_FOUND) return mg_http_respond_error(req, 404, "not_found", "no PSK with this id");
  if (err != MG_STORE_OK) return respond_store_error(req, err, "");
  mg_watcher_own_keys_changed(r->g);
  mg_http_respond_text(req, 204, "text/plain", "", 0);
}

static void post_ntru_key(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  if (!authorised(r, req, true)) return;
  char seed[82], nonce[28];
  trit_t key[243], nonce_trits[81];
  mam_ntru_sk_t *sk = malloc(sizeof *sk);
  char *sk_trytes = malloc(MG_NTRU_SK_TRYTES + 1), *pk_trytes = malloc(MG_NTRU_PK_TRYTES + 1);
  mg_store_err_t err = MG_STORE_ERR_NO_MEMORY;
  if (sk && sk_trytes && pk_trytes && random_trytes(seed, 81) == 0 && random_trytes(nonce, 27) == 0 &&
      mam_trytes_to_trits(seed, 81, key) == MAM_OK && mam_trytes_to_trits(nonce, 27, nonce_trits) == MAM_OK) {
    mam_prng_t prng;
    mam_prng_init(&prng, key);
    if (mam_ntru_keygen(&prng, nonce_trits, 81, sk) == MAM_OK) {
      trit_t f[MAM_NTRU_SK_TRITS + 2] = {0};
      memcpy(f, sk->f, MAM_NTRU_SK_TRITS);
      mam_trits_to_trytes(f, sizeof f, sk_trytes);
      sk_trytes[MG_NTRU_SK_TRYTES] = 0;
      mam_trits_to_trytes(sk->pk, MAM_NTRU_PK_TRITS, pk_trytes);
      pk_trytes[MG_NTRU_PK_TRYTES] = 0;
      mam_wipe(f, sizeof f);
      char id[28];
      memcpy(id, pk_trytes, 27);
      id[27] = 0;
      pthread_mutex_lock(&r->g->control_lock);
      err = mg_store_add_ntru(r->g->control, id, sk_trytes, pk_trytes);
      pthread_mutex_unlock(&r->g->control_lock);
      if (err == MG_STORE_OK) {
        mg_watcher_own_keys_changed(r->g);
        mg_http_respond_json(req, 201, json_pack("{s:s, s:s}", "id", id, "public_key", pk_trytes));
      }
    }
    mam_prng_destroy(&prng);
  }
  if (err != MG_STORE_OK) respond_store_error(req, err, "key generation failed: ");
  if (sk) mam_ntru_sk_destroy(sk);
  if (sk_trytes) mam_wipe(sk_trytes, MG_NTRU_SK_TRYTES + 1);
  mam_wipe(seed, sizeof seed);
  mam_wipe(key, sizeof key);
  free(sk), free(sk_trytes), free(pk_trytes);
}

static void get_ntru_keys(void *ctx, mg_http_request_t *req) { list_ids(ctx, req, mg_store_list_ntru, "ntru_keys"); }

static void get_ntru_key(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const char *id = valid_id(req, mg_http_param(req, "id"), 27, "id");
  if (!id || !authorised(r, req, false)) return;
  char *pk = malloc(MG_NTRU_PK_TRYTES + 1);
  if (!pk) return mg_http_respond_error(req, 500, "internal", "out of memory");
  pthread_mutex_lock(&r->g->control_lock);
  mg_store_err_t err = mg_store_get_ntru(r->g->control, id, NULL, pk);
  pthread_mutex_unlock(&r->g->control_lock);
  if (err == MG_STORE_NOT_FOUND) mg_http_respond_error(req, 404, "not_found", "no NTRU key with this id");
  else if (err != MG_STORE_OK) respond_store_error(req, err, "");
  else mg_http_respond_json(req, 200, json_pack("{s:s, s:s}", "id", id, "public_key", pk));
  free(pk);
}

/* ---- publishing ---- */

/* The payload as trytes from text, base64 or trytes; answers 400/413 itself and returns NULL. */
static char *payload_trytes(rest_t *r, mg_http_request_t *req, json_t *body, size_t *n_trytes, size_t *unit) {
  const char *payload = json_string_value(json_object_get(body, "payload"));
  size_t len = json_string_length(json_object_get(body, "payload"));
  const char *encoding = json_object_get(body, "encoding") ? json_string_value(json_object_get(body, "encoding")) : "text";
  if (!payload || !encoding) return mg_http_respond_error(req, 400, "bad_request", "payload (string) is required"), NULL;
  if (strcmp(encoding, "trytes") == 0) {
    if (!mam_trytes_valid(payload, len)) return mg_http_respond_error(req, 400, "bad_request", "payload is not trytes"), NULL;
    if (len > 2 * r->g->cfg.max_payload_bytes)
      return mg_http_respond_error(req, 413, "payload_too_large", "payload over %llu trytes", (unsigned long long)(2 * r->g->cfg.max_payload_bytes)), NULL;
    *n_trytes = len;
    *unit = 1;
    return strdup(payload);
  }
  uint8_t *bytes = malloc(len + 1);
  size_t n = len;
  if (!bytes) return mg_http_respond_error(req, 500, "internal", "out of memory"), NULL;
  if (strcmp(encoding, "base64") == 0) {
    struct base64_decode_ctx dc;
    base64_decode_init(&dc);
    n = len;
    if (!base64_decode_update(&dc, &n, bytes, len, payload) || !base64_decode_final(&dc)) {
      free(bytes);
      return mg_http_respond_error(req, 400, "bad_request", "payload is not valid base64"), NULL;
    }
  } else if (strcmp(encoding, "text") == 0) {
    memcpy(bytes, payload, len);
  } else {
    free(bytes);
    return mg_http_respond_error(req, 400, "bad_request", "encoding must be text, base64 or trytes"), NULL;
  }
  if (n > r->g->cfg.max_payload_bytes) {
    free(bytes);
    return mg_http_respond_error(req, 413, "payload_too_large", "payload over %llu bytes", (unsigned long long)r->g->cfg.max_payload_bytes), NULL;
  }
  char *trytes = malloc(2 * n + 1);
  if (trytes) {
    mam_bytes_to_trytes(bytes, n, trytes);
    trytes[2 * n] = 0;
    *n_trytes = 2 * n;
    *unit = 2;
  }
  free(bytes);
  return trytes;
}

static bool parse_checksum(const char *s, mam_checksum_t *out) {
  static const char *const names[] = {"none", "mac", "signature"};
  for (int i = 0; s && i < 3; i++)
    if (strcmp(s, names[i]) == 0) return *out = (mam_checksum_t)i, true;
  return false;
}

/* PSKs named by id, loaded from the store; answers itself on error. */
static mam_psk_t *load_psks(rest_t *r, mg_http_request_t *req, json_t *ids, size_t *n) {
  *n = json_array_size(ids);
  mam_psk_t *psks = calloc(*n + 1, sizeof *psks);
  if (!psks) return mg_http_respond_error(req, 500, "internal", "out of memory"), NULL;
  for (size_t i = 0; i < *n; i++) {
    const char *id = json_string_value(json_array_get(ids, i));
    char key[MG_PSK_KEY_TRYTES + 1];
    if (!is_trytes(id, MG_PSK_ID_TRYTES)) {
      free(psks);
      return mg_http_respond_error(req, 400, "bad_request", "psks must be PSK ids of 27 trytes"), NULL;
    }
    pthread_mutex_lock(&r->g->control_lock);
    mg_store_err_t err = mg_store_get_psk(r->g->control, id, key);
    pthread_mutex_unlock(&r->g->control_lock);
    if (err != MG_STORE_OK || mam_trytes_to_trits(id, 27, psks[i].id) != MAM_OK ||
        mam_trytes_to_trits(key, 81, psks[i].key) != MAM_OK) {
      mam_wipe(psks, *n * sizeof *psks);
      free(psks);
      mam_wipe(key, sizeof key);
      return mg_http_respond_error(req, 404, "not_found", "unknown PSK id %s", id), NULL;
    }
    mam_wipe(key, sizeof key);
  }
  return psks;
}

static trit_t *load_ntru_pks(mg_http_request_t *req, json_t *pks, size_t *n) {
  *n = json_array_size(pks);
  trit_t *out = malloc((*n + 1) * MAM_NTRU_PK_TRITS);
  if (!out) return mg_http_respond_error(req, 500, "internal", "out of memory"), NULL;
  for (size_t i = 0; i < *n; i++) {
    const char *pk = json_string_value(json_array_get(pks, i));
    if (!is_trytes(pk, MG_NTRU_PK_TRYTES) || mam_trytes_to_trits(pk, MG_NTRU_PK_TRYTES, out + i * MAM_NTRU_PK_TRITS) != MAM_OK) {
      free(out);
      return mg_http_respond_error(req, 400, "bad_request", "ntru_public_keys must be public keys of 3072 trytes"), NULL;
    }
  }
  return out;
}

static void post_message(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const char *id = valid_id(req, mg_http_param(req, "channel_id"), ID, "channel_id");
  if (!id || !authorised(r, req, true)) return;
  json_t *body = mg_http_json_body(req);
  if (!body) return;
  mg_publish_request_t pr = {.channel_id = id, .checksum = MAM_CHECKSUM_SIG};
  json_t *cs = json_object_get(body, "checksum"), *ep = json_object_get(body, "endpoint_id");
  json_t *psk_ids = json_object_get(body, "psks"), *pks = json_object_get(body, "ntru_public_keys");
  uint64_t packets;
  if (cs && !parse_checksum(json_string_value(cs), &pr.checksum))
    return mg_http_respond_error(req, 400, "bad_request", "checksum must be none, mac or signature");
  if (ep && !(pr.endpoint_id = valid_id(req, json_string_value(ep), ID, "endpoint_id"))) return;
  if ((psk_ids && !json_is_array(psk_ids)) || (pks && !json_is_array(pks)))
    return mg_http_respond_error(req, 400, "bad_request", "psks and ntru_public_keys must be arrays");
  if (json_array_size(psk_ids) + json_array_size(pks) > r->g->cfg.max_list)
    return mg_http_respond_error(req, 413, "payload_too_large", "more than %llu keys", (unsigned long long)r->g->cfg.max_list);
  if (!uint_field(req, body, "packets", 1, r->g->cfg.max_list, 1, &packets)) return;
  pr.packets = (size_t)packets;
  char *trytes = payload_trytes(r, req, body, &pr.payload_len, &pr.unit_trytes);
  if (!trytes) return;
  pr.payload_trytes = trytes;
  mam_psk_t *psks = load_psks(r, req, psk_ids, &pr.n_psks);
  trit_t *ntru = psks ? load_ntru_pks(req, pks, &pr.n_ntru) : NULL;
  idem_t k;
  if (psks && ntru && idem_begin(r, req, &k)) {
    pr.psks = psks;
    pr.ntru_pks = ntru;
    mg_publish_result_t res;
    char msg[512] = "";
    int status = 201;
    mg_pub_err_t err = mg_writer_publish(r->g->writer, &pr, &res, msg, sizeof msg);
    if (err != MG_PUB_OK) {
      json_t *answer = pub_error_json(err, msg, &status);
      idem_respond(r, req, &k, status, answer);
    } else {
      json_t *bundles = json_array(), *leaves = json_array();
      for (size_t i = 0; i < res.n_bundles; i++) json_array_append_new(bundles, json_string(res.bundles[i]));
      for (uint64_t i = 0; i < res.n_leaves; i++) json_array_append_new(leaves, json_integer((json_int_t)(res.first_leaf + i)));
      json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:I}", "channel_id", id, "message_id", res.message_id,
                            "endpoint_id", res.signer_id, "bundles", bundles, "leaves", leaves, "remaining_signatures",
                            (json_int_t)res.remaining);
      if (res.rotated_to[0]) json_object_set_new(o, "rotated_to", json_string(res.rotated_to));
      idem_respond(r, req, &k, status, o);
    }
    mg_publish_result_free(&res);
  }
  if (psks) mam_wipe(psks, pr.n_psks * sizeof *psks);
  free(psks);
  free(ntru);
  free(trytes);
}

/* ---- watches ---- */

/* The key arrays of a parsed watch request. */
static void watch_request_free(mg_watch_request_t *w) {
  if (w->psks) mam_wipe((void *)w->psks, w->n_psks * sizeof *w->psks);
  free((void *)w->psks);
  free(w->ntru_ids);
  *w = (mg_watch_request_t){0};
}

/* One watch object into w (free it with watch_request_free, also on failure); false with the
 * status and reason in *status and why. */
static bool parse_watch(rest_t *r, json_t *body, mg_watch_request_t *w, int *status, char *why, size_t why_len) {
  *w = (mg_watch_request_t){0};
  *status = 400;
  const char *id = json_string_value(json_object_get(body, "channel_id"));
  json_t *psks = json_object_get(body, "psks"), *ntru = json_object_get(body, "ntru_key_ids"), *bf = json_object_get(body, "backfill");
  json_t *own = json_object_get(body, "own_keys");
  if (!json_is_object(body)) return snprintf(why, why_len, "a watch must be a JSON object"), false;
  if (!is_trytes(id, ID)) return snprintf(why, why_len, "channel_id must be %d trytes (9A-Z)", ID), false;
  memcpy(w->channel_id, id, ID + 1);
  if ((psks && !json_is_array(psks)) || (ntru && !json_is_array(ntru)) || (bf && !json_is_boolean(bf)) ||
      (own && !json_is_boolean(own)))
    return snprintf(why, why_len, "psks and ntru_key_ids must be arrays, backfill and own_keys booleans"), false;
  if (json_array_size(psks) + json_array_size(ntru) > r->g->cfg.max_list)
    return *status = 413, snprintf(why, why_len, "more than %llu keys", (unsigned long long)r->g->cfg.max_list), false;
  w->backfill = bf ? json_is_true(bf) : true;
  w->own_keys = own ? json_is_true(own) : true;
  mam_psk_t *list = calloc(json_array_size(psks) + 1, sizeof *list);
  char(*ids)[28] = calloc(json_array_size(ntru) + 1, sizeof *ids);
  w->psks = list;
  w->ntru_ids = ids;
  if (!list || !ids) return *status = 500, snprintf(why, why_len, "out of memory"), false;
  bool ok = true;
  for (size_t i = 0; ok && i < json_array_size(psks); i++, w->n_psks = i) {
    const char *pid = json_string_value(json_object_get(json_array_get(psks, i), "id"));
    const char *key = json_string_value(json_object_get(json_array_get(psks, i), "key"));
    ok = is_trytes(pid, 27) && is_trytes(key, 81) && mam_trytes_to_trits(pid, 27, list[i].id) == MAM_OK &&
         mam_trytes_to_trits(key, 81, list[i].key) == MAM_OK;
  }
  for (size_t i = 0; ok && i < json_array_size(ntru); i++, w->n_ntru = i) {
    const char *kid = json_string_value(json_array_get(ntru, i));
    ok = is_trytes(kid, 27);
    if (ok) memcpy(ids[i], kid, 28);
  }
  if (!ok) snprintf(why, why_len, "psks must be [{\"id\": 27 trytes, \"key\": 81 trytes}], ntru_key_ids ids of 27 trytes");
  return ok;
}

/* The error code of a parse_watch status. */
static const char *watch_parse_code(int status) {
  return status == 413 ? "payload_too_large" : status == 500 ? "internal" : "bad_request";
}

static void respond_watch_error(mg_http_request_t *req, mg_watch_err_t err, const char *where) {
  if (err == MG_WATCH_EXISTS) mg_http_respond_error(req, 409, "conflict", "%sthis channel is watched already", where);
  else if (err == MG_WATCH_BAD_KEY) mg_http_respond_error(req, 404, "not_found", "%sunknown NTRU key id", where);
  else if (err == MG_WATCH_STORE_FULL) mg_http_respond_error(req, STATUS_STORE_FULL, "storage_failed", "%sthe database is full", where);
  else if (err == MG_WATCH_STORE) mg_http_respond_error(req, STATUS_STORE_FAILED, "internal", "%sthe watch could not be saved", where);
  else mg_http_respond_error(req, 500, "internal", "%s%s", where, mg_watch_strerror(err));
}

static json_t *watch_created_json(const mg_watch_request_t *w) {
  return json_pack("{s:s, s:b, s:b}", "channel_id", w->channel_id, "backfill", w->backfill, "own_keys", w->own_keys);
}

/* A JSON array body (POST /v1/watches takes one); NULL after answering 400. */
static json_t *json_array_body(mg_http_request_t *req) {
  size_t len;
  const char *text = mg_http_body(req, &len);
  json_error_t e;
  json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
  if (!j) mg_http_respond_error(req, 400, "bad_json", "line %d, column %d: %s", e.line, e.column, e.text);
  return j;
}

/* A list of watches, stored in one transaction: all or none; an error names the element. */
static void post_watch_list(rest_t *r, mg_http_request_t *req, json_t *list) {
  size_t n = json_array_size(list), done = 0;
  if (n == 0) return mg_http_respond_error(req, 400, "bad_request", "the list of watches is empty");
  if (n > r->g->cfg.max_list)
    return mg_http_respond_error(req, 413, "payload_too_large", "more than %llu watches", (unsigned long long)r->g->cfg.max_list);
  mg_watch_request_t *ws = calloc(n, sizeof *ws);
  if (!ws) return mg_http_respond_error(req, 500, "internal", "out of memory");
  char why[256], where[64];
  int status = 200;
  bool ok = true;
  for (; ok && done < n; done++) {
    ok = parse_watch(r, json_array_get(list, done), &ws[done], &status, why, sizeof why);
    if (!ok) mg_http_respond_error(req, status, watch_parse_code(status), "watch %zu: %s", done, why);
  }
  size_t bad = n;
  mg_watch_err_t err = ok ? mg_watcher_add_all(r->g, ws, n, &bad) : MG_WATCH_OK;
  if (ok && err != MG_WATCH_OK) {
    if (bad < n) snprintf(where, sizeof where, "watch %zu (%.12s...): ", bad, ws[bad].channel_id);
    respond_watch_error(req, err, bad < n ? where : "");
  } else if (ok) {
    json_t *created = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(created, watch_created_json(&ws[i]));
    mg_http_respond_json(req, 201, json_pack("{s:o}", "watches", created));
  }
  for (size_t i = 0; i < done; i++) watch_request_free(&ws[i]);
  free(ws);
}

static void post_watch(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  if (!authorised(r, req, true)) return;
  const char *text = mg_http_body(req, NULL);
  if (text[strspn(text, " \t\r\n")] == '[') {
    json_t *list = json_array_body(req);
    if (list) post_watch_list(r, req, list);
    json_decref(list);
    return;
  }
  json_t *body = mg_http_json_body(req);
  if (!body) return;
  mg_watch_request_t w;
  int status;
  char why[256];
  if (!parse_watch(r, body, &w, &status, why, sizeof why)) {
    mg_http_respond_error(req, status, watch_parse_code(status), "%s", why);
  } else {
    mg_watch_err_t err = mg_watcher_add(r->g, &w);
    if (err == MG_WATCH_OK) mg_http_respond_json(req, 201, watch_created_json(&w));
    else respond_watch_error(req, err, "");
  }
  watch_request_free(&w);
}

static void get_watches(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  if (!authorised(r, req, false)) return;
  mg_watch_t *rows = NULL;
  size_t n = 0;
  pthread_mutex_lock(&r->g->control_lock);
  mg_store_err_t err = mg_store_list_watches(r->g->control, &rows, &n);
  pthread_mutex_unlock(&r->g->control_lock);
  if (err != MG_STORE_OK) return respond_store_error(req, err, "");
  json_t *list = json_array();
  for (size_t i = 0; i < n; i++) {
    /* PSK ids only: the keys stay in the store */
    json_t *o = json_loads(rows[i].options, 0, NULL), *psk_ids = json_array();
    json_t *psks = json_object_get(o, "psks");
    for (size_t k = 0; k < json_array_size(psks); k++)
      json_array_append(psk_ids, json_object_get(json_array_get(psks, k), "id"));
    json_t *ntru = json_object_get(o, "ntru_key_ids");
    bool own_keys = !json_is_false(json_object_get(o, "own_keys")); /* watches stored before the flag: true */
    json_array_append_new(list, json_pack("{s:s, s:o, s:O, s:b, s:I}", "channel_id", rows[i].channel_id, "psk_ids", psk_ids,
                                          "ntru_key_ids", ntru ? ntru : json_array(), "own_keys", own_keys, "created_at",
                                          (json_int_t)rows[i].created_at_ms));
    json_decref(o);
  }
  mg_watches_free(rows, n);
  mg_http_respond_json(req, 200, json_pack("{s:o}", "watches", list));
}

static void delete_watch(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const char *id = valid_id(req, mg_http_param(req, "channel_id"), ID, "channel_id");
  if (!id || !authorised(r, req, true)) return;
  mg_watch_err_t err = mg_watcher_remove(r->g, id);
  if (err == MG_WATCH_NOT_FOUND) return mg_http_respond_error(req, 404, "not_found", "this channel is not watched");
  if (err != MG_WATCH_OK) return respond_watch_error(req, err, "");
  mg_http_respond_text(req, 204, "text/plain", "", 0);
}

/* ---- decoded messages ---- */

static bool query_int(mg_http_request_t *req, const char *name, int64_t min, int64_t max, int64_t fallback, int64_t *out) {
  const char *v = mg_http_query(req, name);
  if (!v) return *out = fallback, true;
  char *end;
  errno = 0;
  long long x = strtoll(v, &end, 10);
  if (errno || !*v || *end || x < min || x > max) {
    mg_http_respond_error(req, 400, "bad_request", "%s must be an integer from %lld to %lld", name, (long long)min, (long long)max);
    return false;
  }
  *out = x;
  return true;
}

/* A JSON array of packets, appended as text. */
static void append_messages(mg_text_t *t, const mg_message_t *m, size_t n) {
  mg_text_append(t, "[", 1);
  for (size_t i = 0; i < n; i++) {
    if (i) mg_text_append(t, ",", 1);
    mg_message_json(t, &m[i], 0);
  }
  mg_text_append(t, "]", 1);
}

static void respond_text_json(mg_http_request_t *req, mg_text_t *t) {
  if (t->failed) mg_http_respond_error(req, 500, "internal", "out of memory");
  else mg_http_respond_text(req, 200, "application/json", t->p, t->len);
  mg_text_free(t);
}

/* False after answering 404 (or 500) when the gateway neither writes nor watches the channel and
 * stores nothing of it: an empty list would hide a mistyped id. */
static bool channel_known(mg_http_request_t *req, mg_store_t *s, const char *id) {
  int known = 0;
  if (!s || mg_store_channel_known(s, id, &known) != MG_STORE_OK)
    return mg_http_respond_error(req, 500, "internal", "the database could not be read"), false;
  if (!known) mg_http_respond_error(req, 404, "not_found", "channel %.12s... is neither this gateway's nor watched", id);
  return known;
}

static void get_messages(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const char *id = valid_id(req, mg_http_param(req, "channel_id"), ID, "channel_id");
  int64_t cursor, limit;
  if (!id || !authorised(r, req, false) || !query_int(req, "cursor", 0, INT64_MAX, 0, &cursor) ||
      !query_int(req, "limit", 1, (int64_t)r->g->cfg.page_limit, 100, &limit))
    return;
  mg_store_t *s = thread_store(r);
  if (!channel_known(req, s, id)) return;
  mg_message_t *rows = NULL;
  size_t n = 0;
  if (mg_store_list_messages(s, id, cursor, (size_t)limit, &rows, &n) != MG_STORE_OK)
    return mg_http_respond_error(req, 500, "internal", "the database could not be read");
  mg_text_t t = {0};
  mg_text_append(&t, "{\"messages\":", 12);
  append_messages(&t, rows, n);
  mg_text_printf(&t, ",\"next_cursor\":%lld}\n", (long long)(n ? rows[n - 1].cursor : cursor));
  mg_messages_free(rows, n);
  respond_text_json(req, &t);
}

static void get_message(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const char *id = valid_id(req, mg_http_param(req, "channel_id"), ID, "channel_id");
  const char *mid = id ? valid_id(req, mg_http_param(req, "message_id"), MG_MSG_ID_TRYTES, "message_id") : NULL;
  if (!mid || !authorised(r, req, false)) return;
  mg_store_t *s = thread_store(r);
  if (!channel_known(req, s, id)) return;
  mg_message_t *rows = NULL;
  size_t n = 0;
  mg_store_err_t err = mg_store_get_message(s, id, mid, &rows, &n);
  if (err == MG_STORE_NOT_FOUND || (err == MG_STORE_OK && n == 0))
    return mg_http_respond_error(req, 404, "not_found", "no such message on this channel");
  if (err != MG_STORE_OK) return mg_http_respond_error(req, 500, "internal", "the database could not be read");
  mg_text_t t = {0};
  mg_text_printf(&t, "{\"channel_id\":\"%s\",\"message_id\":\"%s\",\"packets\":", id, mid);
  append_messages(&t, rows, n);
  mg_text_append(&t, "}\n", 2);
  mg_messages_free(rows, n);
  respond_text_json(req, &t);
}

/* ---- live stream (Server-Sent Events) ---- */

typedef struct stream {
  rest_t *r;
  char **channels; /* none: every watched channel */
  size_t n_channels;
  int64_t cursor;
  mg_store_t *store;
  char *out; /* pending bytes */
  size_t out_len, out_pos;
  uint64_t last_sent_ms;
  int64_t seen;   /* the watcher's newest cursor when we last looked */
  bool primed;    /* the first page was read */
  bool more;      /* the last page was full: read on without waiting */
} stream_t;

static void stream_free(void *arg) {
  stream_t *st = arg;
  mg_store_close(st->store);
  mg_strings_free(st->channels, st->n_channels);
  free(st->out);
  free(st);
}

static void stream_append(stream_t *st, const char *text, size_t len) {
  char *grown = realloc(st->out, st->out_len + len);
  if (!grown) return;
  st->out = grown;
  memcpy(st->out + st->out_len, text, len);
  st->out_len += len;
}

/* Loads the next page of events once the watcher has stored something new. */
static void stream_refill(stream_t *st) {
  mg_watcher_status_t ws;
  mg_watcher_status(st->r->g, &ws);
  if (st->primed && ws.last_cursor == st->seen && !st->more) return; /* nothing stored since */
  st->seen = ws.last_cursor;
  st->primed = true;
  mg_message_t *rows = NULL;
  size_t n = 0;
  mg_store_err_t err = st->n_channels == 1
                           ? mg_store_list_messages(st->store, st->channels[0], st->cursor, STREAM_PAGE, &rows, &n)
                           : mg_store_list_messages_of(st->store, st->channels, st->n_channels, st->cursor, STREAM_PAGE, &rows, &n);
  if (err != MG_STORE_OK) return;
  st->more = n == STREAM_PAGE;
  for (size_t i = 0; i < n; i++) {
    char *json = mg_message_json_text(&rows[i], 0);
    if (!json) break;
    char head[64];
    int hl = snprintf(head, sizeof head, "id: %lld\nevent: message\ndata: ", (long long)rows[i].cursor);
    stream_append(st, head, (size_t)hl);
    stream_append(st, json, strlen(json));
    stream_append(st, "\n\n", 2);
    free(json);
    st->cursor = rows[i].cursor;
  }
  mg_messages_free(rows, n);
}

static ssize_t stream_produce(void *arg, char *buf, size_t max) {
  stream_t *st = arg;
  if (atomic_load(&st->r->g->stopping)) return -1;
  if (st->out_pos == st->out_len) {
    st->out_len = st->out_pos = 0;
    stream_refill(st);
    uint64_t now = mg_now_ms(st->r->g);
    if (st->out_len == 0 && now - st->last_sent_ms >= 15000) stream_append(st, ": keep-alive\n\n", 14);
    if (st->out_len == 0) return 0;
    st->last_sent_ms = now;
  }
  size_t n = st->out_len - st->out_pos < max ? st->out_len - st->out_pos : max;
  memcpy(buf, st->out + st->out_pos, n);
  st->out_pos += n;
  return (ssize_t)n;
}

/* Where a stream starts: after Last-Event-ID (a reconnecting EventSource) or the cursor query;
 * false after answering 400. */
static bool stream_start_cursor(mg_http_request_t *req, int64_t *cursor) {
  const char *last = mg_http_header(req, "Last-Event-ID");
  if (!last) return query_int(req, "cursor", 0, INT64_MAX, 0, cursor);
  char *end;
  errno = 0;
  *cursor = strtoll(last, &end, 10);
  if (errno || !*last || *end || *cursor < 0)
    return mg_http_respond_error(req, 400, "bad_request", "Last-Event-ID must be a cursor"), false;
  return true;
}

/* Streams the messages of the channels (taken; none: every watched channel) after cursor. */
static void open_stream(rest_t *r, mg_http_request_t *req, char **channels, size_t n, int64_t cursor) {
  stream_t *st = calloc(1, sizeof *st);
  if (!st || mg_store_open(r->g->db_path, &st->store) != MG_STORE_OK) {
    if (st) stream_free(st);
    mg_strings_free(channels, n);
    return mg_http_respond_error(req, 500, "internal", "cannot open the stream");
  }
  st->r = r;
  st->channels = channels;
  st->n_channels = n;
  st->cursor = cursor;
  st->last_sent_ms = mg_now_ms(r->g);
  stream_append(st, ": mamgate stream\n\n", 18); /* flushes the headers at once */
  mg_http_respond_stream(req, "text/event-stream", stream_produce, st, stream_free);
}

static void get_stream(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const char *id = valid_id(req, mg_http_param(req, "channel_id"), ID, "channel_id");
  int64_t cursor = 0;
  if (!id || !authorised(r, req, false) || !stream_start_cursor(req, &cursor)) return;
  if (!channel_known(req, thread_store(r), id)) return;
  char **channels = malloc(sizeof *channels);
  if (!channels || !(channels[0] = strdup(id))) {
    free(channels);
    return mg_http_respond_error(req, 500, "internal", "out of memory");
  }
  open_stream(r, req, channels, 1, cursor);
}

/* The channels=ID,ID,... query as a list (each known to the gateway); *n 0 without the query.
 * false after answering 400, 404 or 413. */
static bool stream_channels(rest_t *r, mg_http_request_t *req, char ***out, size_t *n) {
  *out = NULL;
  *n = 0;
  const char *list = mg_http_query(req, "channels");
  if (!list) return true;
  size_t count = 1;
  for (const char *p = list; *p; p++) count += *p == ',';
  if (count > r->g->cfg.max_list)
    return mg_http_respond_error(req, 413, "payload_too_large", "more than %llu channels",
                                 (unsigned long long)r->g->cfg.max_list), false;
  char **ids = calloc(count, sizeof *ids);
  if (!ids) return mg_http_respond_error(req, 500, "internal", "out of memory"), false;
  bool ok = true;
  for (const char *p = list; ok && *n < count; p += ID + 1) {
    ok = strlen(p) >= ID && (p[ID] == ',' || p[ID] == '\0') && mam_trytes_valid(p, ID) && (ids[*n] = strndup(p, ID));
    if (!ok) mg_http_respond_error(req, 400, "bad_request", "channels must be channel ids of 81 trytes, separated by commas");
    ok = ok && channel_known(req, thread_store(r), ids[*n]);
    if (ids[*n]) ++*n;
  }
  if (!ok) mg_strings_free(ids, *n), *n = 0;
  else *out = ids;
  return ok;
}

static void get_multi_stream(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  int64_t cursor = 0;
  char **channels;
  size_t n;
  if (!authorised(r, req, false) || !stream_start_cursor(req, &cursor) || !stream_channels(r, req, &channels, &n)) return;
  open_stream(r, req, channels, n, cursor);
}

/* ---- routing, start, stop ---- */

typedef struct route {
  const char *method, *pattern;
  mg_http_handler_t handler;
} route_t;

static const route_t routes[] = {
    {"GET", "/v1/health", get_health},
    {"GET", "/v1/info", get_info},
    {"GET", "/v1/openapi.json", get_openapi},
    {"GET", "/metrics", get_metrics},
    {"POST", "/v1/channels", post_channel},
    {"GET", "/v1/channels", get_channels},
    {"GET", "/v1/channels/{channel_id}", get_channel},
    {"POST", "/v1/channels/{channel_id}/endpoints", post_endpoint},
    {"POST", "/v1/channels/{channel_id}/messages", post_message},
    {"GET", "/v1/channels/{channel_id}/messages", get_messages},
    {"GET", "/v1/channels/{channel_id}/messages/{message_id}", get_message},
    {"GET", "/v1/channels/{channel_id}/stream", get_stream},
    {"GET", "/v1/stream", get_multi_stream},
    {"POST", "/v1/psks", post_psk},
    {"GET", "/v1/psks", get_psks},
    {"DELETE", "/v1/psks/{id}", delete_psk},
    {"POST", "/v1/ntru-keys", post_ntru_key},
    {"GET", "/v1/ntru-keys", get_ntru_keys},
    {"GET", "/v1/ntru-keys/{id}", get_ntru_key},
    {"POST", "/v1/watches", post_watch},
    {"GET", "/v1/watches", get_watches},
    {"DELETE", "/v1/watches/{channel_id}", delete_watch},
    {"GET", "/", mg_console_index},
    {"GET", "/console/{file}", mg_console_file},
};

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
static int allow_hosts(mg_gateway_t *g, const char *bind_host) {
  if (g->cfg.allowed_hosts[0] != '\0') return mg_http_allow_hosts(g->http, g->cfg.allowed_hosts);
  if (strcmp(bind_host, "0.0.0.0") == 0 || strcmp(bind_host, "::") == 0)
    mg_log(g, MAMGATE_LOG_WARNING, "REST listens on every address but answers only loopback Host names: "
                                   "set allowed_hosts to the names clients use");
  bool ipv6 = strchr(bind_host, ':') != NULL;
  unsigned port = mg_http_port(g->http);
  char name[300], list[1024];
  snprintf(name, sizeof name, "%s%s%s", ipv6 ? "[" : "", bind_host, ipv6 ? "]" : "");
  int n = snprintf(list, sizeof list, "%s,%s:%u,localhost,localhost:%u,127.0.0.1,127.0.0.1:%u,[::1],[::1]:%u", name,
                   name, port, port, port, port);
  return n > 0 && (size_t)n < sizeof list ? mg_http_allow_hosts(g->http, list) : -1;
}

int mg_rest_start(mg_gateway_t *g, char *err, size_t err_len) {
  char host[256];
  uint16_t port;
  if (split_address(g->cfg.http, host, sizeof host, &port) != 0)
    return mg_errorf(err, err_len, "http must be host:port, got '%s'", g->cfg.http);
  rest_t *r = calloc(1, sizeof *r);
  if (!r || pthread_key_create(&r->store_key, close_store) != 0) {
    free(r);
    return mg_errorf(err, err_len, "out of memory");
  }
  r->g = g;
  g->rest = r;
  mg_http_limits_t limits = {.max_body_bytes = g->cfg.max_body_bytes,
                             .max_discard_bytes = g->cfg.http_max_discard_bytes,
                             .threads = (unsigned)g->cfg.http_threads,
                             .max_connections = (unsigned)g->cfg.http_max_connections,
                             .max_connections_per_ip = (unsigned)g->cfg.http_max_connections_per_ip,
                             .connection_timeout_s = 30,
                             .header_timeout_s = (unsigned)g->cfg.http_header_timeout_s};
  char herr[256] = "";
  if (!(g->http = mg_http_start(host, port, &limits, herr, sizeof herr)))
    return mg_errorf(err, err_len, "REST server on %s: %s", g->cfg.http, herr);
  if (allow_hosts(g, host) != 0) return mg_errorf(err, err_len, "out of memory");
  for (size_t i = 0; i < sizeof routes / sizeof *routes; i++)
    if (mg_http_route(g->http, routes[i].method, routes[i].pattern, routes[i].handler, r) != 0)
      return mg_errorf(err, err_len, "cannot register %s %s", routes[i].method, routes[i].pattern);
  return 0;
}

void mg_rest_stop(mg_gateway_t *g) {
  if (g->http) mg_http_stop(g->http);
  g->http = NULL;
  rest_t *r = g->rest;
  if (!r) return;
  pthread_key_delete(r->store_key);
  free(r);
  g->rest = NULL;
}
