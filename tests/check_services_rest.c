/* The REST service driven through its own handle (services/rest/rest.h): a real SQLite store in a
 * temporary directory, the real writer and watcher services on it, a node that is not there (port
 * 1 on loopback refuses at once), and requests over real HTTP on a loopback port the system picks.
 * No gateway and no plugin: what the service needs comes in its dependency struct. */
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "services/rest/rest.h"
#include "tests/testutil.h"

#define TOKEN "ServiceTestTokenServiceTestToken"
#define CHANNEL_A "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define INSTANCE "rest-suite"
#define UNKNOWN_ID "999999999999999999999999999999999999999999999999999999999999999999999999999999999"
#define BUNDLE "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"

typedef struct fixture {
  char dir[64], db[96];
  const char *location; /* where the REST service's own connections open (db, or somewhere else) */
  mg_store_t *store;
  pthread_mutex_t lock;
  mam_prng_t prng;
  void *zmq_ctx;
  mg_metrics_t metrics;
  atomic_int stopping;
  mg_env_t env;
  mg_writer_t *writer;
  mg_watcher_t *watcher;
  mg_probe_t *probe;
  mg_tail_t *tail;
  mg_fleet_t *fleet;
  mg_rest_t *rest;
  CURL *curl;
} fixture_t;

/* The writer's node and the write pool of the next fixture (a test may change them). */
static char writer_node_api[64] = "http://127.0.0.1:1";
static unsigned publish_threads, publish_queue;

static mg_store_err_t open_store(void *ctx, mg_store_t **out) {
  const fixture_t *f = ctx;
  return mg_store_open(f->location, out);
}

static void start_writer_watcher(fixture_t *f) {
  char err[256] = "";
  mg_writer_deps_t wd = {.env = &f->env,
                         .settings = {.node_api = writer_node_api, .node_timeout_ms = 1000, .mwm = 1,
                                      .pow_threads = 1, .max_height = 4, .max_list = 8},
                         .store = f->store, .store_lock = &f->lock, .prng = &f->prng, .metrics = &f->metrics,
                         .stopping = &f->stopping};
  f->writer = mg_writer_new(&wd, err, sizeof err);
  ck_assert_msg(f->writer != NULL, "%s", err);
  mg_watcher_deps_t vd = {
      .env = &f->env,
      .settings = {.db_path = f->db, .node_zmq = "tcp://127.0.0.1:1",
                   .node_api = "http://127.0.0.1:1", .node_timeout_ms = 1000, .backfill_page = 100,
                   .feed_queue_frames = 1000, .feed_max_message_bytes = 4096, .assembler_max_txs = 1000,
                   .assembler_ttl_s = 60, .reader_max_contexts = 16, .max_payload_bytes = 4096},
      .control = f->store, .control_lock = &f->lock, .zmq_ctx = f->zmq_ctx, .metrics = &f->metrics,
      .stopping = &f->stopping};
  f->watcher = mg_watcher_start(&vd, err, sizeof err);
  ck_assert_msg(f->watcher != NULL, "%s", err);
}

/* The store tail (the streams' newest cursor) and the fleet service (/v1/info's instances), on the
 * same store. */
static void start_tail_fleet(fixture_t *f) {
  char err[256] = "";
  mg_tail_deps_t td = {.env = &f->env, .settings = {.db_path = f->db, .zmq_pub = "tcp://127.0.0.1:*"},
                       .zmq_ctx = f->zmq_ctx, .metrics = &f->metrics, .stopping = &f->stopping};
  f->tail = mg_tail_start(&td, err, sizeof err);
  ck_assert_msg(f->tail != NULL, "%s", err);
  mg_fleet_deps_t fd = {.env = &f->env,
                        .settings = {.db_path = f->db, .instance_id = INSTANCE, .version = "test", .http = "127.0.0.1:0",
                                     .takeover_ms = 30000},
                        .stopping = &f->stopping};
  f->fleet = mg_fleet_start(&fd, err, sizeof err);
  ck_assert_msg(f->fleet != NULL, "%s", err);
}

