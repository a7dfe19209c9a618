/* The REST adapter (http/server.h) over real HTTP on loopback with libcurl: routing with
 * percent-encoded parameters and queries, 404 and 405, JSON errors, body limits (announced and
 * chunked), oversized headers, path traversal, bearer tokens, concurrent keep-alive clients, slow
 * clients, Server-Sent Events streams (events, disconnects, idle streams, stopping with open
 * streams), deferred answers (completed from another thread, after the client left, or by the
 * server's stop), start errors and counters; and the path and pattern rules of http/route.h alone. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "http/cache.h"
#include "http/header.h"
#include "http/negotiate.h"
#include "http/route.h"
#include "http/server.h"
#include "tests/testutil.h"

#define MAX_BODY 1024
#define TOKEN "s3cret-token-0123456789"
#define URL_SIZE 256
#define FIELD_SIZE 128
#define CLIENT_THREADS 16
#define REQUESTS_PER_THREAD 50
#define SLOW_CLIENTS 3
#define WAIT_MS 5000
#define BIG_HEADER_BYTES 40000
#define IDLE_WATCH_MS 600
#define DISCARD_BYTES (64 * 1024)
#define PER_IP 4
#define REPLY_BYTES 4096

static mg_http_server_t *server;
static char base_url[URL_SIZE];
static atomic_int stream_frees;
static atomic_int idle_calls;
static _Atomic(mg_http_deferred_t *) deferral; /* the last one h_deferred took */

/* ---- time ---- */

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Waits up to WAIT_MS for the counter to reach want; its value then. */
static int wait_for_count(atomic_int *counter, int want) {
  for (double until = now_ms() + WAIT_MS; atomic_load(counter) < want && now_ms() < until;) sleep_ms(5);
  return atomic_load(counter);
}

/* ---- handlers ---- */

static void h_echo(void *ctx, mg_http_request_t *r) {
  (void)ctx;
  mg_http_respond_json(r, 200,
                       json_pack("{s:s?,s:s?,s:s?,s:s?,s:s?,s:s,s:s}", "a", mg_http_param(r, "a"), "b",
                                 mg_http_param(r, "b"), "q", mg_http_query(r, "q"), "n", mg_http_query(r, "n"), "flag",
                                 mg_http_query(r, "flag"), "path", mg_http_path(r), "method", mg_http_method(r)));
}

static void h_things_list(void *ctx, mg_http_request_t *r) {
  (void)ctx;
  mg_http_respond_json(r, 200, json_pack("{s:[]}", "items"));
}

static void h_things_create(void *ctx, mg_http_request_t *r) {
  (void)ctx;
  if (!mg_http_bearer_ok(r, TOKEN)) {
    mg_http_respond_error(r, 401, "unauthorized", "a valid bearer token is required");
    return;
  }
  json_t *body = mg_http_json_body(r);
  if (body == NULL) return;
  mg_http_respond_json(r, 201, json_pack("{s:I}", "keys", (json_int_t)json_object_size(body)));
}

static void h_thing_delete(void *ctx, mg_http_request_t *r) {
  (void)ctx;
  if (!mg_http_bearer_ok(r, TOKEN)) {
    mg_http_respond_error(r, 401, "unauthorized", "a valid bearer token is required");
    return;
  }
  mg_http_respond_json(r, 200, json_pack("{s:s}", "deleted", mg_http_param(r, "id")));
}

/* Length and byte sum of the body, so that the test sees what arrived. */
static void h_raw(void *ctx, mg_http_request_t *r) {
  (void)ctx;
  size_t len;
  const unsigned char *body = (const unsigned char *)mg_http_body(r, &len);
  json_int_t sum = 0;
  for (size_t i = 0; i < len; i++) sum += body[i];
  mg_http_respond_json(r, 200, json_pack("{s:I,s:I}", "len", (json_int_t)len, "sum", sum));
}

static void h_silent(void *ctx, mg_http_request_t *r) { (void)ctx, (void)r; }

static void h_text(void *ctx, mg_http_request_t *r) {
  (void)ctx;
  mg_http_respond_text(r, 200, NULL, "hello\n", 6);
}

#define PAGE_BYTES 5000

/* A representation of PAGE_BYTES with the entity tag of the "tag" query (none without it). */
static void h_page(void *ctx, mg_http_request_t *r) {
  (void)ctx;
  char *body = malloc(PAGE_BYTES);
  ck_assert_ptr_nonnull(body);
  for (size_t i = 0; i < PAGE_BYTES; i++) body[i] = (char)('a' + i % 7);
  mg_http_respond_body(r, "application/json", body, PAGE_BYTES, mg_http_query(r, "tag"));
}

/* Streams: each event is preceded by one "nothing yet" answer, so that parking is exercised. */
typedef struct events {
  int total, sent; /* total < 0: endless */
  bool waited;
} events_t;

static ssize_t produce_events(void *cls, char *buf, size_t max) {
  events_t *e = cls;
  if (e->sent == e->total) return -1;
  if (!e->waited) {
    e->waited = true;
    return 0;
  }
  e->waited = false;
  int n = snprintf(buf, max, "data: %d\n\n", e->sent++);
  return n > 0 && (size_t)n < max ? n : -1;
}

/* One comment, then nothing at all. */
static ssize_t produce_idle(void *cls, char *buf, size_t max) {
  (void)max;
  bool *opened = cls;
  atomic_fetch_add(&idle_calls, 1);
  if (*opened) return 0;
  *opened = true;
  memcpy(buf, ": open\n\n", 8);
  return 8;
}

static void free_stream(void *cls) {
  free(cls);
  atomic_fetch_add(&stream_frees, 1);
}

static void h_events(void *ctx, mg_http_request_t *r) {
  (void)ctx;
  const char *n = mg_http_query(r, "n");
  events_t *e = calloc(1, sizeof *e);
  if (e == NULL) {
    mg_http_respond_error(r, 500, "internal", "out of memory");
    return;
  }
  e->total = n ? atoi(n) : -1;
  mg_http_respond_stream(r, NULL, produce_events, e, free_stream);
}

static void h_idle(void *ctx, mg_http_request_t *r) {
  (void)ctx;
  bool *opened = calloc(1, sizeof *opened);
  if (opened == NULL) {
    mg_http_respond_error(r, 500, "internal", "out of memory");
    return;
  }
  mg_http_respond_stream(r, "text/event-stream", produce_idle, opened, free_stream);
}

static atomic_int kept_renders;

/* A kept page under the "key" query: rendered (and counted) only when nothing is kept. */
static void h_kept(void *ctx, mg_http_request_t *r) {
  (void)ctx;
  const char *key = mg_http_query(r, "key");
  if (mg_http_respond_kept(r, key)) return;
  atomic_fetch_add(&kept_renders, 1);
  char *body = malloc(PAGE_BYTES);
  ck_assert_ptr_nonnull(body);
  for (size_t i = 0; i < PAGE_BYTES; i++) body[i] = (char)('a' + i % 5);
  mg_http_respond_body_kept(r, "application/json", body, PAGE_BYTES, key, key);
}

/* Defers its answer; the test completes it (mg_http_deferred_answer) from its own thread. */
static void h_deferred(void *ctx, mg_http_request_t *r) {
  (void)ctx;
  mg_http_deferred_t *d = mg_http_defer(r);
  ck_assert_ptr_nonnull(d);
  ck_assert_ptr_null(mg_http_defer(r)); /* once */
  atomic_store(&deferral, d);
}

static void add_routes(mg_http_server_t *s) {
  ck_assert_int_eq(mg_http_route(s, "POST", "/v1/deferred", h_deferred, NULL), 0);
  ck_assert_int_eq(mg_http_route(s, "GET", "/v1/echo/{a}/items/{b}", h_echo, NULL), 0);
  ck_assert_int_eq(mg_http_route(s, "GET", "/v1/things", h_things_list, NULL), 0);
  ck_assert_int_eq(mg_http_route(s, "POST", "/v1/things", h_things_create, NULL), 0);
  ck_assert_int_eq(mg_http_route(s, "DELETE", "/v1/things/{id}", h_thing_delete, NULL), 0);
  ck_assert_int_eq(mg_http_route(s, "POST", "/v1/raw", h_raw, NULL), 0);
  ck_assert_int_eq(mg_http_route(s, "GET", "/v1/silent", h_silent, NULL), 0);
  ck_assert_int_eq(mg_http_route(s, "GET", "/v1/text", h_text, NULL), 0);
  ck_assert_int_eq(mg_http_route(s, "GET", "/v1/events", h_events, NULL), 0);
  ck_assert_int_eq(mg_http_route(s, "GET", "/v1/idle", h_idle, NULL), 0);
  ck_assert_int_eq(mg_http_route(s, "GET", "/v1/page", h_page, NULL), 0);
  ck_assert_int_eq(mg_http_route(s, "GET", "/v1/kept", h_kept, NULL), 0);
}

/* A server on host with the test routes; base_url names it through url_host. */
static mg_http_server_t *start_server(const char *host, const char *url_host, unsigned timeout_s) {
  mg_http_limits_t limits = {.max_body_bytes = MAX_BODY,
                             .max_discard_bytes = DISCARD_BYTES,
                             .threads = 4,
                             .max_connections = 64,
                             .max_connections_per_ip = 64,
                             .connection_timeout_s = timeout_s,
                             .header_timeout_s = timeout_s};
  char err[256] = "";
  mg_http_server_t *s = mg_http_start(host, 0, &limits, err, sizeof err);
  ck_assert_msg(s != NULL, "start: %s", err);
  add_routes(s);
  snprintf(base_url, sizeof base_url, "http://%s:%u", url_host, (unsigned)mg_http_port(s));
  return s;
}

