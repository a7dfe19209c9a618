/* http/server.h: a small REST server over libmicrohttpd with JSON (Jansson) bodies.
 *
 * The adapter turns HTTP into plain C calls: routes are "METHOD /path/{param}/..." patterns bound
 * to handlers; a handler reads the request (path parameters, query, headers, a size-limited body)
 * and answers with JSON, text or a stream (Server-Sent Events). It knows nothing of MAM. Limits are
 * explicit: body size (413 past it), header size, connections, per-connection time-out.
 *
 * Paths: the raw path is split on '/' and then each segment is percent-decoded, so %2F never
 * creates a segment; a path with a "." or ".." segment, a %00, a %2F or a malformed escape gets
 * 400 {"error":{"code":"bad_path"}}. One trailing slash is ignored ("/v1/x/" routes as "/v1/x").
 * Query strings are application/x-www-form-urlencoded ('+' is a space); a malformed escape or
 * %00 there gets 400 bad_query. Headers beyond about 32 KiB (MHD's per-connection memory) are
 * refused by MHD itself (431, or 414 for a long request line), as are malformed requests (400).
 *
 * Strict framing, since a proxy usually stands in front and must read a request as the server
 * does: HTTP/1.1 without Host (refused by MHD), more than one Content-Length, Host or Authorization
 * header, or Content-Length together with Transfer-Encoding get 400 {"error":{"code":"bad_request"}}
 * at once, and the connection is closed. HEAD is served by the GET route of the path, without the
 * body. With mg_http_allow_hosts, a Host header not in the list gets 421 host_not_allowed (DNS
 * rebinding). */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct mg_http_server mg_http_server_t;
typedef struct mg_http_request mg_http_request_t;

/* A field left 0 takes its default: 1 MiB body, 64 MiB discarded, a thread per CPU, 256 connections, 64
 * per client address, 30 s idle time-out, 10 s to send a request head, 16 MiB of kept answers. The
 * thread count is capped at the connection limit.
 *
 * A body too large gets 413 with the JSON error. So that every client reads that answer (many,
 * Node's fetch among them, give up on a connection closed while they still send), the body is read
 * and dropped and the 413 sent at its end, while it stays within max_discard_bytes past the limit.
 * The 413 comes at once, before the body, when the client asked for it with "Expect: 100-continue"
 * or when Content-Length announces more than that; the connection is then closed. A chunked body
 * that runs past the discard bound is cut off by closing the connection.
 *
 * A request head (request line and headers) must be complete within header_timeout_s of the
 * connection's opening or of its previous answer, however slowly its bytes trickle in; the
 * connection is closed otherwise. Connections past max_connections_per_ip from one address are
 * closed at once (behind a proxy every client shares the proxy's address); a few past
 * max_connections are accepted to answer 503 {"error":{"code":"server_busy"}} at once (they must
 * send their request head within a second). */
typedef struct mg_http_limits {
  size_t max_body_bytes;         /* larger bodies get 413 before the handler runs */
  uint64_t max_discard_bytes;    /* body bytes past max_body_bytes read and dropped for a clean 413 */
  unsigned threads;              /* worker threads (libmicrohttpd thread pool) */
  unsigned max_connections;
  unsigned max_connections_per_ip;
  unsigned connection_timeout_s; /* idle/slow clients are dropped after this */
  unsigned header_timeout_s;     /* a request head must be complete within this */
  size_t cache_bytes;            /* answers kept by mg_http_respond_body_kept (http/cache.h) */
} mg_http_limits_t;

/* A handler answers through one of the mg_http_respond_* calls (exactly one: later ones are
 * ignored, their JSON body and stream context freed; if it makes none the client gets 500), or
 * defers its answer (mg_http_defer). It may run on any worker thread, several at once, and must
 * answer or defer before it returns. */
typedef void (*mg_http_handler_t)(void *ctx, mg_http_request_t *req);

/* Streaming: called repeatedly to fill buf (up to max bytes); returns the bytes written, 0 to wait
 * a little (about 20 ms, the connection is suspended meanwhile) and be called again, or -1 to end
 * the stream. A client that went away is only noticed when data is written to it, so keep-alive
 * comments are the producer's job. free_fn (may be NULL) is called exactly once, on a worker
 * thread (or inside mg_http_respond_stream when no response can be made), when the stream ends,
 * the client goes away or the server stops. */
