/* store/sqlite/open.c: opening a SQLite store: file modes, WAL, the busy handler and the schema
 * migrations; closing it; its size limit and schema version. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store/sqlite/ops.h"
#include "store/sqlite/stmt.h"

#define STORE_FILE_MODE 0600
#define STORE_BUSY_TIMEOUT_MS 5000
#define STORE_BUSY_RETRY_NS 1000000 /* 1 ms between attempts to take a lock */

/* migrations[v] brings a database from user_version v to v + 1. Append only: never edit a step
 * that has shipped. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE messages ("
    " cursor INTEGER PRIMARY KEY AUTOINCREMENT,"
    " channel_id TEXT NOT NULL,"
    " endpoint_id TEXT NOT NULL,"
    " message_id TEXT NOT NULL,"
    " ord INTEGER NOT NULL,"
    " last INTEGER NOT NULL,"
    " checksum INTEGER NOT NULL,"
    " verified INTEGER NOT NULL,"
    " payload TEXT NOT NULL,"
    " bundle TEXT NOT NULL,"
    " received_at_ms INTEGER NOT NULL,"
    " UNIQUE (channel_id, message_id, ord));"
    "CREATE INDEX messages_by_channel ON messages (channel_id, cursor);"
    "CREATE TABLE watches ("
    " channel_id TEXT PRIMARY KEY NOT NULL,"
    " options TEXT NOT NULL,"
    " state BLOB,"
    " created_at_ms INTEGER NOT NULL);"
    "CREATE TABLE psks (id TEXT PRIMARY KEY NOT NULL, key TEXT NOT NULL);"
    "CREATE TABLE ntru_keys (id TEXT PRIMARY KEY NOT NULL, sk TEXT NOT NULL, pk TEXT NOT NULL);"
    "CREATE TABLE channels ("
    " channel_id TEXT PRIMARY KEY NOT NULL,"
    " number INTEGER NOT NULL,"
    " state BLOB);"
    "CREATE TABLE mss_leaves (tree_id TEXT PRIMARY KEY NOT NULL, next_free INTEGER NOT NULL);"
    "CREATE TABLE counters (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);"
    "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);",
    /* 1 -> 2: the MSS leaf that signed a packet, so that anyone can check from the REST output
     * that no leaf signs twice (NULL: not signed, or stored before the leaf was kept) */
    "ALTER TABLE messages ADD COLUMN leaf INTEGER;",
    /* 2 -> 3: REST Idempotency-Key answers, by token scope and key (status 0 while running) */
    "CREATE TABLE idempotency_keys ("
    " scope TEXT NOT NULL,"
    " key TEXT NOT NULL,"
    " request_hash TEXT NOT NULL,"
    " status INTEGER NOT NULL,"
    " body TEXT,"
    " created_at_ms INTEGER NOT NULL,"
    " PRIMARY KEY (scope, key));"
    "CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at_ms);",
    /* 3 -> 4: fleet mode: message counters reserved like leaves, named secrets set once (the
     * gateway seed; sealed when the store has a fleet key) and the instances' heartbeats */
    "CREATE TABLE msg_numbers (tree_id TEXT PRIMARY KEY NOT NULL, next_free INTEGER NOT NULL);"
    "CREATE TABLE secrets (name TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);"
    "CREATE TABLE instances (id TEXT PRIMARY KEY NOT NULL, info TEXT NOT NULL, seen_ms INTEGER NOT NULL);",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* ---- opening ---- */

/* The database files are never opened here, only looked at and chmod-ed by path: closing any
 * descriptor of a file drops every POSIX lock the process holds on it, including the locks of
 * SQLite connections already open on it in other threads ("How To Corrupt An SQLite Database
 * File", section 2.2). Another process may then checkpoint and delete the WAL under them. */

/* Makes an existing regular file owner-only; a missing one is fine (-wal and -shm come and go). */
static mg_store_err_t restrict_existing(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return errno == ENOENT ? MG_STORE_OK : MG_STORE_ERR_IO;
  if (!S_ISREG(st.st_mode)) return MG_STORE_ERR_IO;
  if ((st.st_mode & 07777) != STORE_FILE_MODE && chmod(path, STORE_FILE_MODE) != 0) return MG_STORE_ERR_IO;
  return MG_STORE_OK;
}

/* The database file and whichever WAL companions exist are owner-only. */
static mg_store_err_t restrict_files(const char *path) {
  static const char *const companions[] = {"", "-wal", "-shm"};
  mg_store_err_t err = MG_STORE_OK;
  size_t len = strlen(path);
  for (size_t i = 0; !err && i < sizeof companions / sizeof companions[0]; i++) {
    char *name = malloc(len + strlen(companions[i]) + 1);
    if (!name) return MG_STORE_ERR_NO_MEMORY;
    memcpy(name, path, len);
    strcpy(name + len, companions[i]);
    err = restrict_existing(name);
    free(name);
  }
  return err;
}

/* WAL journal (persistent in the file): readers never block the writer. Also the first statement
 * that reads the file, so a file that is not a database fails here. */
