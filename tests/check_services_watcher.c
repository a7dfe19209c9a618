/* The watcher (feed service) driven through its own handle: a real SQLite store in a temporary
 * directory, a real ZeroMQ context (the feed points at a port where no node listens, the output
 * binds a port the system picks), no HTTP. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "services/watcher.h"
#include "tests/testutil.h"
#include "zmq/feed.h"

#define CHANNEL_A "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define CHANNEL_B "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"

typedef struct fixture {
  char dir[64], db[96];
  mg_store_t *control;
  pthread_mutex_t lock;
  void *zmq_ctx;
  mg_metrics_t metrics;
  atomic_int stopping;
  mg_env_t env;
  mg_watcher_deps_t deps;
} fixture_t;

static fixture_t *fixture_new(void) {
  fixture_t *f = calloc(1, sizeof *f);
  ck_assert_ptr_nonnull(f);
  snprintf(f->dir, sizeof f->dir, "/tmp/check_services_watcher.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(f->dir));
  snprintf(f->db, sizeof f->db, "%s/mamgate.db", f->dir);
  ck_assert_int_eq(mg_store_open(f->db, &f->control), MG_STORE_OK);
  pthread_mutex_init(&f->lock, NULL);
  ck_assert_ptr_nonnull(f->zmq_ctx = zmq_ctx_new());
  f->deps = (mg_watcher_deps_t){
      .env = &f->env,
      .settings = {.db_path = f->db, .node_zmq = "tcp://127.0.0.1:1", .store_queue_packets = 1000,
                   .node_api = "http://127.0.0.1:1", .node_timeout_ms = 1000, .backfill_page = 100,
                   .feed_queue_frames = 1000, .feed_max_message_bytes = 4096, .assembler_max_txs = 1000,
                   .assembler_ttl_s = 60, .reader_max_contexts = 16, .max_payload_bytes = 4096},
      .control = f->control,
      .control_lock = &f->lock,
      .zmq_ctx = f->zmq_ctx,
      .metrics = &f->metrics,
      .stopping = &f->stopping};
  return f;
}

static void fixture_free(fixture_t *f) {
  mg_store_close(f->control);
  zmq_ctx_term(f->zmq_ctx);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
  ck_assert_int_eq(system(cmd), 0);
  pthread_mutex_destroy(&f->lock);
  free(f);
}

static mg_watcher_t *watcher_of(fixture_t *f) {
  atomic_store(&f->stopping, 0);
  char err[256] = "";
  mg_watcher_t *wt = mg_watcher_start(&f->deps, err, sizeof err);
  ck_assert_msg(wt != NULL, "%s", err);
  return wt;
}

static void stop(fixture_t *f, mg_watcher_t *wt) {
  atomic_store(&f->stopping, 1);
  mg_watcher_stop(wt);
}

/* The feed thread applies added and removed watches before its next transaction: waits (up to
 * 10 s) until the watcher reports `want` watches. */
static void wait_watches(mg_watcher_t *wt, size_t want) {
  mg_watcher_status_t st;
  mg_watcher_status(wt, &st);
  for (int i = 0; i < 1000 && st.watches != want; i++) {
    nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    mg_watcher_status(wt, &st);
  }
  ck_assert_uint_eq(st.watches, want);
}

static mg_watch_request_t request(const char *id) {
  mg_watch_request_t r = {0};
  memcpy(r.channel_id, id, 82);
  return r;
}

/* Watches are persisted before they take effect, and come back with a new watcher. */
START_TEST(test_add_remove_persist) {
  fixture_t *f = fixture_new();
  mg_watcher_t *wt = watcher_of(f);
  mg_watch_request_t a = request(CHANNEL_A), b = request(CHANNEL_B);
  ck_assert_int_eq(mg_watcher_add(wt, &a), MG_WATCH_OK);
  ck_assert_int_eq(mg_watcher_add(wt, &a), MG_WATCH_EXISTS);
  ck_assert_int_eq(mg_watcher_add(wt, &b), MG_WATCH_OK);
  wait_watches(wt, 2);
  ck_assert_int_eq(mg_watcher_remove(wt, CHANNEL_B), MG_WATCH_OK);
  ck_assert_int_eq(mg_watcher_remove(wt, CHANNEL_B), MG_WATCH_NOT_FOUND);
  wait_watches(wt, 1);
  stop(f, wt);

  wt = watcher_of(f);
  wait_watches(wt, 1);
  ck_assert_int_eq(mg_watcher_add(wt, &a), MG_WATCH_EXISTS);
  stop(f, wt);
  fixture_free(f);
}
END_TEST

