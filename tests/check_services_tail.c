/* The store tail (services/tail) against a real SQLite store in a temporary directory and a real
 * ZeroMQ subscriber: it publishes what the store receives after it started, whichever connection
 * stored it, each packet once, as topic "mam <CHANNEL_ID>" and the packet's JSON; repeats the
 * store refuses are not published; rows of channels no longer watched do not hold it up; the
 * newest cursor it reports follows the store. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "services/tail.h"
#include "tests/testutil.h"

#define WATCHED "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW"
#define UNWATCHED "UUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUU"

typedef struct fixture {
  char dir[64], db[96];
  mg_store_t *writer; /* another connection, as the watcher's or another instance's */
  void *zmq_ctx, *sub;
  mg_metrics_t metrics;
  atomic_int stopping;
  mg_env_t env;
  mg_tail_t *tail;
} fixture_t;

static void sleep_ms(long ms) {
  const struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static mg_message_t row(const char *channel, int msg, int ord) {
  mg_message_t m = {.ord = ord, .last = 1, .received_at_ms = 5000 + msg, .leaf = -1};
  memcpy(m.channel_id, channel, MG_ID_TRYTES + 1);
  memcpy(m.endpoint_id, channel, MG_ID_TRYTES + 1);
  memset(m.message_id, '9', MG_MSG_ID_TRYTES);
  m.message_id[0] = MAM_TRYTE_ALPHABET[msg % 27];
  m.message_id[1] = MAM_TRYTE_ALPHABET[(msg / 27) % 27];
  m.message_id[2] = MAM_TRYTE_ALPHABET[(msg / 729) % 27];
  memset(m.bundle, 'B', MG_ID_TRYTES);
  ck_assert_ptr_nonnull(m.payload_trytes = strdup("HELLO"));
  return m;
}

/* Stores messages first..first+n-1 of a channel through the other connection; the new ones count. */
static size_t put(fixture_t *f, const char *channel, int first, int n) {
  mg_message_t rows[64];
  int inserted[64];
  ck_assert_int_le(n, 64);
  for (int i = 0; i < n; i++) rows[i] = row(channel, first + i, 1);
  ck_assert_int_eq(mg_store_put_messages(f->writer, rows, (size_t)n, inserted), MG_STORE_OK);
  size_t fresh = 0;
  for (int i = 0; i < n; i++) fresh += inserted[i] != 0, free(rows[i].payload_trytes);
  return fresh;
}

static fixture_t *fixture_new(void) {
  fixture_t *f = calloc(1, sizeof *f);
  ck_assert_ptr_nonnull(f);
  snprintf(f->dir, sizeof f->dir, "/tmp/check_services_tail.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(f->dir));
  snprintf(f->db, sizeof f->db, "%s/mamgate.db", f->dir);
  ck_assert_int_eq(mg_store_open(f->db, &f->writer), MG_STORE_OK);
  mg_watch_t w = {.options = "{}", .created_at_ms = 1};
  memcpy(w.channel_id, WATCHED, sizeof WATCHED);
  ck_assert_int_eq(mg_store_add_watch(f->writer, &w), MG_STORE_OK);
  ck_assert_ptr_nonnull(f->zmq_ctx = zmq_ctx_new());
  return f;
}

static void tail_start(fixture_t *f) {
  mg_tail_deps_t deps = {.env = &f->env,
                         .settings = {.db_path = f->db, .zmq_pub = "tcp://127.0.0.1:*"},
                         .zmq_ctx = f->zmq_ctx,
                         .metrics = &f->metrics,
                         .stopping = &f->stopping};
  char err[256] = "";
  f->tail = mg_tail_start(&deps, err, sizeof err);
  ck_assert_msg(f->tail != NULL, "%s", err);
  ck_assert_ptr_nonnull(f->sub = zmq_socket(f->zmq_ctx, ZMQ_SUB));
  ck_assert_int_eq(zmq_setsockopt(f->sub, ZMQ_SUBSCRIBE, "mam ", 4), 0);
  ck_assert_int_eq(zmq_connect(f->sub, mg_tail_endpoint(f->tail)), 0);
  sleep_ms(300); /* the subscription reaches the publisher (a PUB drops what comes before) */
}

static void fixture_free(fixture_t *f) {
  atomic_store(&f->stopping, 1);
  mg_tail_stop(f->tail);
  int linger = 0;
  zmq_setsockopt(f->sub, ZMQ_LINGER, &linger, sizeof linger);
  zmq_close(f->sub);
  zmq_ctx_term(f->zmq_ctx);
  mg_store_close(f->writer);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
  ck_assert_int_eq(system(cmd), 0);
  free(f);
}

/* Receives the two frames of one publication within wait_ms: 1 with topic and the body's cursor
 * and message id, 0 when nothing came. */
static int receive(fixture_t *f, int wait_ms, char *topic, size_t topic_size, int64_t *cursor, char *msg_id) {
  zmq_pollitem_t item = {.socket = f->sub, .events = ZMQ_POLLIN};
  if (zmq_poll(&item, 1, wait_ms) <= 0) return 0;
  char body[8192];
  int tl = zmq_recv(f->sub, topic, topic_size - 1, 0);
  ck_assert_int_gt(tl, 0);
  topic[tl] = '\0';
  int more = 0;
  size_t more_len = sizeof more;
  ck_assert_int_eq(zmq_getsockopt(f->sub, ZMQ_RCVMORE, &more, &more_len), 0);
  ck_assert_int_eq(more, 1);
  int bl = zmq_recv(f->sub, body, sizeof body - 1, 0);
  ck_assert_int_gt(bl, 0);
  body[bl] = '\0';
  json_t *o = json_loads(body, 0, NULL);
  ck_assert_ptr_nonnull(o);
  *cursor = json_integer_value(json_object_get(o, "cursor"));
  snprintf(msg_id, MG_MSG_ID_TRYTES + 1, "%s", json_string_value(json_object_get(o, "message_id")));
  json_decref(o);
  return 1;
}

START_TEST(test_publishes_new_rows_once) {
  fixture_t *f = fixture_new();
  ck_assert_uint_eq(put(f, WATCHED, 0, 2), 2); /* stored before the tail starts: not published */
  tail_start(f);
  ck_assert_uint_eq(put(f, WATCHED, 10, 3), 3);
  char topic[128], mid[MG_MSG_ID_TRYTES + 1];
  int64_t cursor, last = 0;
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(receive(f, 2000, topic, sizeof topic, &cursor, mid), 1);
    ck_assert_str_eq(topic, "mam " WATCHED);
    ck_assert_int_gt(cursor, last); /* cursor order */
    last = cursor;
    mg_message_t expect = row(WATCHED, 10 + i, 1);
    ck_assert_str_eq(mid, expect.message_id);
    free(expect.payload_trytes);
  }
  /* repeats stored by another connection leave no new row: nothing more goes out */
  ck_assert_uint_eq(put(f, WATCHED, 10, 3), 0);
  ck_assert_int_eq(receive(f, 600, topic, sizeof topic, &cursor, mid), 0);
  ck_assert_uint_eq(atomic_load(&f->metrics.packets_output), 3);
  ck_assert_int_eq(mg_tail_last_cursor(f->tail), last);
  ck_assert_int_eq(mg_tail_published_cursor(f->tail), last);
  fixture_free(f);
}
END_TEST

/* Rows of a channel that is not watched (a removed watch's history) are passed over, and more
 * than a page's worth of rows goes out whole. */
START_TEST(test_unwatched_and_pages) {
  fixture_t *f = fixture_new();
  tail_start(f);
  int total = 0;
  for (int i = 0; i < 6; i++) ck_assert_uint_eq(put(f, UNWATCHED, 100 + i * 64, 64), 64);
  for (int i = 0; i < 5; i++) total += (int)put(f, WATCHED, i * 64, 64);
  ck_assert_int_eq(total, 320); /* over the tail's page of 256 */
  char topic[128], mid[MG_MSG_ID_TRYTES + 1];
  int64_t cursor = 0, prev = 0;
  for (int i = 0; i < total; i++) {
    ck_assert_msg(receive(f, 2000, topic, sizeof topic, &cursor, mid) == 1, "publication %d of %d missing", i, total);
    ck_assert_str_eq(topic, "mam " WATCHED);
    ck_assert_int_gt(cursor, prev);
    prev = cursor;
  }
  ck_assert_int_eq(receive(f, 500, topic, sizeof topic, &cursor, mid), 0);
  int64_t newest = 0;
  ck_assert_int_eq(mg_store_last_cursor(f->writer, &newest), MG_STORE_OK);
  ck_assert_int_eq(mg_tail_last_cursor(f->tail), newest);
  /* the unwatched rows stored after the last watched one are passed over too */
  ck_assert_uint_eq(put(f, UNWATCHED, 900, 5), 5);
  ck_assert_int_eq(mg_store_last_cursor(f->writer, &newest), MG_STORE_OK);
  for (int i = 0; i < 100 && mg_tail_published_cursor(f->tail) != newest; i++) sleep_ms(20);
  ck_assert_int_eq(mg_tail_published_cursor(f->tail), newest);
  ck_assert_int_eq(receive(f, 300, topic, sizeof topic, &cursor, mid), 0);
  fixture_free(f);
}
END_TEST

/* The output endpoint is taken: the tail does not start, and says why. */
START_TEST(test_bind_failure) {
  fixture_t *f = fixture_new();
  tail_start(f);
  mg_tail_deps_t deps = {.env = &f->env,
                         .settings = {.db_path = f->db, .zmq_pub = mg_tail_endpoint(f->tail)},
                         .zmq_ctx = f->zmq_ctx,
                         .metrics = &f->metrics,
                         .stopping = &f->stopping};
  char err[256] = "";
  ck_assert_ptr_null(mg_tail_start(&deps, err, sizeof err));
  ck_assert_msg(strstr(err, "cannot bind the ZeroMQ output") != NULL, "%s", err);
  fixture_free(f);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("service_tail");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_publishes_new_rows_once);
  tcase_add_test(tc, test_unwatched_and_pages);
  tcase_add_test(tc, test_bind_failure);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(suite()); }