static mg_store_err_t enable_wal(conn_t *c) {
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
  if (rc != SQLITE_OK) return stmt_fail_sqlite(c, rc);
  rc = sqlite3_step(st);
  mg_store_err_t err = MG_STORE_OK;
  if (rc != SQLITE_ROW)
    err = stmt_fail_sqlite(c, rc);
  else if (sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal") != 0)
    err = stmt_fail(c, MG_STORE_ERR_DB, "the file system does not support a WAL journal");
  sqlite3_finalize(st);
  return err;
}

static int64_t monotonic_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Busy handler: retries a locked database every millisecond for up to STORE_BUSY_TIMEOUT_MS.
 * sqlite3_busy_timeout is not used: it sleeps up to 100 ms between attempts, and a connection
 * that commits back to back (each commit waits for fsync, the lock is free only between commits)
 * then starves the others past their timeout. */
static int retry_busy(void *ctx, int attempt) {
  conn_t *c = ctx;
  int64_t now = monotonic_ms();
  if (attempt == 0) c->busy_since_ms = now;
  if (now - c->busy_since_ms >= STORE_BUSY_TIMEOUT_MS) return 0;
  struct timespec pause = {0, STORE_BUSY_RETRY_NS};
  nanosleep(&pause, NULL);
  return 1;
}

static mg_store_err_t configure_connection(conn_t *c) {
  sqlite3_extended_result_codes(c->db, 1);
  int rc = sqlite3_busy_handler(c->db, retry_busy, c);
  if (rc != SQLITE_OK) return stmt_fail_sqlite(c, rc);
  mg_store_err_t err = enable_wal(c);
  /* FULL: each commit syncs the WAL, so a returned write survives power loss. secure_delete
   * overwrites deleted content (PSKs and NTRU keys) instead of leaving it in free pages. */
  if (!err) err = stmt_exec(c, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON");
  return err;
}

static mg_store_err_t check_version(conn_t *c, int64_t version) {
  if (version > SCHEMA_VERSION) return stmt_fail(c, MG_STORE_ERR_SCHEMA, "database schema is newer than this mamgate");
  if (version < 0) return stmt_fail(c, MG_STORE_ERR_CORRUPT, "negative schema version");
  return MG_STORE_OK;
}

/* Brings the schema to SCHEMA_VERSION inside the transaction; re-reads the version there because
 * another process may have migrated the file meanwhile. */
static mg_store_err_t migrate_in_transaction(conn_t *c, void *ctx) {
  (void)ctx;
  int64_t version;
  mg_store_err_t err = stmt_query_int(c, ST_USER_VERSION, &version);
  if (!err) err = check_version(c, version);
  for (int64_t v = version; !err && v < SCHEMA_VERSION; v++) err = stmt_exec(c, migrations[v]);
  if (!err && version < SCHEMA_VERSION) {
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
    err = stmt_exec(c, sql);
  }
  return err;
}

static mg_store_err_t migrate(conn_t *c) {
  int64_t version;
  mg_store_err_t err = stmt_query_int(c, ST_USER_VERSION, &version);
  if (!err) err = check_version(c, version);
  if (err || version == SCHEMA_VERSION) return err;
  return sqlite_transaction(c, migrate_in_transaction, NULL);
}

/* One attempt at opening, configuring and migrating. */
static mg_store_err_t open_once(const char *path, char *errmsg, conn_t **out) {
  conn_t *c = calloc(1, sizeof *c);
  if (!c) return MG_STORE_ERR_NO_MEMORY;
  c->errmsg = errmsg;
  /* SQLite creates a missing file; it is made owner-only before anything is written to it, and the
   * -wal and -shm files SQLite makes later take its mode. NOMUTEX: one thread uses one connection. */
  int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  mg_store_err_t err = rc != SQLITE_OK ? (c->db ? stmt_fail_sqlite(c, rc) : MG_STORE_ERR_NO_MEMORY) : restrict_existing(path);
  if (!err) err = configure_connection(c);
  if (!err) err = migrate(c);
  if (err) {
    sqlite_close(c);
    return err;
  }
  *out = c;
  return MG_STORE_OK;
}

mg_store_err_t sqlite_open(const char *path, char *errmsg, conn_t **out) {
  mg_store_err_t err = restrict_files(path);
  if (err) return err;
  /* Switching a new file to WAL while another process does the same can fail with SQLITE_BUSY
   * without the busy handler being asked (SQLite avoids a deadlock that way): start again, within
   * the same time budget as any other wait for a lock. */
  int64_t start = monotonic_ms();
  while ((err = open_once(path, errmsg, out)) == MG_STORE_ERR_BUSY && monotonic_ms() - start < STORE_BUSY_TIMEOUT_MS) {
    struct timespec pause = {0, 10 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  return err;
}

void sqlite_close(conn_t *c) {
  if (!c) return;
  for (size_t i = 0; i < ST__COUNT; i++) sqlite3_finalize(c->stmts[i]);
  sqlite3_close(c->db);
  free(c);
}

mg_store_err_t sqlite_set_size_limit(conn_t *c, uint64_t max_bytes) {
  int64_t page_size;
  mg_store_err_t err = stmt_query_int(c, ST_PAGE_SIZE, &page_size);
  if (err) return err;
  if (page_size <= 0) return stmt_fail(c, MG_STORE_ERR_DB, "no page size");
  uint64_t pages = max_bytes / (uint64_t)page_size;
  if (pages == 0 || pages > UINT32_MAX - 1) return stmt_fail(c, MG_STORE_ERR_ARG, "size limit out of range");
  char sql[64];
  snprintf(sql, sizeof sql, "PRAGMA max_page_count = %llu", (unsigned long long)pages);
  return stmt_exec(c, sql);
}

mg_store_err_t sqlite_schema_version(conn_t *c, int64_t *version) {
  return stmt_query_int(c, ST_USER_VERSION, version);
}