static void setup(void) {
  atomic_store(&stream_frees, 0);
  atomic_store(&idle_calls, 0);
  server = start_server("127.0.0.1", "127.0.0.1", 10);
}

static void teardown(void) {
  mg_http_stop(server);
  server = NULL;
}

/* ---- a libcurl client ---- */

typedef struct reply {
  CURLcode rc;
  long status;
  char *body;
  size_t len;
  char content_type[FIELD_SIZE];
  char allow[FIELD_SIZE];
  char etag[FIELD_SIZE], content_encoding[FIELD_SIZE], vary[FIELD_SIZE];
  long connects;          /* new connections this request needed */
  curl_off_t content_length; /* as announced; -1 when absent */
  const char *stop_after; /* abort the transfer once the body contains this */
  atomic_bool *seen;      /* set once body bytes arrived */
} reply_t;

static size_t collect_body(char *data, size_t size, size_t n, void *cls) {
  reply_t *r = cls;
  char *grown = realloc(r->body, r->len + size * n + 1);
  if (grown == NULL) return 0;
  r->body = grown;
  memcpy(r->body + r->len, data, size * n);
  r->len += size * n;
  r->body[r->len] = '\0';
  if (r->seen) atomic_store(r->seen, true);
  return r->stop_after && strstr(r->body, r->stop_after) ? 0 : size * n;
}

/* Copies the value of header line data into out when its name is name. */
static void header_value(const char *data, size_t len, const char *name, char out[FIELD_SIZE]) {
  size_t n = strlen(name);
  if (len <= n || strncasecmp(data, name, n) != 0 || data[n] != ':') return;
  size_t start = n + 1, end = len;
  while (start < end && data[start] == ' ') start++;
  while (end > start && (data[end - 1] == '\r' || data[end - 1] == '\n')) end--;
  snprintf(out, FIELD_SIZE, "%.*s", (int)(end - start), data + start);
}

static size_t collect_header(char *data, size_t size, size_t n, void *cls) {
  reply_t *r = cls;
  size_t len = size * n;
  header_value(data, len, "Allow", r->allow);
  header_value(data, len, "ETag", r->etag);
  header_value(data, len, "Content-Encoding", r->content_encoding);
  header_value(data, len, "Vary", r->vary);
  return len;
}

typedef struct upload {
  size_t left;
} upload_t;

/* Chunked upload source: 'x' bytes, at most 100 per call (so several chunks go out). */
static size_t read_upload(char *buf, size_t size, size_t n, void *cls) {
  upload_t *u = cls;
  size_t k = size * n < 100 ? size * n : 100;
  if (k > u->left) k = u->left;
  memset(buf, 'x', k);
  u->left -= k;
  return k;
}

typedef struct request {
  const char *method, *path;
  const char *body; /* sent with Content-Length */
  size_t body_len;
  size_t chunked_len; /* not 0: a chunked upload of this many bytes instead */
  const char *auth;   /* Authorization header value */
  const char *header; /* one more header line */
  const char *accept_encoding; /* decoded by libcurl */
  const char *stop_after;
  atomic_bool *seen;
  long timeout_ms; /* 0: WAIT_MS * 2 */
} request_t;

static void reply_free(reply_t *r) { free(r->body); }

static reply_t perform_on(CURL *curl, const request_t *q) {
  reply_t r = {.stop_after = q->stop_after, .seen = q->seen};
  char url[URL_SIZE + BIG_HEADER_BYTES];
  char auth[FIELD_SIZE];
  snprintf(url, sizeof url, "%s%s", base_url, q->path);
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, q->timeout_ms ? q->timeout_ms : (long)WAIT_MS * 2);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, q->method);
  if (strcmp(q->method, "HEAD") == 0) curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r);
  struct curl_slist *headers = NULL;
  if (q->auth) {
    snprintf(auth, sizeof auth, "Authorization: %s", q->auth);
    headers = curl_slist_append(headers, auth);
  }
  if (q->header) headers = curl_slist_append(headers, q->header);
  if (q->accept_encoding) curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, q->accept_encoding);
  upload_t up = {.left = q->chunked_len};
  if (q->chunked_len > 0) {
    headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &up);
  } else if (q->body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, q->body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  r.rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &r.connects);
  curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &r.content_length);
  char *type = NULL;
  if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
    snprintf(r.content_type, sizeof r.content_type, "%s", type);
  curl_slist_free_all(headers);
  return r;
}

static reply_t perform(const request_t *q) {
  CURL *curl = curl_easy_init();
  ck_assert_ptr_nonnull(curl);
  reply_t r = perform_on(curl, q);
  curl_easy_cleanup(curl);
  return r;
}

static reply_t get(const char *path) { return perform(&(request_t){.method = "GET", .path = path}); }

static reply_t post(const char *path, const char *body, size_t len, const char *auth) {
  return perform(&(request_t){.method = "POST", .path = path, .body = body, .body_len = len, .auth = auth});
}

static reply_t post_json(const char *body, const char *auth) { return post("/v1/things", body, strlen(body), auth); }

static reply_t post_chunked(size_t len) {
  return perform(&(request_t){.method = "POST", .path = "/v1/raw", .chunked_len = len});
}

/* The reply as a JSON object; fails the test when it is not one. */
static json_t *reply_json(const reply_t *r) {
  ck_assert_msg(r->len > 0 && r->body[r->len - 1] == '\n', "JSON replies end with a newline");
  json_t *j = json_loadb(r->body, r->len, 0, NULL);
  ck_assert_msg(json_is_object(j), "not a JSON object: %s", r->body ? r->body : "(none)");
  ck_assert_str_eq(r->content_type, "application/json");
  return j;
}

static void assert_string_field(const reply_t *r, const char *key, const char *want) {
  json_t *j = reply_json(r);
  const char *got = json_string_value(json_object_get(j, key));
  ck_assert_msg(got != NULL, "no string '%s' in %s", key, r->body);
  ck_assert_str_eq(got, want);
  json_decref(j);
}

static json_int_t int_field(const reply_t *r, const char *key) {
  json_t *j = reply_json(r);
  json_t *v = json_object_get(j, key);
  ck_assert_msg(json_is_integer(v), "no integer '%s' in %s", key, r->body);
  json_int_t n = json_integer_value(v);
  json_decref(j);
  return n;
}

/* Status and error code of an error reply. */
static void expect_error(reply_t r, long status, const char *code) {
  ck_assert_msg(r.status == status, "status %ld, want %ld: %s", r.status, status, r.body ? r.body : "");
  json_t *j = reply_json(&r);
  const char *got = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
  ck_assert_msg(got != NULL, "no error code in %s", r.body);
  ck_assert_str_eq(got, code);
  ck_assert_ptr_nonnull(json_string_value(json_object_get(json_object_get(j, "error"), "message")));
  json_decref(j);
  reply_free(&r);
}

/* ---- raw sockets ---- */

