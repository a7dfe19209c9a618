/* Decoded packets waiting for the database (services/pending) against a real SQLite store in a
 * temporary directory: stored in order once the store answers, bounded (drops counted), and kept
 * whole when a flush fails (a size limit makes the real store refuse the write, as a full disk). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "services/pending.h"
#include "tests/testutil.h"

#define CHANNEL "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
#define BATCH 16

typedef struct fixture {
  char dir[64], db[96];
  mg_store_t *store;
} fixture_t;

static void fixture_open(fixture_t *f) {
  snprintf(f->dir, sizeof f->dir, "/tmp/check_services_pending.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(f->dir));
  snprintf(f->db, sizeof f->db, "%s/mamgate.db", f->dir);
  ck_assert_int_eq(mg_store_open(f->db, &f->store), MG_STORE_OK);
}

static void fixture_close(fixture_t *f) {
  mg_store_close(f->store);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
  ck_assert_int_eq(system(cmd), 0);
}

/* Packet `ord` of message number `msg` (its payload `payload_len` trytes, allocated). */
static mg_message_t row(int msg, int ord, size_t payload_len) {
  mg_message_t m = {.ord = ord, .last = 0, .checksum = 0, .received_at_ms = 1000 + msg, .leaf = -1};
  memcpy(m.channel_id, CHANNEL, sizeof CHANNEL);
  memcpy(m.endpoint_id, CHANNEL, sizeof CHANNEL);
  memset(m.message_id, '9', MG_MSG_ID_TRYTES);
  m.message_id[0] = MAM_TRYTE_ALPHABET[msg % 27];
  m.message_id[1] = MAM_TRYTE_ALPHABET[(msg / 27) % 27];
  m.message_id[2] = MAM_TRYTE_ALPHABET[(msg / 729) % 27];
  memset(m.bundle, 'B', MG_ID_TRYTES);
  ck_assert_ptr_nonnull(m.payload_trytes = malloc(payload_len + 1));
  memset(m.payload_trytes, 'P', payload_len);
  m.payload_trytes[payload_len] = '\0';
  return m;
}

static size_t push_messages(mg_pending_t *q, int first, int n, size_t payload_len) {
  size_t dropped = 0;
  for (int i = first; i < first + n; i++) {
    mg_message_t m = row(i, 1, payload_len);
    dropped += mg_pending_push(q, &m, 1);
    ck_assert_ptr_null(m.payload_trytes); /* taken */
  }
  return dropped;
}

static int64_t stored_count(fixture_t *f) {
  int64_t n = -1;
  ck_assert_int_eq(mg_store_count_messages(f->store, CHANNEL, &n), MG_STORE_OK);
  return n;
}

START_TEST(test_flush_in_order) {
  fixture_t f;
  fixture_open(&f);
  mg_pending_t *q = mg_pending_new(10000);
  ck_assert_ptr_nonnull(q);
  /* over the first allocation, with flushes between pushes (the queue's head moves) */
  ck_assert_uint_eq(push_messages(q, 0, 300, 10), 0);
  ck_assert_uint_eq(mg_pending_count(q), 300);
  size_t stored = 0, repeated = 0;
  ck_assert_int_eq(mg_pending_flush(q, f.store, BATCH, &stored, &repeated), MG_STORE_OK);
  ck_assert_uint_eq(stored, 300);
  ck_assert_uint_eq(repeated, 0);
  ck_assert_uint_eq(mg_pending_count(q), 0);
  ck_assert_uint_eq(push_messages(q, 300, 700, 10), 0);
  ck_assert_int_eq(mg_pending_flush(q, f.store, BATCH, &stored, NULL), MG_STORE_OK);
  ck_assert_uint_eq(stored, 700);
  ck_assert_int_eq(stored_count(&f), 1000);
  /* stored oldest first: cursor order is push order */
  mg_message_t *rows = NULL;
  size_t n = 0;
  ck_assert_int_eq(mg_store_list_messages(f.store, CHANNEL, 0, 1000, &rows, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 1000);
  for (size_t i = 0; i < n; i++) ck_assert_int_eq(rows[i].received_at_ms, 1000 + (int64_t)i);
  mg_messages_free(rows, n);
  /* the same packets again: the store keeps one of each */
  ck_assert_uint_eq(push_messages(q, 0, 20, 10), 0);
  ck_assert_int_eq(mg_pending_flush(q, f.store, BATCH, &stored, &repeated), MG_STORE_OK);
  ck_assert_uint_eq(stored, 0);
  ck_assert_uint_eq(repeated, 20);
  ck_assert_int_eq(stored_count(&f), 1000);
  mg_pending_free(q);
  fixture_close(&f);
}
END_TEST

START_TEST(test_bounded) {
  fixture_t f;
  fixture_open(&f);
  mg_pending_t *q = mg_pending_new(5);
  ck_assert_uint_eq(push_messages(q, 0, 8, 10), 3);
  ck_assert_uint_eq(mg_pending_count(q), 5);
  size_t stored = 0;
  ck_assert_int_eq(mg_pending_flush(q, f.store, BATCH, &stored, NULL), MG_STORE_OK);
  ck_assert_uint_eq(stored, 5); /* the first five: the newest were dropped */
  ck_assert_int_eq(stored_count(&f), 5);
  mg_pending_free(q);
  mg_pending_t *none = mg_pending_new(0);
  ck_assert_uint_eq(push_messages(none, 0, 4, 10), 4);
  ck_assert_uint_eq(mg_pending_count(none), 0);
  mg_pending_free(none);
  /* a queue freed with packets in it frees them (ASan and valgrind watch) */
  mg_pending_t *full = mg_pending_new(100);
  ck_assert_uint_eq(push_messages(full, 0, 50, 100), 0);
  mg_pending_free(full);
  fixture_close(&f);
}
END_TEST

/* The store refuses the write (a size limit, as a full disk): nothing is lost, the queue keeps
 * every packet in order and stores them all once the store takes them. */
START_TEST(test_failed_flush_keeps_all) {
  fixture_t f;
  fixture_open(&f);
  mg_pending_t *q = mg_pending_new(1000);
  ck_assert_uint_eq(push_messages(q, 0, 200, 4000), 0);
  ck_assert_int_eq(mg_store_set_size_limit(f.store, 4096), MG_STORE_OK); /* no growth past its size now */
  size_t stored = 99;
  mg_store_err_t err = mg_pending_flush(q, f.store, BATCH, &stored, NULL);
  ck_assert_int_eq(err, MG_STORE_ERR_FULL);
  ck_assert_uint_lt(stored, 200);
  size_t left = mg_pending_count(q);
  ck_assert_uint_eq(left + stored, 200);
  ck_assert_int_eq(stored_count(&f), (int64_t)stored);
  mg_store_close(f.store); /* the limit lasts as long as the connection */
  ck_assert_int_eq(mg_store_open(f.db, &f.store), MG_STORE_OK);
  size_t later = 0;
  ck_assert_int_eq(mg_pending_flush(q, f.store, BATCH, &later, NULL), MG_STORE_OK);
  ck_assert_uint_eq(later, left);
  ck_assert_int_eq(stored_count(&f), 200);
  mg_pending_free(q);
  fixture_close(&f);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("service_pending");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_flush_in_order);
  tcase_add_test(tc, test_bounded);
  tcase_add_test(tc, test_failed_flush_keeps_all);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(suite()); }
