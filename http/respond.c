/* http/respond.c: building and queueing the answers of the REST adapter (http/server.h): JSON and
 * error bodies, text and static bodies, representations with entity tags and gzip, and the answers
 * kept in the cache. The request life cycle is in http/server.c. */
#include <microhttpd.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "http/cache.h"
#include "http/negotiate.h"
#include "http/server_internal.h"

#define CACHE_KEY_BYTES 256 /* longer keys are not kept */
#define MESSAGE_BYTES 512
#define GZIP_WINDOW_BITS (15 + 16) /* zlib: a gzip wrapper around a 32 KiB window */
#define GZIP_MEMORY_LEVEL 8         /* zlib's default */

static const char JSON_TYPE[] = "application/json";
static const char TEXT_TYPE[] = "text/plain; charset=utf-8";
static const char FALLBACK_BODY[] =
    "{\"error\":{\"code\":\"internal\",\"message\":\"the response could not be built\"}}\n";

/* Replaces control and non-ASCII bytes so the text is always a valid JSON string. */
static void make_printable(char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) *s = '?';
}

static unsigned valid_status(int status) { return status >= 200 && status <= 599 ? (unsigned)status : 500; }

static void count_response(counters_t *c, unsigned status) {
  atomic_fetch_add_explicit(&c->requests, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&c->by_status[status], 1, memory_order_relaxed);
  atomic_uint_fast64_t *class = status >= 500                   ? &c->status_5xx
                                : status >= 400                 ? &c->status_4xx
                                : status >= 200 && status < 300 ? &c->status_2xx
                                                                : NULL;
  if (class != NULL) atomic_fetch_add_explicit(class, 1, memory_order_relaxed);
}

/* Queues resp (consumed) with its Content-Type and, for 405, Allow. */
void mg_http_queue(mg_http_request_t *r, unsigned status, struct MHD_Response *resp, const char *content_type,
                   const char *allow) {
  if (resp == NULL) return;
  char retry_after[16];
  snprintf(retry_after, sizeof retry_after, "%u", r->retry_after_s);
  bool ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) == MHD_YES &&
            (allow == NULL || MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow) == MHD_YES) &&
            (r->retry_after_s == 0 || MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry_after) == MHD_YES) &&
            (!r->close_after || MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES) &&
            MHD_queue_response(r->conn, status, resp) == MHD_YES;
  MHD_destroy_response(resp);
  if (!ok) return;
  r->responded = true;
  count_response(&r->server->counters, status);
}

/* The last resort when a response cannot be built (no memory, a NULL or unencodable JSON body):
 * a static 500. */
void mg_http_respond_fallback(mg_http_request_t *r) {
  if (r->responded) return;
  mg_http_queue(r, 500,
                MHD_create_response_from_buffer(sizeof FALLBACK_BODY - 1, (void *)FALLBACK_BODY, MHD_RESPMEM_PERSISTENT),
                JSON_TYPE, NULL);
}

/* Compact JSON and a newline, malloc'd; NULL when it cannot be encoded. */
/* The body as compact JSON text and a newline, serialised once (json_dumpb sized first would
 * serialise twice, which the REST fetch profile showed). */
static char *encode_json(const json_t *body, size_t *len) {
  char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
  if (text == NULL) return NULL;
  size_t n = strlen(text);
  char *buf = realloc(text, n + 2);
  if (buf == NULL) {
    free(text);
    return NULL;
  }
  buf[n] = '\n';
  buf[n + 1] = 0;
  *len = n + 1;
  return buf;
}

static void send_json(mg_http_request_t *r, unsigned status, json_t *body, const char *allow) {
  size_t len = 0;
  char *text = r->responded || body == NULL ? NULL : encode_json(body, &len);
  json_decref(body);
  if (r->responded) return;
  if (text == NULL) {
    mg_http_respond_fallback(r);
    return;
  }
  struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
  if (resp == NULL) free(text);
  mg_http_queue(r, status, resp, JSON_TYPE, allow);
  mg_http_respond_fallback(r);
}

json_t *mg_http_error_json(const char *code, const char *message) {
  return json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);
}