typedef ssize_t (*mg_http_stream_fn)(void *stream_ctx, char *buf, size_t max);
typedef void (*mg_http_stream_free_fn)(void *stream_ctx);

/* Starts listening on host:port (port 0: any free port; see mg_http_port). host is an IPv4 or IPv6
 * literal or a name ("localhost": its IPv4 address is preferred); NULL listens on every address.
 * limits may be NULL (all defaults). NULL on failure with a message in err (err may be NULL). */
mg_http_server_t *mg_http_start(const char *host, uint16_t port, const mg_http_limits_t *limits, char *err,
                                size_t err_len);
/* Stops accepting, waits for running handlers, ends open streams (their free_fn runs), answers
 * pending deferrals 503, closes keep-alive connections and frees everything. s may be NULL. */
void mg_http_stop(mg_http_server_t *s);
uint16_t mg_http_port(const mg_http_server_t *s);

/* Accepts only requests whose Host header is one of hosts, a comma-separated list of names
 * (spaces around them ignored) compared without regard to case, each with its port
 * ("localhost:8088") or without (the header then has none); "*" in the list accepts every Host.
 * Without a call every Host is accepted. Call before traffic arrives. 0, or -1 when out of memory
 * or the list is empty. */
int mg_http_allow_hosts(mg_http_server_t *s, const char *hosts);

/* Binds a pattern: method ("GET", "POST", "DELETE"), path with {name} segments matching one
 * non-empty segment. Routes are matched in registration order; 404 when no path matches, 405 with
 * an Allow header when the path matches another method. A GET route answers HEAD too. Register
 * before traffic arrives. 0 or -1 (out of memory, bad pattern). */
int mg_http_route(mg_http_server_t *s, const char *method, const char *pattern, mg_http_handler_t handler, void *ctx);

/* Request accessors (valid during the handler). Path parameters and query values are
 * percent-decoded; NULL when absent ("" for a query key without '='; the first of repeated keys
 * wins). mg_http_path is the path as sent, without the query. Header names are case-insensitive.
 * mg_http_body is never NULL: a NUL-terminated copy of the body ("" when there is none). */
const char *mg_http_method(const mg_http_request_t *r);
const char *mg_http_path(const mg_http_request_t *r);
const char *mg_http_param(const mg_http_request_t *r, const char *name);
const char *mg_http_query(const mg_http_request_t *r, const char *name);
const char *mg_http_header(const mg_http_request_t *r, const char *name);
const char *mg_http_body(const mg_http_request_t *r, size_t *len);
/* The body parsed as a JSON object; on failure answers 400 {"error":{"code":"bad_json",...}} itself
 * and returns NULL (the handler then just returns). The object is owned by the request: json_incref
 * it (or a part of it) before passing it to mg_http_respond_json. */
json_t *mg_http_json_body(mg_http_request_t *r);
/* True when the Authorization header is "Bearer <token>" (scheme case-insensitive; compared in
 * time that depends on the lengths only). Always false for a NULL or empty token. */
bool mg_http_bearer_ok(const mg_http_request_t *r, const char *token);

/* Responses. JSON bodies are stolen (decref'd by the adapter) and sent compact with a trailing
 * newline as application/json; a NULL body gives 500. status must be 200..599 (others are sent as
 * 500). */
void mg_http_respond_json(mg_http_request_t *r, int status, json_t *body);
/* The answer the handler makes next carries "Retry-After: seconds" (0: none), e.g. with a 503. */
void mg_http_retry_after(mg_http_request_t *r, unsigned seconds);
/* The one error body of the API: {"error": {"code": code, "message": message}} (new reference;
 * NULL when out of memory). mg_http_respond_error answers with it. */