/* A list of watches is all or nothing: one bad key leaves none of them. */
START_TEST(test_add_all_or_none) {
  fixture_t *f = fixture_new();
  mg_watcher_t *wt = watcher_of(f);
  char unknown[1][28] = {"999999999999999999999999999"};
  mg_watch_request_t reqs[2] = {request(CHANNEL_A), request(CHANNEL_B)};
  reqs[1].ntru_ids = unknown;
  reqs[1].n_ntru = 1;
  size_t bad = 99;
  ck_assert_int_eq(mg_watcher_add_all(wt, reqs, 2, &bad), MG_WATCH_BAD_KEY);
  ck_assert_uint_eq(bad, 1);
  mg_watch_t *rows = NULL;
  size_t n = 0;
  ck_assert_int_eq(mg_store_list_watches(f->control, &rows, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 0);
  mg_watches_free(rows, n);
  reqs[1].n_ntru = 0;
  ck_assert_int_eq(mg_watcher_add_all(wt, reqs, 2, &bad), MG_WATCH_OK);
  wait_watches(wt, 2);
  stop(f, wt);
  fixture_free(f);
}
END_TEST

/* No node: the feed is not connected, nothing is counted invalid, and stopping is prompt. */
START_TEST(test_no_node) {
  fixture_t *f = fixture_new();
  mg_watcher_t *wt = watcher_of(f);
  mg_watcher_status_t st;
  mg_watcher_status(wt, &st);
  ck_assert(!st.feed_connected);
  ck_assert_uint_eq(st.queued, 0);
  ck_assert_uint_eq(atomic_load(&f->metrics.feed_invalid), 0);
  stop(f, wt);
  fixture_free(f);
}
END_TEST

/* The `decodes` dependency of a sharded fleet, as a switch the test flips. */
static atomic_int mine;
static bool decodes_switch(void *ctx, const char *channel_id) {
  (void)ctx;
  (void)channel_id;
  return atomic_load(&mine) != 0;
}

static void wait_counter(atomic_uint_fast64_t *counter, uint64_t want) {
  for (int i = 0; i < 500 && atomic_load(counter) < want; i++) nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
  ck_assert_uint_ge(atomic_load(counter), want);
}

/* A channel of another shard's instance: its transactions are counted and passed over, and it is
 * not back-filled; once it becomes this instance's (the other's heartbeat went stale) it is
 * back-filled (what came meanwhile is on the node) and decoded. */
START_TEST(test_shard_share) {
  fixture_t *f = fixture_new();
  atomic_store(&mine, 0);
  f->deps.decodes = decodes_switch;
  mg_watcher_t *wt = watcher_of(f);
  mg_watch_request_t a = request(CHANNEL_A);
  a.backfill = true;
  ck_assert_int_eq(mg_watcher_add(wt, &a), MG_WATCH_OK);
  wait_watches(wt, 1);
  char tx[MG_FEED_TX_TRYTES + 1];
  memset(tx, '9', MG_FEED_TX_TRYTES);
  memcpy(tx + MG_FEED_ADDRESS_OFFSET, CHANNEL_A, 81);
  ck_assert_int_eq(mg_watcher_inject(wt, tx, NULL), 0);
  wait_counter(&f->metrics.shard_skipped, 1);
  ck_assert_uint_eq(atomic_load(&f->metrics.feed_matched), 0);
  nanosleep(&(struct timespec){.tv_nsec = 300 * 1000 * 1000}, NULL);
  ck_assert_uint_eq(atomic_load(&f->metrics.backfill_failures) + atomic_load(&f->metrics.backfill_runs), 0);
  atomic_store(&mine, 1);
  wait_counter(&f->metrics.backfill_failures, 1); /* no node: the back-fill it asked for fails */
  ck_assert_int_eq(mg_watcher_inject(wt, tx, NULL), 0);
  wait_counter(&f->metrics.feed_matched, 1);
  ck_assert_uint_eq(atomic_load(&f->metrics.shard_skipped), 1);
  stop(f, wt);
  fixture_free(f);
}
END_TEST

/* Watches stored by another process sharing the database (a fleet): followed within the sync
 * interval, added and removed. */
START_TEST(test_follows_stored_watches) {
  fixture_t *f = fixture_new();
  f->deps.settings.watch_sync_ms = 100;
  mg_watcher_t *wt = watcher_of(f);
  mg_store_t *other;
  ck_assert_int_eq(mg_store_open(f->db, &other), MG_STORE_OK);
  mg_watch_t row = {.options = "{\"psks\":[],\"ntru_key_ids\":[],\"own_keys\":true}", .created_at_ms = 1};
  memcpy(row.channel_id, CHANNEL_B, sizeof CHANNEL_B);
  ck_assert_int_eq(mg_store_add_watch(other, &row), MG_STORE_OK);
  wait_watches(wt, 1);
  ck_assert_int_eq(mg_watcher_add(wt, &(mg_watch_request_t){.channel_id = CHANNEL_A}), MG_WATCH_OK);
  wait_watches(wt, 2);
  ck_assert_int_eq(mg_store_remove_watch(other, CHANNEL_B), MG_STORE_OK);
  wait_watches(wt, 1);
  ck_assert_int_eq(mg_watcher_remove(wt, CHANNEL_A), MG_WATCH_OK);
  wait_watches(wt, 0);
  mg_store_close(other);
  stop(f, wt);
  fixture_free(f);
}
END_TEST

START_TEST(test_strerror) {
  for (int i = 0; i < MG_WATCH_ERR__COUNT; i++) {
    ck_assert_uint_gt(strlen(mg_watch_strerror((mg_watch_err_t)i)), 0);
    for (int j = 0; j < i; j++) ck_assert_str_ne(mg_watch_strerror((mg_watch_err_t)i), mg_watch_strerror((mg_watch_err_t)j));
  }
  ck_assert_ptr_nonnull(mg_watch_strerror(MG_WATCH_ERR__COUNT));
  ck_assert_str_eq(mg_invalid_reason_name(MG_INVALID_FORGED_COPY), "forged_copy");
}
END_TEST

static Suite *watcher_suite(void) {
  Suite *s = suite_create("service_watcher");
  TCase *tc = tcase_create("watcher");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_add_remove_persist);
  tcase_add_test(tc, test_add_all_or_none);
  tcase_add_test(tc, test_no_node);
  tcase_add_test(tc, test_strerror);
  tcase_add_test(tc, test_shard_share);
  tcase_add_test(tc, test_follows_stored_watches);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(watcher_suite()); }