static void send_error(mg_http_request_t *r, unsigned status, const char *allow, const char *code, const char *fmt,
                       va_list ap) __attribute__((format(printf, 5, 0)));
static void send_error(mg_http_request_t *r, unsigned status, const char *allow, const char *code, const char *fmt,
                       va_list ap) {
  char message[MESSAGE_BYTES];
  vsnprintf(message, sizeof message, fmt, ap);
  make_printable(message);
  send_json(r, status, mg_http_error_json(code, message), allow);
}

void mg_http_send_error_f(mg_http_request_t *r, unsigned status, const char *allow, const char *code, const char *fmt,
                          ...) {
  va_list ap;
  va_start(ap, fmt);
  send_error(r, status, allow, code, fmt, ap);
  va_end(ap);
}

void mg_http_retry_after(mg_http_request_t *r, unsigned seconds) { r->retry_after_s = seconds; }

void mg_http_respond_json(mg_http_request_t *r, int status, json_t *body) {
  send_json(r, valid_status(status), body, NULL);
}

void mg_http_respond_error(mg_http_request_t *r, int status, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  send_error(r, valid_status(status), NULL, code, fmt, ap);
  va_end(ap);
}

void mg_http_respond_text(mg_http_request_t *r, int status, const char *content_type, const char *text, size_t len) {
  if (r->responded) return;
  mg_http_queue(r, valid_status(status), MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY),
                content_type ? content_type : TEXT_TYPE, NULL);
  mg_http_respond_fallback(r);
}

/* resp with the name, value pairs of headers (NULL-terminated; NULL: none) added; NULL (resp
 * destroyed) when one cannot be. */
static struct MHD_Response *with_headers(struct MHD_Response *resp, const char *const *headers) {
  for (size_t i = 0; resp != NULL && headers != NULL && headers[i] != NULL; i += 2) {
    if (MHD_add_response_header(resp, headers[i], headers[i + 1]) == MHD_YES) continue;
    MHD_destroy_response(resp);
    resp = NULL;
  }
  return resp;
}

void mg_http_respond_static(mg_http_request_t *r, int status, const char *content_type, const void *data, size_t len,
                            const char *const *headers) {
  if (r->responded) return;
  struct MHD_Response *resp =
      with_headers(MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT), headers);
  mg_http_queue(r, valid_status(status), resp, content_type ? content_type : TEXT_TYPE, NULL);
  mg_http_respond_fallback(r);
}

void mg_http_send_json_text(mg_http_request_t *r, int status, const char *json_text, size_t len,
                            const char *const *headers) {
  if (r->responded) return;
  struct MHD_Response *resp =
      with_headers(MHD_create_response_from_buffer(len, (void *)json_text, MHD_RESPMEM_MUST_COPY), headers);
  mg_http_queue(r, valid_status(status), resp, JSON_TYPE, NULL);
  mg_http_respond_fallback(r);
}

/* The gzip of len bytes at the fastest level (pages are compressed on every request: speed before
 * size), malloc'd; NULL when zlib fails or memory runs out. */
static unsigned char *gzip_bytes(const void *data, size_t len, size_t *out_len) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (len > UINT32_MAX / 2 ||
      deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, GZIP_WINDOW_BITS, GZIP_MEMORY_LEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
    return NULL;
  uLong bound = deflateBound(&z, (uLong)len);
  unsigned char *out = malloc(bound);
  if (out != NULL) {
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)bound;
    if (deflate(&z, Z_FINISH) == Z_STREAM_END) {
      *out_len = z.total_out;
    } else {
      free(out);
      out = NULL;
    }
  }
  deflateEnd(&z);
  return out;
}

/* The entity tag (quoted) of this start, the handler's tag and the coding; false when the
 * handler's tag is too long or has a character an entity tag cannot hold. */
static bool entity_tag(const mg_http_server_t *s, const char *etag, bool gzip, char out[MG_HTTP_ETAG_MAX + 1]) {
  for (const char *c = etag; *c; c++)
    if ((unsigned char)*c <= 0x20 || *c == '"' || (unsigned char)*c >= 0x7f) return false;
  int n = snprintf(out, MG_HTTP_ETAG_MAX + 1, "\"%s-%s%s\"", s->epoch, etag, gzip ? "-gzip" : "");
  return n > 0 && n <= MG_HTTP_ETAG_MAX;
}

