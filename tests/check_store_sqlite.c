/* tests/check_store_sqlite.c: the storage layer (store/store.h) and its SQLite engine, on real files
 * in a temporary directory.
 *
 * Part 1, the interface: round trips of every function, uniqueness, cursor paging, argument checks,
 * batches all or none (which rows are new, which one failed), durability across reopen and SIGKILL,
 * leaf reservations shared by connections and processes. These tests use store/store.h only and
 * take their stores from an engine fixture (engine_fixture_t), so that the same list runs against
 * every engine: SQLite here; another engine adds a fixture.
 *
 * Part 2, the SQLite engine itself, poking its file directly: file modes, POSIX locks, locations,
 * a damaged file, schema versions and migration, cursors after a delete, a locked database and a
 * full one. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h> /* the PostgreSQL fixture and part 3 only */
#include <sqlite3.h>  /* the SQLite fixture and part 2 only */

#include "store/pg/pg.h"         /* the engine tables only */
#include "store/sqlite/sqlite.h" /* part 2 only */
#include "seal/check.h"
#include "store/store.h"
#include "tests/testutil.h"

static char test_dir[PATH_MAX];
static uint64_t rng = 0x5eed5707e;

/* ---- temporary directory (made once per test case, removed with everything in it) ---- */

static void make_test_dir(void) {
  const char *base = getenv("TMPDIR");
  snprintf(test_dir, sizeof test_dir, "%s/mg-store-XXXXXX", base && *base ? base : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(test_dir));
}

static void remove_test_dir(void) {
  DIR *d = opendir(test_dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (unlinkat(dirfd(d), e->d_name, 0) != 0) unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
  }
  closedir(d);
  rmdir(test_dir);
}

static const char *db_path(const char *name) {
  static char path[sizeof test_dir + 64];
  snprintf(path, sizeof path, "%s/%s", test_dir, name);
  return path;
}

/* ---- the engine under test ---- */

/* What the interface tests need of an engine: set up and tear down its place (once per test case),
 * the location of a database by name (the same name reaches the same database, also from another
 * process), the fleet key its stores are opened with (NULL: none), and raw SQL on a database by
 * name for what the store must not offer (altering a stored row): exec runs a statement, text
 * returns the first column of the first row of a query (malloc'd; NULL when no row); refuse makes
 * the database refuse, with the error "refused by test", to insert a message whose payload or a
 * watch whose options are REFUSED (a row the engine fails on in the middle of a batch). */
typedef struct engine_fixture {
  const char *name;
  void (*setup)(void);
  void (*teardown)(void);
  const char *(*location)(const char *name);
  const mg_seal_key_t *key;
  void (*exec)(const char *name, const char *sql);
  char *(*text)(const char *name, const char *sql);
  void (*refuse)(const char *name);
} engine_fixture_t;

static const engine_fixture_t *fixture; /* set by the test case's setup */

static const char *location(const char *name) { return fixture->location(name); }

/* Opens the named database with the fixture's key; no assertion (usable in a child process). */
static mg_store_err_t try_open(const char *name, mg_store_t **s) {
  return mg_store_open_sealed(location(name), fixture->key, s);
}

static mg_store_t *open_store(const char *name) {
  mg_store_t *s = NULL;
  mg_store_err_t err = try_open(name, &s);
  ck_assert_msg(err == MG_STORE_OK, "open %s: %s", name, mg_store_strerror(err));
  return s;
}

/* Fleet keys of the tests (any 32 bytes). */
static const mg_seal_key_t test_key = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                        17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}};
static const mg_seal_key_t other_key = {{32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17,
                                         16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}};

/* SQLite: a file in the temporary directory, named with the engine's scheme. */
static const char *sqlite_location(const char *name) {
  static char where[sizeof test_dir + 64 + 8];
  snprintf(where, sizeof where, "sqlite:%s", db_path(name));
  return where;
}