static int connect_raw(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  struct timeval tv = {WAIT_MS / 1000, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

static void send_text(int fd, const char *text) {
  ck_assert_int_eq(send(fd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
}

/* Sends a raw request on a new connection and reads until the server closes it; the status, with
 * the error code of a JSON body in code (room for FIELD_SIZE bytes). */
static int raw_exchange(const char *request, char code[FIELD_SIZE]) {
  int fd = connect_raw(mg_http_port(server));
  send_text(fd, request);
  char reply[REPLY_BYTES];
  size_t len = 0;
  ssize_t n;
  while (len < sizeof reply - 1 && (n = recv(fd, reply + len, sizeof reply - 1 - len, 0)) > 0) len += (size_t)n;
  close(fd);
  reply[len] = '\0';
  int status = 0;
  ck_assert_msg(sscanf(reply, "HTTP/1.%*d %d", &status) == 1, "no status line in '%s'", reply);
  const char *body = strstr(reply, "\r\n\r\n");
  json_t *j = body ? json_loads(body + 4, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
  const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
  snprintf(code, FIELD_SIZE, "%s", c ? c : "");
  json_decref(j);
  return status;
}

/* True when the server ended fd (end of file or reset); data waiting is read and dropped. */
static bool is_closed(int fd) {
  char buf[256];
  ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* Milliseconds until the server ends fd, at most about limit_ms. */
static double ms_until_closed(int fd, double limit_ms) {
  double t0 = now_ms();
  while (!is_closed(fd) && now_ms() - t0 < limit_ms) sleep_ms(10);
  return now_ms() - t0;
}

/* ---- route.h on its own ---- */

static void expect_decode(const char *in, const char *want) {
  char out[64];
  size_t len;
  ck_assert_msg(mg_percent_decode(in, strlen(in), out, &len), "decode %s", in);
  ck_assert_uint_eq(len, strlen(want));
  ck_assert_str_eq(out, want);
}

START_TEST(test_percent_decode) {
  expect_decode("", "");
  expect_decode("plain+text", "plain+text");
  expect_decode("a%20b%2fc%2F", "a b/c/");
  expect_decode("%E2%82%ac", "\xe2\x82\xac");
  char out[16];
  size_t len;
  const char *bad[] = {"%", "%2", "a%2", "%zz", "%2g", "%00", "a%00b", "%%41"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    ck_assert_msg(!mg_percent_decode(bad[i], strlen(bad[i]), out, &len), "accepted %s", bad[i]);
  /* only n bytes are read: the escape cut by the length is malformed */
  ck_assert(!mg_percent_decode("%41", 2, out, &len));
  ck_assert(mg_percent_decode("ab%41", 2, out, &len) && len == 2 && strcmp(out, "ab") == 0);
}
END_TEST

/* Every path error has its own description, and an unknown value still gets one. */
START_TEST(test_path_strerror) {
  for (int i = 0; i < MG_PATH_ERR__COUNT; i++) {
    ck_assert_ptr_nonnull(mg_path_strerror((mg_path_err_t)i));
    ck_assert_uint_gt(strlen(mg_path_strerror((mg_path_err_t)i)), 0);
    for (int j = 0; j < i; j++) ck_assert_str_ne(mg_path_strerror((mg_path_err_t)i), mg_path_strerror((mg_path_err_t)j));
  }
  ck_assert_ptr_nonnull(mg_path_strerror(MG_PATH_ERR__COUNT));
}
END_TEST

/* Host lists: names compared without case, with or without the port as listed, spaces around
 * names ignored, "*" for any; token comparison: equal only when equal, prefixes included. */
START_TEST(test_header_values) {
  ck_assert(mg_header_host_listed("a.example, LOCALHOST:8088 ,b", "localhost:8088"));
  ck_assert(mg_header_host_listed("a.example,b", "b"));
  ck_assert(!mg_header_host_listed("a.example,b", "localhost"));
  ck_assert(!mg_header_host_listed("localhost:8088", "localhost"));
  ck_assert(!mg_header_host_listed("localhost", "localhost:8088"));
  ck_assert(!mg_header_host_listed("", "localhost"));
  ck_assert(mg_header_host_listed("x, * ", "anything"));
  ck_assert(mg_header_equal_ct("token", "token"));
  ck_assert(mg_header_equal_ct("", ""));
  ck_assert(!mg_header_equal_ct("token", "tokem"));
  ck_assert(!mg_header_equal_ct("token", "token2"));
  ck_assert(!mg_header_equal_ct("tok", "token"));
  ck_assert(!mg_header_equal_ct("", "t"));
}
END_TEST

/* The one JSON error body of the adapter, which routes also build answers from. */
START_TEST(test_error_json) {
  json_t *e = mg_http_error_json("not_found", "no such thing");
  ck_assert_ptr_nonnull(e);
  char *text = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
  ck_assert_str_eq(text, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such thing\"}}");
  free(text);
  json_decref(e);
}
END_TEST

START_TEST(test_path_split) {
  mg_path_t p;
  ck_assert_int_eq(mg_path_split("/", &p), MG_PATH_OK);
  ck_assert_uint_eq(p.n, 0);
  mg_path_free(&p);
  ck_assert_int_eq(mg_path_split("/v1/a%2Bb/%41/", &p), MG_PATH_OK);
  ck_assert_uint_eq(p.n, 3);
  ck_assert_str_eq(p.segs[0], "v1");
  ck_assert_str_eq(p.segs[1], "a+b");
  ck_assert_str_eq(p.segs[2], "A");
  mg_path_free(&p);
  ck_assert_int_eq(mg_path_split("/a//b//", &p), MG_PATH_OK);
  ck_assert_uint_eq(p.n, 4);
  ck_assert_str_eq(p.segs[1], "");
  ck_assert_str_eq(p.segs[3], "");
  mg_path_free(&p);
  ck_assert_int_eq(mg_path_split("/a/...", &p), MG_PATH_OK);
  mg_path_free(&p);
  ck_assert_int_eq(mg_path_split("v1/x", &p), MG_PATH_NOT_ABSOLUTE);
  ck_assert_int_eq(mg_path_split("*", &p), MG_PATH_NOT_ABSOLUTE);
  ck_assert_int_eq(mg_path_split("/v1/../x", &p), MG_PATH_DOT_SEGMENT);
  ck_assert_int_eq(mg_path_split("/v1/..", &p), MG_PATH_DOT_SEGMENT);
  ck_assert_int_eq(mg_path_split("/v1/./x", &p), MG_PATH_DOT_SEGMENT);
  ck_assert_int_eq(mg_path_split("/v1/%2e%2E/x", &p), MG_PATH_DOT_SEGMENT);
  ck_assert_int_eq(mg_path_split("/v1/.%2e/", &p), MG_PATH_DOT_SEGMENT);
  ck_assert_int_eq(mg_path_split("/v1/a%2Fb", &p), MG_PATH_SEPARATOR);
  ck_assert_int_eq(mg_path_split("/v1/..%2f..", &p), MG_PATH_SEPARATOR);
  ck_assert_int_eq(mg_path_split("/v1/a%00", &p), MG_PATH_BAD_ESCAPE);
  ck_assert_int_eq(mg_path_split("/v1/a%x1", &p), MG_PATH_BAD_ESCAPE);
  ck_assert_ptr_null(p.text);
}
END_TEST

START_TEST(test_patterns) {
  mg_pattern_t pat;
  mg_path_t path;
  ck_assert_int_eq(mg_pattern_parse("/v1/channels/{id}/messages/{msg_2}", &pat), 0);
  ck_assert_int_eq(mg_path_split("/v1/channels/AB%43/messages/x%20y", &path), MG_PATH_OK);
  ck_assert(mg_pattern_match(&pat, &path));
  ck_assert_str_eq(mg_pattern_param(&pat, &path, "id"), "ABC");
  ck_assert_str_eq(mg_pattern_param(&pat, &path, "msg_2"), "x y");
  ck_assert_ptr_null(mg_pattern_param(&pat, &path, "channels"));
  ck_assert_ptr_null(mg_pattern_param(&pat, &path, "nope"));
  mg_path_free(&path);
  const char *misses[] = {"/v1/channels/A/messages", "/v1/channels//messages/x", "/v1/channels/A/messages/x/y",
                          "/v1/channelz/A/messages/x", "/"};
  for (size_t i = 0; i < sizeof misses / sizeof *misses; i++) {
    ck_assert_int_eq(mg_path_split(misses[i], &path), MG_PATH_OK);
    ck_assert_msg(!mg_pattern_match(&pat, &path), "matched %s", misses[i]);
    mg_path_free(&path);
  }
  mg_pattern_free(&pat);
  ck_assert_int_eq(mg_pattern_parse("/", &pat), 0);
  ck_assert_int_eq(mg_path_split("/", &path), MG_PATH_OK);
  ck_assert(mg_pattern_match(&pat, &path));
  mg_path_free(&path);
  mg_pattern_free(&pat);
  const char *bad[] = {"",         "v1",          "/v1/",   "/v1//x",  "/v1/{}",    "/v1/{a b}", "/v1/x{a}",
                       "/v1/{a}x", "/v1/{a}/{a}", "/v1/..", "/v1/./x", "/v1/a%20b", "/v1/a?b",   "/v1/{a-b}"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    ck_assert_msg(mg_pattern_parse(bad[i], &pat) == -1, "accepted pattern '%s'", bad[i]);
}
END_TEST

/* ---- routing over HTTP ---- */

START_TEST(test_params_and_query) {
  reply_t r = get("/v1/echo/he%20llo%2Bx/items/%E2%82%AC?q=a%26b%3Dc&n=1+2&flag&q=second");
  ck_assert_int_eq(r.status, 200);
  assert_string_field(&r, "a", "he llo+x");
  assert_string_field(&r, "b", "\xe2\x82\xac");
  assert_string_field(&r, "q", "a&b=c");
  assert_string_field(&r, "n", "1 2");
  assert_string_field(&r, "flag", "");
  assert_string_field(&r, "path", "/v1/echo/he%20llo%2Bx/items/%E2%82%AC");
  assert_string_field(&r, "method", "GET");
  reply_free(&r);
  r = get("/v1/%65cho/x/items/y");
  ck_assert_int_eq(r.status, 200);
  assert_string_field(&r, "a", "x");
  json_t *j = reply_json(&r);
  ck_assert(json_is_null(json_object_get(j, "q")));
  json_decref(j);
  reply_free(&r);
}
END_TEST

START_TEST(test_trailing_slash) {
  reply_t r = get("/v1/echo/a/items/b/");
  ck_assert_int_eq(r.status, 200);
  assert_string_field(&r, "b", "b");
  reply_free(&r);
  expect_error(get("/v1/echo/a/items/b//"), 404, "not_found");
}
END_TEST

START_TEST(test_not_found) {
  expect_error(get("/v1/nope"), 404, "not_found");
  expect_error(get("/v1/echo/a/items"), 404, "not_found");
  expect_error(get("/v1/echo//items/b"), 404, "not_found");
  expect_error(get("/"), 404, "not_found");
  expect_error(get("/V1/things"), 404, "not_found");
}
END_TEST

START_TEST(test_method_not_allowed) {
  reply_t r = perform(&(request_t){.method = "PUT", .path = "/v1/things"});
  ck_assert_str_eq(r.allow, "GET, HEAD, POST");
  expect_error(r, 405, "method_not_allowed");
  r = perform(&(request_t){.method = "DELETE", .path = "/v1/echo/a/items/b"});
  ck_assert_str_eq(r.allow, "GET, HEAD");
  expect_error(r, 405, "method_not_allowed");
  r = get("/v1/things/7");
  ck_assert_str_eq(r.allow, "DELETE");
  expect_error(r, 405, "method_not_allowed");
}
END_TEST

START_TEST(test_text_and_missing_answer) {
  reply_t r = get("/v1/text");
  ck_assert_int_eq(r.status, 200);
  ck_assert_str_eq(r.content_type, "text/plain; charset=utf-8");
  ck_assert_str_eq(r.body, "hello\n");
  reply_free(&r);
  expect_error(get("/v1/silent"), 500, "internal");
}
END_TEST

START_TEST(test_bad_json) {
  const char *bad[] = {"", "{\"a\":", "[1,2]", "\"text\"", "{\"a\":1,\"a\":2}", "{\"a\":1} x"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    expect_error(post_json(bad[i], "Bearer " TOKEN), 400, "bad_json");
  expect_error(post("/v1/things", "{\"a\":\"\0\"}", 9, "Bearer " TOKEN), 400, "bad_json");
  reply_t r = post_json("{\"a\":1,\"b\":[true]}", "Bearer " TOKEN);
  ck_assert_int_eq(r.status, 201);
  ck_assert_int_eq(int_field(&r, "keys"), 2);
  reply_free(&r);
}
END_TEST

/* ---- limits ---- */

START_TEST(test_body_limit) {
  char *body = malloc(MAX_BODY + 1);
  ck_assert_ptr_nonnull(body);
  for (size_t i = 0; i <= MAX_BODY; i++) body[i] = (char)('a' + i % 26);
  json_int_t sum = 0;
  for (size_t i = 0; i < MAX_BODY; i++) sum += (unsigned char)body[i];
  reply_t r = post("/v1/raw", body, MAX_BODY, NULL);
  ck_assert_int_eq(r.status, 200);
  ck_assert_int_eq(int_field(&r, "len"), MAX_BODY);
  ck_assert_int_eq(int_field(&r, "sum"), sum);
  reply_free(&r);
  expect_error(post("/v1/raw", body, MAX_BODY + 1, NULL), 413, "payload_too_large");
  free(body);
  /* announced far too large: answered before the body is sent (curl waits for 100-continue) */
  size_t big = (size_t)4 << 20;
  char *huge = calloc(1, big);
  ck_assert_ptr_nonnull(huge);
  expect_error(post("/v1/raw", huge, big, NULL), 413, "payload_too_large");
  free(huge);
  /* an empty body is fine */
  r = post("/v1/raw", "", 0, NULL);
  ck_assert_int_eq(r.status, 200);
  ck_assert_int_eq(int_field(&r, "len"), 0);
  reply_free(&r);
}
END_TEST

START_TEST(test_chunked_body) {
  reply_t r = post_chunked(MAX_BODY);
  ck_assert_int_eq(r.status, 200);
  ck_assert_int_eq(int_field(&r, "len"), MAX_BODY);
  ck_assert_int_eq(int_field(&r, "sum"), (json_int_t)MAX_BODY * 'x');
  reply_free(&r);
  expect_error(post_chunked(MAX_BODY + 1), 413, "payload_too_large");
  expect_error(post_chunked(MAX_BODY * 8), 413, "payload_too_large");
  /* far past the limit: the connection is closed instead of reading on */
  r = post_chunked((size_t)2 << 20);
  ck_assert_int_ne(r.status, 200);
  ck_assert_int_ne(r.rc, CURLE_OK);
  reply_free(&r);
  r = get("/v1/things");
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
}
END_TEST

START_TEST(test_oversized_headers) {
  char *header = malloc(BIG_HEADER_BYTES + 16);
  ck_assert_ptr_nonnull(header);
  strcpy(header, "X-Big: ");
  memset(header + 7, 'h', BIG_HEADER_BYTES);
  header[7 + BIG_HEADER_BYTES] = '\0';
  reply_t r = perform(&(request_t){.method = "GET", .path = "/v1/things", .header = header});
  ck_assert_msg(r.status == 431 || r.status == 413, "status %ld", r.status);
  reply_free(&r);
  /* the same amount in the request line */
  strcpy(header, "/v1/");
  memset(header + 4, 'p', BIG_HEADER_BYTES);
  header[4 + BIG_HEADER_BYTES] = '\0';
  r = get(header);
  ck_assert_msg(r.status == 414 || r.status == 431 || r.status == 413, "status %ld", r.status);
  reply_free(&r);
  free(header);
  r = get("/v1/things");
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
}
END_TEST

START_TEST(test_path_traversal) {
  const char *paths[] = {"/v1/../v1/things",
                         "/v1/%2e%2e/v1/things",
                         "/v1/%2E%2E/x",
                         "/v1/echo/%2e%2e/items/b",
                         "/v1/echo/./items/b",
                         "/v1/echo/a/items/..",
                         "/v1/echo/a%2F..%2F..%2Fetc/items/b",
                         "/v1/echo/a%00b/items/c",
                         "/v1/echo/a%zz/items/c",
                         "/v1/echo/a%/items/c",
                         "/../../etc/passwd"};
  for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) expect_error(get(paths[i]), 400, "bad_path");
  expect_error(get("/v1/echo/a/items/b?q=%00"), 400, "bad_query");
  expect_error(get("/v1/echo/a/items/b?q=%G1"), 400, "bad_query");
  expect_error(get("/v1/echo/a/items/b?%zz=1"), 400, "bad_query");
  reply_t r = get("/v1/echo/..a/items/.b.");
  ck_assert_int_eq(r.status, 200);
  assert_string_field(&r, "a", "..a");
  reply_free(&r);
}
END_TEST

/* ---- bearer tokens ---- */

START_TEST(test_bearer) {
  char same_length[] = "Bearer " TOKEN;
  same_length[sizeof same_length - 2] ^= 1;
  const char *refused[] = {NULL,
                           "",
                           "Bearer",
                           "Bearer ",
                           "Bearer wrong",
                           same_length,
                           "Bearer " TOKEN "x",
                           "Bearer s3cret",
                           "Basic " TOKEN,
                           "Bearer" TOKEN,
                           TOKEN};
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
    expect_error(post_json("{}", refused[i]), 401, "unauthorized");
  reply_t r = post_json("{}", "Bearer " TOKEN);
  ck_assert_int_eq(r.status, 201);
  reply_free(&r);
  r = post_json("{\"k\":1}", "bearer   " TOKEN);
  ck_assert_int_eq(r.status, 201);
  reply_free(&r);
  expect_error(perform(&(request_t){.method = "DELETE", .path = "/v1/things/42"}), 401, "unauthorized");
  r = perform(&(request_t){.method = "DELETE", .path = "/v1/things/42", .auth = "Bearer " TOKEN});
  ck_assert_int_eq(r.status, 200);
  assert_string_field(&r, "deleted", "42");
  reply_free(&r);
}
END_TEST

/* ---- concurrency and slow clients ---- */

typedef struct client_run {
  int id;
  int failures;
  long connects;
} client_run_t;

/* Sequential requests on one keep-alive connection; each checks its own echo. */
static void *client_thread(void *arg) {
  client_run_t *run = arg;
  CURL *curl = curl_easy_init();
  if (curl == NULL) {
    run->failures = REQUESTS_PER_THREAD;
    return NULL;
  }
  for (int i = 0; i < REQUESTS_PER_THREAD; i++) {
    char path[FIELD_SIZE], a[32], b[32];
    snprintf(a, sizeof a, "t%d", run->id);
    snprintf(b, sizeof b, "%d", i);
    snprintf(path, sizeof path, "/v1/echo/%s/items/%s", a, b);
    reply_t r = perform_on(curl, &(request_t){.method = "GET", .path = path});
    json_t *j = r.status == 200 ? json_loadb(r.body, r.len, 0, NULL) : NULL;
    const char *ga = json_string_value(json_object_get(j, "a")), *gb = json_string_value(json_object_get(j, "b"));
    if (!ga || !gb || strcmp(ga, a) != 0 || strcmp(gb, b) != 0) run->failures++;
    run->connects += r.connects;
    json_decref(j);
    reply_free(&r);
  }
  curl_easy_cleanup(curl);
  return NULL;
}

START_TEST(test_concurrent_keepalive) {
  pthread_t threads[CLIENT_THREADS];
  client_run_t runs[CLIENT_THREADS];
  for (int i = 0; i < CLIENT_THREADS; i++) {
    runs[i] = (client_run_t){.id = i};
    ck_assert_int_eq(pthread_create(&threads[i], NULL, client_thread, &runs[i]), 0);
  }
  for (int i = 0; i < CLIENT_THREADS; i++) pthread_join(threads[i], NULL);
  for (int i = 0; i < CLIENT_THREADS; i++) {
    ck_assert_msg(runs[i].failures == 0, "client %d: %d failures", i, runs[i].failures);
    ck_assert_msg(runs[i].connects == 1, "client %d opened %ld connections", i, runs[i].connects);
  }
  mg_http_stats_t st;
  mg_http_get_stats(server, &st);
  ck_assert_uint_eq(st.by_status[200], CLIENT_THREADS * REQUESTS_PER_THREAD);
}
END_TEST

START_TEST(test_slow_client) {
  server = start_server("127.0.0.1", "127.0.0.1", 1);
  int fds[SLOW_CLIENTS];
  for (int i = 0; i < SLOW_CLIENTS; i++) {
    fds[i] = connect_raw(mg_http_port(server));
    send_text(fds[i], "GET /v1/things HTTP/1.1\r\nHost: x\r\nX-Half: ");
  }
  double t0 = now_ms();
  reply_t r = get("/v1/things");
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
  for (int i = 0; i < SLOW_CLIENTS; i++) {
    char buf[64];
    ssize_t n = recv(fds[i], buf, sizeof buf, 0);
    ck_assert_msg(n == 0 || (n < 0 && errno == ECONNRESET), "slow client %d: recv %zd errno %d", i, n, errno);
    close(fds[i]);
  }
  double waited = now_ms() - t0;
  ck_assert_msg(waited > 500 && waited < 4000, "dropped after %.0f ms", waited);
  r = get("/v1/things");
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
}
END_TEST

START_TEST(test_head) {
  reply_t g = get("/v1/things");
  reply_t h = perform(&(request_t){.method = "HEAD", .path = "/v1/things"});
  ck_assert_int_eq(h.rc, CURLE_OK);
  ck_assert_int_eq(h.status, 200);
  ck_assert_str_eq(h.content_type, g.content_type);
  ck_assert_int_eq(h.content_length, (curl_off_t)g.len);
  ck_assert_uint_eq(h.len, 0);
  reply_free(&g);
  reply_free(&h);
  h = perform(&(request_t){.method = "HEAD", .path = "/v1/nope"});
  ck_assert_int_eq(h.status, 404);
  reply_free(&h);
  /* a stream route: the head only, and the stream is ended at once */
  h = perform(&(request_t){.method = "HEAD", .path = "/v1/idle", .timeout_ms = WAIT_MS});
  ck_assert_int_eq(h.rc, CURLE_OK);
  ck_assert_int_eq(h.status, 200);
  ck_assert_str_eq(h.content_type, "text/event-stream");
  reply_free(&h);
  ck_assert_int_eq(wait_for_count(&stream_frees, 1), 1);
}
END_TEST

/* Framing a proxy could read differently, and ambiguous senders: 400 with the JSON error. */
START_TEST(test_strict_framing) {
  static const char *const refused[] = {
      "POST /v1/raw HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 20\r\n\r\n{}",
      "POST /v1/raw HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
      "GET /v1/things HTTP/1.1\r\nConnection: close\r\n\r\n",
      "GET /v1/things HTTP/1.1\r\nHost: x\r\nHost: y\r\nConnection: close\r\n\r\n",
      "POST /v1/things HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\nAuthorization: Bearer " TOKEN
      "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
  };
  char code[FIELD_SIZE];
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
    ck_assert_msg(raw_exchange(refused[i], code) == 400, "request %zu not refused", i);
    ck_assert_str_eq(code, "bad_request");
  }
  /* HTTP/1.0 needs no Host; one Authorization header is fine */
  ck_assert_int_eq(raw_exchange("GET /v1/things HTTP/1.0\r\n\r\n", code), 200);
  ck_assert_int_eq(raw_exchange("POST /v1/things HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " TOKEN
                                "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
                                code),
                   201);
}
END_TEST

START_TEST(test_allowed_hosts) {
  char hosts[FIELD_SIZE];
  snprintf(hosts, sizeof hosts, "localhost:%u,127.0.0.1:%u", (unsigned)mg_http_port(server),
           (unsigned)mg_http_port(server));
  ck_assert_int_eq(mg_http_allow_hosts(server, ""), -1);
  ck_assert_int_eq(mg_http_allow_hosts(server, hosts), 0);
  reply_t r = get("/v1/things"); /* curl sends Host: 127.0.0.1:port */
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
  expect_error(perform(&(request_t){.method = "GET", .path = "/v1/things", .header = "Host: rebind.example"}), 421,
               "host_not_allowed");
  expect_error(perform(&(request_t){.method = "GET", .path = "/v1/things", .header = "Host: 127.0.0.1"}), 421,
               "host_not_allowed");
  snprintf(hosts, sizeof hosts, "Host: LocalHost:%u", (unsigned)mg_http_port(server));
  r = perform(&(request_t){.method = "GET", .path = "/v1/things", .header = hosts});
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
  ck_assert_int_eq(mg_http_allow_hosts(server, " elsewhere , rebind.example ,"), 0);
  r = perform(&(request_t){.method = "GET", .path = "/v1/things", .header = "Host: rebind.example"});
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
  ck_assert_int_eq(mg_http_allow_hosts(server, "elsewhere,*"), 0);
  r = perform(&(request_t){.method = "GET", .path = "/v1/things", .header = "Host: rebind.example"});
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
}
END_TEST

/* A body over the limit that is sent without waiting for "100 Continue" is read and dropped, and
 * the 413 comes after it on a connection that stays usable. */
START_TEST(test_body_discarded) {
  size_t len = MAX_BODY * 8;
  char *body = calloc(1, len);
  ck_assert_ptr_nonnull(body);
  CURL *curl = curl_easy_init();
  ck_assert_ptr_nonnull(curl);
  request_t q = {.method = "POST", .path = "/v1/raw", .body = body, .body_len = len, .header = "Expect:"};
  expect_error(perform_on(curl, &q), 413, "payload_too_large");
  reply_t r = perform_on(curl, &(request_t){.method = "GET", .path = "/v1/things"});
  ck_assert_int_eq(r.status, 200);
  ck_assert_int_eq(r.connects, 0); /* the same connection */
  reply_free(&r);
  curl_easy_cleanup(curl);
  free(body);
}
END_TEST

/* A head trickled in a byte at a time is cut off at the head deadline, however active it is. */
START_TEST(test_head_deadline) {
  server = start_server("127.0.0.1", "127.0.0.1", 1);
  int fd = connect_raw(mg_http_port(server));
  send_text(fd, "GET /v1/things HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  double t0 = now_ms(), closed_at = -1;
  for (int i = 0; i < 40 && closed_at < 0; i++) { /* 40 * 100 ms, a byte each time */
    sleep_ms(100);
    if (send(fd, "a", 1, MSG_NOSIGNAL) != 1 || is_closed(fd)) closed_at = now_ms() - t0;
  }
  close(fd);
  ck_assert_msg(closed_at > 500 && closed_at < 2500, "trickling head closed after %.0f ms", closed_at);
  /* an idle keep-alive connection must send its next head in time too */
  fd = connect_raw(mg_http_port(server));
  send_text(fd, "GET /v1/things HTTP/1.1\r\nHost: x\r\n\r\n");
  char buf[512];
  ck_assert_int_gt(recv(fd, buf, sizeof buf, 0), 0);
  double idle = ms_until_closed(fd, 4000);
  close(fd);
  ck_assert_msg(idle > 500 && idle < 2500, "idle keep-alive closed after %.0f ms", idle);
}
END_TEST

/* Connections from one address past the per-address limit are closed at once; others still work. */
START_TEST(test_per_ip_limit) {
  mg_http_limits_t limits = {.max_connections = 64, .max_connections_per_ip = PER_IP};
  server = mg_http_start("127.0.0.1", 0, &limits, NULL, 0);
  ck_assert_ptr_nonnull(server);
  add_routes(server);
  snprintf(base_url, sizeof base_url, "http://127.0.0.1:%u", (unsigned)mg_http_port(server));
  int fds[PER_IP + 1];
  for (int i = 0; i < PER_IP; i++) {
    fds[i] = connect_raw(mg_http_port(server));
    send_text(fds[i], "GET /v1/things HTTP/1.1\r\n");
  }
  fds[PER_IP] = connect_raw(mg_http_port(server));
  ck_assert_msg(ms_until_closed(fds[PER_IP], 2000) < 1000, "connection past the per-address limit kept");
  for (int i = 0; i <= PER_IP; i++) close(fds[i]);
  sleep_ms(100);
  reply_t r = get("/v1/things");
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
}
END_TEST

/* Past max_connections a client is answered 503 at once instead of waiting in the listen queue,
 * and an idle connection in the reserve is closed within about a second. */
START_TEST(test_connection_reserve) {
  mg_http_limits_t limits = {.max_connections = PER_IP, .max_connections_per_ip = 64, .header_timeout_s = 30};
  server = mg_http_start("127.0.0.1", 0, &limits, NULL, 0);
  ck_assert_ptr_nonnull(server);
  add_routes(server);
  snprintf(base_url, sizeof base_url, "http://127.0.0.1:%u", (unsigned)mg_http_port(server));
  int fds[PER_IP + 1];
  for (int i = 0; i < PER_IP; i++) {
    fds[i] = connect_raw(mg_http_port(server));
    send_text(fds[i], "GET /v1/things HTTP/1.1\r\n");
  }
  sleep_ms(100);
  double t0 = now_ms();
  char code[FIELD_SIZE];
  ck_assert_int_eq(raw_exchange("GET /v1/things HTTP/1.1\r\nHost: x\r\n\r\n", code), 503);
  ck_assert_str_eq(code, "server_busy");
  ck_assert_msg(now_ms() - t0 < 1000, "503 after %.0f ms", now_ms() - t0);
  fds[PER_IP] = connect_raw(mg_http_port(server));
  double idle = ms_until_closed(fds[PER_IP], 4000);
  ck_assert_msg(idle < 2500, "idle reserve connection kept %.0f ms", idle);
  for (int i = 0; i <= PER_IP; i++) close(fds[i]);
  sleep_ms(100);
  reply_t r = get("/v1/things");
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
}
END_TEST

/* ---- streams ---- */

START_TEST(test_sse_events) {
  reply_t r = get("/v1/events?n=5");
  ck_assert_int_eq(r.rc, CURLE_OK);
  ck_assert_int_eq(r.status, 200);
  ck_assert_str_eq(r.content_type, "text/event-stream");
  ck_assert_str_eq(r.body, "data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\n");
  reply_free(&r);
  ck_assert_int_eq(wait_for_count(&stream_frees, 1), 1);
  /* the connection stays usable after the stream ended */
  r = get("/v1/events?n=0");
  ck_assert_int_eq(r.status, 200);
  ck_assert_uint_eq(r.len, 0);
  reply_free(&r);
  ck_assert_int_eq(wait_for_count(&stream_frees, 2), 2);
}
END_TEST

START_TEST(test_sse_disconnect) {
  reply_t r = perform(&(request_t){.method = "GET", .path = "/v1/events", .stop_after = "data: 2\n\n"});
  ck_assert_int_eq(r.rc, CURLE_WRITE_ERROR);
  ck_assert_ptr_nonnull(strstr(r.body, "data: 0\n\ndata: 1\n\n"));
  reply_free(&r);
  ck_assert_int_eq(wait_for_count(&stream_frees, 1), 1);
  sleep_ms(200);
  ck_assert_int_eq(atomic_load(&stream_frees), 1);
}
END_TEST

/* An idle stream is retried every few tens of milliseconds, not in a busy loop; a client that left
 * an idle stream is only noticed at stop, which still frees the stream. */
START_TEST(test_sse_idle_not_busy) {
  reply_t r = perform(&(request_t){.method = "GET", .path = "/v1/idle", .timeout_ms = IDLE_WATCH_MS});
  ck_assert_int_eq(r.rc, CURLE_OPERATION_TIMEDOUT);
  ck_assert_str_eq(r.body, ": open\n\n");
  reply_free(&r);
  int calls = atomic_load(&idle_calls);
  ck_assert_msg(calls >= 5 && calls <= 200, "%d producer calls in %d ms", calls, IDLE_WATCH_MS);
  ck_assert_int_eq(atomic_load(&stream_frees), 0);
  mg_http_stop(server);
  server = NULL;
  ck_assert_int_eq(atomic_load(&stream_frees), 1);
}
END_TEST

/* ---- lifecycle (each test starts its own server) ---- */

typedef struct stream_client {
  const char *path;
  atomic_bool seen;
  CURLcode rc;
} stream_client_t;

static void *stream_client_main(void *arg) {
  stream_client_t *c = arg;
  CURL *curl = curl_easy_init();
  if (curl == NULL) return NULL;
  reply_t r = perform_on(curl, &(request_t){.method = "GET", .path = c->path, .seen = &c->seen});
  c->rc = r.rc;
  reply_free(&r);
  curl_easy_cleanup(curl);
  return NULL;
}

static bool wait_seen(atomic_bool *flag) {
  for (double until = now_ms() + WAIT_MS; !atomic_load(flag) && now_ms() < until;) sleep_ms(5);
  return atomic_load(flag);
}

START_TEST(test_stop_with_open_streams) {
  atomic_store(&stream_frees, 0);
  server = start_server("127.0.0.1", "127.0.0.1", 10);
  stream_client_t clients[2] = {{.path = "/v1/events"}, {.path = "/v1/idle"}};
  pthread_t threads[2];
  for (int i = 0; i < 2; i++) {
    atomic_init(&clients[i].seen, false);
    ck_assert_int_eq(pthread_create(&threads[i], NULL, stream_client_main, &clients[i]), 0);
  }
  for (int i = 0; i < 2; i++) ck_assert_msg(wait_seen(&clients[i].seen), "no data on %s", clients[i].path);
  /* and an idle keep-alive connection */
  int fd = connect_raw(mg_http_port(server));
  send_text(fd, "GET /v1/things HTTP/1.1\r\nHost: x\r\n\r\n");
  char buf[512];
  ck_assert_int_gt(recv(fd, buf, sizeof buf, 0), 0);
  double t0 = now_ms();
  mg_http_stop(server);
  server = NULL;
  double took = now_ms() - t0;
  ck_assert_msg(took < 2000, "stop took %.0f ms", took);
  ck_assert_int_eq(atomic_load(&stream_frees), 2);
  for (int i = 0; i < 2; i++) pthread_join(threads[i], NULL);
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
  }
  ck_assert_msg(n == 0 || errno == ECONNRESET, "keep-alive connection not closed: errno %d", errno);
  close(fd);
}
END_TEST

/* Waits for h_deferred to take a deferral and takes it over. */
static mg_http_deferred_t *take_deferral(void) {
  for (double until = now_ms() + WAIT_MS; atomic_load(&deferral) == NULL && now_ms() < until;) sleep_ms(5);
  mg_http_deferred_t *d = atomic_exchange(&deferral, NULL);
  ck_assert_msg(d != NULL, "the handler deferred nothing");
  return d;
}

typedef struct deferred_client {
  reply_t reply;
} deferred_client_t;

static void *deferred_client_main(void *arg) {
  deferred_client_t *c = arg;
  CURL *curl = curl_easy_init();
  if (curl == NULL) return NULL;
  c->reply = perform_on(curl, &(request_t){.method = "POST", .path = "/v1/deferred", .body = "{}", .body_len = 2});
  curl_easy_cleanup(curl);
  return NULL;
}

/* One worker thread: while a deferred request waits, the worker serves others; the answer
 * completed from this thread reaches the client with its status, body and headers. */
START_TEST(test_deferred_answer) {
  mg_http_limits_t limits = {.threads = 1};
  server = mg_http_start("127.0.0.1", 0, &limits, NULL, 0);
  ck_assert_ptr_nonnull(server);
  add_routes(server);
  snprintf(base_url, sizeof base_url, "http://127.0.0.1:%u", (unsigned)mg_http_port(server));
  deferred_client_t c = {0};
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, deferred_client_main, &c), 0);
  mg_http_deferred_t *d = take_deferral();
  double t0 = now_ms();
  reply_t other = get("/v1/things");
  ck_assert_int_eq(other.status, 200);
  reply_free(&other);
  ck_assert_msg(now_ms() - t0 < 1000, "a request waited behind the deferred one");
  static const char body[] = "{\"done\":true}\n";
  static const char *const headers[] = {"Retry-After", "7", NULL};
  mg_http_deferred_answer(d, 202, body, sizeof body - 1, headers);
  pthread_join(t, NULL);
  ck_assert_int_eq(c.reply.rc, CURLE_OK);
  ck_assert_int_eq(c.reply.status, 202);
  ck_assert_str_eq(c.reply.content_type, "application/json");
  ck_assert_str_eq(c.reply.body, body);
  reply_free(&c.reply);
  /* the header, on a raw connection */
  int fd = connect_raw(mg_http_port(server));
  send_text(fd, "POST /v1/deferred HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  mg_http_deferred_answer(take_deferral(), 503, body, sizeof body - 1, headers);
  char reply[REPLY_BYTES];
  ssize_t n = recv(fd, reply, sizeof reply - 1, 0);
  ck_assert_int_gt(n, 0);
  reply[n] = '\0';
  ck_assert_msg(strstr(reply, "HTTP/1.1 503") == reply && strstr(reply, "\r\nRetry-After: 7\r\n"), "%s", reply);
  close(fd);
}
END_TEST

/* A client that leaves while its answer is deferred: the completion is harmless (the sanitizer
 * build checks for a use after free) and the server goes on serving. */
START_TEST(test_deferred_client_gone) {
  int fd = connect_raw(mg_http_port(server));
  send_text(fd, "POST /v1/deferred HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  mg_http_deferred_t *d = take_deferral();
  close(fd);
  sleep_ms(50);
  static const char body[] = "{}\n";
  mg_http_deferred_answer(d, 201, body, sizeof body - 1, NULL);
  reply_t r = get("/v1/things");
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
}
END_TEST

/* The server stops with a deferral pending: its client gets 503 server_stopping, the stop does not
 * hang, and the completion afterwards only frees the deferral. */
START_TEST(test_stop_with_deferred) {
  server = start_server("127.0.0.1", "127.0.0.1", 10);
  int fd = connect_raw(mg_http_port(server));
  send_text(fd, "POST /v1/deferred HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  mg_http_deferred_t *d = take_deferral();
  double t0 = now_ms();
  mg_http_stop(server);
  server = NULL;
  ck_assert_msg(now_ms() - t0 < 2000, "stop took %.0f ms", now_ms() - t0);
  char reply[REPLY_BYTES];
  size_t len = 0;
  ssize_t n;
  while (len < sizeof reply - 1 && (n = recv(fd, reply + len, sizeof reply - 1 - len, 0)) > 0) len += (size_t)n;
  reply[len] = '\0';
  close(fd);
  ck_assert_msg(strstr(reply, "HTTP/1.1 503") == reply && strstr(reply, "server_stopping"), "%s", reply);
  static const char body[] = "{}\n";
  mg_http_deferred_answer(d, 201, body, sizeof body - 1, NULL);
}
END_TEST

START_TEST(test_stats) {
  server = start_server("127.0.0.1", "127.0.0.1", 10);
  mg_http_stats_t st;
  mg_http_get_stats(server, &st);
  ck_assert_uint_eq(st.requests, 0);
  reply_t r = get("/v1/echo/a/items/b");
  reply_free(&r);
  r = get("/v1/things");
  reply_free(&r);
  r = get("/v1/nope");
  reply_free(&r);
  r = perform(&(request_t){.method = "PUT", .path = "/v1/things"});
  reply_free(&r);
  r = get("/v1/silent");
  reply_free(&r);
  r = post_chunked(MAX_BODY + 1);
  reply_free(&r);
  mg_http_get_stats(server, &st);
  ck_assert_uint_eq(st.requests, 6);
  ck_assert_uint_eq(st.status_2xx, 2);
  ck_assert_uint_eq(st.status_4xx, 3);
  ck_assert_uint_eq(st.status_5xx, 1);
  ck_assert_uint_eq(st.by_status[200], 2);
  ck_assert_uint_eq(st.by_status[404], 1);
  ck_assert_uint_eq(st.by_status[405], 1);
  ck_assert_uint_eq(st.by_status[413], 1);
  ck_assert_uint_eq(st.by_status[500], 1);
}
END_TEST

START_TEST(test_start_and_routes) {
  server = start_server("127.0.0.1", "127.0.0.1", 10);
  char err[256] = "";
  ck_assert_ptr_null(mg_http_start("127.0.0.1", mg_http_port(server), NULL, err, sizeof err));
  ck_assert_msg(err[0] != '\0', "no message for a port in use");
  err[0] = '\0';
  ck_assert_ptr_null(mg_http_start("203.0.113.7", 0, NULL, err, sizeof err)); /* not a local address */
  ck_assert_msg(err[0] != '\0', "no message for a foreign address");
  mg_http_stop(NULL);
  ck_assert_int_eq(mg_http_route(server, "get", "/x", h_text, NULL), -1);
  ck_assert_int_eq(mg_http_route(server, "", "/x", h_text, NULL), -1);
  ck_assert_int_eq(mg_http_route(server, "GET", "/x", NULL, NULL), -1);
  ck_assert_int_eq(mg_http_route(server, "GET", "x", h_text, NULL), -1);
  ck_assert_int_eq(mg_http_route(server, "GET", "/v1/{a}/{a}", h_text, NULL), -1);
  ck_assert_int_eq(mg_http_route(server, "GET", "/", h_text, NULL), 0);
  reply_t r = get("/");
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
  mg_http_stop(server);
  /* defaults, "localhost" (IPv4 first) */
  server = mg_http_start("localhost", 0, NULL, NULL, 0);
  ck_assert_ptr_nonnull(server);
  add_routes(server);
  snprintf(base_url, sizeof base_url, "http://127.0.0.1:%u", (unsigned)mg_http_port(server));
  r = get("/v1/things");
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
}
END_TEST

/* True when this machine can bind the IPv6 loopback. */
static bool have_ipv6_loopback(void) {
  int fd = socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0) return false;
  struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
  bool ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

START_TEST(test_ipv6) {
  if (!have_ipv6_loopback()) return; /* nothing to test without IPv6 */
  server = start_server("::1", "[::1]", 10);
  reply_t r = get("/v1/echo/six/items/1");
  ck_assert_int_eq(r.status, 200);
  assert_string_field(&r, "a", "six");
  reply_free(&r);
}
END_TEST

/* ---- conditional requests and content codings ---- */

START_TEST(test_if_none_match) {
  const char *tag = "\"abc-1\"";
  const char *match[] = {"\"abc-1\"", "W/\"abc-1\"", "*", " * ", "\"x\", \"abc-1\"", "\"abc-1\",\"x\"",
                         ", ,\t\"abc-1\"\t,", "W/\"x\" , W/\"abc-1\"", "\"\x80\", \"abc-1\""};
  const char *miss[] = {"", " ", ",", "\"abc-2\"", "\"abc-1", "abc-1", "\"ABC-1\"", "\"abc-1\" junk",
                        "\"abc-1\" \"abc-1\"", "w/\"abc-1\"", "W/ \"abc-1\"", "*, \"abc-1\"", "\"abc-1\", *",
                        "\"x y\", \"abc-1\"", "\"abc-1\";", "\"abc\"-1\"", "**", "\"abc-1\"x"};
  for (size_t i = 0; i < sizeof match / sizeof *match; i++)
    ck_assert_msg(mg_http_if_none_match(match[i], tag), "If-None-Match: %s should match", match[i]);
  for (size_t i = 0; i < sizeof miss / sizeof *miss; i++)
    ck_assert_msg(!mg_http_if_none_match(miss[i], tag), "If-None-Match: %s should not match", miss[i]);
  ck_assert(!mg_http_if_none_match(NULL, tag));
  ck_assert(mg_http_if_none_match("\"\"", "\"\""));
}
END_TEST

START_TEST(test_accept_encoding) {
  const char *gzip[] = {"gzip", "GZip", "x-gzip", "*", "gzip;q=1", "gzip;q=1.000", "gzip; q=0.001", "gzip ;Q=0.5",
                        "identity;q=0.5, gzip;q=0.5", "gzip;q=0.8, identity;q=0.7", ", gzip ,", "deflate, gzip",
                        "br;q=1, *;q=0.1", "gzip, gzip;q=0", "\tgzip\t", "identity;q=0, *"};
  const char *identity[] = {"", "identity", "deflate", "br, deflate", "gzip;q=0", "gzip;q=0.000", "*;q=0",
                            "gzip;q=0.5, identity", "gzip;q=0.5, identity;q=0.6", "*;q=0.5, identity",
                            "gzip;q=1.5", "gzip;q=1.001", "gzip;q=0.0001", "gzip;q=.5", "gzip;q=", "gzip;q= 1",
                            "gzip;level=1", "gzip;q=1;q=1", "gzip q=1", "gzip;", "gzip, ;q=1", "gzip, \"x\"",
                            "gzip;q=0, *", "gzip/1", "gzip;q=2"};
  for (size_t i = 0; i < sizeof gzip / sizeof *gzip; i++)
    ck_assert_msg(mg_http_accepts_gzip(gzip[i]), "Accept-Encoding: %s should allow gzip", gzip[i]);
  for (size_t i = 0; i < sizeof identity / sizeof *identity; i++)
    ck_assert_msg(!mg_http_accepts_gzip(identity[i]), "Accept-Encoding: %s should not allow gzip", identity[i]);
  ck_assert(!mg_http_accepts_gzip(NULL));
}
END_TEST

static reply_t get_page(const char *path, const char *header, const char *accept_encoding) {
  return perform(&(request_t){.method = "GET", .path = path, .header = header, .accept_encoding = accept_encoding});
}

START_TEST(test_representation) {
  /* no tag: no ETag, Vary all the same */
  reply_t r = get_page("/v1/page", NULL, NULL);
  ck_assert_int_eq(r.status, 200);
  ck_assert_uint_eq(r.len, PAGE_BYTES);
  ck_assert_str_eq(r.etag, "");
  ck_assert_str_eq(r.vary, "Accept-Encoding");
  ck_assert_str_eq(r.content_encoding, "");
  ck_assert_str_eq(r.content_type, "application/json");
  char *plain = r.body;
  /* a tag: strong, marked with this start; 304 with no body when listed */
  r = get_page("/v1/page?tag=v1", NULL, NULL);
  ck_assert_int_eq(r.status, 200);
  ck_assert_mem_eq(r.body, plain, PAGE_BYTES);
  char etag[FIELD_SIZE], header[2 * FIELD_SIZE];
  snprintf(etag, sizeof etag, "%s", r.etag);
  ck_assert_msg(etag[0] == '"' && strstr(etag, "-v1\"") != NULL, "ETag %s", etag);
  reply_free(&r);
  snprintf(header, sizeof header, "If-None-Match: \"x\", W/%s", etag);
  r = get_page("/v1/page?tag=v1", header, NULL);
  ck_assert_int_eq(r.status, 304);
  ck_assert_uint_eq(r.len, 0);
  ck_assert_str_eq(r.etag, etag);
  ck_assert_str_eq(r.vary, "Accept-Encoding");
  reply_free(&r);
  r = get_page("/v1/page?tag=v2", header, NULL);
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
  /* gzip: the same bytes once decoded, and a tag of their own */
  r = get_page("/v1/page?tag=v1", NULL, "gzip");
  ck_assert_int_eq(r.status, 200);
  ck_assert_str_eq(r.content_encoding, "gzip");
  ck_assert_uint_eq(r.len, PAGE_BYTES);
  ck_assert_mem_eq(r.body, plain, PAGE_BYTES);
  ck_assert_str_ne(r.etag, etag);
  char gz_header[2 * FIELD_SIZE];
  snprintf(gz_header, sizeof gz_header, "If-None-Match: %s", r.etag);
  reply_free(&r);
  r = get_page("/v1/page?tag=v1", gz_header, "gzip");
  ck_assert_int_eq(r.status, 304);
  reply_free(&r);
  r = get_page("/v1/page?tag=v1", gz_header, NULL); /* the plain form has another tag */
  ck_assert_int_eq(r.status, 200);
  ck_assert_str_eq(r.etag, etag);
  reply_free(&r);
  r = get_page("/v1/page?tag=v1", "Accept-Encoding: gzip;q=0", NULL);
  ck_assert_int_eq(r.status, 200);
  ck_assert_str_eq(r.content_encoding, "");
  ck_assert_mem_eq(r.body, plain, PAGE_BYTES);
  reply_free(&r);
  /* a tag no entity tag can hold, or too long: 500 */
  char path[URL_SIZE];
  snprintf(path, sizeof path, "/v1/page?tag=%s", "a%22b");
  expect_error(get_page(path, NULL, NULL), 500, "internal");
  expect_error(get_page("/v1/page?tag=a+b", NULL, NULL), 500, "internal");
  char long_tag[MG_HTTP_ETAG_MAX + 1];
  memset(long_tag, 't', sizeof long_tag - 1);
  long_tag[sizeof long_tag - 1] = 0;
  snprintf(path, sizeof path, "/v1/page?tag=%s", long_tag + 24 + 1 + 2); /* just fits without -gzip */
  r = get_page(path, NULL, NULL);
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
  expect_error(get_page(path, NULL, "gzip"), 500, "internal");
  free(plain);
}
END_TEST

/* A restart gives the same handler tag another entity tag. */
START_TEST(test_representation_restart) {
  reply_t r = get_page("/v1/page?tag=v1", NULL, NULL);
  char header[2 * FIELD_SIZE];
  snprintf(header, sizeof header, "If-None-Match: %s", r.etag);
  reply_free(&r);
  teardown();
  setup();
  r = get_page("/v1/page?tag=v1", header, NULL);
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
}
END_TEST

static void read_into(void *ctx, const char *content_type, const char *etag, const void *body, size_t len) {
  snprintf(ctx, FIELD_SIZE, "%s|%s|%.*s", content_type, etag, (int)len, (const char *)body);
}

START_TEST(test_cache) {
  /* room for two entries of 100-byte bodies (about 170 bytes each with their strings), not three */
  enum { ROOM = 400 };
  mg_http_cache_t *c = mg_http_cache_new(ROOM);
  ck_assert_ptr_nonnull(c);
  char got[FIELD_SIZE], body[100];
  size_t bytes, entries;
  ck_assert(!mg_http_cache_read(c, "a", read_into, got));
  memset(body, 'A', sizeof body);
  mg_http_cache_put(c, "a", "text/plain", "\"1\"", body, 3);
  ck_assert(mg_http_cache_read(c, "a", read_into, got));
  ck_assert_str_eq(got, "text/plain|\"1\"|AAA");
  mg_http_cache_put(c, "a", "text/other", "\"2\"", "BBB", 3); /* the first answer stays */
  ck_assert(mg_http_cache_read(c, "a", read_into, got));
  ck_assert_str_eq(got, "text/plain|\"1\"|AAA");
  mg_http_cache_usage(c, &bytes, &entries);
  ck_assert_uint_eq(entries, 1);
  mg_http_cache_put(c, "b", "t", "\"b\"", body, sizeof body);
  mg_http_cache_put(c, "c", "t", "\"c\"", body, sizeof body); /* "a" goes first, then "b" */
  mg_http_cache_usage(c, &bytes, &entries);
  ck_assert_uint_le(bytes, ROOM);
  ck_assert(!mg_http_cache_read(c, "a", read_into, got));
  ck_assert(mg_http_cache_read(c, "c", read_into, got));
  mg_http_cache_put(c, "d", "t", "\"d\"", body, sizeof body);
  ck_assert(!mg_http_cache_read(c, "b", read_into, got));
  ck_assert(mg_http_cache_read(c, "c", read_into, got));
  ck_assert(mg_http_cache_read(c, "d", read_into, got));
  char *huge = calloc(1, ROOM); /* larger than the cache: not kept, nothing evicted */
  ck_assert_ptr_nonnull(huge);
  mg_http_cache_put(c, "e", "t", "\"e\"", huge, ROOM);
  free(huge);
  ck_assert(!mg_http_cache_read(c, "e", read_into, got));
  mg_http_cache_usage(c, &bytes, &entries);
  ck_assert_uint_eq(entries, 2);
  mg_http_cache_free(c);
}
END_TEST

START_TEST(test_kept_answers) {
  atomic_store(&kept_renders, 0);
  reply_t r = get_page("/v1/kept?key=k1", NULL, NULL);
  ck_assert_int_eq(r.status, 200);
  char *plain = r.body;
  char etag[FIELD_SIZE], header[2 * FIELD_SIZE];
  snprintf(etag, sizeof etag, "%s", r.etag);
  for (int i = 0; i < 3; i++) { /* the same answer, headers and all, without the handler's work */
    r = get_page("/v1/kept?key=k1", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(r.len, PAGE_BYTES);
    ck_assert_mem_eq(r.body, plain, PAGE_BYTES);
    ck_assert_str_eq(r.etag, etag);
    ck_assert_str_eq(r.vary, "Accept-Encoding");
    ck_assert_str_eq(r.content_type, "application/json");
    ck_assert_str_eq(r.content_encoding, "");
    reply_free(&r);
  }
  ck_assert_int_eq(atomic_load(&kept_renders), 1);
  snprintf(header, sizeof header, "If-None-Match: %s", etag);
  r = get_page("/v1/kept?key=k1", header, NULL);
  ck_assert_int_eq(r.status, 304);
  ck_assert_str_eq(r.etag, etag);
  reply_free(&r);
  /* the gzip form is kept apart: rendered once more, then kept */
  for (int i = 0; i < 2; i++) {
    r = get_page("/v1/kept?key=k1", NULL, "gzip");
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.content_encoding, "gzip");
    ck_assert_mem_eq(r.body, plain, PAGE_BYTES);
    ck_assert_str_ne(r.etag, etag);
    reply_free(&r);
  }
  ck_assert_int_eq(atomic_load(&kept_renders), 2);
  r = get_page("/v1/kept?key=k2", NULL, NULL);
  ck_assert_int_eq(r.status, 200);
  reply_free(&r);
  ck_assert_int_eq(atomic_load(&kept_renders), 3);
  size_t bytes, entries;
  mg_http_cache_stats(server, &bytes, &entries);
  ck_assert_uint_eq(entries, 3);
  free(plain);
}
END_TEST

Suite *http_suite(void);
Suite *http_suite(void) {
  Suite *s = suite_create("http");
  TCase *rules = tcase_create("route rules");
  tcase_add_test(rules, test_percent_decode);
  tcase_add_test(rules, test_path_split);
  tcase_add_test(rules, test_path_strerror);
  tcase_add_test(rules, test_patterns);
  tcase_add_test(rules, test_header_values);
  tcase_add_test(rules, test_error_json);
  tcase_add_test(rules, test_if_none_match);
  tcase_add_test(rules, test_accept_encoding);
  tcase_add_test(rules, test_cache);
  suite_add_tcase(s, rules);
  TCase *http = tcase_create("requests");
  tcase_add_checked_fixture(http, setup, teardown);
  tcase_add_test(http, test_params_and_query);
  tcase_add_test(http, test_trailing_slash);
  tcase_add_test(http, test_not_found);
  tcase_add_test(http, test_method_not_allowed);
  tcase_add_test(http, test_text_and_missing_answer);
  tcase_add_test(http, test_bad_json);
  tcase_add_test(http, test_body_limit);
  tcase_add_test(http, test_chunked_body);
  tcase_add_test(http, test_oversized_headers);
  tcase_add_test(http, test_path_traversal);
  tcase_add_test(http, test_bearer);
  tcase_add_test(http, test_concurrent_keepalive);
  tcase_add_test(http, test_head);
  tcase_add_test(http, test_strict_framing);
  tcase_add_test(http, test_allowed_hosts);
  tcase_add_test(http, test_body_discarded);
  tcase_add_test(http, test_sse_events);
  tcase_add_test(http, test_sse_disconnect);
  tcase_add_test(http, test_sse_idle_not_busy);
  tcase_add_test(http, test_representation);
  tcase_add_test(http, test_representation_restart);
  tcase_add_test(http, test_kept_answers);
  tcase_add_test(http, test_deferred_client_gone);
  suite_add_tcase(s, http);
  TCase *life = tcase_create("lifecycle");
  tcase_add_checked_fixture(life, NULL, teardown);
  tcase_add_test(life, test_slow_client);
  tcase_add_test(life, test_head_deadline);
  tcase_add_test(life, test_per_ip_limit);
  tcase_add_test(life, test_connection_reserve);
  tcase_add_test(life, test_stop_with_open_streams);
  tcase_add_test(life, test_stats);
  tcase_add_test(life, test_deferred_answer);
  tcase_add_test(life, test_stop_with_deferred);
  tcase_add_test(life, test_start_and_routes);
  tcase_add_test(life, test_ipv6);
  suite_add_tcase(s, life);
  return s;
}

int main(void) {
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
  int rc = tu_run_suite(http_suite());
  curl_global_cleanup();
  return rc;
}
