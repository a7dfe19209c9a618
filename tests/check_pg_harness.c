/* tests/check_pg_harness.c: the PostgreSQL server of tests/pg_lib.sh is real and usable from C
 * through libpq: it connects with the URI from the environment (MAMGATE_TEST_PG_URI), creates a
 * table, inserts from two connections at once and reads every row back, and sees concurrent
 * inserts of one key leave one row. Run by tests/pg_test.sh; the seed of the store suite against
 * PostgreSQL. */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testutil.h"

#define ROWS_PER_WRITER 400
#define WRITERS 2

static const char *uri(void) {
  const char *u = getenv("MAMGATE_TEST_PG_URI");
  ck_assert_msg(u && *u, "MAMGATE_TEST_PG_URI is not set: run this test through tests/pg_test.sh");
  return u;
}

static PGconn *connect_db(void) {
  PGconn *db = PQconnectdb(uri());
  ck_assert_ptr_nonnull(db);
  ck_assert_msg(PQstatus(db) == CONNECTION_OK, "cannot connect: %s", PQerrorMessage(db));
  return db;
}

/* Runs a statement that returns no rows; fails the test with the server's message otherwise. */
static void exec_ok(PGconn *db, const char *sql) {
  PGresult *r = PQexec(db, sql);
  ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(db));
  PQclear(r);
}

/* The single number a query returns. */
static long query_long(PGconn *db, const char *sql) {
  PGresult *r = PQexec(db, sql);
  ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(db));
  ck_assert_int_eq(PQntuples(r), 1);
  long v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
  PQclear(r);
  return v;
}

static void fresh_table(void) {
  PGconn *db = connect_db();
  exec_ok(db, "SET client_min_messages TO warning"); /* no notice for the first DROP */
  exec_ok(db, "DROP TABLE IF EXISTS harness");
  exec_ok(db, "CREATE TABLE harness (id bigserial PRIMARY KEY, writer int NOT NULL, n int NOT NULL, "
              "packet text NOT NULL, UNIQUE (writer, n))");
  exec_ok(db, "CREATE UNIQUE INDEX harness_packet ON harness (packet) WHERE writer < 0");
  PQfinish(db);
}

typedef struct writer {
  int id;           /* the writer column, or -1: insert shared keys */
  pthread_barrier_t *start;
  char error[256];  /* empty when every insert succeeded */
} writer_t;

/* One connection inserting ROWS_PER_WRITER rows, one transaction each, with bound parameters. */
static void *write_rows(void *arg) {
  writer_t *w = arg;
  PGconn *db = PQconnectdb(uri());
  pthread_barrier_wait(w->start);
  if (PQstatus(db) != CONNECTION_OK) {
    snprintf(w->error, sizeof w->error, "connect: %s", PQerrorMessage(db));
    PQfinish(db);
    return NULL;
  }
  const char *sql = w->id >= 0 ? "INSERT INTO harness (writer, n, packet) VALUES ($1::int, $2::int, $3)"
                               : "INSERT INTO harness (writer, n, packet) VALUES (-1 - $1::int, $2::int, $3) "
                                 "ON CONFLICT (packet) WHERE writer < 0 DO NOTHING";
  for (int n = 0; n < ROWS_PER_WRITER && !w->error[0]; n++) {
    char writer[16], num[16], packet[48];
    /* shared-key writers insert the same packets; the writer column tells who won each */
    snprintf(writer, sizeof writer, "%d", w->id >= 0 ? w->id : -w->id);
    snprintf(num, sizeof num, "%d", n);
    snprintf(packet, sizeof packet, "packet-%d-%d", w->id >= 0 ? w->id : 0, n);
    const char *values[3] = {writer, num, packet};
    PGresult *r = PQexecParams(db, sql, 3, NULL, values, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) snprintf(w->error, sizeof w->error, "insert %d: %s", n, PQerrorMessage(db));
    PQclear(r);
  }
  PQfinish(db);
  return NULL;
}

/* Runs the writers, each on its own connection and thread, released together. */
static void run_writers(writer_t *writers, int count) {
  pthread_barrier_t start;
  ck_assert_int_eq(pthread_barrier_init(&start, NULL, (unsigned)count), 0);
  pthread_t threads[WRITERS];
  ck_assert_int_le(count, WRITERS);
  for (int i = 0; i < count; i++) {
    writers[i].start = &start;
    writers[i].error[0] = '\0';
    ck_assert_int_eq(pthread_create(&threads[i], NULL, write_rows, &writers[i]), 0);
  }
  for (int i = 0; i < count; i++) ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
  pthread_barrier_destroy(&start);
  for (int i = 0; i < count; i++) ck_assert_msg(!writers[i].error[0], "writer %d: %s", i, writers[i].error);
}

START_TEST(test_server_is_real) {
  PGconn *db = connect_db();
  ck_assert_int_ge(PQserverVersion(db), 120000);
  PGresult *r = PQexec(db, "SELECT current_user, current_database(), inet_server_addr()::text");
  ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
  ck_assert_str_eq(PQgetvalue(r, 0, 0), "mamgate");
  ck_assert_str_eq(PQgetvalue(r, 0, 1), "mamgate_test");
  ck_assert_str_eq(PQgetvalue(r, 0, 2), "127.0.0.1/32"); /* over loopback TCP, not a socket */
  PQclear(r);
  PQfinish(db);
}
END_TEST

START_TEST(test_concurrent_inserts_all_read_back) {
  fresh_table();
  writer_t writers[WRITERS] = {{.id = 1}, {.id = 2}};
  run_writers(writers, WRITERS);
  PGconn *db = connect_db();
  ck_assert_int_eq(query_long(db, "SELECT count(*) FROM harness"), WRITERS * ROWS_PER_WRITER);
  for (int w = 1; w <= WRITERS; w++) {
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT n) FROM harness WHERE writer = %d AND n BETWEEN 0 AND %d AND packet = "
             "'packet-' || writer || '-' || n",
             w, ROWS_PER_WRITER - 1);
    ck_assert_int_eq(query_long(db, sql), ROWS_PER_WRITER);
  }
  /* both connections really ran at once: their rows interleave in the id sequence */
  ck_assert_int_gt(query_long(db, "SELECT count(*) FROM (SELECT writer <> lag(writer) OVER (ORDER BY id) AS "
                                  "switched FROM harness) s WHERE switched"),
                   1);
  PQfinish(db);
}
END_TEST

/* Two connections inserting the same packets at once (as two gateways decoding one channel
 * will): every packet is stored once. */
START_TEST(test_concurrent_inserts_of_one_key_leave_one_row) {
  fresh_table();
  writer_t writers[WRITERS] = {{.id = -1}, {.id = -2}};
  run_writers(writers, WRITERS);
  PGconn *db = connect_db();
  ck_assert_int_eq(query_long(db, "SELECT count(*) FROM harness"), ROWS_PER_WRITER);
  ck_assert_int_eq(query_long(db, "SELECT count(DISTINCT packet) FROM harness"), ROWS_PER_WRITER);
  PQfinish(db);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("pg_harness");
  TCase *tc = tcase_create("pg");
  tcase_add_test(tc, test_server_is_real);
  tcase_add_test(tc, test_concurrent_inserts_all_read_back);
  tcase_add_test(tc, test_concurrent_inserts_of_one_key_leave_one_row);
  suite_add_tcase(suite, tc);
  return tu_run_suite(suite);
}