static void sqlite_exec(const char *name, const char *sql) {
  sqlite3 *db = NULL;
  ck_assert_int_eq(sqlite3_open_v2(db_path(name), &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
  sqlite3_close(db);
}

static char *sqlite_text(const char *name, const char *sql) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq(sqlite3_open_v2(db_path(name), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
  char *text = NULL;
  if (sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char *v = sqlite3_column_text(st, 0);
    text = strdup(v ? (const char *)v : "");
    ck_assert_ptr_nonnull(text);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return text;
}

static void sqlite_refuse(const char *name) {
  sqlite_exec(name, "CREATE TRIGGER refuse_message BEFORE INSERT ON messages WHEN NEW.payload = 'REFUSED'"
                    " BEGIN SELECT RAISE(ABORT, 'refused by test'); END;"
                    "CREATE TRIGGER refuse_watch BEFORE INSERT ON watches WHEN NEW.options = 'REFUSED'"
                    " BEGIN SELECT RAISE(ABORT, 'refused by test'); END");
}

static void sqlite_setup(void);
static void sqlite_sealed_setup(void);

static const engine_fixture_t sqlite_fixture = {"sqlite", sqlite_setup, remove_test_dir, sqlite_location,
                                                NULL, sqlite_exec, sqlite_text, sqlite_refuse};
/* The same engine with every secret sealed with a fleet key. */
static const engine_fixture_t sqlite_sealed_fixture = {"sqlite sealed", sqlite_sealed_setup, remove_test_dir,
                                                       sqlite_location, &test_key, sqlite_exec, sqlite_text,
                                                       sqlite_refuse};

static void sqlite_setup(void) {
  fixture = &sqlite_fixture;
  make_test_dir();
}

static void sqlite_sealed_setup(void) {
  fixture = &sqlite_sealed_fixture;
  make_test_dir();
}

/* PostgreSQL (when MAMGATE_TEST_PG_URI names a server, as tests/store_pg_test.sh sets it): every
 * database name is a schema of its own in the test database, reached through the connection's
 * search_path, made on first use and dropped with the test case. Stores open with the fleet key
 * (the engine requires it). */
static char pg_prefix[32]; /* the schemas of this test case: pg_prefix + name */

/* A connection to the test database (search_path: the named schema when name is not NULL). */
static PGconn *pg_connect(const char *name);

static const char *pg_schema(const char *name) {
  static char schema[64];
  size_t n = (size_t)snprintf(schema, sizeof schema, "%s", pg_prefix);
  for (const char *p = name; *p && n + 1 < sizeof schema; p++)
    schema[n++] = isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '_';
  schema[n] = '\0';
  return schema;
}

static void pg_run(PGconn *pg, const char *sql) {
  PGresult *res = PQexec(pg, sql);
  ExecStatusType st = PQresultStatus(res);
  ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(pg));
  PQclear(res);
}

static const char *pg_location(const char *name) {
  static char where[1024];
  const char *base = getenv("MAMGATE_TEST_PG_URI");
  const char *schema = pg_schema(name);
  static char made[64];
  if (strcmp(made, schema) != 0) { /* processes of one test may race to make it: under a lock */
    char sql[160];
    PGconn *pg = pg_connect(NULL);
    pg_run(pg, "BEGIN");
    pg_run(pg, "SELECT pg_advisory_xact_lock(42)");
    snprintf(sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS %s", schema);
    pg_run(pg, sql);
    pg_run(pg, "COMMIT");
    PQfinish(pg);
    snprintf(made, sizeof made, "%s", schema);
    snprintf(where, sizeof where, "%s%coptions=-c%%20search_path%%3D%s", base, strchr(base, '?') ? '&' : '?', schema);
  }
  return where;
}

static PGconn *pg_connect(const char *name) {
  PGconn *pg = PQconnectdb(name ? pg_location(name) : getenv("MAMGATE_TEST_PG_URI"));
  ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "connect: %s", PQerrorMessage(pg));
  PQclear(PQexec(pg, "SET client_min_messages = warning"));
  return pg;
}

static void pg_exec(const char *name, const char *sql) {
  PGconn *pg = pg_connect(name);
  pg_run(pg, sql);
  PQfinish(pg);
}

static char *pg_text(const char *name, const char *sql) {
  PGconn *pg = pg_connect(name);
  PGresult *res = PQexec(pg, sql);
  ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(pg));
  char *text = PQntuples(res) ? strdup(PQgetvalue(res, 0, 0)) : NULL;
  PQclear(res);
  PQfinish(pg);
  return text;
}

static void pg_setup(void);

static void pg_teardown(void) {
  PGconn *pg = pg_connect(NULL);
  char sql[200];
  snprintf(sql, sizeof sql, "SELECT nspname FROM pg_namespace WHERE nspname LIKE '%s%%'", pg_prefix);
  PGresult *res = PQexec(pg, sql);
  for (int i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res); i++) {
    snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", PQgetvalue(res, i, 0));
    pg_run(pg, sql);
  }
  PQclear(res);
  PQfinish(pg);
  remove_test_dir();
}

/* The column to look at is the trigger's argument. */
static void pg_refuse(const char *name) {
  pg_exec(name, "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF to_jsonb(NEW) ->>"
                " TG_ARGV[0] = 'REFUSED' THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$");
  pg_exec(name, "CREATE TRIGGER refuse BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse('payload')");
  pg_exec(name, "CREATE TRIGGER refuse BEFORE INSERT ON watches FOR EACH ROW EXECUTE FUNCTION refuse('options')");
}

static const engine_fixture_t pg_fixture = {"postgresql", pg_setup, pg_teardown, pg_location,
                                            &test_key, pg_exec, pg_text, pg_refuse};

static void pg_setup(void) {
  fixture = &pg_fixture;
  static int cases;
  snprintf(pg_prefix, sizeof pg_prefix, "t%ld_%d_", (long)getpid(), cases++);
  make_test_dir();
}

static mode_t file_mode(const char *path) {
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  return st.st_mode & 07777;
}

/* ---- data ---- */

static void random_trytes(char *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = MAM_TRYTE_ALPHABET[tu_rand(&rng) % 27];
  out[n] = '\0';
}

/* A decoded message with random ids and a payload of payload_len random trytes (caller frees it). */
static mg_message_t make_message(const char *channel_id, const char *message_id, int64_t ord, size_t payload_len) {
  mg_message_t m = {0};
  snprintf(m.channel_id, sizeof m.channel_id, "%s", channel_id);
  snprintf(m.message_id, sizeof m.message_id, "%s", message_id);
  random_trytes(m.endpoint_id, MG_ID_TRYTES);
  random_trytes(m.bundle, MG_ID_TRYTES);
  m.ord = ord;
  m.last = (int)(tu_rand(&rng) % 2);
  m.checksum = (int)(tu_rand(&rng) % 3);
  m.verified = (int)(tu_rand(&rng) % 2);
  m.received_at_ms = (int64_t)(tu_rand(&rng) >> 20);
  m.leaf = m.checksum == 2 ? (int64_t)(tu_rand(&rng) % 65536) : -1;
  m.payload_trytes = malloc(payload_len + 1);
  ck_assert_ptr_nonnull(m.payload_trytes);
  random_trytes(m.payload_trytes, payload_len);
  return m;
}

static void free_made(mg_message_t *msgs, size_t n) {
  for (size_t i = 0; i < n; i++) free(msgs[i].payload_trytes);
}

static void assert_same_message(const mg_message_t *got, const mg_message_t *want) {
  ck_assert_int_eq(got->cursor, want->cursor);
  ck_assert_str_eq(got->channel_id, want->channel_id);
  ck_assert_str_eq(got->endpoint_id, want->endpoint_id);
  ck_assert_str_eq(got->message_id, want->message_id);
  ck_assert_int_eq(got->ord, want->ord);
  ck_assert_int_eq(got->last, want->last);
  ck_assert_int_eq(got->checksum, want->checksum);
  ck_assert_int_eq(got->verified, want->verified);
  ck_assert_str_eq(got->payload_trytes, want->payload_trytes);
  ck_assert_str_eq(got->bundle, want->bundle);
  ck_assert_int_eq(got->received_at_ms, want->received_at_ms);
  ck_assert_int_eq(got->leaf, want->leaf);
}

static int64_t count_of(mg_store_t *s, const char *channel_id) {
  int64_t n = -1;
  ck_assert_int_eq(mg_store_count_messages(s, channel_id, &n), MG_STORE_OK);
  return n;
}

/* ==== part 1: the interface, for every engine ==== */

START_TEST(test_strerror_names_every_code) {
  for (int e = 0; e < MG_STORE_ERR__COUNT; e++) {
    const char *msg = mg_store_strerror((mg_store_err_t)e);
    ck_assert_ptr_nonnull(msg);
    ck_assert_uint_gt(strlen(msg), 0);
    for (int f = 0; f < e; f++) ck_assert_str_ne(msg, mg_store_strerror((mg_store_err_t)f));
  }
  ck_assert_ptr_nonnull(mg_store_strerror(MG_STORE_ERR__COUNT));
  ck_assert_ptr_nonnull(mg_store_errmsg(NULL));
}
END_TEST

START_TEST(test_messages_round_trip) {
  mg_store_t *s = open_store("msgs.db");
  char channel[MG_ID_TRYTES + 1], msg_id[MG_MSG_ID_TRYTES + 1];
  random_trytes(channel, MG_ID_TRYTES);
  random_trytes(msg_id, MG_MSG_ID_TRYTES);
  mg_message_t msgs[3] = {make_message(channel, msg_id, 1, 2187), make_message(channel, msg_id, 2, 0),
                          make_message(channel, msg_id, 3, 1)};
  int inserted[3] = {-1, -1, -1};
  ck_assert_int_eq(mg_store_put_messages(s, msgs, 3, inserted), MG_STORE_OK);
  for (size_t i = 0; i < 3; i++) {
    ck_assert_int_eq(inserted[i], 1);
    ck_assert_int_ge(msgs[i].cursor, 1);
    if (i) ck_assert_int_gt(msgs[i].cursor, msgs[i - 1].cursor);
  }
  mg_message_t *got = NULL;
  size_t n = 0;
  ck_assert_int_eq(mg_store_list_messages(s, channel, 0, 10, &got, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 3);
  for (size_t i = 0; i < 3; i++) assert_same_message(&got[i], &msgs[i]);
  mg_messages_free(got, n);
  ck_assert_int_eq(mg_store_get_message(s, channel, msg_id, &got, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 3);
  for (size_t i = 0; i < 3; i++) assert_same_message(&got[i], &msgs[i]);
  mg_messages_free(got, n);
  ck_assert_int_eq(mg_store_put_messages(s, NULL, 0, NULL), MG_STORE_OK);
  free_made(msgs, 3);
  mg_store_close(s);
}
END_TEST

START_TEST(test_messages_repeats_are_counted_not_stored) {
  mg_store_t *s = open_store("repeat.db");
  char channel[MG_ID_TRYTES + 1], other[MG_ID_TRYTES + 1], msg_id[MG_MSG_ID_TRYTES + 1];
  random_trytes(channel, MG_ID_TRYTES);
  random_trytes(other, MG_ID_TRYTES);
  random_trytes(msg_id, MG_MSG_ID_TRYTES);
  mg_message_t first[2] = {make_message(channel, msg_id, 1, 30), make_message(channel, msg_id, 2, 30)};
  ck_assert_int_eq(mg_store_put_messages(s, first, 2, NULL), MG_STORE_OK);
  int64_t second_cursor = first[1].cursor;

  /* a reattachment of packet 2, packet 3 twice in one batch, and the same ids on another channel */
  mg_message_t again[4] = {make_message(channel, msg_id, 2, 30), make_message(channel, msg_id, 3, 30),
                           make_message(channel, msg_id, 3, 30), make_message(other, msg_id, 2, 30)};
  int inserted[4];
  ck_assert_int_eq(mg_store_put_messages(s, again, 4, inserted), MG_STORE_OK);
  ck_assert_int_eq(inserted[0], 0);
  ck_assert_int_eq(again[0].cursor, 0);
  ck_assert_int_eq(inserted[1], 1);
  ck_assert_int_eq(inserted[2], 0);
  ck_assert_int_eq(again[2].cursor, 0);
  ck_assert_int_eq(inserted[3], 1);
  ck_assert_int_eq(count_of(s, channel), 3);
  ck_assert_int_eq(count_of(s, other), 1);
  ck_assert_int_eq(count_of(s, NULL), 4);

  mg_message_t *got = NULL;
  size_t n = 0;
  ck_assert_int_eq(mg_store_get_message(s, channel, msg_id, &got, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 3);
  assert_same_message(&got[1], &first[1]); /* the first copy is kept */
  ck_assert_int_eq(got[1].cursor, second_cursor);
  mg_messages_free(got, n);
  free_made(first, 2);
  free_made(again, 4);
  mg_store_close(s);
}
END_TEST

START_TEST(test_list_pages_in_cursor_order) {
  mg_store_t *s = open_store("paging.db");
  char a[MG_ID_TRYTES + 1], b[MG_ID_TRYTES + 1], unknown[MG_ID_TRYTES + 1];
  random_trytes(a, MG_ID_TRYTES);
  random_trytes(b, MG_ID_TRYTES);
  random_trytes(unknown, MG_ID_TRYTES);
  enum { TOTAL = 40 };
  mg_message_t msgs[TOTAL];
  for (size_t i = 0; i < TOTAL; i++) {
    char msg_id[MG_MSG_ID_TRYTES + 1];
    random_trytes(msg_id, MG_MSG_ID_TRYTES);
    msgs[i] = make_message(i % 3 ? a : b, msg_id, 1, 10);
    ck_assert_int_eq(mg_store_put_messages(s, &msgs[i], 1, NULL), MG_STORE_OK); /* one by one */
  }
  size_t seen = 0, listed = 0, pages = 0;
  int64_t after = 0;
  for (;;) {
    mg_message_t *page = NULL;
    size_t n = 0;
    ck_assert_int_eq(mg_store_list_messages(s, a, after, 7, &page, &n), MG_STORE_OK);
    ck_assert_uint_le(n, 7);
    if (n == 0) {
      ck_assert_ptr_null(page);
      break;
    }
    pages++;
    for (size_t j = 0; j < n; j++) {
      while (!(seen % 3)) seen++; /* skip channel b's messages */
      assert_same_message(&page[j], &msgs[seen++]);
      listed++;
    }
    after = page[n - 1].cursor;
    mg_messages_free(page, n);
  }
  ck_assert_uint_eq(listed, 26); /* the 40 messages with i % 3 != 0 */
  ck_assert_uint_eq(pages, (26 + 6) / 7);

  mg_message_t *page = (mg_message_t *)&page;
  size_t n = 99;
  ck_assert_int_eq(mg_store_list_messages(s, a, 0, 0, &page, &n), MG_STORE_OK);
  ck_assert_ptr_null(page);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(mg_store_list_messages(s, unknown, 0, 100, &page, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(mg_store_list_messages(s, a, msgs[TOTAL - 1].cursor, 100, &page, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(mg_store_list_messages(s, b, -5, SIZE_MAX, &page, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 14);
  mg_messages_free(page, n);
  free_made(msgs, TOTAL);
  mg_store_close(s);
}
END_TEST

START_TEST(test_list_messages_of_several_channels) {
  mg_store_t *s = open_store("several.db");
  char a[MG_ID_TRYTES + 1], b[MG_ID_TRYTES + 1], c[MG_ID_TRYTES + 1];
  random_trytes(a, MG_ID_TRYTES);
  random_trytes(b, MG_ID_TRYTES);
  random_trytes(c, MG_ID_TRYTES);
  enum { TOTAL = 12 };
  const char *of[3] = {a, b, c};
  mg_message_t msgs[TOTAL];
  for (size_t i = 0; i < TOTAL; i++) {
    char msg_id[MG_MSG_ID_TRYTES + 1];
    random_trytes(msg_id, MG_MSG_ID_TRYTES);
    msgs[i] = make_message(of[i % 3], msg_id, 1, 10);
  }
  ck_assert_int_eq(mg_store_put_messages(s, msgs, TOTAL, NULL), MG_STORE_OK);
  /* a and c, in cursor order, in pages of 3 */
  char *ac[2] = {a, c};
  size_t listed = 0;
  for (int64_t after = 0;;) {
    mg_message_t *page = NULL;
    size_t n = 0;
    ck_assert_int_eq(mg_store_list_messages_of(s, ac, 2, after, 3, &page, &n), MG_STORE_OK);
    if (n == 0) break;
    for (size_t j = 0; j < n; j++, listed++) {
      size_t i = listed / 2 * 3 + (listed % 2 ? 2 : 0); /* the a and c messages: 0, 2, 3, 5, ... */
      assert_same_message(&page[j], &msgs[i]);
    }
    after = page[n - 1].cursor;
    mg_messages_free(page, n);
  }
  ck_assert_uint_eq(listed, 8);
  /* none listed: every watched channel (b only) */
  mg_watch_t w = {.options = "{}"};
  memcpy(w.channel_id, b, sizeof w.channel_id);
  ck_assert_int_eq(mg_store_add_watch(s, &w), MG_STORE_OK);
  mg_message_t *page = NULL;
  size_t n = 0;
  ck_assert_int_eq(mg_store_list_messages_of(s, NULL, 0, 0, 100, &page, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 4);
  for (size_t j = 0; j < n; j++) ck_assert_str_eq(page[j].channel_id, b);
  mg_messages_free(page, n);
  char *bad[1] = {"ABC"};
  ck_assert_int_eq(mg_store_list_messages_of(s, bad, 1, 0, 100, &page, &n), MG_STORE_ERR_ARG);
  free_made(msgs, TOTAL);
  mg_store_close(s);
}
END_TEST

START_TEST(test_get_message_in_ord_order) {
  mg_store_t *s = open_store("ord.db");
  char channel[MG_ID_TRYTES + 1], msg_id[MG_MSG_ID_TRYTES + 1], unknown[MG_MSG_ID_TRYTES + 1];
  random_trytes(channel, MG_ID_TRYTES);
  random_trytes(msg_id, MG_MSG_ID_TRYTES);
  random_trytes(unknown, MG_MSG_ID_TRYTES);
  static const int64_t ords[] = {3, 1, 4, 2};
  mg_message_t msgs[4];
  for (size_t i = 0; i < 4; i++) {
    msgs[i] = make_message(channel, msg_id, ords[i], 5);
    ck_assert_int_eq(mg_store_put_messages(s, &msgs[i], 1, NULL), MG_STORE_OK);
  }
  mg_message_t *got = NULL;
  size_t n = 0;
  ck_assert_int_eq(mg_store_get_message(s, channel, msg_id, &got, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 4);
  for (size_t i = 0; i < 4; i++) {
    ck_assert_int_eq(got[i].ord, (int64_t)i + 1);
    for (size_t j = 0; j < 4; j++)
      if (ords[j] == got[i].ord) assert_same_message(&got[i], &msgs[j]);
  }
  mg_messages_free(got, n);
  ck_assert_int_eq(mg_store_get_message(s, channel, unknown, &got, &n), MG_STORE_NOT_FOUND);
  ck_assert_ptr_null(got);
  ck_assert_uint_eq(n, 0);
  free_made(msgs, 4);
  mg_store_close(s);
}
END_TEST

/* Each bad message, alone or in a batch with good ones, is MG_STORE_ERR_ARG and stores nothing. */
START_TEST(test_messages_reject_invalid_fields) {
  mg_store_t *s = open_store("badmsg.db");
  char channel[MG_ID_TRYTES + 1], msg_id[MG_MSG_ID_TRYTES + 1];
  random_trytes(channel, MG_ID_TRYTES);
  random_trytes(msg_id, MG_MSG_ID_TRYTES);
  for (int which = 0; which < 13; which++) {
    mg_message_t batch[2] = {make_message(channel, msg_id, 1, 9), make_message(channel, msg_id, 2, 9)};
    mg_message_t *bad = &batch[1];
    switch (which) {
      case 0: bad->channel_id[5] = 'a'; break;
      case 1: bad->channel_id[80] = '\0'; break;
      case 2: bad->endpoint_id[0] = '-'; break;
      case 3: bad->message_id[20] = '\0'; break;
      case 4: bad->bundle[40] = '0'; break;
      case 5: bad->ord = 0; break;
      case 6: bad->last = 2; break;
      case 7: bad->checksum = 3; break;
      case 8: bad->verified = -1; break;
      case 9: bad->received_at_ms = -1; break;
      case 10: bad->payload_trytes[3] = 'z'; break;
      case 11: bad->checksum = -1; break;
      default:
        free(bad->payload_trytes);
        bad->payload_trytes = NULL;
        break;
    }
    int inserted[2] = {7, 7};
    ck_assert_int_eq(mg_store_put_messages(s, batch, 2, inserted), MG_STORE_ERR_ARG);
    ck_assert_int_eq(inserted[0], 0);
    ck_assert_int_eq(batch[0].cursor, 0);
    ck_assert_int_eq(count_of(s, NULL), 0);
    free_made(batch, 2);
  }
  mg_message_t *got = NULL;
  size_t n = 0;
  int64_t count;
  ck_assert_int_eq(mg_store_put_messages(NULL, NULL, 0, NULL), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_put_messages(s, NULL, 1, NULL), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_list_messages(s, "ABC", 0, 1, &got, &n), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_list_messages(s, NULL, 0, 1, &got, &n), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_list_messages(s, channel, 0, 1, NULL, &n), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_get_message(s, channel, channel, &got, &n), MG_STORE_ERR_ARG); /* 81 > 21 */
  ck_assert_int_eq(mg_store_get_message(s, msg_id, msg_id, &got, &n), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_count_messages(s, msg_id, &count), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_count_messages(s, channel, NULL), MG_STORE_ERR_ARG);
  mg_store_close(s);
}
END_TEST

START_TEST(test_watches) {
  mg_store_t *s = open_store("watch.db");
  mg_watch_t a = {.options = "{\"trusted\":[]}", .created_at_ms = 42};
  mg_watch_t b = {.options = "", .created_at_ms = 7};
  uint8_t blob[300];
  for (size_t i = 0; i < sizeof blob; i++) blob[i] = (uint8_t)i;
  random_trytes(a.channel_id, MG_ID_TRYTES);
  random_trytes(b.channel_id, MG_ID_TRYTES);
  a.channel_id[0] = 'Z';
  b.channel_id[0] = 'A'; /* b sorts first */
  a.state = blob;
  a.state_len = sizeof blob;
  ck_assert_int_eq(mg_store_add_watch(s, &a), MG_STORE_OK);
  ck_assert_int_eq(mg_store_add_watch(s, &b), MG_STORE_OK);
  ck_assert_int_eq(mg_store_add_watch(s, &a), MG_STORE_EXISTS);

  mg_watch_t *w = NULL;
  size_t n = 0;
  ck_assert_int_eq(mg_store_list_watches(s, &w, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 2);
  ck_assert_str_eq(w[0].channel_id, b.channel_id);
  ck_assert_str_eq(w[0].options, "");
  ck_assert_ptr_null(w[0].state);
  ck_assert_uint_eq(w[0].state_len, 0);
  ck_assert_int_eq(w[0].created_at_ms, 7);
  ck_assert_str_eq(w[1].channel_id, a.channel_id);
  ck_assert_str_eq(w[1].options, a.options);
  ck_assert_uint_eq(w[1].state_len, sizeof blob);
  ck_assert_mem_eq(w[1].state, blob, sizeof blob);
  ck_assert_int_eq(w[1].created_at_ms, 42);
  mg_watches_free(w, n);

  ck_assert_int_eq(mg_store_set_watch_state(s, b.channel_id, blob, 5), MG_STORE_OK);
  ck_assert_int_eq(mg_store_set_watch_state(s, a.channel_id, NULL, 0), MG_STORE_OK);
  ck_assert_int_eq(mg_store_list_watches(s, &w, &n), MG_STORE_OK);
  ck_assert_uint_eq(w[0].state_len, 5);
  ck_assert_mem_eq(w[0].state, blob, 5);
  ck_assert_ptr_null(w[1].state);
  mg_watches_free(w, n);

  ck_assert_int_eq(mg_store_remove_watch(s, a.channel_id), MG_STORE_OK);
  ck_assert_int_eq(mg_store_remove_watch(s, a.channel_id), MG_STORE_NOT_FOUND);
  ck_assert_int_eq(mg_store_set_watch_state(s, a.channel_id, blob, 1), MG_STORE_NOT_FOUND);
  ck_assert_int_eq(mg_store_remove_watch(s, b.channel_id), MG_STORE_OK);
  ck_assert_int_eq(mg_store_list_watches(s, &w, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 0);
  ck_assert_ptr_null(w);

  mg_watch_t bad = a;
  bad.options = NULL;
  ck_assert_int_eq(mg_store_add_watch(s, &bad), MG_STORE_ERR_ARG);
  bad = a;
  bad.state = NULL; /* with state_len 300 */
  ck_assert_int_eq(mg_store_add_watch(s, &bad), MG_STORE_ERR_ARG);
  bad = a;
  bad.created_at_ms = -1;
  ck_assert_int_eq(mg_store_add_watch(s, &bad), MG_STORE_ERR_ARG);
  bad = a;
  bad.channel_id[10] = '\0';
  ck_assert_int_eq(mg_store_add_watch(s, &bad), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_add_watch(s, NULL), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_set_watch_state(s, a.channel_id, blob, 0), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_remove_watch(s, "9"), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_list_watches(s, NULL, &n), MG_STORE_ERR_ARG);
  mg_store_close(s);
}
END_TEST

/* A message the engine fails on in the middle of a batch fails the whole batch with the engine's
 * message: nothing of it is stored, no row has a cursor or counts as inserted (a repeat neither),
 * and the connection works on. */
START_TEST(test_failed_batch_is_rolled_back) {
  mg_store_t *s = open_store("refuse.db");
  fixture->refuse("refuse.db");
  char channel[MG_ID_TRYTES + 1], msg_id[MG_MSG_ID_TRYTES + 1];
  random_trytes(channel, MG_ID_TRYTES);
  random_trytes(msg_id, MG_MSG_ID_TRYTES);
  mg_message_t batch[4] = {make_message(channel, msg_id, 1, 20), make_message(channel, msg_id, 2, 20),
                           make_message(channel, msg_id, 3, 20), make_message(channel, msg_id, 4, 20)};
  ck_assert_int_eq(mg_store_put_messages(s, &batch[0], 1, NULL), MG_STORE_OK); /* a repeat below */
  snprintf(batch[2].payload_trytes, 21, "REFUSED");
  int inserted[4] = {7, 7, 7, 7};
  ck_assert_int_eq(mg_store_put_messages(s, batch, 4, inserted), MG_STORE_ERR_DB);
  ck_assert_str_eq(mg_store_errmsg(s), "refused by test");
  for (size_t i = 0; i < 4; i++) {
    ck_assert_int_eq(inserted[i], 0);
    ck_assert_int_eq(batch[i].cursor, 0);
  }
  ck_assert_int_eq(count_of(s, NULL), 1);
  mg_message_t ok[3] = {batch[0], batch[1], batch[3]};
  ck_assert_int_eq(mg_store_put_messages(s, ok, 3, inserted), MG_STORE_OK);
  ck_assert_int_eq(inserted[0], 0);
  ck_assert_int_eq(ok[0].cursor, 0);
  ck_assert_int_eq(inserted[1], 1);
  ck_assert_int_eq(inserted[2], 1);
  ck_assert_int_lt(ok[1].cursor, ok[2].cursor);
  ck_assert_int_eq(count_of(s, NULL), 3);
  free_made(batch, 4);
  mg_store_close(s);
}
END_TEST

static size_t watch_count(mg_store_t *s) {
  mg_watch_t *w = NULL;
  size_t n = 0;
  ck_assert_int_eq(mg_store_list_watches(s, &w, &n), MG_STORE_OK);
  mg_watches_free(w, n);
  return n;
}

/* A list of watches is added all or none; *failed names the first watch that fails, whatever made
 * it fail: an invalid field, a channel watched already or twice in the list, the engine. */
START_TEST(test_add_watches_all_or_none) {
  mg_store_t *s = open_store("watches.db");
  fixture->refuse("watches.db");
  mg_watch_t w[4];
  for (size_t i = 0; i < 4; i++) {
    w[i] = (mg_watch_t){.options = "{}", .created_at_ms = 1};
    random_trytes(w[i].channel_id, MG_ID_TRYTES);
  }
  size_t failed = 99;
  ck_assert_int_eq(mg_store_add_watches(s, NULL, 0, &failed), MG_STORE_OK);
  ck_assert_uint_eq(failed, 0);

  mg_watch_t invalid[3] = {w[0], w[1], w[2]};
  invalid[1].options = NULL;
  ck_assert_int_eq(mg_store_add_watches(s, invalid, 3, &failed), MG_STORE_ERR_ARG);
  ck_assert_uint_eq(failed, 1);
  mg_watch_t twice[3] = {w[0], w[1], w[0]};
  ck_assert_int_eq(mg_store_add_watches(s, twice, 3, &failed), MG_STORE_EXISTS);
  ck_assert_uint_eq(failed, 2);
  mg_watch_t refused[3] = {w[0], w[1], w[2]};
  refused[1].options = "REFUSED";
  ck_assert_int_eq(mg_store_add_watches(s, refused, 3, &failed), MG_STORE_ERR_DB);
  ck_assert_str_eq(mg_store_errmsg(s), "refused by test");
  ck_assert_uint_eq(failed, 1);
  ck_assert_int_eq(mg_store_add_watch(s, &refused[1]), MG_STORE_ERR_DB);
  ck_assert_uint_eq(watch_count(s), 0);

  ck_assert_int_eq(mg_store_add_watches(s, w, 3, &failed), MG_STORE_OK);
  ck_assert_uint_eq(failed, 3);
  ck_assert_uint_eq(watch_count(s), 3);
  mg_watch_t again[2] = {w[3], w[1]};
  ck_assert_int_eq(mg_store_add_watches(s, again, 2, &failed), MG_STORE_EXISTS);
  ck_assert_uint_eq(failed, 1);
  ck_assert_int_eq(mg_store_add_watches(s, &w[2], 1, &failed), MG_STORE_EXISTS);
  ck_assert_uint_eq(failed, 0);
  ck_assert_uint_eq(watch_count(s), 3);
  ck_assert_int_eq(mg_store_add_watches(s, &w[3], 1, &failed), MG_STORE_OK);
  ck_assert_uint_eq(watch_count(s), 4);
  ck_assert_int_eq(mg_store_add_watches(NULL, w, 1, &failed), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_add_watches(s, w, 1, NULL), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_add_watches(s, NULL, 1, &failed), MG_STORE_ERR_ARG);
  mg_store_close(s);
}
END_TEST

/* No error message may show any part of a secret (a 12-tryte window of it is enough to tell). */
static void assert_secret_not_in_errmsg(const mg_store_t *s, const char *secret, size_t len) {
  const char *msg = mg_store_errmsg(s);
  for (size_t i = 0; i + 12 <= len; i++) {
    char window[13];
    memcpy(window, secret + i, 12);
    window[12] = '\0';
    ck_assert_ptr_null(strstr(msg, window));
  }
}

START_TEST(test_psks) {
  mg_store_t *s = open_store("psk.db");
  char ids[3][MG_PSK_ID_TRYTES + 1], keys[3][MG_PSK_KEY_TRYTES + 1];
  for (size_t i = 0; i < 3; i++) {
    random_trytes(ids[i], MG_PSK_ID_TRYTES);
    random_trytes(keys[i], MG_PSK_KEY_TRYTES);
    ids[i][0] = (char)('C' - i); /* added in reverse sorted order */
    ck_assert_int_eq(mg_store_add_psk(s, ids[i], keys[i]), MG_STORE_OK);
  }
  ck_assert_int_eq(mg_store_add_psk(s, ids[1], keys[0]), MG_STORE_EXISTS);
  assert_secret_not_in_errmsg(s, keys[0], MG_PSK_KEY_TRYTES);
  char key[MG_PSK_KEY_TRYTES + 1];
  for (size_t i = 0; i < 3; i++) {
    ck_assert_int_eq(mg_store_get_psk(s, ids[i], key), MG_STORE_OK);
    ck_assert_str_eq(key, keys[i]);
  }
  char **list = NULL;
  size_t n = 0;
  ck_assert_int_eq(mg_store_list_psks(s, &list, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 3);
  for (size_t i = 0; i < 3; i++) ck_assert_str_eq(list[i], ids[2 - i]);
  mg_strings_free(list, n);

  ck_assert_int_eq(mg_store_delete_psk(s, ids[1]), MG_STORE_OK);
  ck_assert_int_eq(mg_store_delete_psk(s, ids[1]), MG_STORE_NOT_FOUND);
  ck_assert_int_eq(mg_store_get_psk(s, ids[1], key), MG_STORE_NOT_FOUND);
  ck_assert_int_eq(mg_store_list_psks(s, &list, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 2);
  mg_strings_free(list, n);

  char bad_key[MG_PSK_KEY_TRYTES + 1];
  memcpy(bad_key, keys[0], sizeof bad_key);
  bad_key[80] = '#';
  char new_id[MG_PSK_ID_TRYTES + 1];
  random_trytes(new_id, MG_PSK_ID_TRYTES);
  ck_assert_int_eq(mg_store_add_psk(s, new_id, bad_key), MG_STORE_ERR_ARG);
  assert_secret_not_in_errmsg(s, bad_key, 80);
  ck_assert_int_eq(mg_store_add_psk(s, new_id, ids[0]), MG_STORE_ERR_ARG); /* a 27-tryte key */
  ck_assert_int_eq(mg_store_add_psk(s, keys[0], keys[0]), MG_STORE_ERR_ARG); /* an 81-tryte id */
  ck_assert_int_eq(mg_store_add_psk(s, new_id, NULL), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_get_psk(s, new_id, NULL), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_list_psks(s, NULL, &n), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_delete_psk(s, NULL), MG_STORE_ERR_ARG);
  mg_store_close(s);
}
END_TEST

START_TEST(test_ntru_keys) {
  mg_store_t *s = open_store("ntru.db");
  static char sk[MG_NTRU_SK_TRYTES + 1], pk[MG_NTRU_PK_TRYTES + 1], got_sk[MG_NTRU_SK_TRYTES + 1],
      got_pk[MG_NTRU_PK_TRYTES + 1];
  char id[MG_PSK_ID_TRYTES + 1];
  random_trytes(sk, MG_NTRU_SK_TRYTES);
  random_trytes(pk, MG_NTRU_PK_TRYTES);
  memcpy(id, pk, MG_PSK_ID_TRYTES);
  id[MG_PSK_ID_TRYTES] = '\0';
  ck_assert_int_eq(mg_store_add_ntru(s, id, sk, pk), MG_STORE_OK);
  ck_assert_int_eq(mg_store_add_ntru(s, id, sk, pk), MG_STORE_EXISTS);
  assert_secret_not_in_errmsg(s, sk, MG_NTRU_SK_TRYTES);
  ck_assert_int_eq(mg_store_get_ntru(s, id, got_sk, got_pk), MG_STORE_OK);
  ck_assert_str_eq(got_sk, sk);
  ck_assert_str_eq(got_pk, pk);
  memset(got_pk, 0, sizeof got_pk);
  ck_assert_int_eq(mg_store_get_ntru(s, id, NULL, got_pk), MG_STORE_OK); /* public key only */
  ck_assert_str_eq(got_pk, pk);

  char **list = NULL;
  size_t n = 0;
  ck_assert_int_eq(mg_store_list_ntru(s, &list, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 1);
  ck_assert_str_eq(list[0], id);
  mg_strings_free(list, n);

  char other[MG_PSK_ID_TRYTES + 1];
  random_trytes(other, MG_PSK_ID_TRYTES);
  ck_assert_int_eq(mg_store_get_ntru(s, other, got_sk, got_pk), MG_STORE_NOT_FOUND);
  ck_assert_int_eq(mg_store_add_ntru(s, other, sk, pk), MG_STORE_ERR_ARG); /* not pk's id */
  assert_secret_not_in_errmsg(s, sk, MG_NTRU_SK_TRYTES);
  sk[100] = 'q';
  ck_assert_int_eq(mg_store_add_ntru(s, id, sk, pk), MG_STORE_ERR_ARG);
  assert_secret_not_in_errmsg(s, sk, MG_NTRU_SK_TRYTES);
  ck_assert_int_eq(mg_store_add_ntru(s, id, pk, pk), MG_STORE_ERR_ARG); /* wrong sk length */
  ck_assert_int_eq(mg_store_get_ntru(s, "A", got_sk, got_pk), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_list_ntru(s, &list, NULL), MG_STORE_ERR_ARG);
  mg_store_close(s);
}
END_TEST

START_TEST(test_channels) {
  mg_store_t *s = open_store("chan.db");
  char a[MG_ID_TRYTES + 1], b[MG_ID_TRYTES + 1];
  random_trytes(a, MG_ID_TRYTES);
  random_trytes(b, MG_ID_TRYTES);
  uint8_t state[1000];
  for (size_t i = 0; i < sizeof state; i++) state[i] = (uint8_t)tu_rand(&rng);
  for (int64_t want = 0; want < 3; want++) {
    int64_t number = -1;
    ck_assert_int_eq(mg_store_next_channel_number(s, &number), MG_STORE_OK);
    ck_assert_int_eq(number, want);
  }
  ck_assert_int_eq(mg_store_put_channel(s, a, 1, state, sizeof state), MG_STORE_OK);
  ck_assert_int_eq(mg_store_put_channel(s, b, 0, NULL, 0), MG_STORE_OK);

  int64_t number = -1;
  uint8_t *got = NULL;
  size_t len = 0;
  ck_assert_int_eq(mg_store_get_channel(s, a, &number, &got, &len), MG_STORE_OK);
  ck_assert_int_eq(number, 1);
  ck_assert_uint_eq(len, sizeof state);
  ck_assert_mem_eq(got, state, sizeof state);
  free(got);
  ck_assert_int_eq(mg_store_put_channel(s, a, 2, state, 10), MG_STORE_OK); /* replace */
  ck_assert_int_eq(mg_store_get_channel(s, a, &number, &got, &len), MG_STORE_OK);
  ck_assert_int_eq(number, 2);
  ck_assert_uint_eq(len, 10);
  free(got);
  ck_assert_int_eq(mg_store_get_channel(s, b, NULL, &got, &len), MG_STORE_OK);
  ck_assert_ptr_null(got);
  ck_assert_uint_eq(len, 0);
  ck_assert_int_eq(mg_store_get_channel(s, b, &number, NULL, NULL), MG_STORE_OK);
  ck_assert_int_eq(number, 0);

  char **ids = NULL;
  size_t n = 0;
  ck_assert_int_eq(mg_store_list_channels(s, &ids, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 2);
  ck_assert_str_eq(ids[0], b); /* number 0 */
  ck_assert_str_eq(ids[1], a); /* number 2 */
  mg_strings_free(ids, n);

  char unknown[MG_ID_TRYTES + 1];
  random_trytes(unknown, MG_ID_TRYTES);
  ck_assert_int_eq(mg_store_get_channel(s, unknown, &number, &got, &len), MG_STORE_NOT_FOUND);
  ck_assert_int_eq(mg_store_put_channel(s, a, -1, NULL, 0), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_put_channel(s, a, 1, NULL, 3), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_put_channel(s, a, 1, state, 0), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_get_channel(s, a, &number, &got, NULL), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_next_channel_number(s, NULL), MG_STORE_ERR_ARG);
  mg_store_close(s);
}
END_TEST

START_TEST(test_meta) {
  mg_store_t *s = open_store("meta.db");
  char *v = (char *)&v;
  ck_assert_int_eq(mg_store_get_meta(s, "token", &v), MG_STORE_NOT_FOUND);
  ck_assert_ptr_null(v);
  ck_assert_int_eq(mg_store_set_meta(s, "token", "abc"), MG_STORE_OK);
  ck_assert_int_eq(mg_store_set_meta(s, "token", "d\xc3\xa9" "f"), MG_STORE_OK);
  ck_assert_int_eq(mg_store_set_meta(s, "empty", ""), MG_STORE_OK);
  ck_assert_int_eq(mg_store_get_meta(s, "token", &v), MG_STORE_OK);
  ck_assert_str_eq(v, "d\xc3\xa9" "f");
  free(v);
  ck_assert_int_eq(mg_store_get_meta(s, "empty", &v), MG_STORE_OK);
  ck_assert_str_eq(v, "");
  free(v);
  char long_key[MG_META_KEY_MAX + 2];
  memset(long_key, 'k', sizeof long_key - 1);
  long_key[MG_META_KEY_MAX + 1] = '\0';
  ck_assert_int_eq(mg_store_set_meta(s, long_key, "x"), MG_STORE_ERR_ARG);
  long_key[MG_META_KEY_MAX] = '\0';
  ck_assert_int_eq(mg_store_set_meta(s, long_key, "x"), MG_STORE_OK);
  ck_assert_int_eq(mg_store_set_meta(s, "", "x"), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_set_meta(s, "k", NULL), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_get_meta(s, NULL, &v), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_get_meta(s, "k", NULL), MG_STORE_ERR_ARG);
  mg_store_close(s);
}
END_TEST

#define SCOPE_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SCOPE_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HASH_1 "1111111111111111111111111111111111111111111111111111111111111111"
#define HASH_2 "2222222222222222222222222222222222222222222222222222222222222222"

START_TEST(test_idempotency_keys) {
  mg_store_t *s = open_store("idem.db"), *other = open_store("idem.db");
  mg_idem_entry_t held;
  ck_assert_int_eq(mg_store_idem_reserve(s, SCOPE_A, "k", HASH_1, 1000, 0, &held), MG_STORE_OK);
  /* a second connection finds it running, with the first request's hash */
  ck_assert_int_eq(mg_store_idem_reserve(other, SCOPE_A, "k", HASH_2, 1001, 0, &held), MG_STORE_EXISTS);
  ck_assert_str_eq(held.request_hash, HASH_1);
  ck_assert_int_eq(held.status, 0);
  ck_assert_ptr_null(held.body);
  mg_idem_entry_free(&held);
  /* per scope: the same key of another token is free */
  ck_assert_int_eq(mg_store_idem_reserve(other, SCOPE_B, "k", HASH_1, 1001, 0, &held), MG_STORE_OK);
  ck_assert_int_eq(mg_store_idem_finish(s, SCOPE_A, "k", 201, "{\"a\":1}\n"), MG_STORE_OK);
  ck_assert_int_eq(mg_store_idem_finish(s, SCOPE_A, "k", 201, "{}"), MG_STORE_NOT_FOUND); /* answered once */
  ck_assert_int_eq(mg_store_idem_release(s, SCOPE_A, "k"), MG_STORE_NOT_FOUND);       /* an answer stays */
  ck_assert_int_eq(mg_store_idem_reserve(other, SCOPE_A, "k", HASH_1, 1002, 0, &held), MG_STORE_EXISTS);
  ck_assert_int_eq(held.status, 201);
  ck_assert_str_eq(held.body, "{\"a\":1}\n");
  mg_idem_entry_free(&held);
  /* a released reservation is free again */
  ck_assert_int_eq(mg_store_idem_release(other, SCOPE_B, "k"), MG_STORE_OK);
  ck_assert_int_eq(mg_store_idem_reserve(other, SCOPE_B, "k", HASH_2, 1003, 0, &held), MG_STORE_OK);
  /* entries created before the expiry bound are gone */
  ck_assert_int_eq(mg_store_idem_reserve(s, SCOPE_A, "k", HASH_2, 5000, 1001, &held), MG_STORE_OK);
  ck_assert_int_eq(mg_store_idem_reserve(s, SCOPE_B, "k", HASH_2, 5000, 1001, &held), MG_STORE_EXISTS);
  mg_idem_entry_free(&held);
  /* arguments */
  char long_key[MG_IDEM_KEY_MAX + 2];
  memset(long_key, 'k', sizeof long_key - 1);
  long_key[MG_IDEM_KEY_MAX + 1] = '\0';
  ck_assert_int_eq(mg_store_idem_reserve(s, SCOPE_A, long_key, HASH_1, 1, 0, &held), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_idem_reserve(s, SCOPE_A, "", HASH_1, 1, 0, &held), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_idem_reserve(s, "ABC", "k2", HASH_1, 1, 0, &held), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_idem_reserve(s, SCOPE_A, "k2", NULL, 1, 0, &held), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_idem_finish(s, SCOPE_A, "k", 99, "x"), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_idem_finish(s, SCOPE_A, "k", 200, NULL), MG_STORE_ERR_ARG);
  mg_store_close(other);
  mg_store_close(s);
}
END_TEST

START_TEST(test_channel_known) {
  mg_store_t *s = open_store("known.db");
  char own[MG_ID_TRYTES + 1], watched[MG_ID_TRYTES + 1], stranger[MG_ID_TRYTES + 1];
  random_trytes(own, MG_ID_TRYTES);
  random_trytes(watched, MG_ID_TRYTES);
  random_trytes(stranger, MG_ID_TRYTES);
  int known = -1;
  ck_assert_int_eq(mg_store_channel_known(s, own, &known), MG_STORE_OK);
  ck_assert_int_eq(known, 0);
  ck_assert_int_eq(mg_store_put_channel(s, own, 0, NULL, 0), MG_STORE_OK);
  mg_watch_t w = {.options = "{}"};
  memcpy(w.channel_id, watched, sizeof w.channel_id);
  ck_assert_int_eq(mg_store_add_watch(s, &w), MG_STORE_OK);
  ck_assert_int_eq(mg_store_channel_known(s, own, &known), MG_STORE_OK);
  ck_assert_int_eq(known, 1);
  ck_assert_int_eq(mg_store_channel_known(s, watched, &known), MG_STORE_OK);
  ck_assert_int_eq(known, 1);
  ck_assert_int_eq(mg_store_channel_known(s, stranger, &known), MG_STORE_OK);
  ck_assert_int_eq(known, 0);
  ck_assert_int_eq(mg_store_channel_known(s, "ABC", &known), MG_STORE_ERR_ARG);
  mg_store_close(s);
}
END_TEST

START_TEST(test_reserve_leaves) {
  mg_store_t *s = open_store("leaves.db");
  char tree[MG_ID_TRYTES + 1], other[MG_ID_TRYTES + 1];
  random_trytes(tree, MG_ID_TRYTES);
  random_trytes(other, MG_ID_TRYTES);
  uint64_t first = 99, next = 99;
  ck_assert_int_eq(mg_store_next_free_leaf(s, tree, &next), MG_STORE_OK);
  ck_assert_uint_eq(next, 0);
  ck_assert_int_eq(mg_store_reserve_leaves(s, tree, 0, 5, &first), MG_STORE_OK);
  ck_assert_uint_eq(first, 0);
  ck_assert_int_eq(mg_store_reserve_leaves(s, tree, 0, 1, &first), MG_STORE_OK);
  ck_assert_uint_eq(first, 5);
  ck_assert_int_eq(mg_store_reserve_leaves(s, tree, 100, 3, &first), MG_STORE_OK); /* floor ahead */
  ck_assert_uint_eq(first, 100);
  ck_assert_int_eq(mg_store_reserve_leaves(s, tree, 50, 2, &first), MG_STORE_OK); /* floor behind */
  ck_assert_uint_eq(first, 103);
  ck_assert_int_eq(mg_store_next_free_leaf(s, tree, &next), MG_STORE_OK);
  ck_assert_uint_eq(next, 105);
  ck_assert_int_eq(mg_store_next_free_leaf(s, other, &next), MG_STORE_OK); /* trees are independent */
  ck_assert_uint_eq(next, 0);
  ck_assert_int_eq(mg_store_reserve_leaves(s, other, 0, 1, &first), MG_STORE_OK);
  ck_assert_uint_eq(first, 0);

  ck_assert_int_eq(mg_store_reserve_leaves(s, tree, 0, 0, &first), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_reserve_leaves(s, tree, (uint64_t)INT64_MAX, 1, &first), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_reserve_leaves(s, tree, 0, UINT64_MAX, &first), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_reserve_leaves(s, tree, UINT64_MAX, 1, &first), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_reserve_leaves(s, tree, 0, 1, NULL), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_reserve_leaves(s, "ABC", 0, 1, &first), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_next_free_leaf(s, tree, &next), MG_STORE_OK); /* failures changed nothing */
  ck_assert_uint_eq(next, 105);
  ck_assert_int_eq(mg_store_next_free_leaf(s, tree, NULL), MG_STORE_ERR_ARG);
  mg_store_close(s);
}
END_TEST

START_TEST(test_reserve_two_connections) {
  mg_store_t *s1 = open_store("twoconn.db"), *s2 = open_store("twoconn.db");
  char tree[MG_ID_TRYTES + 1];
  random_trytes(tree, MG_ID_TRYTES);
  uint64_t end = 0;
  for (int i = 0; i < 20; i++) {
    uint64_t count = 1 + tu_rand(&rng) % 4, first = 0;
    mg_store_t *s = i % 2 ? s1 : s2;
    uint64_t floor = i == 10 ? end + 7 : 0; /* one caller knows of a later leaf */
    ck_assert_int_eq(mg_store_reserve_leaves(s, tree, floor, count, &first), MG_STORE_OK);
    ck_assert_uint_eq(first, floor > end ? floor : end); /* right after the other connection's */
    end = first + count;
  }
  uint64_t next = 0;
  ck_assert_int_eq(mg_store_next_free_leaf(s1, tree, &next), MG_STORE_OK);
  ck_assert_uint_eq(next, end);
  mg_store_close(s1);
  mg_store_close(s2);
}
END_TEST

/* The child reserves, reports the leaf and is killed at once; the reservation must be on disk. */
START_TEST(test_reserve_survives_sigkill) {
  char tree[MG_ID_TRYTES + 1];
  random_trytes(tree, MG_ID_TRYTES);
  uint64_t floor = 0;
  for (int round = 0; round < 3; round++) {
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      mg_store_t *s = NULL;
      uint64_t first = 0;
      if (try_open("killed.db", &s) != MG_STORE_OK ||
          mg_store_reserve_leaves(s, tree, floor, 10, &first) != MG_STORE_OK)
        _exit(1);
      if (write(fds[1], &first, sizeof first) != (ssize_t)sizeof first) _exit(1);
      raise(SIGKILL);
      _exit(1);
    }
    close(fds[1]);
    uint64_t first = UINT64_MAX;
    ck_assert_int_eq(read(fds[0], &first, sizeof first), (ssize_t)sizeof first);
    close(fds[0]);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    ck_assert_uint_eq(first, floor);

    mg_store_t *s = open_store("killed.db");
    uint64_t next = 0, again = 0;
    ck_assert_int_eq(mg_store_next_free_leaf(s, tree, &next), MG_STORE_OK);
    ck_assert_uint_eq(next, first + 10);
    ck_assert_int_eq(mg_store_reserve_leaves(s, tree, 0, 1, &again), MG_STORE_OK);
    ck_assert_uint_eq(again, first + 10);
    mg_store_close(s);
    floor = again + 1;
  }
}
END_TEST

enum { PROCS = 3, ROUNDS = 60 };

/* One of the competing processes: opens the store, reports ready with (0, 0), waits until `go`
 * reaches end of file, then makes ROUNDS reservations of 1-4 leaves, each reported as (first, count). */
static void reserve_in_child(const char *name, const char *tree, int out, int go, uint64_t seed) {
  mg_store_t *s = NULL;
  if (try_open(name, &s) != MG_STORE_OK) _exit(2);
  uint64_t ready[2] = {0, 0};
  char byte;
  if (write(out, ready, sizeof ready) != (ssize_t)sizeof ready || read(go, &byte, 1) != 0) _exit(5);
  for (int i = 0; i < ROUNDS; i++) {
    uint64_t range[2] = {0, 1 + tu_rand(&seed) % 4};
    if (mg_store_reserve_leaves(s, tree, 0, range[1], &range[0]) != MG_STORE_OK) _exit(3);
    if (write(out, range, sizeof range) != (ssize_t)sizeof range) _exit(4);
  }
  mg_store_close(s);
  _exit(0);
}

static int by_first(const void *a, const void *b) {
  const uint64_t *x = a, *y = b;
  return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Processes racing on a new file (creation and migration included) never get overlapping leaves.
 * They all open first and start reserving together, so their loops overlap in time. */
START_TEST(test_reserve_processes_never_overlap) {
  char tree[MG_ID_TRYTES + 1];
  random_trytes(tree, MG_ID_TRYTES);
  int fds[PROCS][2], go[2];
  pid_t pids[PROCS];
  ck_assert_int_eq(pipe(go), 0);
  for (int p = 0; p < PROCS; p++) {
    ck_assert_int_eq(pipe(fds[p]), 0);
    pids[p] = fork();
    ck_assert_int_ge(pids[p], 0);
    if (pids[p] == 0) {
      close(fds[p][0]);
      close(go[1]);
      reserve_in_child("race.db", tree, fds[p][1], go[0], (uint64_t)p + 1);
    }
    close(fds[p][1]);
  }
  close(go[0]);
  for (int p = 0; p < PROCS; p++) { /* every child has opened the store */
    uint64_t ready[2] = {1, 1};
    ck_assert_int_eq(read(fds[p][0], ready, sizeof ready), (ssize_t)sizeof ready);
    ck_assert_uint_eq(ready[1], 0);
  }
  close(go[1]);
  static uint64_t ranges[PROCS * ROUNDS][2];
  size_t n = 0;
  for (int p = 0; p < PROCS; p++) {
    ssize_t got;
    while ((got = read(fds[p][0], ranges[n], sizeof ranges[n])) == (ssize_t)sizeof ranges[n]) n++;
    ck_assert_int_eq(got, 0);
    close(fds[p][0]);
    int status = 0;
    ck_assert_int_eq(waitpid(pids[p], &status, 0), pids[p]);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d failed: status %d", p, status);
  }
  ck_assert_uint_eq(n, PROCS * ROUNDS);
  qsort(ranges, n, sizeof ranges[0], by_first);
  for (size_t i = 1; i < n; i++) ck_assert_uint_ge(ranges[i][0], ranges[i - 1][0] + ranges[i - 1][1]);
  mg_store_t *s = open_store("race.db");
  uint64_t next = 0;
  ck_assert_int_eq(mg_store_next_free_leaf(s, tree, &next), MG_STORE_OK);
  ck_assert_uint_eq(next, ranges[n - 1][0] + ranges[n - 1][1]);
  ck_assert_uint_eq(ranges[0][0], 0);
  mg_store_close(s);
}
END_TEST

START_TEST(test_everything_survives_reopen) {
  mg_store_t *s = open_store("durable.db");
  char channel[MG_ID_TRYTES + 1], msg_id[MG_MSG_ID_TRYTES + 1], psk_id[MG_PSK_ID_TRYTES + 1],
      psk[MG_PSK_KEY_TRYTES + 1];
  random_trytes(channel, MG_ID_TRYTES);
  random_trytes(msg_id, MG_MSG_ID_TRYTES);
  random_trytes(psk_id, MG_PSK_ID_TRYTES);
  random_trytes(psk, MG_PSK_KEY_TRYTES);
  mg_message_t m = make_message(channel, msg_id, 1, 100);
  mg_watch_t w = {.options = "{}", .state = (uint8_t *)"st", .state_len = 2, .created_at_ms = 1};
  memcpy(w.channel_id, channel, sizeof w.channel_id);
  uint64_t first = 0;
  int64_t number = -1;
  ck_assert_int_eq(mg_store_put_messages(s, &m, 1, NULL), MG_STORE_OK);
  ck_assert_int_eq(mg_store_add_watch(s, &w), MG_STORE_OK);
  ck_assert_int_eq(mg_store_add_psk(s, psk_id, psk), MG_STORE_OK);
  ck_assert_int_eq(mg_store_put_channel(s, channel, 0, (const uint8_t *)"abc", 3), MG_STORE_OK);
  ck_assert_int_eq(mg_store_next_channel_number(s, &number), MG_STORE_OK);
  ck_assert_int_eq(mg_store_reserve_leaves(s, channel, 0, 4, &first), MG_STORE_OK);
  ck_assert_int_eq(mg_store_set_meta(s, "k", "v"), MG_STORE_OK);
  mg_store_close(s);

  s = open_store("durable.db");
  mg_message_t *got = NULL;
  size_t n = 0;
  ck_assert_int_eq(mg_store_list_messages(s, channel, 0, 10, &got, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 1);
  assert_same_message(&got[0], &m);
  mg_messages_free(got, n);
  mg_watch_t *ws = NULL;
  ck_assert_int_eq(mg_store_list_watches(s, &ws, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 1);
  ck_assert_mem_eq(ws[0].state, "st", 2);
  mg_watches_free(ws, n);
  char key[MG_PSK_KEY_TRYTES + 1];
  ck_assert_int_eq(mg_store_get_psk(s, psk_id, key), MG_STORE_OK);
  ck_assert_str_eq(key, psk);
  uint8_t *state = NULL;
  size_t len = 0;
  ck_assert_int_eq(mg_store_get_channel(s, channel, NULL, &state, &len), MG_STORE_OK);
  ck_assert_mem_eq(state, "abc", 3);
  free(state);
  ck_assert_int_eq(mg_store_next_channel_number(s, &number), MG_STORE_OK);
  ck_assert_int_eq(number, 1);
  uint64_t next = 0;
  ck_assert_int_eq(mg_store_next_free_leaf(s, channel, &next), MG_STORE_OK);
  ck_assert_uint_eq(next, 4);
  char *v = NULL;
  ck_assert_int_eq(mg_store_get_meta(s, "k", &v), MG_STORE_OK);
  ck_assert_str_eq(v, "v");
  free(v);
  free_made(&m, 1);
  mg_store_close(s);
}
END_TEST

/* ---- fleet mode: counters, secrets, cursors, instances, the fleet key ---- */

START_TEST(test_reserve_msg_numbers) {
  mg_store_t *s = open_store("msgnum.db"), *other = open_store("msgnum.db");
  char tree[MG_ID_TRYTES + 1];
  random_trytes(tree, MG_ID_TRYTES);
  uint64_t first = 99, next = 99;
  ck_assert_int_eq(mg_store_next_msg_number(s, tree, &next), MG_STORE_OK);
  ck_assert_uint_eq(next, 0);
  ck_assert_int_eq(mg_store_reserve_msg_numbers(s, tree, 0, 2, &first), MG_STORE_OK);
  ck_assert_uint_eq(first, 0);
  ck_assert_int_eq(mg_store_reserve_msg_numbers(other, tree, 0, 1, &first), MG_STORE_OK); /* shared */
  ck_assert_uint_eq(first, 2);
  ck_assert_int_eq(mg_store_reserve_msg_numbers(s, tree, 10, 1, &first), MG_STORE_OK); /* floor ahead */
  ck_assert_uint_eq(first, 10);
  ck_assert_int_eq(mg_store_reserve_msg_numbers(other, tree, 5, 3, &first), MG_STORE_OK); /* floor behind */
  ck_assert_uint_eq(first, 11);
  ck_assert_int_eq(mg_store_next_msg_number(other, tree, &next), MG_STORE_OK);
  ck_assert_uint_eq(next, 14);
  /* a separate counter from the tree's leaves */
  ck_assert_int_eq(mg_store_next_free_leaf(s, tree, &next), MG_STORE_OK);
  ck_assert_uint_eq(next, 0);
  ck_assert_int_eq(mg_store_reserve_leaves(s, tree, 0, 1, &first), MG_STORE_OK);
  ck_assert_uint_eq(first, 0);
  ck_assert_int_eq(mg_store_next_msg_number(s, tree, &next), MG_STORE_OK);
  ck_assert_uint_eq(next, 14);

  ck_assert_int_eq(mg_store_reserve_msg_numbers(s, tree, 0, 0, &first), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_reserve_msg_numbers(s, tree, (uint64_t)INT64_MAX, 1, &first), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_reserve_msg_numbers(s, tree, UINT64_MAX, 1, &first), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_reserve_msg_numbers(s, tree, 0, 1, NULL), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_reserve_msg_numbers(s, "ABC", 0, 1, &first), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_next_msg_number(s, tree, NULL), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_next_msg_number(s, tree, &next), MG_STORE_OK); /* failures changed nothing */
  ck_assert_uint_eq(next, 14);
  mg_store_close(other);
  mg_store_close(s);
}
END_TEST

START_TEST(test_init_secret) {
  mg_store_t *s = open_store("secret.db"), *other = open_store("secret.db");
  uint8_t seed[81], rival[81], got[100];
  for (size_t i = 0; i < sizeof seed; i++) seed[i] = (uint8_t)tu_rand(&rng), rival[i] = (uint8_t)~seed[i];
  size_t len = 0;
  ck_assert_int_eq(mg_store_init_secret(s, "gateway_seed", seed, sizeof seed, got, sizeof got, &len), MG_STORE_OK);
  ck_assert_uint_eq(len, sizeof seed);
  ck_assert_mem_eq(got, seed, sizeof seed);
  /* set once: a later candidate, from any connection, gets the first one back */
  ck_assert_int_eq(mg_store_init_secret(other, "gateway_seed", rival, 5, got, sizeof got, &len), MG_STORE_OK);
  ck_assert_uint_eq(len, sizeof seed);
  ck_assert_mem_eq(got, seed, sizeof seed);
  ck_assert_int_eq(mg_store_init_secret(other, "other", rival, sizeof rival, got, sizeof got, &len), MG_STORE_OK);
  ck_assert_mem_eq(got, rival, sizeof rival);
  /* a buffer too small for the stored secret */
  ck_assert_int_eq(mg_store_init_secret(s, "gateway_seed", seed, 1, got, 80, &len), MG_STORE_ERR_ARG);
  ck_assert_uint_eq(len, 0);
  /* the secret survives a reopen */
  mg_store_close(s);
  s = open_store("secret.db");
  ck_assert_int_eq(mg_store_init_secret(s, "gateway_seed", rival, 1, got, sizeof got, &len), MG_STORE_OK);
  ck_assert_mem_eq(got, seed, sizeof seed);

  char long_name[MG_SECRET_NAME_MAX + 2];
  memset(long_name, 'n', sizeof long_name - 1);
  long_name[MG_SECRET_NAME_MAX + 1] = '\0';
  ck_assert_int_eq(mg_store_init_secret(s, long_name, seed, 1, got, sizeof got, &len), MG_STORE_ERR_ARG);
  long_name[MG_SECRET_NAME_MAX] = '\0';
  ck_assert_int_eq(mg_store_init_secret(s, long_name, seed, 1, got, sizeof got, &len), MG_STORE_OK);
  ck_assert_int_eq(mg_store_init_secret(s, "", seed, 1, got, sizeof got, &len), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_init_secret(s, "x", seed, 0, got, sizeof got, &len), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_init_secret(s, "x", NULL, 1, got, sizeof got, &len), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_init_secret(s, "x", seed, MG_SEAL_PLAIN_MAX + 1, got, sizeof got, &len), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_init_secret(s, "x", seed, 1, NULL, 1, &len), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_init_secret(s, "x", seed, 1, got, sizeof got, NULL), MG_STORE_ERR_ARG);
  mg_store_close(other);
  mg_store_close(s);
}
END_TEST

/* A child process stores one message after a pause, while the parent waits for it. */
static pid_t put_later(const char *name, const char *channel, int delay_ms) {
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid) return pid;
  struct timespec t = {delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
  mg_store_t *s = NULL;
  char id[MG_MSG_ID_TRYTES + 1];
  random_trytes(id, MG_MSG_ID_TRYTES);
  mg_message_t m = make_message(channel, id, 1, 9);
  int ok = try_open(name, &s) == MG_STORE_OK && mg_store_put_messages(s, &m, 1, NULL) == MG_STORE_OK;
  _exit(ok ? 0 : 1);
}

static int64_t elapsed_ms(const struct timespec *since) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

START_TEST(test_last_cursor_and_wait) {
  mg_store_t *s = open_store("wait.db");
  char channel[MG_ID_TRYTES + 1], id[MG_MSG_ID_TRYTES + 1];
  random_trytes(channel, MG_ID_TRYTES);
  random_trytes(id, MG_MSG_ID_TRYTES);
  int64_t last = -1;
  ck_assert_int_eq(mg_store_last_cursor(s, &last), MG_STORE_OK);
  ck_assert_int_eq(last, 0);
  mg_message_t m[2] = {make_message(channel, id, 1, 9), make_message(channel, id, 2, 9)};
  ck_assert_int_eq(mg_store_put_messages(s, m, 2, NULL), MG_STORE_OK);
  ck_assert_int_eq(mg_store_last_cursor(s, &last), MG_STORE_OK);
  ck_assert_int_eq(last, m[1].cursor);
  /* something newer than `after` is there already: no wait */
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  ck_assert_int_eq(mg_store_wait_messages(s, m[0].cursor, 5000, &last), MG_STORE_OK);
  ck_assert_int_eq(last, m[1].cursor);
  ck_assert_int_lt(elapsed_ms(&start), 2000);
  /* nothing newer: the whole time-out */
  clock_gettime(CLOCK_MONOTONIC, &start);
  ck_assert_int_eq(mg_store_wait_messages(s, m[1].cursor, 150, &last), MG_STORE_OK);
  ck_assert_int_eq(last, m[1].cursor);
  ck_assert_int_ge(elapsed_ms(&start), 150);
  /* another process stores one while this one waits: woken well before the time-out */
  pid_t pid = put_later("wait.db", channel, 300);
  clock_gettime(CLOCK_MONOTONIC, &start);
  ck_assert_int_eq(mg_store_wait_messages(s, m[1].cursor, 20000, &last), MG_STORE_OK);
  ck_assert_int_gt(last, m[1].cursor);
  ck_assert_int_lt(elapsed_ms(&start), 15000);
  int status = 0;
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  /* a repeat inserts nothing and moves no cursor */
  int64_t before = last;
  ck_assert_int_eq(mg_store_put_messages(s, m, 2, NULL), MG_STORE_OK);
  ck_assert_int_eq(mg_store_last_cursor(s, &last), MG_STORE_OK);
  ck_assert_int_eq(last, before);

  ck_assert_int_eq(mg_store_wait_messages(s, 0, -1, &last), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_wait_messages(s, 0, 0, NULL), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_last_cursor(s, NULL), MG_STORE_ERR_ARG);
  free_made(m, 2);
  mg_store_close(s);
}
END_TEST

START_TEST(test_instances) {
  mg_store_t *s = open_store("instances.db"), *other = open_store("instances.db");
  mg_instance_t *v = (mg_instance_t *)&v;
  size_t n = 9;
  ck_assert_int_eq(mg_store_list_instances(s, 0, &v, &n), MG_STORE_OK);
  ck_assert_ptr_null(v);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(mg_store_heartbeat(s, "gw-b.2", "{\"shard\":\"2/2\"}", 1000), MG_STORE_OK);
  ck_assert_int_eq(mg_store_heartbeat(other, "gw_a", "{}", 2000), MG_STORE_OK);
  ck_assert_int_eq(mg_store_heartbeat(other, "old", "{}", 10), MG_STORE_OK);
  ck_assert_int_eq(mg_store_heartbeat(s, "gw-b.2", "{\"shard\":\"1/2\"}", 3000), MG_STORE_OK); /* replaces */
  ck_assert_int_eq(mg_store_list_instances(s, 1000, &v, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 2);
  ck_assert_str_eq(v[0].id, "gw-b.2");
  ck_assert_str_eq(v[0].info, "{\"shard\":\"1/2\"}");
  ck_assert_int_eq(v[0].seen_ms, 3000);
  ck_assert_str_eq(v[1].id, "gw_a");
  ck_assert_int_eq(v[1].seen_ms, 2000);
  mg_instances_free(v, n);
  ck_assert_int_eq(mg_store_list_instances(other, 2001, &v, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 1);
  mg_instances_free(v, n);
  ck_assert_int_eq(mg_store_list_instances(other, 0, &v, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 3);
  mg_instances_free(v, n);

  char long_id[MG_INSTANCE_ID_MAX + 2];
  memset(long_id, 'i', sizeof long_id - 1);
  long_id[MG_INSTANCE_ID_MAX + 1] = '\0';
  ck_assert_int_eq(mg_store_heartbeat(s, long_id, "{}", 1), MG_STORE_ERR_ARG);
  long_id[MG_INSTANCE_ID_MAX] = '\0';
  ck_assert_int_eq(mg_store_heartbeat(s, long_id, "{}", 1), MG_STORE_OK);
  ck_assert_int_eq(mg_store_heartbeat(s, "", "{}", 1), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_heartbeat(s, "a b", "{}", 1), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_heartbeat(s, "a/b", "{}", 1), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_heartbeat(s, "a", NULL, 1), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_heartbeat(s, "a", "{}", -1), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_list_instances(s, 0, NULL, &n), MG_STORE_ERR_ARG);
  mg_instances_free(NULL, 0);
  mg_store_close(other);
  mg_store_close(s);
}
END_TEST

/* The first open with a key records its check value; another key, or none, is then refused and
 * writes nothing; the right key opens it again. */
START_TEST(test_fleet_key_check) {
  mg_store_t *s = NULL;
  ck_assert_int_eq(mg_store_open_sealed(location("fleet.db"), &test_key, &s), MG_STORE_OK);
  ck_assert_int_eq(mg_store_set_meta(s, "k", "v"), MG_STORE_OK);
  mg_store_close(s);
  char *check = fixture->text("fleet.db", "SELECT value FROM meta WHERE key = '" MG_STORE_FLEET_KEY_CHECK "'");
  ck_assert_ptr_nonnull(check);
  ck_assert_int_eq(mg_seal_check_verify(&test_key, check, strlen(check)), MG_SEAL_OK);

  s = (mg_store_t *)&s;
  ck_assert_int_eq(mg_store_open_sealed(location("fleet.db"), &other_key, &s), MG_STORE_ERR_KEY);
  ck_assert_ptr_null(s);
  ck_assert_int_eq(mg_store_open(location("fleet.db"), &s), MG_STORE_ERR_KEY);
  ck_assert_ptr_null(s);
  char *after = fixture->text("fleet.db", "SELECT value FROM meta WHERE key = '" MG_STORE_FLEET_KEY_CHECK "'");
  ck_assert_str_eq(after, check); /* unchanged */
  free(after);
  free(check);
  ck_assert_int_eq(mg_store_open_sealed(location("fleet.db"), &test_key, &s), MG_STORE_OK);
  char *v = NULL;
  ck_assert_int_eq(mg_store_get_meta(s, "k", &v), MG_STORE_OK);
  ck_assert_str_eq(v, "v");
  free(v);
  mg_store_close(s);
  ck_assert_int_eq(mg_store_open_sealed(NULL, &test_key, &s), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_open_sealed(location("fleet.db"), &test_key, NULL), MG_STORE_ERR_ARG);
}
END_TEST

/* With a key, no secret is in the database in clear: PSK keys, NTRU secret keys, named secrets. */
START_TEST(test_secrets_sealed_at_rest) {
  mg_store_t *s = open_store("atrest.db");
  char id[MG_PSK_ID_TRYTES + 1], key[MG_PSK_KEY_TRYTES + 1];
  static char sk[MG_NTRU_SK_TRYTES + 1], pk[MG_NTRU_PK_TRYTES + 1];
  random_trytes(id, MG_PSK_ID_TRYTES);
  random_trytes(key, MG_PSK_KEY_TRYTES);
  random_trytes(sk, MG_NTRU_SK_TRYTES);
  random_trytes(pk, MG_NTRU_PK_TRYTES);
  ck_assert_int_eq(mg_store_add_psk(s, id, key), MG_STORE_OK);
  ck_assert_int_eq(mg_store_add_ntru(s, pk, sk, pk) == MG_STORE_ERR_ARG, 1); /* the id is pk's first 27 */
  char ntru_id[MG_PSK_ID_TRYTES + 1];
  memcpy(ntru_id, pk, MG_PSK_ID_TRYTES);
  ntru_id[MG_PSK_ID_TRYTES] = '\0';
  ck_assert_int_eq(mg_store_add_ntru(s, ntru_id, sk, pk), MG_STORE_OK);
  uint8_t got[MG_PSK_KEY_TRYTES];
  size_t len = 0;
  ck_assert_int_eq(mg_store_init_secret(s, "gateway_seed", (const uint8_t *)key, MG_PSK_KEY_TRYTES, got, sizeof got, &len),
                   MG_STORE_OK);
  mg_store_close(s);
  char *stored_psk = fixture->text("atrest.db", "SELECT key FROM psks");
  char *stored_sk = fixture->text("atrest.db", "SELECT sk FROM ntru_keys");
  ck_assert_ptr_nonnull(stored_psk);
  ck_assert_ptr_nonnull(stored_sk);
  ck_assert_ptr_null(strstr(stored_psk, key));
  ck_assert_ptr_null(strstr(stored_sk, sk));
  ck_assert_uint_eq(strlen(stored_psk), MG_SEAL_TEXT_LEN(MG_PSK_KEY_TRYTES));
  ck_assert_uint_eq(strlen(stored_sk), MG_SEAL_TEXT_LEN(MG_NTRU_SK_TRYTES));
  free(stored_psk);
  free(stored_sk);
  char *count = fixture->text("atrest.db", "SELECT count(*) FROM secrets WHERE length(value) = 148");
  ck_assert_str_eq(count, "1"); /* 81 bytes sealed: 148 characters */
  free(count);
  s = open_store("atrest.db");
  char back[MG_PSK_KEY_TRYTES + 1];
  ck_assert_int_eq(mg_store_get_psk(s, id, back), MG_STORE_OK);
  ck_assert_str_eq(back, key);
  mg_store_close(s);
}
END_TEST

/* The SQL that damages one stored secret (kind 0: a PSK key, 1: an NTRU secret key, 2: a named
 * secret): truncated to `keep` characters, or with the character after `keep` replaced. */
static void damage_sql(char *sql, size_t size, int kind, const char *id, bool truncate, size_t keep) {
  static const char *const tables[] = {"psks", "ntru_keys", "secrets"};
  static const char *const columns[] = {"key", "sk", "value"};
  static const char *const keys[] = {"id", "id", "name"};
  const char *t = tables[kind], *c = columns[kind], *k = keys[kind];
  /* CAST: SQLite keeps a named secret in a BLOB column (unsealed secrets are bytes) */
  if (truncate)
    snprintf(sql, size, "UPDATE %s SET %s = substr(CAST(%s AS TEXT), 1, %zu) WHERE %s = '%s'", t, c, c, keep, k, id);
  else
    snprintf(sql, size,
             "UPDATE %s SET %s = substr(CAST(%s AS TEXT), 1, %zu) || CASE WHEN substr(CAST(%s AS TEXT), %zu, 1) = 'A'"
             " THEN 'B' ELSE 'A' END || substr(CAST(%s AS TEXT), %zu) WHERE %s = '%s'",
             t, c, c, keep, c, keep + 1, c, keep + 2, k, id);
}

/* Property: a sealed value altered or truncated in the database is refused with a clear error
 * (MG_STORE_ERR_CORRUPT naming the fleet key; no part of the secret), and harms nothing else: the
 * other secrets read back, and the store keeps working. */
START_TEST(test_sealed_value_damaged_is_refused) {
  mg_store_t *s = open_store("damage.db");
  enum { KEYS = 4, DAMAGE_ROUNDS = 12 };
  char ids[KEYS][MG_PSK_ID_TRYTES + 1], keys[KEYS][MG_PSK_KEY_TRYTES + 1], ntru_id[MG_PSK_ID_TRYTES + 1];
  static char sk[MG_NTRU_SK_TRYTES + 1], pk[MG_NTRU_PK_TRYTES + 1], got_sk[MG_NTRU_SK_TRYTES + 1];
  for (size_t i = 0; i < KEYS; i++) {
    random_trytes(ids[i], MG_PSK_ID_TRYTES);
    random_trytes(keys[i], MG_PSK_KEY_TRYTES);
    ck_assert_int_eq(mg_store_add_psk(s, ids[i], keys[i]), MG_STORE_OK);
  }
  random_trytes(sk, MG_NTRU_SK_TRYTES);
  random_trytes(pk, MG_NTRU_PK_TRYTES);
  memcpy(ntru_id, pk, MG_PSK_ID_TRYTES);
  ntru_id[MG_PSK_ID_TRYTES] = '\0';
  ck_assert_int_eq(mg_store_add_ntru(s, ntru_id, sk, pk), MG_STORE_OK);
  uint8_t seed[81], got[81];
  memcpy(seed, keys[0], sizeof seed);
  size_t len = 0;
  ck_assert_int_eq(mg_store_init_secret(s, "gateway_seed", seed, sizeof seed, got, sizeof got, &len), MG_STORE_OK);
  bool psk_ok[KEYS] = {true, true, true, true}, ntru_ok = true, seed_ok = true;

  for (int round = 0; round < DAMAGE_ROUNDS; round++) {
    int kind = round % 3;
    size_t victim = tu_rand(&rng) % KEYS;
    bool truncate = tu_rand(&rng) % 2;
    size_t text_len = MG_SEAL_TEXT_LEN(kind == 1 ? MG_NTRU_SK_TRYTES : MG_PSK_KEY_TRYTES);
    size_t keep = tu_rand(&rng) % (text_len - 1);
    char sql[512];
    damage_sql(sql, sizeof sql, kind, kind == 0 ? ids[victim] : kind == 1 ? ntru_id : "gateway_seed", truncate, keep);
    fixture->exec("damage.db", sql);
    if (kind == 0) psk_ok[victim] = false;
    if (kind == 1) ntru_ok = false;
    if (kind == 2) seed_ok = false;

    for (size_t i = 0; i < KEYS; i++) { /* the damaged ones are refused, the others read back */
      char key[MG_PSK_KEY_TRYTES + 1] = "unchanged";
      mg_store_err_t err = mg_store_get_psk(s, ids[i], key);
      if (psk_ok[i]) {
        ck_assert_int_eq(err, MG_STORE_OK);
        ck_assert_str_eq(key, keys[i]);
        continue;
      }
      ck_assert_int_eq(err, MG_STORE_ERR_CORRUPT);
      ck_assert_msg(strstr(mg_store_errmsg(s), "fleet key") != NULL, "unclear error: %s", mg_store_errmsg(s));
      ck_assert_str_eq(key, ""); /* nothing half-read */
      assert_secret_not_in_errmsg(s, keys[i], MG_PSK_KEY_TRYTES);
    }
    mg_store_err_t err = mg_store_get_ntru(s, ntru_id, got_sk, NULL);
    ck_assert_int_eq(err, ntru_ok ? MG_STORE_OK : MG_STORE_ERR_CORRUPT);
    if (ntru_ok) ck_assert_str_eq(got_sk, sk);
    char got_pk[MG_NTRU_PK_TRYTES + 1];
    ck_assert_int_eq(mg_store_get_ntru(s, ntru_id, NULL, got_pk), MG_STORE_OK); /* the public key stays */
    ck_assert_str_eq(got_pk, pk);
    err = mg_store_init_secret(s, "gateway_seed", got, 1, got, sizeof got, &len);
    ck_assert_int_eq(err, seed_ok ? MG_STORE_OK : MG_STORE_ERR_CORRUPT);
    if (seed_ok) ck_assert_mem_eq(got, seed, sizeof seed);
    /* the store keeps working */
    char id[MG_PSK_ID_TRYTES + 1], key[MG_PSK_KEY_TRYTES + 1], back[MG_PSK_KEY_TRYTES + 1];
    random_trytes(id, MG_PSK_ID_TRYTES);
    random_trytes(key, MG_PSK_KEY_TRYTES);
    ck_assert_int_eq(mg_store_add_psk(s, id, key), MG_STORE_OK);
    ck_assert_int_eq(mg_store_get_psk(s, id, back), MG_STORE_OK);
    ck_assert_str_eq(back, key);
    ck_assert_int_eq(mg_store_delete_psk(s, id), MG_STORE_OK);
  }
  char **list = NULL;
  size_t n = 0;
  ck_assert_int_eq(mg_store_list_psks(s, &list, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, KEYS);
  mg_strings_free(list, n);
  mg_store_close(s);
  s = open_store("damage.db"); /* the database still opens */
  mg_store_close(s);
}
END_TEST

/* What store-copy reads and raises: channels with messages, trees with counters, the channel number. */
START_TEST(test_listings_for_copy) {
  mg_store_t *s = open_store("listings.db");
  char a[MG_ID_TRYTES + 1], b[MG_ID_TRYTES + 1], id[MG_MSG_ID_TRYTES + 1];
  random_trytes(a, MG_ID_TRYTES);
  random_trytes(b, MG_ID_TRYTES);
  a[0] = 'A', b[0] = 'B';
  random_trytes(id, MG_MSG_ID_TRYTES);
  char **ids = NULL;
  size_t n = 9;
  ck_assert_int_eq(mg_store_list_message_channels(s, &ids, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 0);
  mg_message_t m[3] = {make_message(b, id, 1, 5), make_message(a, id, 1, 5), make_message(b, id, 2, 5)};
  ck_assert_int_eq(mg_store_put_messages(s, m, 3, NULL), MG_STORE_OK);
  ck_assert_int_eq(mg_store_list_message_channels(s, &ids, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 2);
  ck_assert_str_eq(ids[0], a);
  ck_assert_str_eq(ids[1], b);
  mg_strings_free(ids, n);

  uint64_t first = 0;
  ck_assert_int_eq(mg_store_reserve_leaves(s, b, 0, 1, &first), MG_STORE_OK);
  ck_assert_int_eq(mg_store_reserve_leaves(s, a, 0, 1, &first), MG_STORE_OK);
  ck_assert_int_eq(mg_store_reserve_msg_numbers(s, b, 0, 1, &first), MG_STORE_OK);
  ck_assert_int_eq(mg_store_list_trees(s, MG_COUNTER_LEAF, &ids, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 2);
  ck_assert_str_eq(ids[0], a);
  mg_strings_free(ids, n);
  ck_assert_int_eq(mg_store_list_trees(s, MG_COUNTER_MSG_NUMBER, &ids, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 1);
  ck_assert_str_eq(ids[0], b);
  mg_strings_free(ids, n);
  ck_assert_int_eq(mg_store_list_trees(s, (mg_store_counter_t)7, &ids, &n), MG_STORE_ERR_ARG);

  int64_t number = -1;
  ck_assert_int_eq(mg_store_raise_channel_number(s, 5), MG_STORE_OK);
  ck_assert_int_eq(mg_store_raise_channel_number(s, 2), MG_STORE_OK); /* never down */
  ck_assert_int_eq(mg_store_next_channel_number(s, &number), MG_STORE_OK);
  ck_assert_int_eq(number, 5);
  ck_assert_int_eq(mg_store_raise_channel_number(s, 6), MG_STORE_OK); /* there already */
  ck_assert_int_eq(mg_store_next_channel_number(s, &number), MG_STORE_OK);
  ck_assert_int_eq(number, 6);
  ck_assert_int_eq(mg_store_raise_channel_number(s, -1), MG_STORE_ERR_ARG);
  free_made(m, 3);
  mg_store_close(s);
}
END_TEST

/* ---- two connections in two threads ---- */

enum { THREAD_ROUNDS = 80, THREAD_PACKETS = 40 };

typedef struct thread_job {
  const char *name, *tree;
  uint64_t seed;
  uint64_t ranges[THREAD_ROUNDS][2]; /* reservations: first, count */
  mg_message_t *msgs;                /* packets to insert, each thread its own copies */
  int inserted[THREAD_PACKETS];
  bool reverse; /* inserts in reverse order */
  int failed;   /* the step that failed (no Check assertion outside the test's thread) */
} thread_job_t;

static void *reserve_thread(void *arg) {
  thread_job_t *j = arg;
  mg_store_t *s = NULL;
  if (try_open(j->name, &s) != MG_STORE_OK) return j->failed = 1, NULL;
  for (int i = 0; i < THREAD_ROUNDS && !j->failed; i++) {
    j->ranges[i][1] = 1 + tu_rand(&j->seed) % 3;
    if (mg_store_reserve_leaves(s, j->tree, 0, j->ranges[i][1], &j->ranges[i][0]) != MG_STORE_OK) j->failed = 2;
  }
  mg_store_close(s);
  return NULL;
}

/* Two connections in two threads reserving leaves of one tree at once never get overlapping
 * ranges, and the tree's next free leaf is the end of the last one. */
START_TEST(test_threads_reserve_never_overlap) {
  char tree[MG_ID_TRYTES + 1];
  random_trytes(tree, MG_ID_TRYTES);
  mg_store_close(open_store("threads.db")); /* created and migrated before the race */
  static thread_job_t jobs[2];
  pthread_t threads[2];
  for (int t = 0; t < 2; t++) {
    jobs[t] = (thread_job_t){.name = "threads.db", .tree = tree, .seed = (uint64_t)t + 7};
    ck_assert_int_eq(pthread_create(&threads[t], NULL, reserve_thread, &jobs[t]), 0);
  }
  static uint64_t all[2 * THREAD_ROUNDS][2];
  for (int t = 0; t < 2; t++) {
    ck_assert_int_eq(pthread_join(threads[t], NULL), 0);
    ck_assert_int_eq(jobs[t].failed, 0);
    memcpy(all[t * THREAD_ROUNDS], jobs[t].ranges, sizeof jobs[t].ranges);
  }
  qsort(all, 2 * THREAD_ROUNDS, sizeof all[0], by_first);
  for (size_t i = 1; i < 2 * THREAD_ROUNDS; i++) ck_assert_uint_ge(all[i][0], all[i - 1][0] + all[i - 1][1]);
  mg_store_t *s = open_store("threads.db");
  uint64_t next = 0;
  ck_assert_int_eq(mg_store_next_free_leaf(s, tree, &next), MG_STORE_OK);
  ck_assert_uint_eq(next, all[2 * THREAD_ROUNDS - 1][0] + all[2 * THREAD_ROUNDS - 1][1]);
  mg_store_close(s);
}
END_TEST

static void *insert_thread(void *arg) {
  thread_job_t *j = arg;
  mg_store_t *s = NULL;
  if (try_open(j->name, &s) != MG_STORE_OK) return j->failed = 1, NULL;
  for (size_t k = 0; k < THREAD_PACKETS && !j->failed; k += 4) { /* batches of 4 */
    size_t i = j->reverse ? THREAD_PACKETS - 4 - k : k;
    if (mg_store_put_messages(s, &j->msgs[i], 4, &j->inserted[i]) != MG_STORE_OK) j->failed = 2;
  }
  mg_store_close(s);
  return NULL;
}

/* Two connections in two threads inserting the same packets at once (one from the first, one from
 * the last) leave one row each: every packet is inserted by exactly one of them. */
START_TEST(test_threads_insert_same_packets_once) {
  char channel[MG_ID_TRYTES + 1], id[MG_MSG_ID_TRYTES + 1];
  random_trytes(channel, MG_ID_TRYTES);
  random_trytes(id, MG_MSG_ID_TRYTES);
  static mg_message_t msgs[2][THREAD_PACKETS];
  for (size_t i = 0; i < THREAD_PACKETS; i++) {
    msgs[0][i] = make_message(channel, id, (int64_t)i + 1, 50);
    msgs[1][i] = msgs[0][i];
    msgs[1][i].payload_trytes = strdup(msgs[0][i].payload_trytes);
    ck_assert_ptr_nonnull(msgs[1][i].payload_trytes);
  }
  mg_store_close(open_store("dups.db"));
  static thread_job_t jobs[2];
  pthread_t threads[2];
  for (int t = 0; t < 2; t++) {
    jobs[t] = (thread_job_t){.name = "dups.db", .msgs = msgs[t], .reverse = t == 1};
    ck_assert_int_eq(pthread_create(&threads[t], NULL, insert_thread, &jobs[t]), 0);
  }
  for (int t = 0; t < 2; t++) {
    ck_assert_int_eq(pthread_join(threads[t], NULL), 0);
    ck_assert_int_eq(jobs[t].failed, 0);
  }
  for (size_t i = 0; i < THREAD_PACKETS; i++)
    ck_assert_msg(jobs[0].inserted[i] + jobs[1].inserted[i] == 1, "packet %zu inserted %d times", i,
                  jobs[0].inserted[i] + jobs[1].inserted[i]);
  mg_store_t *s = open_store("dups.db");
  ck_assert_int_eq(count_of(s, channel), THREAD_PACKETS);
  mg_message_t *got = NULL;
  size_t n = 0;
  ck_assert_int_eq(mg_store_get_message(s, channel, id, &got, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, THREAD_PACKETS);
  for (size_t i = 0; i < n; i++) {
    const mg_message_t *winner = jobs[0].inserted[i] ? &msgs[0][i] : &msgs[1][i];
    assert_same_message(&got[i], winner);
  }
  mg_messages_free(got, n);
  mg_store_close(s);
  free_made(msgs[0], THREAD_PACKETS);
  free_made(msgs[1], THREAD_PACKETS);
}
END_TEST

enum { VISIBLE_BATCHES = 60, VISIBLE_BATCH = 3 };

typedef struct visible_writer {
  const char *channel;
  uint64_t seed;
  int failed;
  atomic_int finished; /* set last */
} visible_writer_t;

static void *visible_writer_thread(void *arg) {
  visible_writer_t *w = arg;
  mg_store_t *s = NULL;
  if (try_open("visible.db", &s) != MG_STORE_OK) {
    w->failed = 1;
    atomic_store(&w->finished, 1);
    return NULL;
  }
  for (int b = 0; b < VISIBLE_BATCHES && !w->failed; b++) {
    mg_message_t m[VISIBLE_BATCH];
    char id[MG_MSG_ID_TRYTES + 1];
    for (int i = 0; i < VISIBLE_BATCH; i++) {
      for (size_t k = 0; k < MG_MSG_ID_TRYTES; k++) id[k] = MAM_TRYTE_ALPHABET[tu_rand(&w->seed) % 27];
      id[MG_MSG_ID_TRYTES] = '\0';
      m[i] = (mg_message_t){.ord = 1, .last = 1, .leaf = -1, .payload_trytes = "ABC"};
      memcpy(m[i].channel_id, w->channel, MG_ID_TRYTES + 1);
      memcpy(m[i].message_id, id, sizeof id);
      memset(m[i].endpoint_id, '9', MG_ID_TRYTES);
      memset(m[i].bundle, '9', MG_ID_TRYTES);
    }
    if (mg_store_put_messages(s, m, VISIBLE_BATCH, NULL) != MG_STORE_OK) w->failed = 2;
  }
  mg_store_close(s);
  atomic_store(&w->finished, 1);
  return NULL;
}

/* Cursors become visible in increasing order: a reader following a channel by "cursor > the last
 * one I saw" while two connections insert never misses a row (one that appeared later with a
 * cursor below one it had seen). */
START_TEST(test_cursors_become_visible_in_order) {
  char channel[MG_ID_TRYTES + 1];
  random_trytes(channel, MG_ID_TRYTES);
  mg_store_t *s = open_store("visible.db");
  static visible_writer_t writers[2];
  pthread_t threads[2];
  for (int t = 0; t < 2; t++) {
    writers[t].channel = channel;
    writers[t].seed = (uint64_t)t + 11;
    writers[t].failed = 0;
    atomic_init(&writers[t].finished, 0);
    ck_assert_int_eq(pthread_create(&threads[t], NULL, visible_writer_thread, &writers[t]), 0);
  }
  int64_t seen = 0, followed = 0;
  for (bool done = false; !done;) {
    done = atomic_load(&writers[0].finished) && atomic_load(&writers[1].finished); /* then one last look */
    mg_message_t *page = NULL;
    size_t n = 0;
    ck_assert_int_eq(mg_store_list_messages(s, channel, seen, 1000, &page, &n), MG_STORE_OK);
    if (n) seen = page[n - 1].cursor;
    followed += (int64_t)n;
    mg_messages_free(page, n);
  }
  for (int t = 0; t < 2; t++) {
    ck_assert_int_eq(pthread_join(threads[t], NULL), 0);
    ck_assert_int_eq(writers[t].failed, 0);
  }
  ck_assert_int_eq(count_of(s, channel), 2 * VISIBLE_BATCHES * VISIBLE_BATCH);
  ck_assert_int_eq(followed, 2 * VISIBLE_BATCHES * VISIBLE_BATCH); /* none appeared behind the reader */
  mg_store_close(s);
}
END_TEST

/* Every test of the interface, for the engine the test case's fixture sets up. */
static void add_interface_tests(TCase *tc, const mg_seal_key_t *fixture_key) {
  tcase_add_test(tc, test_strerror_names_every_code);
  tcase_add_test(tc, test_messages_round_trip);
  tcase_add_test(tc, test_messages_repeats_are_counted_not_stored);
  tcase_add_test(tc, test_list_pages_in_cursor_order);
  tcase_add_test(tc, test_list_messages_of_several_channels);
  tcase_add_test(tc, test_get_message_in_ord_order);
  tcase_add_test(tc, test_messages_reject_invalid_fields);
  tcase_add_test(tc, test_watches);
  tcase_add_test(tc, test_add_watches_all_or_none);
  tcase_add_test(tc, test_failed_batch_is_rolled_back);
  tcase_add_test(tc, test_psks);
  tcase_add_test(tc, test_ntru_keys);
  tcase_add_test(tc, test_channels);
  tcase_add_test(tc, test_meta);
  tcase_add_test(tc, test_idempotency_keys);
  tcase_add_test(tc, test_channel_known);
  tcase_add_test(tc, test_reserve_leaves);
  tcase_add_test(tc, test_reserve_two_connections);
  tcase_add_test(tc, test_reserve_survives_sigkill);
  tcase_add_test(tc, test_reserve_processes_never_overlap);
  tcase_add_test(tc, test_everything_survives_reopen);
  tcase_add_test(tc, test_reserve_msg_numbers);
  tcase_add_test(tc, test_init_secret);
  tcase_add_test(tc, test_last_cursor_and_wait);
  tcase_add_test(tc, test_instances);
  tcase_add_test(tc, test_fleet_key_check);
  tcase_add_test(tc, test_listings_for_copy);
  tcase_add_test(tc, test_threads_reserve_never_overlap);
  tcase_add_test(tc, test_threads_insert_same_packets_once);
  tcase_add_test(tc, test_cursors_become_visible_in_order);
  if (!fixture_key) return;
  tcase_add_test(tc, test_secrets_sealed_at_rest);
  tcase_add_test(tc, test_sealed_value_damaged_is_refused);
}

/* ==== part 2: the SQLite engine and its file ==== */

/* Raw SQLite access for what the store must not offer: schema version and row deletion. */
static sqlite3 *raw_open(const char *name) {
  sqlite3 *db = NULL;
  ck_assert_int_eq(sqlite3_open_v2(db_path(name), &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  return db;
}

static int raw_user_version(sqlite3 *db) {
  sqlite3_stmt *st;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  int v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return v;
}

static void raw_exec(sqlite3 *db, const char *sql) {
  ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
}

START_TEST(test_open_creates_owner_only_file) {
  mode_t old = umask(0); /* a permissive umask must not widen the mode */
  mg_store_t *s = open_store("create.db");
  umask(old);
  ck_assert_uint_eq(file_mode(db_path("create.db")), 0600);
  ck_assert_int_eq(mg_store_set_meta(s, "k", "v"), MG_STORE_OK);
  char wal[sizeof test_dir + 64 + 8];
  snprintf(wal, sizeof wal, "%s-wal", db_path("create.db"));
  ck_assert_uint_eq(file_mode(wal), 0600); /* WAL mode: the write went to the -wal file */
  sqlite3 *db = raw_open("create.db");
  ck_assert_int_ge(raw_user_version(db), 1);
  sqlite3_close(db);
  mg_store_close(s);
}
END_TEST

START_TEST(test_open_enforces_mode_on_existing_file) {
  int fd = open(db_path("empty.db"), O_CREAT | O_RDWR, 0644);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(fchmod(fd, 0644), 0);
  close(fd);
  mg_store_t *s = open_store("empty.db");
  ck_assert_uint_eq(file_mode(db_path("empty.db")), 0600);
  ck_assert_int_eq(mg_store_set_meta(s, "kept", "yes"), MG_STORE_OK);
  mg_store_close(s);

  ck_assert_int_eq(chmod(db_path("empty.db"), 0644), 0);
  s = open_store("empty.db");
  ck_assert_uint_eq(file_mode(db_path("empty.db")), 0600);
  char *v = NULL;
  ck_assert_int_eq(mg_store_get_meta(s, "kept", &v), MG_STORE_OK);
  ck_assert_str_eq(v, "yes");
  free(v);
  mg_store_close(s);
}
END_TEST

/* How many POSIX lock ranges this process holds on the file at path, as another process sees them:
 * a child asks F_GETLK for a write lock from each offset on and steps past the range that
 * conflicts. (Reading /proc/locks instead is not atomic: while other processes' locks come and go,
 * a line of ours can be skipped, and the test failed so under load.) */
static int own_locks_on(const char *path) {
  pid_t self = getpid(), child = fork();
  ck_assert_int_ge(child, 0);
  if (child == 0) {
    int fd = open(path, O_RDWR);
    if (fd < 0) _exit(255);
    int count = 0;
    off_t from = 0;
    for (;;) {
      struct flock probe = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = from, .l_len = 0};
      if (fcntl(fd, F_GETLK, &probe) != 0) _exit(255);
      if (probe.l_type == F_UNLCK || count == 254) break;
      if (probe.l_pid == self) count++;
      if (probe.l_len == 0) break; /* a range to the end of the file */
      from = probe.l_start + probe.l_len;
    }
    _exit(count);
  }
  int status;
  ck_assert_int_eq(waitpid(child, &status, 0), child);
  ck_assert(WIFEXITED(status) && WEXITSTATUS(status) != 255);
  return WEXITSTATUS(status);
}

/* Closing any descriptor of a file drops every POSIX lock the process holds on it ("How To Corrupt
 * An SQLite Database File", section 2.2). Opening a second connection must not touch the files
 * outside SQLite, or the first connection's locks are gone and another process may checkpoint and
 * delete the WAL under it. */
START_TEST(test_open_keeps_locks_of_open_connections) {
  mg_store_t *first = open_store("locks.db");
  ck_assert_int_eq(mg_store_set_meta(first, "k", "v"), MG_STORE_OK);
  int held = own_locks_on(db_path("locks.db"));
  ck_assert_int_gt(held, 0);
  mg_store_t *second = open_store("locks.db");
  ck_assert_int_eq(own_locks_on(db_path("locks.db")), held);
  mg_store_close(second);
  ck_assert_int_eq(own_locks_on(db_path("locks.db")), held);
  ck_assert_int_eq(mg_store_set_meta(first, "k", "w"), MG_STORE_OK);
  mg_store_close(first);
}
END_TEST

START_TEST(test_open_rejects_bad_paths) {
  mg_store_t *s = (mg_store_t *)&s;
  ck_assert_int_eq(mg_store_open(NULL, &s), MG_STORE_ERR_ARG);
  ck_assert_ptr_null(s);
  ck_assert_int_eq(mg_store_open("", &s), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_open(db_path("x.db"), NULL), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_open(db_path("missing/x.db"), &s), MG_STORE_ERR_IO);
  ck_assert_ptr_null(s);
  ck_assert_int_eq(mkdir(db_path("adir"), 0700), 0);
  ck_assert_int_eq(mg_store_open(db_path("adir"), &s), MG_STORE_ERR_IO);
  ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_open_rejects_damaged_file) {
  unsigned char junk[8192];
  for (size_t i = 0; i < sizeof junk; i++) junk[i] = (unsigned char)tu_rand(&rng);
  FILE *f = fopen(db_path("junk.db"), "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(junk, 1, sizeof junk, f), sizeof junk);
  fclose(f);

  mg_store_t *s = (mg_store_t *)&s;
  ck_assert_int_eq(mg_store_open(db_path("junk.db"), &s), MG_STORE_ERR_CORRUPT);
  ck_assert_ptr_null(s);

  unsigned char back[sizeof junk + 1];
  f = fopen(db_path("junk.db"), "rb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fread(back, 1, sizeof back, f), sizeof junk); /* left as it was */
  fclose(f);
  ck_assert_int_eq(memcmp(back, junk, sizeof junk), 0);
}
END_TEST

START_TEST(test_open_rejects_newer_schema) {
  mg_store_close(open_store("newer.db"));
  sqlite3 *db = raw_open("newer.db");
  char sql[64];
  snprintf(sql, sizeof sql, "PRAGMA user_version = %d", raw_user_version(db) + 1);
  raw_exec(db, sql);
  sqlite3_close(db);
  mg_store_t *s = (mg_store_t *)&s;
  ck_assert_int_eq(mg_store_open(db_path("newer.db"), &s), MG_STORE_ERR_SCHEMA);
  ck_assert_ptr_null(s);
}
END_TEST

/* The signing leaf is kept for signed packets only; a database from before it was kept (schema
 * version 1) gains the column, and its rows read as "unknown". */
START_TEST(test_leaf_kept_for_signed_packets) {
  mg_store_t *s = open_store("leaf.db");
  char channel[MG_ID_TRYTES + 1], id[MG_MSG_ID_TRYTES + 1];
  random_trytes(channel, MG_ID_TRYTES);
  random_trytes(id, MG_MSG_ID_TRYTES);
  mg_message_t m[3] = {make_message(channel, id, 1, 9), make_message(channel, id, 2, 9), make_message(channel, id, 3, 9)};
  m[0].checksum = 2, m[0].leaf = 7;
  m[1].checksum = 1, m[1].leaf = 5; /* no signature: no leaf, whatever the row says */
  m[2].checksum = 2, m[2].leaf = -1;
  ck_assert_int_eq(mg_store_put_messages(s, m, 3, NULL), MG_STORE_OK);
  mg_message_t *got = NULL;
  size_t n = 0;
  ck_assert_int_eq(mg_store_get_message(s, channel, id, &got, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 3);
  ck_assert_int_eq(got[0].leaf, 7);
  ck_assert_int_eq(got[1].leaf, -1);
  ck_assert_int_eq(got[2].leaf, -1);
  mg_messages_free(got, n);
  m[0].leaf = -2;
  m[0].ord = 4;
  ck_assert_int_eq(mg_store_put_messages(s, m, 1, NULL), MG_STORE_ERR_ARG);
  mg_store_close(s);

  sqlite3 *db = raw_open("leaf.db"); /* back to version 1, with a row of that time */
  raw_exec(db, "ALTER TABLE messages DROP COLUMN leaf; DROP TABLE idempotency_keys; PRAGMA user_version = 1;"
               "DROP TABLE msg_numbers; DROP TABLE secrets; DROP TABLE instances;"
               "UPDATE messages SET message_id = 'OLDMESSAGE9' || substr(message_id, 12)");
  sqlite3_close(db);
  s = open_store("leaf.db");
  memcpy(id, "OLDMESSAGE9", 11);
  ck_assert_int_eq(mg_store_get_message(s, channel, id, &got, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, 3);
  ck_assert_int_eq(got[0].checksum, 2);
  ck_assert_int_eq(got[0].leaf, -1);
  mg_messages_free(got, n);
  m[0].leaf = 3;
  ck_assert_int_eq(mg_store_put_messages(s, m, 1, NULL), MG_STORE_OK);
  mg_store_close(s);
  db = raw_open("leaf.db");
  ck_assert_int_ge(raw_user_version(db), 2);
  sqlite3_close(db);
  free_made(m, 3);
}
END_TEST

/* Migration 3 -> 4 runs in one transaction: when a step fails (here a table named like one it
 * makes is in the way), the file stays at version 3 with nothing of version 4 in it, and the data
 * is kept; once the obstacle is gone it migrates. */
START_TEST(test_migration_v4_is_all_or_nothing) {
  mg_store_t *s = open_store("v3.db");
  ck_assert_int_eq(mg_store_set_meta(s, "kept", "yes"), MG_STORE_OK);
  mg_store_close(s);
  sqlite3 *db = raw_open("v3.db");
  raw_exec(db, "DROP TABLE msg_numbers; DROP TABLE secrets; DROP TABLE instances; PRAGMA user_version = 3;"
               "CREATE TABLE instances (x INTEGER)");
  sqlite3_close(db);
  s = (mg_store_t *)&s;
  ck_assert_int_eq(mg_store_open(location("v3.db"), &s), MG_STORE_ERR_DB);
  ck_assert_ptr_null(s);
  db = raw_open("v3.db");
  ck_assert_int_eq(raw_user_version(db), 3);
  char *tables = sqlite_text("v3.db", "SELECT count(*) FROM sqlite_master WHERE name IN ('msg_numbers', 'secrets')");
  ck_assert_str_eq(tables, "0");
  free(tables);
  raw_exec(db, "DROP TABLE instances");
  sqlite3_close(db);
  s = open_store("v3.db");
  int64_t version = 0;
  ck_assert_int_eq(mg_store_schema_version(s, &version), MG_STORE_OK);
  ck_assert_int_eq(version, 4);
  char *v = NULL;
  ck_assert_int_eq(mg_store_get_meta(s, "kept", &v), MG_STORE_OK);
  ck_assert_str_eq(v, "yes");
  free(v);
  uint64_t first = 9;
  char tree[MG_ID_TRYTES + 1];
  random_trytes(tree, MG_ID_TRYTES);
  ck_assert_int_eq(mg_store_reserve_msg_numbers(s, tree, 0, 1, &first), MG_STORE_OK);
  ck_assert_uint_eq(first, 0);
  mg_store_close(s);
}
END_TEST

/* AUTOINCREMENT: a deleted row's cursor is never handed out again. */
START_TEST(test_cursor_not_reused_after_delete) {
  mg_store_t *s = open_store("reuse.db");
  char channel[MG_ID_TRYTES + 1], msg_id[MG_MSG_ID_TRYTES + 1];
  random_trytes(channel, MG_ID_TRYTES);
  random_trytes(msg_id, MG_MSG_ID_TRYTES);
  mg_message_t m[2] = {make_message(channel, msg_id, 1, 3), make_message(channel, msg_id, 2, 3)};
  ck_assert_int_eq(mg_store_put_messages(s, &m[0], 1, NULL), MG_STORE_OK);
  sqlite3 *db = raw_open("reuse.db");
  raw_exec(db, "DELETE FROM messages");
  sqlite3_close(db);
  ck_assert_int_eq(mg_store_put_messages(s, &m[1], 1, NULL), MG_STORE_OK);
  ck_assert_int_gt(m[1].cursor, m[0].cursor);
  free_made(m, 2);
  mg_store_close(s);
}
END_TEST

/* A writer holding the lock past the 5 s busy timeout: MG_STORE_ERR_BUSY, and nothing reserved. */
START_TEST(test_reserve_busy) {
  mg_store_t *s = open_store("busy.db");
  char tree[MG_ID_TRYTES + 1];
  random_trytes(tree, MG_ID_TRYTES);
  sqlite3 *db = raw_open("busy.db");
  raw_exec(db, "BEGIN IMMEDIATE");
  uint64_t first = 0;
  ck_assert_int_eq(mg_store_reserve_leaves(s, tree, 0, 1, &first), MG_STORE_ERR_BUSY);
  ck_assert_uint_gt(strlen(mg_store_errmsg(s)), 0);
  raw_exec(db, "ROLLBACK");
  sqlite3_close(db);
  ck_assert_int_eq(mg_store_reserve_leaves(s, tree, 0, 1, &first), MG_STORE_OK);
  ck_assert_uint_eq(first, 0);
  mg_store_close(s);
}
END_TEST

/* A size cap stands in for a full disk: the failing batch stores nothing, earlier data stays intact
 * and readable, and the file works again once there is room. */
START_TEST(test_full_database_keeps_stored_data) {
  mg_store_t *s = open_store("full.db");
  char channel[MG_ID_TRYTES + 1];
  random_trytes(channel, MG_ID_TRYTES);
  enum { BATCH = 10, MAX_BATCHES = 200 };
  static mg_message_t kept[BATCH * MAX_BATCHES];
  size_t stored = 0;
  ck_assert_int_eq(mg_store_set_size_limit(s, 0), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_set_size_limit(s, 256 * 1024), MG_STORE_OK);
  mg_store_err_t err = MG_STORE_OK;
  while (err == MG_STORE_OK) {
    ck_assert_uint_lt(stored, BATCH * MAX_BATCHES); /* 256 KiB holds far fewer 1 KiB payloads */
    for (size_t i = 0; i < BATCH; i++) {
      char msg_id[MG_MSG_ID_TRYTES + 1];
      random_trytes(msg_id, MG_MSG_ID_TRYTES);
      kept[stored + i] = make_message(channel, msg_id, 1, 1024);
    }
    int inserted[BATCH];
    err = mg_store_put_messages(s, &kept[stored], BATCH, inserted);
    if (err == MG_STORE_OK) {
      stored += BATCH;
      continue;
    }
    for (size_t i = 0; i < BATCH; i++) {
      ck_assert_int_eq(inserted[i], 0);
      ck_assert_int_eq(kept[stored + i].cursor, 0);
    }
    free_made(&kept[stored], BATCH);
  }
  ck_assert_int_eq(err, MG_STORE_ERR_FULL);
  ck_assert_uint_gt(stored, 0);
  ck_assert_uint_gt(strlen(mg_store_errmsg(s)), 0);
  ck_assert_int_eq(count_of(s, channel), (int64_t)stored);

  mg_message_t *got = NULL;
  size_t n = 0;
  ck_assert_int_eq(mg_store_list_messages(s, channel, 0, SIZE_MAX, &got, &n), MG_STORE_OK);
  ck_assert_uint_eq(n, stored);
  for (size_t i = 0; i < n; i++) assert_same_message(&got[i], &kept[i]);
  mg_messages_free(got, n);
  mg_store_close(s);

  s = open_store("full.db"); /* a new connection has no cap */
  ck_assert_int_eq(count_of(s, channel), (int64_t)stored);
  char msg_id[MG_MSG_ID_TRYTES + 1];
  random_trytes(msg_id, MG_MSG_ID_TRYTES);
  mg_message_t more = make_message(channel, msg_id, 1, 1024);
  ck_assert_int_eq(mg_store_put_messages(s, &more, 1, NULL), MG_STORE_OK);
  ck_assert_int_eq(count_of(s, channel), (int64_t)stored + 1);
  free_made(&more, 1);
  free_made(kept, stored);
  mg_store_close(s);
}
END_TEST

/* The location names the engine: "sqlite:PATH" and a bare PATH reach the same file; a scheme no
 * engine has is refused before anything is touched. */
START_TEST(test_open_picks_engine_by_location) {
  mg_store_t *s = NULL;
  ck_assert_int_eq(mg_store_open(db_path("where.db"), &s), MG_STORE_OK);
  ck_assert_int_eq(mg_store_set_meta(s, "k", "bare"), MG_STORE_OK);
  mg_store_close(s);
  s = open_store("where.db"); /* sqlite:PATH */
  char *v = NULL;
  ck_assert_int_eq(mg_store_get_meta(s, "k", &v), MG_STORE_OK);
  ck_assert_str_eq(v, "bare");
  free(v);
  mg_store_close(s);

  s = (mg_store_t *)&s;
  ck_assert_int_eq(mg_store_open("mysql://localhost/mamgate", &s), MG_STORE_ERR_ENGINE);
  ck_assert_ptr_null(s);
  /* PostgreSQL's schemes name its engine, which opens only with the fleet key */
  ck_assert_int_eq(mg_store_open("postgresql://localhost/mamgate", &s), MG_STORE_ERR_KEY);
  ck_assert_int_eq(mg_store_open("postgres://localhost/mamgate", &s), MG_STORE_ERR_KEY);
  ck_assert_ptr_null(s);
  ck_assert_ptr_nonnull(strstr(mg_store_strerror(MG_STORE_ERR_ENGINE), "sqlite:"));
  ck_assert_int_eq(mg_store_open("pg:dbname=mamgate", &s), MG_STORE_ERR_ENGINE);
  ck_assert_int_eq(mg_store_open("sqlite:", &s), MG_STORE_ERR_ARG);
  ck_assert_ptr_null(s);
  char with_colon[sizeof test_dir + 64];
  snprintf(with_colon, sizeof with_colon, "%s", db_path("a:b.db")); /* absolute: no scheme */
  ck_assert_int_eq(mg_store_open(with_colon, &s), MG_STORE_OK);
  mg_store_close(s);
  struct stat st;
  ck_assert_int_eq(stat(db_path("a:b.db"), &st), 0);
}
END_TEST

/* The interface reports the schema version the file holds. */
START_TEST(test_schema_version_is_the_files) {
  mg_store_t *s = open_store("version.db");
  int64_t version = -1;
  ck_assert_int_eq(mg_store_schema_version(s, &version), MG_STORE_OK);
  ck_assert_int_eq(mg_store_schema_version(s, NULL), MG_STORE_ERR_ARG);
  ck_assert_int_eq(mg_store_schema_version(NULL, &version), MG_STORE_ERR_ARG);
  sqlite3 *db = raw_open("version.db");
  ck_assert_int_eq(version, raw_user_version(db));
  ck_assert_int_ge(version, 3);
  sqlite3_close(db);
  mg_store_close(s);
}
END_TEST

/* Each engine's table is of this interface's version, fills every operation and leaves the reserved
 * slots empty. */
START_TEST(test_engine_tables_are_complete) {
  const mg_store_engine_t *e = _i ? &mg_store_pg_engine : &mg_store_sqlite_engine;
  ck_assert_uint_eq(e->struct_size, sizeof(mg_store_engine_t));
  ck_assert_int_eq(e->version, MG_STORE_ENGINE_VERSION);
  ck_assert_str_eq(e->name, _i ? "postgresql" : "sqlite");
  ck_assert_uint_eq(e->flags, _i ? MG_STORE_ENGINE_SHARED : 0);
  const unsigned char *base = (const unsigned char *)e;
  size_t ops = (offsetof(mg_store_engine_t, reserved) - offsetof(mg_store_engine_t, open)) / sizeof(void (*)(void));
  ck_assert_uint_gt(ops, 30);
  for (size_t i = 0; i < ops; i++) {
    void (*op)(void);
    memcpy(&op, base + offsetof(mg_store_engine_t, open) + i * sizeof op, sizeof op);
    ck_assert_msg(op != NULL, "operation %zu is missing", i);
  }
  for (size_t i = 0; i < MG_STORE_ENGINE_RESERVED; i++) ck_assert_ptr_null(e->reserved[i]);
}
END_TEST

/* ==== part 3: the PostgreSQL engine and its server (with MAMGATE_TEST_PG_URI) ==== */

/* Ends every other session of the test role on the server: as a restart or a network cut does. */
static void pg_cut_sessions(void) {
  pg_exec(NULL, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE usename = current_user AND pid <> pg_backend_pid()");
}

/* A lost connection is MG_STORE_ERR_UNAVAILABLE for the call that finds it, and the next call
 * reconnects: plain statements, transactions and LISTEN all work again. */
START_TEST(test_pg_connection_loss_then_reconnect) {
  mg_store_t *s = open_store("lost.db");
  ck_assert_int_eq(mg_store_set_meta(s, "k", "v"), MG_STORE_OK);
  int64_t last = 0;
  ck_assert_int_eq(mg_store_wait_messages(s, 0, 0, &last), MG_STORE_OK); /* LISTENs */
  char channel[MG_ID_TRYTES + 1], id[MG_MSG_ID_TRYTES + 1];
  random_trytes(channel, MG_ID_TRYTES);
  random_trytes(id, MG_MSG_ID_TRYTES);
  mg_message_t m = make_message(channel, id, 1, 9);

  pg_cut_sessions();
  char *v = NULL;
  ck_assert_int_eq(mg_store_get_meta(s, "k", &v), MG_STORE_ERR_UNAVAILABLE);
  ck_assert_uint_gt(strlen(mg_store_errmsg(s)), 0);
  ck_assert_int_eq(mg_store_get_meta(s, "k", &v), MG_STORE_OK);
  ck_assert_str_eq(v, "v");
  free(v);

  pg_cut_sessions();
  int inserted = -1;
  ck_assert_int_eq(mg_store_put_messages(s, &m, 1, &inserted), MG_STORE_ERR_UNAVAILABLE);
  ck_assert_int_eq(inserted, 0);
  ck_assert_int_eq(mg_store_put_messages(s, &m, 1, &inserted), MG_STORE_OK);
  ck_assert_int_eq(inserted, 1);

  pg_cut_sessions(); /* the transaction as a whole fails: no watch is to blame */
  mg_watch_t w[2] = {{.options = "{}"}, {.options = "{}"}};
  random_trytes(w[0].channel_id, MG_ID_TRYTES);
  random_trytes(w[1].channel_id, MG_ID_TRYTES);
  size_t failed = 0;
  ck_assert_int_eq(mg_store_add_watches(s, w, 2, &failed), MG_STORE_ERR_UNAVAILABLE);
  ck_assert_uint_eq(failed, 2);
  ck_assert_int_eq(mg_store_add_watches(s, w, 2, &failed), MG_STORE_OK);

  pg_cut_sessions(); /* a waiter finds the loss too, then waits again after reconnecting */
  ck_assert_int_eq(mg_store_wait_messages(s, m.cursor, 100, &last), MG_STORE_ERR_UNAVAILABLE);
  pid_t pid = put_later("lost.db", channel, 300);
  ck_assert_int_eq(mg_store_wait_messages(s, m.cursor, 20000, &last), MG_STORE_OK);
  ck_assert_int_gt(last, m.cursor);
  int status = 0;
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  free_made(&m, 1);
  mg_store_close(s);
}
END_TEST

/* No server: UNAVAILABLE (retry later), and nothing is opened. */
START_TEST(test_pg_unreachable_server) {
  mg_store_t *s = (mg_store_t *)&s;
  ck_assert_int_eq(mg_store_open_sealed("postgresql://mamgate@127.0.0.1:1/none?connect_timeout=2", &test_key, &s),
                   MG_STORE_ERR_UNAVAILABLE);
  ck_assert_ptr_null(s);
}
END_TEST

/* The engine keeps no size cap of its own (documented): ERR_ARG, and the store works on. */
START_TEST(test_pg_size_limit_is_refused) {
  mg_store_t *s = open_store("cap.db");
  ck_assert_int_eq(mg_store_set_size_limit(s, 1 << 20), MG_STORE_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(mg_store_errmsg(s), "no size limit"));
  ck_assert_int_eq(mg_store_set_meta(s, "k", "v"), MG_STORE_OK);
  mg_store_close(s);
}
END_TEST

/* The schema is versioned: a fresh database is at the newest version, one from a newer mamgate is
 * refused and left alone. */
START_TEST(test_pg_schema_versions) {
  mg_store_t *s = open_store("schema.db");
  int64_t version = 0;
  ck_assert_int_eq(mg_store_schema_version(s, &version), MG_STORE_OK);
  ck_assert_int_ge(version, 1);
  mg_store_close(s);
  char sql[80];
  snprintf(sql, sizeof sql, "UPDATE mamgate_schema SET version = %d", (int)version + 1);
  pg_exec("schema.db", sql);
  s = (mg_store_t *)&s;
  ck_assert_int_eq(try_open("schema.db", &s), MG_STORE_ERR_SCHEMA);
  ck_assert_ptr_null(s);
  char *left = pg_text("schema.db", "SELECT version FROM mamgate_schema");
  ck_assert_int_eq(atoi(left), (int)version + 1);
  free(left);
}
END_TEST

static Suite *store_suite(void) {
  Suite *suite = suite_create("store");
  const engine_fixture_t *const engines[] = {&sqlite_fixture, &sqlite_sealed_fixture, &pg_fixture};
  size_t n_engines = getenv("MAMGATE_TEST_PG_URI") ? 3 : 2;
  for (size_t i = 0; i < n_engines; i++) {
    TCase *tc = tcase_create(engines[i]->name);
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, engines[i]->setup, engines[i]->teardown);
    add_interface_tests(tc, engines[i]->key);
    suite_add_tcase(suite, tc);
  }
  TCase *tc = tcase_create("sqlite file");
  tcase_set_timeout(tc, 60); /* the busy test alone waits 5 s */
  tcase_add_unchecked_fixture(tc, sqlite_setup, remove_test_dir);
  tcase_add_test(tc, test_open_creates_owner_only_file);
  tcase_add_test(tc, test_open_enforces_mode_on_existing_file);
  tcase_add_test(tc, test_open_keeps_locks_of_open_connections);
  tcase_add_test(tc, test_open_rejects_bad_paths);
  tcase_add_test(tc, test_open_picks_engine_by_location);
  tcase_add_test(tc, test_schema_version_is_the_files);
  tcase_add_loop_test(tc, test_engine_tables_are_complete, 0, 2);
  tcase_add_test(tc, test_open_rejects_damaged_file);
  tcase_add_test(tc, test_open_rejects_newer_schema);
  tcase_add_test(tc, test_leaf_kept_for_signed_packets);
  tcase_add_test(tc, test_migration_v4_is_all_or_nothing);
  tcase_add_test(tc, test_cursor_not_reused_after_delete);
  tcase_add_test(tc, test_reserve_busy);
  tcase_add_test(tc, test_full_database_keeps_stored_data);
  suite_add_tcase(suite, tc);
  if (n_engines < 3) return suite;
  tc = tcase_create("postgresql server");
  tcase_set_timeout(tc, 60);
  tcase_add_unchecked_fixture(tc, pg_setup, pg_teardown);
  tcase_add_test(tc, test_pg_connection_loss_then_reconnect);
  tcase_add_test(tc, test_pg_unreachable_server);
  tcase_add_test(tc, test_pg_size_limit_is_refused);
  tcase_add_test(tc, test_pg_schema_versions);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void) { return tu_run_suite(store_suite()); }