/* Queues resp (NULL: nothing) with the headers of a representation. */
static void queue_representation(mg_http_request_t *r, unsigned status, struct MHD_Response *resp,
                                 const char *content_type, const char *quoted_tag, bool gzip) {
  if (resp != NULL &&
      (MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING) != MHD_YES ||
       (quoted_tag != NULL && (MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, quoted_tag) != MHD_YES ||
                               MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache") != MHD_YES)) ||
       (gzip && MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip") != MHD_YES))) {
    MHD_destroy_response(resp);
    resp = NULL;
  }
  mg_http_queue(r, status, resp, content_type, NULL);
}

/* The cache's key of an answer: its coding and the handler's key; false when too long to keep. */
static bool cache_key(const char *key, bool gzip, char out[CACHE_KEY_BYTES]) {
  int n = snprintf(out, CACHE_KEY_BYTES, "%s %s", gzip ? "gzip" : "identity", key);
  return n > 0 && n < CACHE_KEY_BYTES;
}

/* Answers with the body (taken), kept in the cache under key too unless key is NULL. */
static void respond_representation(mg_http_request_t *r, const char *content_type, char *body, size_t len,
                                   const char *etag, const char *key) {
  bool gzip = mg_http_accepts_gzip(mg_http_header(r, "Accept-Encoding"));
  char tag[MG_HTTP_ETAG_MAX + 1], kept_key[CACHE_KEY_BYTES];
  if (r->responded || (etag != NULL && !entity_tag(r->server, etag, gzip, tag))) {
    free(body);
    mg_http_respond_fallback(r);
    return;
  }
  if (etag != NULL && mg_http_if_none_match(mg_http_header(r, "If-None-Match"), tag)) {
    free(body);
    queue_representation(r, 304, MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT),
                         content_type, tag, gzip);
    mg_http_respond_fallback(r);
    return;
  }
  if (gzip) {
    size_t zlen = 0;
    unsigned char *z = gzip_bytes(body, len, &zlen);
    free(body);
    if (z == NULL) {
      mg_http_respond_fallback(r);
      return;
    }
    body = (char *)z;
    len = zlen;
  }
  if (key != NULL && etag != NULL && cache_key(key, gzip, kept_key))
    mg_http_cache_put(r->server->cache, kept_key, content_type, tag, body, len);
  struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
  if (resp == NULL) free(body);
  queue_representation(r, 200, resp, content_type, etag != NULL ? tag : NULL, gzip);
  mg_http_respond_fallback(r);
}

void mg_http_respond_body(mg_http_request_t *r, const char *content_type, char *body, size_t len, const char *etag) {
  respond_representation(r, content_type, body, len, etag, NULL);
}

void mg_http_respond_body_kept(mg_http_request_t *r, const char *content_type, char *body, size_t len,
                               const char *etag, const char *key) {
  respond_representation(r, content_type, body, len, etag, key);
}

typedef struct kept_answer {
  mg_http_request_t *r;
  bool gzip;
} kept_answer_t;

static void answer_kept(void *ctx, const char *content_type, const char *etag, const void *body, size_t len) {
  kept_answer_t *k = ctx;
  bool unchanged = mg_http_if_none_match(mg_http_header(k->r, "If-None-Match"), etag);
  struct MHD_Response *resp = unchanged ? MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT)
                                        : MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
  queue_representation(k->r, unchanged ? 304 : 200, resp, content_type, etag, k->gzip);
  mg_http_respond_fallback(k->r);
}

bool mg_http_respond_kept(mg_http_request_t *r, const char *key) {
  kept_answer_t k = {r, mg_http_accepts_gzip(mg_http_header(r, "Accept-Encoding"))};
  char kept_key[CACHE_KEY_BYTES];
  return !r->responded && cache_key(key, k.gzip, kept_key) && mg_http_cache_read(r->server->cache, kept_key, answer_kept, &k);
}

void mg_http_cache_stats(mg_http_server_t *s, size_t *bytes, size_t *entries) {
  mg_http_cache_usage(s->cache, bytes, entries);
}