json_t *mg_http_error_json(const char *code, const char *message);
/* {"error": {"code": code, "message": message}}, message formatted with printf rules */
void mg_http_respond_error(mg_http_request_t *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* text (len bytes, copied) with content_type, by default "text/plain; charset=utf-8". */
void mg_http_respond_text(mg_http_request_t *r, int status, const char *content_type, const char *text, size_t len);
/* Static bytes that outlive the server (len bytes at data, not copied) with content_type and extra
 * headers: a NULL-terminated list of name, value pairs (headers may be NULL). For compiled-in
 * files; a 304 passes len 0. */
void mg_http_respond_static(mg_http_request_t *r, int status, const char *content_type, const void *data, size_t len,
                            const char *const *headers);
/* A representation for GET (and HEAD): 200 with body (len bytes, malloc'd and taken: freed in every
 * case) of content_type, gzip-encoded when Accept-Encoding allows it (http/negotiate.h), with
 * "Vary: Accept-Encoding". With etag (NULL: none) the answer carries a strong ETag made of a mark
 * of this server's start, etag and the coding, and "Cache-Control: no-cache"; a request whose
 * If-None-Match lists that tag gets 304 without a body. The caller promises that the body is the
 * same whenever it passes the same etag during one run of the server (a restart changes every tag,
 * so a store reset between runs cannot resurrect an old one). etag: visible ASCII but '"'; the
 * whole tag (a 24-character mark, '-', etag and "-gzip") must fit MG_HTTP_ETAG_MAX (else 500). */
void mg_http_respond_body(mg_http_request_t *r, const char *content_type, char *body, size_t len, const char *etag);
/* As mg_http_respond_body (etag not NULL), and the answer as sent (after its coding) is kept under
 * key, so that mg_http_respond_kept can answer the same request again without the handler's work.
 * Only for representations that cannot change while the server runs: a kept answer never expires
 * (it is evicted, oldest first, when the cache is full). key: a few hundred bytes at most (longer
 * keys are not kept), naming everything the body depends on. */
void mg_http_respond_body_kept(mg_http_request_t *r, const char *content_type, char *body, size_t len,
                               const char *etag, const char *key);
/* Answers the request with what mg_http_respond_body_kept kept under key in the coding the request
 * accepts (304 when If-None-Match lists its tag) and returns true; false, answering nothing, when
 * none is kept. */
bool mg_http_respond_kept(mg_http_request_t *r, const char *key);
/* The bytes and answers kept now. */
void mg_http_cache_stats(mg_http_server_t *s, size_t *bytes, size_t *entries);

/* A streamed 200 response (content_type by default text/event-stream, with Cache-Control:
 * no-cache; chunked on HTTP/1.1) produced by fn (not NULL) until it returns -1 or the client
 * disconnects. */
void mg_http_respond_stream(mg_http_request_t *r, const char *content_type, mg_http_stream_fn fn, void *stream_ctx,
                            mg_http_stream_free_fn free_fn);

/* Deferred answers, for work too long for a worker thread (MHD's pool has few): the handler takes
 * a deferral of its request and returns; the connection is suspended (its worker serves the
 * others meanwhile) until another thread completes the deferral, which queues the answer and
 * resumes the connection. The handler must copy whatever it needs of the request before it
 * returns: the request is not to be touched once deferred (the server may end it, see below).
 * NULL (nothing deferred: answer as usual) when out of memory or the server stops. */
typedef struct mg_http_deferred mg_http_deferred_t;
mg_http_deferred_t *mg_http_defer(mg_http_request_t *r);
/* Completes d from any thread, exactly once, and frees it: status (200..599, else 500) with the
 * JSON text (len bytes, copied; sent as application/json) and extra headers (a NULL-terminated
 * list of name, value pairs, or NULL). A client that went away meanwhile just misses the answer.
 * When the server stopped first (mg_http_stop answers every pending deferral 503 server_stopping
 * and resumes its connection), this only frees d: it may be called after mg_http_stop. */
void mg_http_deferred_answer(mg_http_deferred_t *d, int status, const char *json_text, size_t len,
                             const char *const *headers);

/* Counters for metrics: responses the adapter queued, by status class and in total (not the ones
 * MHD sends by itself for malformed or oversized requests). Safe to call from any thread. */
typedef struct mg_http_stats {
  uint64_t requests, status_2xx, status_4xx, status_5xx;
  uint64_t by_status[600]; /* index = status code */
} mg_http_stats_t;
void mg_http_get_stats(mg_http_server_t *s, mg_http_stats_t *out);

#endif