/* A route the service's user adds (the plugin adds the web console's): called with ctx NULL. */
static void extra_route(void *ctx, mg_http_request_t *req) {
  mg_http_respond_json(req, ctx == NULL ? 200 : 500, json_pack("{s:s}", "extra", mg_http_param(req, "name")));
}

static const mg_rest_route_t extra_routes[] = {{"GET", "/extra/{name}", extra_route}};

static mg_rest_deps_t rest_deps(fixture_t *f);

/* A REST service on the fixture's services; its own connections open at `location`. */
static fixture_t *fixture_new(const char *location) {
  fixture_t *f = calloc(1, sizeof *f);
  ck_assert_ptr_nonnull(f);
  snprintf(f->dir, sizeof f->dir, "/tmp/check_services_rest.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(f->dir));
  snprintf(f->db, sizeof f->db, "%s/mamgate.db", f->dir);
  f->location = location ? location : f->db;
  ck_assert_int_eq(mg_store_open(f->db, &f->store), MG_STORE_OK);
  pthread_mutex_init(&f->lock, NULL);
  mam_trit_t key[MAM_PRNG_KEY_TRITS];
  uint64_t seed = 7;
  tu_random_trits(key, MAM_PRNG_KEY_TRITS, &seed);
  mam_prng_init(&f->prng, key);
  ck_assert_ptr_nonnull(f->zmq_ctx = zmq_ctx_new());
  f->env = (mg_env_t){.min_level = MAMGATE_LOG_ERROR};
  start_writer_watcher(f);
  ck_assert_ptr_nonnull(f->probe = mg_probe_start("http://127.0.0.1:1", 60000, 1000));
  start_tail_fleet(f);
  mg_rest_deps_t deps = rest_deps(f);
  char err[256] = "";
  f->rest = mg_rest_start(&deps, err, sizeof err);
  ck_assert_msg(f->rest != NULL, "%s", err);
  ck_assert_uint_gt(mg_rest_port(f->rest), 0);
  ck_assert_ptr_nonnull(f->curl = curl_easy_init());
  return f;
}

/* The REST service's slice of the fixture. */
static mg_rest_deps_t rest_deps(fixture_t *f) {
  return (mg_rest_deps_t){
      .env = &f->env,
      .settings = {.http = "127.0.0.1:0", .limits = {.threads = 2}, .max_height = 4, .max_list = 8,
                   .max_payload_bytes = 1024, .page_limit = 50, .idempotency_ttl_s = 60,
                   .instance_id = INSTANCE, .shard_takeover_s = 30, .publish_threads = publish_threads,
                   .publish_queue = publish_queue},
      .token = TOKEN, .open_store = open_store, .open_store_ctx = f, .store_lock = &f->lock,
      .backends = {.store = f->store, .writer = f->writer, .watcher = f->watcher, .tail = f->tail, .fleet = f->fleet},
      .metrics = &f->metrics, .probe = f->probe, .stopping = &f->stopping, .extra_routes = extra_routes,
      .n_extra_routes = 1};
}

static void fixture_free(fixture_t *f) {
  atomic_store(&f->stopping, 1);
  curl_easy_cleanup(f->curl);
  mg_rest_stop(f->rest);
  mg_probe_stop(f->probe);
  mg_watcher_stop(f->watcher);
  mg_tail_stop(f->tail);
  mg_fleet_stop(f->fleet);
  mg_writer_free(f->writer);
  zmq_ctx_term(f->zmq_ctx);
  mg_store_close(f->store);
  mam_prng_destroy(&f->prng);
  pthread_mutex_destroy(&f->lock);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
  ck_assert_int_eq(system(cmd), 0);
  free(f);
}

typedef struct answer {
  long status;
  json_t *body; /* NULL for an empty or non-JSON body */
  const char *code; /* error.code, or NULL */
} answer_t;

static size_t collect(char *p, size_t size, size_t n, void *ctx) {
  char **text = ctx;
  size_t old = *text ? strlen(*text) : 0;
  char *grown = realloc(*text, old + size * n + 1);
  ck_assert_ptr_nonnull(grown);
  memcpy(grown + old, p, size * n);
  grown[old + size * n] = '\0';
  *text = grown;
  return size * n;
}

/* One request with the token (auth true) and body (may be NULL), and optional extra header. */
static answer_t call_with(fixture_t *f, bool auth, const char *header, const char *method, const char *path,
                          const char *body) {
  char url[512], *text = NULL;
  snprintf(url, sizeof url, "http://127.0.0.1:%u%s", mg_rest_port(f->rest), path);
  struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
  if (auth) headers = curl_slist_append(headers, "Authorization: Bearer " TOKEN);
  if (header) headers = curl_slist_append(headers, header);
  curl_easy_reset(f->curl);
  curl_easy_setopt(f->curl, CURLOPT_URL, url);
  curl_easy_setopt(f->curl, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(f->curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(f->curl, CURLOPT_TIMEOUT_MS, 20000L);
  curl_easy_setopt(f->curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, &text);
  if (body) curl_easy_setopt(f->curl, CURLOPT_POSTFIELDS, body);
  ck_assert_int_eq(curl_easy_perform(f->curl), CURLE_OK);
  answer_t a = {0};
  curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &a.status);
  curl_slist_free_all(headers);
  a.body = text ? json_loads(text, 0, NULL) : NULL;
  free(text);
  a.code = json_string_value(json_object_get(json_object_get(a.body, "error"), "code"));
  return a;
}

static answer_t call(fixture_t *f, const char *method, const char *path, const char *body) {
  return call_with(f, true, NULL, method, path, body);
}

/* Asserts status and error code (NULL: no error object), then frees the answer. */
static void expect(answer_t a, long status, const char *code) {
  ck_assert_int_eq(a.status, status);
  if (code) ck_assert_str_eq(a.code ? a.code : "(none)", code);
  else ck_assert_ptr_null(a.code);
  json_decref(a.body);
}

/* Creates a channel of the given height; its id into id. */
static void create_channel(fixture_t *f, int height, char id[82]) {
  char body[32];
  snprintf(body, sizeof body, "{\"height\": %d}", height);
  answer_t a = call(f, "POST", "/v1/channels", body);
  ck_assert_int_eq(a.status, 201);
  const char *got = json_string_value(json_object_get(a.body, "channel_id"));
  ck_assert_ptr_nonnull(got);
  ck_assert_uint_eq(strlen(got), 81);
  ck_assert_int_eq(json_integer_value(json_object_get(a.body, "remaining_signatures")), 1 << height);
  memcpy(id, got, 82);
  json_decref(a.body);
}

START_TEST(test_create_channel) {
  fixture_t *f = fixture_new(NULL);
  expect(call_with(f, false, NULL, "POST", "/v1/channels", "{}"), 401, "unauthorized");
  expect(call_with(f, false, "Authorization: Bearer wrong", "POST", "/v1/channels", "{}"), 403, "forbidden");
  expect(call(f, "POST", "/v1/channels", "{\"height\": 5}"), 400, "bad_request"); /* over max_height */
  char id[82], path[160];
  create_channel(f, 1, id);
  snprintf(path, sizeof path, "/v1/channels/%s", id);
  answer_t a = call_with(f, false, NULL, "GET", path, NULL); /* reads need no token */
  ck_assert_int_eq(a.status, 200);
  ck_assert_str_eq(json_string_value(json_object_get(a.body, "channel_id")), id);
  json_decref(a.body);
  a = call(f, "GET", "/v1/channels", NULL);
  ck_assert_int_eq(a.status, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(a.body, "channels")), 1);
  json_decref(a.body);
  expect(call(f, "GET", "/v1/channels/" UNKNOWN_ID, NULL), 404, "not_found");
  expect(call(f, "GET", "/v1/channels/SHORT", NULL), 400, "bad_request");
  a = call_with(f, false, NULL, "GET", "/extra/page", NULL);
  ck_assert_int_eq(a.status, 200);
  ck_assert_str_eq(json_string_value(json_object_get(a.body, "extra")), "page");
  json_decref(a.body);
  fixture_free(f);
}
END_TEST

/* Each writer failure has its status: unknown channel 404, too few signatures 422, bad input 400,
 * the node away 503. */
START_TEST(test_publish_errors) {
  fixture_t *f = fixture_new(NULL);
  char id[82], path[160];
  create_channel(f, 1, id); /* two signatures */
  expect(call(f, "POST", "/v1/channels/" UNKNOWN_ID "/messages", "{\"payload\": \"hi\"}"), 404, "not_found");
  snprintf(path, sizeof path, "/v1/channels/%s/messages", id);
  expect(call(f, "POST", path, "{\"payload\": \"hello, world\", \"packets\": 3}"), 422, "exhausted");
  expect(call(f, "POST", path, "{\"payload\": \"hi\", \"checksum\": \"crc\"}"), 400, "bad_request");
  expect(call(f, "POST", path, "{\"payload\": 5}"), 400, "bad_request");
  expect(call(f, "POST", path, "{\"payload\": \"hi\", \"encoding\": \"trytes\"}"), 400, "bad_request");
  expect(call(f, "POST", path, "{\"payload\": \"hi\", \"psks\": [\"not trytes\"]}"), 400, "bad_request");
  expect(call(f, "POST", path, "{\"payload\": \"hi\", \"psks\": [\"NOSUCHPSK\"]}"), 404, "not_found");
  expect(call(f, "POST", path, "not json"), 400, "bad_json");
  expect(call(f, "POST", path, "{\"payload\": \"hi\", \"packets\": 1}"), 503, "node_unavailable");
  fixture_free(f);
}
END_TEST

typedef struct publisher {
  fixture_t f; /* the test's, with a connection of its own */
  const char *path;
  answer_t answer;
} publisher_t;

static void *publisher_main(void *arg) {
  publisher_t *p = arg;
  p->answer = call(&p->f, "POST", p->path, "{\"payload\": \"hi\"}");
  return NULL;
}

/* One write thread and a queue of one, and a node that never answers (each publish waits for its
 * time-out): of four publishes at once at most two are taken, the others answered 503
 * server_busy at once; the taken ones fail on the node. */
START_TEST(test_publish_queue_full) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof a;
  ck_assert_int_eq(bind(listener, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(listen(listener, 16), 0); /* connections wait in the backlog, never answered */
  ck_assert_int_eq(getsockname(listener, (struct sockaddr *)&a, &alen), 0);
  snprintf(writer_node_api, sizeof writer_node_api, "http://127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
  publish_threads = publish_queue = 1;
  fixture_t *f = fixture_new(NULL);
  char id[82], path[160];
  create_channel(f, 3, id);
  snprintf(path, sizeof path, "/v1/channels/%s/messages", id);
  enum { PUBLISHERS = 4 };
  publisher_t p[PUBLISHERS];
  pthread_t t[PUBLISHERS];
  for (int i = 0; i < PUBLISHERS; i++) {
    p[i] = (publisher_t){.f = *f, .path = path};
    ck_assert_ptr_nonnull(p[i].f.curl = curl_easy_init());
    ck_assert_int_eq(pthread_create(&t[i], NULL, publisher_main, &p[i]), 0);
  }
  int busy = 0, node = 0;
  for (int i = 0; i < PUBLISHERS; i++) {
    pthread_join(t[i], NULL);
    curl_easy_cleanup(p[i].f.curl);
    const char *code = p[i].answer.code ? p[i].answer.code : "(none)";
    ck_assert_msg(p[i].answer.status == 503, "status %ld (%s)", p[i].answer.status, code);
    busy += strcmp(code, "server_busy") == 0;
    node += strcmp(code, "node_unavailable") == 0;
    json_decref(p[i].answer.body);
  }
  ck_assert_int_ge(busy, PUBLISHERS - 2);
  ck_assert_int_eq(busy + node, PUBLISHERS);
  fixture_free(f);
  close(listener);
  snprintf(writer_node_api, sizeof writer_node_api, "http://127.0.0.1:1");
  publish_threads = publish_queue = 0;
}
END_TEST

/* Repeats a write until the store is full: every answer before is 201, the first other one is 507
 * storage_failed. kind 'w' writes watches (a new channel id each time), others the same body. */
static void write_until_full(fixture_t *f, char kind, const char *path, const char *body) {
  for (int i = 0; i < 5000; i++) {
    char watch[128];
    if (kind == 'w') {
      char id[82];
      memset(id, 'A', 81);
      id[81] = '\0';
      for (int k = 0, v = i; k < 4; k++, v /= 26) id[80 - k] = (char)('A' + v % 26);
      snprintf(watch, sizeof watch, "{\"channel_id\": \"%s\", \"backfill\": false}", id);
    }
    answer_t a = call(f, "POST", path, kind == 'w' ? watch : body);
    if (a.status != 201) return expect(a, 507, "storage_failed");
    json_decref(a.body);
  }
  ck_abort_msg("%s never filled the store", path);
}

/* A full store is 507 storage_failed at every route that writes, whichever service wrote, and
 * reads go on. */
START_TEST(test_store_full) {
  fixture_t *f = fixture_new(NULL);
  expect(call(f, "POST", "/v1/psks", "{}"), 201, NULL);
  pthread_mutex_lock(&f->lock);
  ck_assert_int_eq(mg_store_set_size_limit(f->store, 65536), MG_STORE_OK); /* never below its size */
  pthread_mutex_unlock(&f->lock);
  write_until_full(f, 'p', "/v1/psks", "{}");
  write_until_full(f, 'n', "/v1/ntru-keys", "{}");
  write_until_full(f, 'w', "/v1/watches", NULL);
  write_until_full(f, 'c', "/v1/channels", "{\"height\": 1}");
  answer_t a = call(f, "GET", "/v1/psks", NULL);
  ck_assert_int_eq(a.status, 200);
  ck_assert_uint_ge(json_array_size(json_object_get(a.body, "psks")), 1);
  json_decref(a.body);
  fixture_free(f);
}
END_TEST

/* Any other store failure is 500 internal: here the service's own connections cannot open. */
START_TEST(test_store_failure) {
  fixture_t *f = fixture_new("/nonexistent/check_services_rest/mamgate.db");
  expect(call(f, "GET", "/v1/channels/" CHANNEL_A "/messages", NULL), 500, "internal");
  expect(call(f, "GET", "/v1/channels/" CHANNEL_A "/messages/AAAAAAAAAAAAAAAAAAAAA", NULL), 500, "internal");
  expect(call(f, "GET", "/v1/channels/" CHANNEL_A "/stream", NULL), 500, "internal");
  expect(call_with(f, true, "Idempotency-Key: k1", "POST", "/v1/channels", "{\"height\": 1}"), 500, "internal");
  expect(call(f, "GET", "/v1/health", NULL), 200, NULL);
  fixture_free(f);
}
END_TEST

/* A PSK the store cannot read (here its table is gone: a damaged database) is a store failure,
 * 500, not an unknown PSK id (404). */
START_TEST(test_psk_read_failure) {
  fixture_t *f = fixture_new(NULL);
  char id[82], path[160];
  create_channel(f, 1, id);
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(f->db, &db), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(db, "DROP TABLE psks", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  snprintf(path, sizeof path, "/v1/channels/%s/messages", id);
  expect(call(f, "POST", path, "{\"payload\": \"hi\", \"psks\": [\"MYPSK\"]}"), 500, "internal");
  expect(call(f, "GET", "/v1/psks", NULL), 500, "internal");
  fixture_free(f);
}
END_TEST

START_TEST(test_keys) {
  fixture_t *f = fixture_new(NULL);
  answer_t a = call(f, "POST", "/v1/psks", "{\"id\": \"MYPSK\"}");
  ck_assert_int_eq(a.status, 201);
  ck_assert_str_eq(json_string_value(json_object_get(a.body, "id")), "MYPSK9999999999999999999999"); /* padded */
  ck_assert_uint_eq(json_string_length(json_object_get(a.body, "key")), MG_PSK_KEY_TRYTES);
  json_decref(a.body);
  expect(call(f, "POST", "/v1/psks", "{\"id\": \"MYPSK\"}"), 409, "conflict");
  expect(call(f, "POST", "/v1/psks", "{\"id\": \"my psk\"}"), 400, "bad_request");
  a = call(f, "GET", "/v1/psks", NULL);
  ck_assert_int_eq(a.status, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(a.body, "psks")), 1);
  ck_assert_ptr_null(json_object_get(json_array_get(json_object_get(a.body, "psks"), 0), "key")); /* ids only */
  json_decref(a.body);
  expect(call(f, "DELETE", "/v1/psks/MYPSK", NULL), 204, NULL);
  expect(call(f, "DELETE", "/v1/psks/MYPSK", NULL), 404, "not_found");

  a = call(f, "POST", "/v1/ntru-keys", "{}");
  ck_assert_int_eq(a.status, 201);
  char path[160];
  snprintf(path, sizeof path, "/v1/ntru-keys/%s", json_string_value(json_object_get(a.body, "id")));
  ck_assert_uint_eq(json_string_length(json_object_get(a.body, "public_key")), MG_NTRU_PK_TRYTES);
  json_decref(a.body);
  expect(call(f, "GET", path, NULL), 200, NULL);
  expect(call(f, "GET", "/v1/ntru-keys/999999999999999999999999999", NULL), 404, "not_found");
  a = call(f, "GET", "/v1/ntru-keys", NULL);
  ck_assert_uint_eq(json_array_size(json_object_get(a.body, "ntru_keys")), 1);
  json_decref(a.body);
  fixture_free(f);
}
END_TEST

START_TEST(test_watches) {
  fixture_t *f = fixture_new(NULL);
  const char *one = "{\"channel_id\": \"" CHANNEL_A "\", \"backfill\": false}";
  expect(call(f, "POST", "/v1/watches", one), 201, NULL);
  expect(call(f, "POST", "/v1/watches", one), 409, "conflict");
  expect(call(f, "POST", "/v1/watches", "{\"channel_id\": \"SHORT\"}"), 400, "bad_request");
  expect(call(f, "POST", "/v1/watches", "{\"channel_id\": \"" UNKNOWN_ID "\", \"ntru_key_ids\": "
                                        "[\"999999999999999999999999999\"]}"), 404, "not_found");
  /* a list is all or none: the second element is watched already */
  expect(call(f, "POST", "/v1/watches", "[{\"channel_id\": \"" UNKNOWN_ID "\", \"backfill\": false}, " "{\"channel_id\": \"" CHANNEL_A "\"}]"), 409, "conflict");
  answer_t a = call(f, "GET", "/v1/watches", NULL);
  ck_assert_int_eq(a.status, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(a.body, "watches")), 1);
  json_decref(a.body);
  expect(call(f, "DELETE", "/v1/watches/" CHANNEL_A, NULL), 204, NULL);
  expect(call(f, "DELETE", "/v1/watches/" CHANNEL_A, NULL), 404, "not_found");
  fixture_free(f);
}
END_TEST

/* Five stored packets read in pages of two: cursors follow each other, the last page is short and
 * a page past the end is empty with the same cursor. An unknown channel is 404, not an empty list. */
/* Started before the store opens: the routes that need it answer 503 store_unavailable, health
 * 503, info and metrics 200 saying so; once the backends are given, every route serves. */
START_TEST(test_store_not_ready) {
  fixture_t *f = fixture_new(NULL);
  mg_rest_stop(f->rest);
  mg_rest_deps_t deps = rest_deps(f);
  const mg_rest_backends_t backends = deps.backends;
  deps.backends = (mg_rest_backends_t){0};
  char err[256] = "";
  ck_assert_msg((f->rest = mg_rest_start(&deps, err, sizeof err)) != NULL, "%s", err);
  expect(call(f, "GET", "/v1/watches", NULL), 503, "store_unavailable");
  expect(call(f, "POST", "/v1/channels", "{\"height\": 2}"), 503, "store_unavailable");
  expect(call(f, "GET", "/v1/stream", NULL), 503, "store_unavailable");
  expect(call(f, "GET", "/v1/health", NULL), 503, "store_unavailable");
  expect(call(f, "GET", "/metrics", NULL), 200, NULL);
  answer_t a = call(f, "GET", "/v1/info", NULL);
  ck_assert_int_eq(a.status, 200);
  ck_assert(json_is_false(json_object_get(a.body, "store_ready")));
  json_decref(a.body);
  mg_rest_store_ready(f->rest, &backends);
  expect(call(f, "GET", "/v1/watches", NULL), 200, NULL);
  expect(call(f, "GET", "/v1/health", NULL), 200, NULL);
  a = call(f, "GET", "/v1/info", NULL);
  ck_assert_int_eq(a.status, 200);
  ck_assert(json_is_true(json_object_get(a.body, "store_ready")));
  json_decref(a.body);
  fixture_free(f);
}
END_TEST

START_TEST(test_message_paging) {
  fixture_t *f = fixture_new(NULL);
  static char hello[] = "HELLO";
  mg_message_t rows[5];
  for (int i = 0; i < 5; i++) {
    rows[i] = (mg_message_t){.ord = 1, .last = 1, .received_at_ms = 1000 + i, .leaf = -1};
    memcpy(rows[i].channel_id, CHANNEL_A, 82);
    memcpy(rows[i].endpoint_id, CHANNEL_A, 82);
    memcpy(rows[i].bundle, BUNDLE, 82);
    snprintf(rows[i].message_id, sizeof rows[i].message_id, "MESSAGE%c9999999999999", 'A' + i);
    rows[i].payload_trytes = hello;
  }
  pthread_mutex_lock(&f->lock);
  ck_assert_int_eq(mg_store_put_messages(f->store, rows, 5, NULL), MG_STORE_OK);
  pthread_mutex_unlock(&f->lock);
  int64_t cursor = 0;
  size_t seen = 0;
  for (int page = 0; page < 4; page++) {
    char path[200];
    snprintf(path, sizeof path, "/v1/channels/%s/messages?limit=2&cursor=%lld", CHANNEL_A, (long long)cursor);
    answer_t a = call(f, "GET", path, NULL);
    ck_assert_int_eq(a.status, 200);
    json_t *list = json_object_get(a.body, "messages");
    ck_assert_uint_eq(json_array_size(list), page < 2 ? 2 : page == 2 ? 1 : 0);
    for (size_t i = 0; i < json_array_size(list); i++, seen++)
      ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, i), "message_id")), rows[seen].message_id);
    int64_t next = json_integer_value(json_object_get(a.body, "next_cursor"));
    ck_assert(page < 3 ? next > cursor : next == cursor);
    cursor = next;
    json_decref(a.body);
  }
  ck_assert_uint_eq(seen, 5);
  expect(call(f, "GET", "/v1/channels/" CHANNEL_A "/messages?limit=51", NULL), 400, "bad_request"); /* page_limit */
  expect(call(f, "GET", "/v1/channels/" CHANNEL_A "/messages?cursor=-1", NULL), 400, "bad_request");
  expect(call(f, "GET", "/v1/channels/" UNKNOWN_ID "/messages", NULL), 404, "not_found");
  answer_t a = call(f, "GET", "/v1/channels/" CHANNEL_A "/messages/MESSAGEC9999999999999", NULL);
  ck_assert_int_eq(a.status, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(a.body, "packets")), 1);
  json_decref(a.body);
  expect(call(f, "GET", "/v1/channels/" CHANNEL_A "/messages/MESSAGEZ9999999999999", NULL), 404, "not_found");
  fixture_free(f);
}
END_TEST

int main(void) {
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) return 1;
  Suite *s = suite_create("service_rest");
  TCase *tc = tcase_create("rest");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_create_channel);
  tcase_add_test(tc, test_publish_errors);
  tcase_add_test(tc, test_publish_queue_full);
  tcase_add_test(tc, test_store_full);
  tcase_add_test(tc, test_store_failure);
  tcase_add_test(tc, test_psk_read_failure);
  tcase_add_test(tc, test_keys);
  tcase_add_test(tc, test_watches);
  tcase_add_test(tc, test_message_paging);
  tcase_add_test(tc, test_store_not_ready);
  suite_add_tcase(s, tc);
  int rc = tu_run_suite(s);
  curl_global_cleanup();
  return rc;
}
