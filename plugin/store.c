/* plugin/store.c: the gateway's SQLite database (plugin/store.h, design "Storage").
 *
 * One connection per mg_store_t, prepared statements cached on it, every value bound as a
 * parameter (text with its explicit length). Writes that must be atomic or durable together run in
 * one BEGIN IMMEDIATE transaction; with WAL and synchronous=FULL a returned COMMIT is on disk. */
#include "plugin/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "mamcore/trits.h"

#define STORE_FILE_MODE 0600
#define STORE_BUSY_TIMEOUT_MS 5000
#define STORE_BUSY_RETRY_NS 1000000 /* 1 ms between attempts to take a lock */
#define STORE_ERRMSG_MAX 256
/* The durable counter behind mg_store_next_channel_number. */
#define CHANNEL_NUMBER_COUNTER "channel_number"

/* ---- schema ---- */

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
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* ---- statements, prepared once per connection on first use ---- */

#define MESSAGE_COLUMNS \
  "cursor, channel_id, endpoint_id, message_id, ord, last, checksum, verified, payload, bundle, received_at_ms, leaf"

enum stmt_id {
  ST_BEGIN,
  ST_COMMIT,
  ST_ROLLBACK,
  ST_USER_VERSION,
  ST_PAGE_SIZE,
  ST_MSG_INSERT,
  ST_MSG_LIST,
  ST_MSG_LIST_CHANNELS,
  ST_MSG_LIST_WATCHED,
  ST_MSG_GET,
  ST_MSG_COUNT_CHANNEL,
  ST_MSG_COUNT_ALL,
  ST_CHANNEL_KNOWN,
  ST_WATCH_INSERT,
  ST_WATCH_SET_STATE,
  ST_WATCH_DELETE,
  ST_WATCH_LIST,
  ST_PSK_INSERT,
  ST_PSK_GET,
  ST_PSK_DELETE,
  ST_PSK_LIST,
  ST_NTRU_INSERT,
  ST_NTRU_GET,
  ST_NTRU_LIST,
  ST_CHANNEL_PUT,
  ST_CHANNEL_GET,
  ST_CHANNEL_LIST,
  ST_COUNTER_GET,
  ST_COUNTER_SET,
  ST_LEAF_GET,
  ST_LEAF_SET,
  ST_META_GET,
  ST_META_SET,
  ST_IDEM_EXPIRE,
  ST_IDEM_INSERT,
  ST_IDEM_GET,
  ST_IDEM_FINISH,
  ST_IDEM_DELETE,
  ST__COUNT
};

static const char *const stmt_sql[ST__COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_USER_VERSION] = "PRAGMA user_version",
    [ST_PAGE_SIZE] = "PRAGMA page_size",
    [ST_MSG_INSERT] = "INSERT INTO messages (channel_id, endpoint_id, message_id, ord, last, checksum, verified,"
                      " payload, bundle, received_at_ms, leaf) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                      " ON CONFLICT (channel_id, message_id, ord) DO NOTHING",
    [ST_MSG_LIST] = "SELECT " MESSAGE_COLUMNS " FROM messages WHERE channel_id = ?1 AND cursor > ?2"
                    " ORDER BY cursor LIMIT ?3",
    [ST_MSG_LIST_CHANNELS] = "SELECT " MESSAGE_COLUMNS " FROM messages WHERE cursor > ?2"
                             " AND channel_id IN (SELECT value FROM json_each(?1)) ORDER BY cursor LIMIT ?3",
    [ST_MSG_LIST_WATCHED] = "SELECT " MESSAGE_COLUMNS " FROM messages WHERE cursor > ?1"
                            " AND channel_id IN (SELECT channel_id FROM watches) ORDER BY cursor LIMIT ?2",
    [ST_MSG_GET] = "SELECT " MESSAGE_COLUMNS " FROM messages WHERE channel_id = ?1 AND message_id = ?2"
                   " ORDER BY ord",
    [ST_MSG_COUNT_CHANNEL] = "SELECT count(*) FROM messages WHERE channel_id = ?1",
    [ST_MSG_COUNT_ALL] = "SELECT count(*) FROM messages",
    [ST_CHANNEL_KNOWN] = "SELECT EXISTS (SELECT 1 FROM channels WHERE channel_id = ?1)"
                         " OR EXISTS (SELECT 1 FROM watches WHERE channel_id = ?1)"
                         " OR EXISTS (SELECT 1 FROM messages WHERE channel_id = ?1)",
    [ST_WATCH_INSERT] = "INSERT INTO watches (channel_id, options, state, created_at_ms) VALUES (?1, ?2, ?3, ?4)"
                        " ON CONFLICT (channel_id) DO NOTHING",
    [ST_WATCH_SET_STATE] = "UPDATE watches SET state = ?2 WHERE channel_id = ?1",
    [ST_WATCH_DELETE] = "DELETE FROM watches WHERE channel_id = ?1",
    [ST_WATCH_LIST] = "SELECT channel_id, options, state, created_at_ms FROM watches ORDER BY channel_id",
    [ST_PSK_INSERT] = "INSERT INTO psks (id, key) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING",
    [ST_PSK_GET] = "SELECT key FROM psks WHERE id = ?1",
    [ST_PSK_DELETE] = "DELETE FROM psks WHERE id = ?1",
    [ST_PSK_LIST] = "SELECT id FROM psks ORDER BY id",
    [ST_NTRU_INSERT] = "INSERT INTO ntru_keys (id, sk, pk) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO NOTHING",
    [ST_NTRU_GET] = "SELECT sk, pk FROM ntru_keys WHERE id = ?1",
    [ST_NTRU_LIST] = "SELECT id FROM ntru_keys ORDER BY id",
    [ST_CHANNEL_PUT] = "INSERT INTO channels (channel_id, number, state) VALUES (?1, ?2, ?3)"
                       " ON CONFLICT (channel_id) DO UPDATE SET number = excluded.number, state = excluded.state",
    [ST_CHANNEL_GET] = "SELECT number, state FROM channels WHERE channel_id = ?1",
    [ST_CHANNEL_LIST] = "SELECT channel_id FROM channels ORDER BY number, channel_id",
    [ST_COUNTER_GET] = "SELECT value FROM counters WHERE name = ?1",
    [ST_COUNTER_SET] = "INSERT INTO counters (name, value) VALUES (?1, ?2)"
                       " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    [ST_LEAF_GET] = "SELECT next_free FROM mss_leaves WHERE tree_id = ?1",
    [ST_LEAF_SET] = "INSERT INTO mss_leaves (tree_id, next_free) VALUES (?1, ?2)"
                    " ON CONFLICT (tree_id) DO UPDATE SET next_free = excluded.next_free",
    [ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [ST_META_SET] = "INSERT INTO meta (key, value) VALUES (?1, ?2)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [ST_IDEM_EXPIRE] = "DELETE FROM idempotency_keys WHERE created_at_ms < ?1",
    [ST_IDEM_INSERT] = "INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at_ms)"
                       " VALUES (?1, ?2, ?3, 0, NULL, ?4) ON CONFLICT (scope, key) DO NOTHING",
    [ST_IDEM_GET] = "SELECT request_hash, status, body FROM idempotency_keys WHERE scope = ?1 AND key = ?2",
    [ST_IDEM_FINISH] = "UPDATE idempotency_keys SET status = ?3, body = ?4 WHERE scope = ?1 AND key = ?2 AND status = 0",
    [ST_IDEM_DELETE] = "DELETE FROM idempotency_keys WHERE scope = ?1 AND key = ?2 AND status = 0",
};

struct mg_store {
  sqlite3 *db;
  sqlite3_stmt *stmts[ST__COUNT];
  int64_t busy_since_ms; /* when the current wait for a lock began */
  char errmsg[STORE_ERRMSG_MAX];
};

/* ---- errors ---- */

static const char *const store_errors[MG_STORE_ERR__COUNT] = {
    [MG_STORE_OK] = "ok",
    [MG_STORE_NOT_FOUND] = "not found",
    [MG_STORE_EXISTS] = "already exists",
    [MG_STORE_ERR_ARG] = "invalid argument",
    [MG_STORE_ERR_NO_MEMORY] = "out of memory",
    [MG_STORE_ERR_FULL] = "database or disk is full",
    [MG_STORE_ERR_BUSY] = "database is locked by another connection",
    [MG_STORE_ERR_CORRUPT] = "file is not a database or is damaged",
    [MG_STORE_ERR_SCHEMA] = "database was written by a newer mamgate",
    [MG_STORE_ERR_IO] = "cannot open or access the database file",
    [MG_STORE_ERR_DB] = "database error",
};

const char *mg_store_strerror(mg_store_err_t err) {
  if ((unsigned)err >= MG_STORE_ERR__COUNT) return "unknown store error";
  return store_errors[err];
}

const char *mg_store_errmsg(const mg_store_t *s) { return s ? s->errmsg : "no store"; }

static mg_store_err_t err_from_sqlite(int rc) {
  switch (rc & 0xff) { /* the primary code of an extended one */
    case SQLITE_FULL: return MG_STORE_ERR_FULL;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return MG_STORE_ERR_BUSY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return MG_STORE_ERR_CORRUPT;
    case SQLITE_NOMEM: return MG_STORE_ERR_NO_MEMORY;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_PERM:
    case SQLITE_READONLY: return MG_STORE_ERR_IO;
    default: return MG_STORE_ERR_DB;
  }
}

/* Records the store's own message (never a value: values may be keys) and returns err. */
static mg_store_err_t fail(mg_store_t *s, mg_store_err_t err, const char *what) {
  snprintf(s->errmsg, sizeof s->errmsg, "%s", what);
  return err;
}

/* Records SQLite's message for a failed call and maps its code. The message is copied now
 * because a later rollback replaces SQLite's own. */
static mg_store_err_t fail_sqlite(mg_store_t *s, int rc) {
  const char *msg = sqlite3_errmsg(s->db);
  if (sqlite3_errcode(s->db) != rc) msg = sqlite3_errstr(rc); /* rc did not come from the last call */
  snprintf(s->errmsg, sizeof s->errmsg, "%s", msg);
  return err_from_sqlite(rc);
}

/* ---- argument checks ---- */

static bool valid_id(const char *id, size_t trytes) {
  return id && strnlen(id, trytes + 1) == trytes && mam_trytes_valid(id, trytes);
}

static bool valid_blob(const void *data, size_t len) { return (data == NULL) == (len == 0); }

static bool valid_message(const mg_message_t *m) {
  return valid_id(m->channel_id, MG_ID_TRYTES) && valid_id(m->endpoint_id, MG_ID_TRYTES) &&
         valid_id(m->message_id, MG_MSG_ID_TRYTES) && valid_id(m->bundle, MG_ID_TRYTES) && m->ord >= 1 &&
         (m->last == 0 || m->last == 1) && m->checksum >= 0 && m->checksum <= 2 &&
         (m->verified == 0 || m->verified == 1) && m->received_at_ms >= 0 && m->leaf >= -1 && m->payload_trytes &&
         mam_trytes_valid(m->payload_trytes, strlen(m->payload_trytes));
}

/* ---- statement helpers ---- */

static mg_store_err_t stmt_get(mg_store_t *s, enum stmt_id id, sqlite3_stmt **out) {
  int rc = SQLITE_OK;
  if (!s->stmts[id]) rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s->stmts[id], NULL);
  *out = s->stmts[id];
  return rc == SQLITE_OK ? MG_STORE_OK : fail_sqlite(s, rc);
}

/* Readies a statement for its next use and drops the bound pointers into the caller's memory. */
static void stmt_done(sqlite3_stmt *st) {
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
}

/* Binds parameters ?1, ?2, ... in order, keeping the first error. Values are bound without a copy
 * (SQLITE_STATIC): every statement is reset and cleared before its caller returns. */
typedef struct binder {
  sqlite3_stmt *st;
  int next;
  int rc;
} binder_t;

static binder_t binder(sqlite3_stmt *st) { return (binder_t){.st = st, .next = 1, .rc = SQLITE_OK}; }

static void bind_text(binder_t *b, const char *text, size_t len) {
  if (b->rc == SQLITE_OK) b->rc = sqlite3_bind_text64(b->st, b->next, text, len, SQLITE_STATIC, SQLITE_UTF8);
  b->next++;
}

static void bind_int(binder_t *b, int64_t v) {
  if (b->rc == SQLITE_OK) b->rc = sqlite3_bind_int64(b->st, b->next, v);
  b->next++;
}

/* NULL unless present. */
static void bind_optional_int(binder_t *b, bool present, int64_t v) {
  if (b->rc == SQLITE_OK) b->rc = present ? sqlite3_bind_int64(b->st, b->next, v) : sqlite3_bind_null(b->st, b->next);
  b->next++;
}

/* An empty blob is stored as NULL. */
static void bind_blob(binder_t *b, const void *data, size_t len) {
  if (b->rc == SQLITE_OK)
    b->rc = len ? sqlite3_bind_blob64(b->st, b->next, data, len, SQLITE_STATIC) : sqlite3_bind_null(b->st, b->next);
  b->next++;
}

/* Runs a statement that returns no rows; *changes (may be NULL) gets the rows it changed. */
static mg_store_err_t run(mg_store_t *s, const binder_t *b, int *changes) {
  int rc = b->rc == SQLITE_OK ? sqlite3_step(b->st) : b->rc;
  mg_store_err_t err = rc == SQLITE_DONE ? MG_STORE_OK : fail_sqlite(s, rc);
  if (!err && changes) *changes = sqlite3_changes(s->db);
  stmt_done(b->st);
  return err;
}

/* Runs a statement that must change a row: `none` (with message what) when it changed none. */
static mg_store_err_t run_changing(mg_store_t *s, const binder_t *b, mg_store_err_t none, const char *what) {
  int changes = 0;
  mg_store_err_t err = run(s, b, &changes);
  if (!err && changes == 0) return fail(s, none, what);
  return err;
}

/* Steps a query expected to return at most one row: OK with the row current (the caller reads it,
 * then calls stmt_done), or NOT_FOUND (recorded with message `what` unless it is NULL), or an error. */
static mg_store_err_t step_one(mg_store_t *s, const binder_t *b, const char *what) {
  int rc = b->rc == SQLITE_OK ? sqlite3_step(b->st) : b->rc;
  if (rc == SQLITE_ROW) return MG_STORE_OK;
  mg_store_err_t err = MG_STORE_NOT_FOUND;
  if (rc != SQLITE_DONE)
    err = fail_sqlite(s, rc);
  else if (what)
    fail(s, err, what);
  stmt_done(b->st);
  return err;
}

/* A statement without parameters, e.g. BEGIN or a PRAGMA. */
static mg_store_err_t run_plain(mg_store_t *s, enum stmt_id id) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, id, &st);
  if (err) return err;
  binder_t b = binder(st);
  return run(s, &b, NULL);
}

/* Reads an integer from a parameterless single-row query such as a PRAGMA. */
static mg_store_err_t query_int(mg_store_t *s, enum stmt_id id, int64_t *value) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, id, &st);
  if (err) return err;
  binder_t b = binder(st);
  err = step_one(s, &b, "no value");
  if (err) return err;
  *value = sqlite3_column_int64(st, 0);
  stmt_done(st);
  return MG_STORE_OK;
}

/* ---- reading columns ---- */

/* Copies a text column of exactly n bytes into out[n + 1]; false when the stored value has another
 * length (a damaged row, or one written by something else). */
static bool column_fixed_text(sqlite3_stmt *st, int col, char *out, size_t n) {
  const unsigned char *text = sqlite3_column_text(st, col);
  if (!text || (size_t)sqlite3_column_bytes(st, col) != n) return false;
  memcpy(out, text, n);
  out[n] = '\0';
  return true;
}

/* A malloc'd copy of a text column; NULL column or out of memory: NULL with *err set. */
static char *column_strdup(sqlite3_stmt *st, int col, mg_store_err_t *err) {
  const unsigned char *text = sqlite3_column_text(st, col);
  if (!text) {
    *err = sqlite3_column_type(st, col) == SQLITE_NULL ? MG_STORE_ERR_CORRUPT : MG_STORE_ERR_NO_MEMORY;
    return NULL;
  }
  size_t len = (size_t)sqlite3_column_bytes(st, col);
  char *copy = malloc(len + 1);
  if (!copy) {
    *err = MG_STORE_ERR_NO_MEMORY;
    return NULL;
  }
  memcpy(copy, text, len);
  copy[len] = '\0';
  return copy;
}

/* A malloc'd copy of a blob column (NULL, 0 for a NULL or empty one). */
static mg_store_err_t column_blob_dup(sqlite3_stmt *st, int col, uint8_t **data, size_t *len) {
  const void *blob = sqlite3_column_blob(st, col);
  size_t n = (size_t)sqlite3_column_bytes(st, col);
  *data = NULL;
  *len = 0;
  if (n == 0) return MG_STORE_OK;
  if (!blob) return MG_STORE_ERR_NO_MEMORY;
  *data = malloc(n);
  if (!*data) return MG_STORE_ERR_NO_MEMORY;
  memcpy(*data, blob, n);
  *len = n;
  return MG_STORE_OK;
}

/* ---- collecting rows into arrays ---- */

/* How to turn the current row into one array element and how to free an array of them. */
typedef struct row_kind {
  size_t size;
  mg_store_err_t (*read)(sqlite3_stmt *st, void *item);
  void (*free_all)(void *items, size_t n);
} row_kind_t;

static mg_store_err_t read_message(sqlite3_stmt *st, void *item) {
  mg_message_t *m = item;
  m->cursor = sqlite3_column_int64(st, 0);
  m->ord = sqlite3_column_int64(st, 4);
  m->last = sqlite3_column_int(st, 5);
  m->checksum = sqlite3_column_int(st, 6);
  m->verified = sqlite3_column_int(st, 7);
  m->received_at_ms = sqlite3_column_int64(st, 10);
  m->leaf = sqlite3_column_type(st, 11) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 11);
  if (!column_fixed_text(st, 1, m->channel_id, MG_ID_TRYTES) ||
      !column_fixed_text(st, 2, m->endpoint_id, MG_ID_TRYTES) ||
      !column_fixed_text(st, 3, m->message_id, MG_MSG_ID_TRYTES) || !column_fixed_text(st, 9, m->bundle, MG_ID_TRYTES))
    return MG_STORE_ERR_CORRUPT;
  mg_store_err_t err = MG_STORE_OK;
  m->payload_trytes = column_strdup(st, 8, &err);
  return err;
}

static void free_messages(void *items, size_t n) { mg_messages_free(items, n); }

static const row_kind_t message_rows = {sizeof(mg_message_t), read_message, free_messages};

static mg_store_err_t read_watch(sqlite3_stmt *st, void *item) {
  mg_watch_t *w = item;
  w->created_at_ms = sqlite3_column_int64(st, 3);
  if (!column_fixed_text(st, 0, w->channel_id, MG_ID_TRYTES)) return MG_STORE_ERR_CORRUPT;
  mg_store_err_t err = MG_STORE_OK;
  w->options = column_strdup(st, 1, &err);
  if (err) return err;
  return column_blob_dup(st, 2, &w->state, &w->state_len);
}

static void free_watches(void *items, size_t n) { mg_watches_free(items, n); }

static const row_kind_t watch_rows = {sizeof(mg_watch_t), read_watch, free_watches};

static mg_store_err_t read_string(sqlite3_stmt *st, void *item) {
  mg_store_err_t err = MG_STORE_OK;
  *(char **)item = column_strdup(st, 0, &err);
  return err;
}

static void free_strings(void *items, size_t n) { mg_strings_free(items, n); }

static const row_kind_t string_rows = {sizeof(char *), read_string, free_strings};

/* A growing array of rows of one kind. */
typedef struct rows {
  const row_kind_t *kind;
  unsigned char *items;
  size_t n, cap;
} rows_t;

/* Appends the current row. A partly read element is still counted, so free_all releases it. */
static mg_store_err_t append_row(mg_store_t *s, rows_t *r, sqlite3_stmt *st) {
  size_t size = r->kind->size;
  if (r->n == r->cap) {
    size_t cap = r->cap ? 2 * r->cap : 16;
    unsigned char *grown = cap <= SIZE_MAX / size ? realloc(r->items, cap * size) : NULL;
    if (!grown) return fail(s, MG_STORE_ERR_NO_MEMORY, "out of memory");
    r->items = grown;
    r->cap = cap;
  }
  void *item = r->items + r->n++ * size;
  memset(item, 0, size);
  mg_store_err_t err = r->kind->read(st, item);
  if (err) err = fail(s, err, err == MG_STORE_ERR_CORRUPT ? "malformed row" : "out of memory");
  return err;
}

/* Steps a bound query to its end and returns its rows as a malloc'd array (NULL when none). */
static mg_store_err_t collect_rows(mg_store_t *s, const binder_t *b, const row_kind_t *kind, void **out, size_t *n) {
  rows_t r = {.kind = kind};
  mg_store_err_t err = MG_STORE_OK;
  int rc = b->rc;
  if (rc == SQLITE_OK)
    while (!err && (rc = sqlite3_step(b->st)) == SQLITE_ROW) err = append_row(s, &r, b->st);
  if (!err && rc != SQLITE_DONE) err = fail_sqlite(s, rc);
  stmt_done(b->st);
  if (err) {
    kind->free_all(r.items, r.n);
    return err;
  }
  *out = r.items;
  *n = r.n;
  return MG_STORE_OK;
}

void mg_messages_free(mg_message_t *msgs, size_t n) {
  if (!msgs) return;
  for (size_t i = 0; i < n; i++) free(msgs[i].payload_trytes);
  free(msgs);
}

void mg_watches_free(mg_watch_t *w, size_t n) {
  if (!w) return;
  for (size_t i = 0; i < n; i++) {
    free(w[i].options);
    free(w[i].state);
  }
  free(w);
}

void mg_strings_free(char **list, size_t n) {
  if (!list) return;
  for (size_t i = 0; i < n; i++) free(list[i]);
  free(list);
}

/* ---- transactions ---- */

static void rollback(mg_store_t *s) {
  if (sqlite3_get_autocommit(s->db)) return; /* SQLite already rolled back (e.g. after SQLITE_FULL) */
  sqlite3_stmt *st = s->stmts[ST_ROLLBACK]; /* prepared by with_transaction; keeps s->errmsg */
  sqlite3_step(st);
  sqlite3_reset(st);
}

/* Runs body in one BEGIN IMMEDIATE transaction (the write lock is taken first, waiting up to the
 * busy timeout) and commits it, or rolls everything back when body or COMMIT fails. */
static mg_store_err_t with_transaction(mg_store_t *s, mg_store_err_t (*body)(mg_store_t *s, void *ctx), void *ctx) {
  sqlite3_stmt *unused;
  mg_store_err_t err = stmt_get(s, ST_ROLLBACK, &unused);
  if (!err) err = run_plain(s, ST_BEGIN);
  if (err) return err;
  err = body(s, ctx);
  if (!err) err = run_plain(s, ST_COMMIT);
  if (err) rollback(s);
  return err;
}

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

static mg_store_err_t exec_sql(mg_store_t *s, const char *sql) {
  int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
  return rc == SQLITE_OK ? MG_STORE_OK : fail_sqlite(s, rc);
}

/* WAL journal (persistent in the file): readers never block the writer. Also the first statement
 * that reads the file, so a file that is not a database fails here. */
static mg_store_err_t enable_wal(mg_store_t *s) {
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
  if (rc != SQLITE_OK) return fail_sqlite(s, rc);
  rc = sqlite3_step(st);
  mg_store_err_t err = MG_STORE_OK;
  if (rc != SQLITE_ROW)
    err = fail_sqlite(s, rc);
  else if (sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal") != 0)
    err = fail(s, MG_STORE_ERR_DB, "the file system does not support a WAL journal");
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
  mg_store_t *s = ctx;
  int64_t now = monotonic_ms();
  if (attempt == 0) s->busy_since_ms = now;
  if (now - s->busy_since_ms >= STORE_BUSY_TIMEOUT_MS) return 0;
  struct timespec pause = {0, STORE_BUSY_RETRY_NS};
  nanosleep(&pause, NULL);
  return 1;
}

static mg_store_err_t configure_connection(mg_store_t *s) {
  sqlite3_extended_result_codes(s->db, 1);
  int rc = sqlite3_busy_handler(s->db, retry_busy, s);
  if (rc != SQLITE_OK) return fail_sqlite(s, rc);
  mg_store_err_t err = enable_wal(s);
  /* FULL: each commit syncs the WAL, so a returned write survives power loss. secure_delete
   * overwrites deleted content (PSKs and NTRU keys) instead of leaving it in free pages. */
  if (!err) err = exec_sql(s, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON");
  return err;
}

static mg_store_err_t check_version(mg_store_t *s, int64_t version) {
  if (version > SCHEMA_VERSION) return fail(s, MG_STORE_ERR_SCHEMA, "database schema is newer than this mamgate");
  if (version < 0) return fail(s, MG_STORE_ERR_CORRUPT, "negative schema version");
  return MG_STORE_OK;
}

/* Brings the schema to SCHEMA_VERSION inside the transaction; re-reads the version there because
 * another process may have migrated the file meanwhile. */
static mg_store_err_t migrate_in_transaction(mg_store_t *s, void *ctx) {
  (void)ctx;
  int64_t version;
  mg_store_err_t err = query_int(s, ST_USER_VERSION, &version);
  if (!err) err = check_version(s, version);
  for (int64_t v = version; !err && v < SCHEMA_VERSION; v++) err = exec_sql(s, migrations[v]);
  if (!err && version < SCHEMA_VERSION) {
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
    err = exec_sql(s, sql);
  }
  return err;
}

static mg_store_err_t migrate(mg_store_t *s) {
  int64_t version;
  mg_store_err_t err = query_int(s, ST_USER_VERSION, &version);
  if (!err) err = check_version(s, version);
  if (err || version == SCHEMA_VERSION) return err;
  return with_transaction(s, migrate_in_transaction, NULL);
}

/* One attempt at opening, configuring and migrating. */
static mg_store_err_t open_once(const char *path, mg_store_t **out) {
  mg_store_t *s = calloc(1, sizeof *s);
  if (!s) return MG_STORE_ERR_NO_MEMORY;
  snprintf(s->errmsg, sizeof s->errmsg, "not an error");
  /* SQLite creates a missing file; it is made owner-only before anything is written to it, and the
   * -wal and -shm files SQLite makes later take its mode. NOMUTEX: one thread uses one connection. */
  int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  mg_store_err_t err = rc != SQLITE_OK ? (s->db ? fail_sqlite(s, rc) : MG_STORE_ERR_NO_MEMORY) : restrict_existing(path);
  if (!err) err = configure_connection(s);
  if (!err) err = migrate(s);
  if (err) {
    mg_store_close(s);
    return err;
  }
  *out = s;
  return MG_STORE_OK;
}

mg_store_err_t mg_store_open(const char *path, mg_store_t **out) {
  if (!out) return MG_STORE_ERR_ARG;
  *out = NULL;
  if (!path || !*path) return MG_STORE_ERR_ARG;
  mg_store_err_t err = restrict_files(path);
  if (err) return err;
  /* Switching a new file to WAL while another process does the same can fail with SQLITE_BUSY
   * without the busy handler being asked (SQLite avoids a deadlock that way): start again, within
   * the same time budget as any other wait for a lock. */
  int64_t start = monotonic_ms();
  while ((err = open_once(path, out)) == MG_STORE_ERR_BUSY && monotonic_ms() - start < STORE_BUSY_TIMEOUT_MS) {
    struct timespec pause = {0, 10 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  return err;
}

void mg_store_close(mg_store_t *s) {
  if (!s) return;
  for (size_t i = 0; i < ST__COUNT; i++) sqlite3_finalize(s->stmts[i]);
  sqlite3_close(s->db);
  free(s);
}

mg_store_err_t mg_store_set_size_limit(mg_store_t *s, uint64_t max_bytes) {
  if (!s) return MG_STORE_ERR_ARG;
  int64_t page_size;
  mg_store_err_t err = query_int(s, ST_PAGE_SIZE, &page_size);
  if (err) return err;
  if (page_size <= 0) return fail(s, MG_STORE_ERR_DB, "no page size");
  uint64_t pages = max_bytes / (uint64_t)page_size;
  if (pages == 0 || pages > UINT32_MAX - 1) return fail(s, MG_STORE_ERR_ARG, "size limit out of range");
  char sql[64];
  snprintf(sql, sizeof sql, "PRAGMA max_page_count = %llu", (unsigned long long)pages);
  return exec_sql(s, sql);
}

/* ---- decoded messages ---- */

typedef struct put_batch {
  mg_message_t *msgs;
  size_t n;
  int *inserted;
} put_batch_t;

static mg_store_err_t insert_message(mg_store_t *s, sqlite3_stmt *st, mg_message_t *m, int *inserted) {
  binder_t b = binder(st);
  bind_text(&b, m->channel_id, MG_ID_TRYTES);
  bind_text(&b, m->endpoint_id, MG_ID_TRYTES);
  bind_text(&b, m->message_id, MG_MSG_ID_TRYTES);
  bind_int(&b, m->ord);
  bind_int(&b, m->last);
  bind_int(&b, m->checksum);
  bind_int(&b, m->verified);
  bind_text(&b, m->payload_trytes, strlen(m->payload_trytes));
  bind_text(&b, m->bundle, MG_ID_TRYTES);
  bind_int(&b, m->received_at_ms);
  bind_optional_int(&b, mg_message_has_leaf(m), m->leaf);
  int changes = 0;
  mg_store_err_t err = run(s, &b, &changes);
  if (err) return err;
  *inserted = changes == 1;
  m->cursor = *inserted ? sqlite3_last_insert_rowid(s->db) : 0;
  return MG_STORE_OK;
}

static mg_store_err_t put_batch_in_transaction(mg_store_t *s, void *ctx) {
  put_batch_t *batch = ctx;
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_MSG_INSERT, &st);
  for (size_t i = 0; !err && i < batch->n; i++) {
    int inserted = 0;
    err = insert_message(s, st, &batch->msgs[i], &inserted);
    if (batch->inserted) batch->inserted[i] = inserted;
  }
  return err;
}

static bool valid_messages(const mg_message_t *msgs, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!valid_message(&msgs[i])) return false;
  return true;
}

mg_store_err_t mg_store_put_messages(mg_store_t *s, mg_message_t *msgs, size_t n, int *inserted) {
  if (!s || (!msgs && n)) return MG_STORE_ERR_ARG;
  put_batch_t batch = {msgs, n, inserted};
  mg_store_err_t err = MG_STORE_OK;
  if (!valid_messages(msgs, n))
    err = fail(s, MG_STORE_ERR_ARG, "invalid message field");
  else if (n > 0)
    err = with_transaction(s, put_batch_in_transaction, &batch);
  for (size_t i = 0; err && i < n; i++) { /* nothing was stored */
    msgs[i].cursor = 0;
    if (inserted) inserted[i] = 0;
  }
  return err;
}

mg_store_err_t mg_store_list_messages(mg_store_t *s, const char *channel_id, int64_t after, size_t limit,
                                      mg_message_t **out, size_t *n) {
  if (!s || !out || !n) return MG_STORE_ERR_ARG;
  *out = NULL;
  *n = 0;
  if (!valid_id(channel_id, MG_ID_TRYTES)) return fail(s, MG_STORE_ERR_ARG, "invalid channel id");
  if (limit == 0) return MG_STORE_OK;
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_MSG_LIST, &st);
  if (err) return err;
  binder_t b = binder(st);
  bind_text(&b, channel_id, MG_ID_TRYTES);
  bind_int(&b, after);
  bind_int(&b, limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit);
  void *rows = NULL;
  err = collect_rows(s, &b, &message_rows, &rows, n);
  *out = rows;
  return err;
}

/* The ids as a JSON array text, malloc'd (they are trytes: nothing to escape). */
static char *ids_json(char *const *ids, size_t n) {
  char *text = malloc(n * (MG_ID_TRYTES + 3) + 3), *p = text;
  if (!text) return NULL;
  *p++ = '[';
  for (size_t i = 0; i < n; i++) {
    if (i) *p++ = ',';
    *p++ = '"';
    memcpy(p, ids[i], MG_ID_TRYTES);
    p += MG_ID_TRYTES;
    *p++ = '"';
  }
  *p++ = ']';
  *p = '\0';
  return text;
}

mg_store_err_t mg_store_list_messages_of(mg_store_t *s, char *const *channel_ids, size_t n_channels, int64_t after,
                                         size_t limit, mg_message_t **out, size_t *n) {
  if (!s || !out || !n || (n_channels && !channel_ids)) return MG_STORE_ERR_ARG;
  *out = NULL;
  *n = 0;
  for (size_t i = 0; i < n_channels; i++)
    if (!valid_id(channel_ids[i], MG_ID_TRYTES)) return fail(s, MG_STORE_ERR_ARG, "invalid channel id");
  if (limit == 0) return MG_STORE_OK;
  char *ids = n_channels ? ids_json(channel_ids, n_channels) : NULL;
  if (n_channels && !ids) return fail(s, MG_STORE_ERR_NO_MEMORY, "out of memory");
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, n_channels ? ST_MSG_LIST_CHANNELS : ST_MSG_LIST_WATCHED, &st);
  if (!err) {
    binder_t b = binder(st);
    if (ids) bind_text(&b, ids, strlen(ids));
    bind_int(&b, after);
    bind_int(&b, limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit);
    void *rows = NULL;
    err = collect_rows(s, &b, &message_rows, &rows, n);
    *out = rows;
  }
  free(ids);
  return err;
}

mg_store_err_t mg_store_get_message(mg_store_t *s, const char *channel_id, const char *message_id,
                                    mg_message_t **out, size_t *n) {
  if (!s || !out || !n) return MG_STORE_ERR_ARG;
  *out = NULL;
  *n = 0;
  if (!valid_id(channel_id, MG_ID_TRYTES) || !valid_id(message_id, MG_MSG_ID_TRYTES))
    return fail(s, MG_STORE_ERR_ARG, "invalid channel or message id");
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_MSG_GET, &st);
  if (err) return err;
  binder_t b = binder(st);
  bind_text(&b, channel_id, MG_ID_TRYTES);
  bind_text(&b, message_id, MG_MSG_ID_TRYTES);
  void *rows = NULL;
  err = collect_rows(s, &b, &message_rows, &rows, n);
  *out = rows;
  if (!err && *n == 0) return fail(s, MG_STORE_NOT_FOUND, "no such message");
  return err;
}

mg_store_err_t mg_store_count_messages(mg_store_t *s, const char *channel_id, int64_t *count) {
  if (!s || !count) return MG_STORE_ERR_ARG;
  if (channel_id && !valid_id(channel_id, MG_ID_TRYTES)) return fail(s, MG_STORE_ERR_ARG, "invalid channel id");
  if (!channel_id) return query_int(s, ST_MSG_COUNT_ALL, count);
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_MSG_COUNT_CHANNEL, &st);
  if (err) return err;
  binder_t b = binder(st);
  bind_text(&b, channel_id, MG_ID_TRYTES);
  err = step_one(s, &b, "no count");
  if (err) return err;
  *count = sqlite3_column_int64(st, 0);
  stmt_done(st);
  return MG_STORE_OK;
}

mg_store_err_t mg_store_channel_known(mg_store_t *s, const char *channel_id, int *known) {
  if (!s || !known) return MG_STORE_ERR_ARG;
  if (!valid_id(channel_id, MG_ID_TRYTES)) return fail(s, MG_STORE_ERR_ARG, "invalid channel id");
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_CHANNEL_KNOWN, &st);
  if (err) return err;
  binder_t b = binder(st);
  bind_text(&b, channel_id, MG_ID_TRYTES);
  err = step_one(s, &b, "no value");
  if (err) return err;
  *known = sqlite3_column_int(st, 0) != 0;
  stmt_done(st);
  return MG_STORE_OK;
}

/* ---- watched channels ---- */

static bool valid_watch(const mg_watch_t *w) {
  return valid_id(w->channel_id, MG_ID_TRYTES) && w->options && valid_blob(w->state, w->state_len) && w->created_at_ms >= 0;
}

static mg_store_err_t insert_watch(mg_store_t *s, const mg_watch_t *w) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_WATCH_INSERT, &st);
  if (err) return err;
  binder_t b = binder(st);
  bind_text(&b, w->channel_id, MG_ID_TRYTES);
  bind_text(&b, w->options, strlen(w->options));
  bind_blob(&b, w->state, w->state_len);
  bind_int(&b, w->created_at_ms);
  return run_changing(s, &b, MG_STORE_EXISTS, "channel is watched already");
}

mg_store_err_t mg_store_add_watch(mg_store_t *s, const mg_watch_t *w) {
  if (!s || !w) return MG_STORE_ERR_ARG;
  if (!valid_watch(w)) return fail(s, MG_STORE_ERR_ARG, "invalid watch field");
  return insert_watch(s, w);
}

typedef struct watch_batch {
  const mg_watch_t *w;
  size_t n, *failed;
} watch_batch_t;

static mg_store_err_t add_watches_in_transaction(mg_store_t *s, void *ctx) {
  watch_batch_t *b = ctx;
  mg_store_err_t err = MG_STORE_OK;
  for (size_t i = 0; !err && i < b->n; i++)
    if ((err = insert_watch(s, &b->w[i]))) *b->failed = i;
  return err;
}

mg_store_err_t mg_store_add_watches(mg_store_t *s, const mg_watch_t *w, size_t n, size_t *failed) {
  if (!s || !failed || (n && !w)) return MG_STORE_ERR_ARG;
  *failed = n;
  for (size_t i = 0; i < n; i++)
    if (!valid_watch(&w[i])) return *failed = i, fail(s, MG_STORE_ERR_ARG, "invalid watch field");
  watch_batch_t b = {w, n, failed};
  return with_transaction(s, add_watches_in_transaction, &b);
}

mg_store_err_t mg_store_set_watch_state(mg_store_t *s, const char *channel_id, const uint8_t *state, size_t len) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!valid_id(channel_id, MG_ID_TRYTES) || !valid_blob(state, len))
    return fail(s, MG_STORE_ERR_ARG, "invalid channel id or state");
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_WATCH_SET_STATE, &st);
  if (err) return err;
  binder_t b = binder(st);
  bind_text(&b, channel_id, MG_ID_TRYTES);
  bind_blob(&b, state, len);
  return run_changing(s, &b, MG_STORE_NOT_FOUND, "channel is not watched");
}

/* Deletes the row keyed by one id: NOT_FOUND when there is none. */
static mg_store_err_t delete_by_id(mg_store_t *s, enum stmt_id id, const char *key, size_t trytes, const char *what) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!valid_id(key, trytes)) return fail(s, MG_STORE_ERR_ARG, "invalid id");
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, id, &st);
  if (err) return err;
  binder_t b = binder(st);
  bind_text(&b, key, trytes);
  return run_changing(s, &b, MG_STORE_NOT_FOUND, what);
}

mg_store_err_t mg_store_remove_watch(mg_store_t *s, const char *channel_id) {
  return delete_by_id(s, ST_WATCH_DELETE, channel_id, MG_ID_TRYTES, "channel is not watched");
}

mg_store_err_t mg_store_list_watches(mg_store_t *s, mg_watch_t **out, size_t *n) {
  if (!s || !out || !n) return MG_STORE_ERR_ARG;
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_WATCH_LIST, &st);
  if (err) return err;
  binder_t b = binder(st);
  void *rows = NULL;
  err = collect_rows(s, &b, &watch_rows, &rows, n);
  *out = rows;
  return err;
}

/* Lists the ids (first column) of a parameterless query. */
static mg_store_err_t list_ids(mg_store_t *s, enum stmt_id id, char ***ids, size_t *n) {
  if (!s || !ids || !n) return MG_STORE_ERR_ARG;
  *ids = NULL;
  *n = 0;
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, id, &st);
  if (err) return err;
  binder_t b = binder(st);
  void *rows = NULL;
  err = collect_rows(s, &b, &string_rows, &rows, n);
  *ids = rows;
  return err;
}

/* ---- keys ---- */

mg_store_err_t mg_store_add_psk(mg_store_t *s, const char *id, const char *key) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!valid_id(id, MG_PSK_ID_TRYTES) || !valid_id(key, MG_PSK_KEY_TRYTES))
    return fail(s, MG_STORE_ERR_ARG, "invalid PSK id or key");
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_PSK_INSERT, &st);
  if (err) return err;
  binder_t b = binder(st);
  bind_text(&b, id, MG_PSK_ID_TRYTES);
  bind_text(&b, key, MG_PSK_KEY_TRYTES);
  return run_changing(s, &b, MG_STORE_EXISTS, "PSK id is taken");
}

mg_store_err_t mg_store_get_psk(mg_store_t *s, const char *id, char key[MG_PSK_KEY_TRYTES + 1]) {
  if (!s || !key) return MG_STORE_ERR_ARG;
  if (!valid_id(id, MG_PSK_ID_TRYTES)) return fail(s, MG_STORE_ERR_ARG, "invalid PSK id");
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_PSK_GET, &st);
  if (err) return err;
  binder_t b = binder(st);
  bind_text(&b, id, MG_PSK_ID_TRYTES);
  err = step_one(s, &b, "no such PSK");
  if (err) return err;
  if (!column_fixed_text(st, 0, key, MG_PSK_KEY_TRYTES)) err = fail(s, MG_STORE_ERR_CORRUPT, "malformed PSK row");
  stmt_done(st);
  return err;
}

mg_store_err_t mg_store_delete_psk(mg_store_t *s, const char *id) {
  return delete_by_id(s, ST_PSK_DELETE, id, MG_PSK_ID_TRYTES, "no such PSK");
}

mg_store_err_t mg_store_list_psks(mg_store_t *s, char ***ids, size_t *n) { return list_ids(s, ST_PSK_LIST, ids, n); }

mg_store_err_t mg_store_add_ntru(mg_store_t *s, const char *id, const char *sk, const char *pk) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!valid_id(id, MG_PSK_ID_TRYTES) || !valid_id(sk, MG_NTRU_SK_TRYTES) || !valid_id(pk, MG_NTRU_PK_TRYTES) ||
      memcmp(id, pk, MG_PSK_ID_TRYTES) != 0)
    return fail(s, MG_STORE_ERR_ARG, "invalid NTRU id or key");
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_NTRU_INSERT, &st);
  if (err) return err;
  binder_t b = binder(st);
  bind_text(&b, id, MG_PSK_ID_TRYTES);
  bind_text(&b, sk, MG_NTRU_SK_TRYTES);
  bind_text(&b, pk, MG_NTRU_PK_TRYTES);
  return run_changing(s, &b, MG_STORE_EXISTS, "NTRU key id is taken");
}

mg_store_err_t mg_store_get_ntru(mg_store_t *s, const char *id, char sk[MG_NTRU_SK_TRYTES + 1],
                                 char pk[MG_NTRU_PK_TRYTES + 1]) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!valid_id(id, MG_PSK_ID_TRYTES)) return fail(s, MG_STORE_ERR_ARG, "invalid NTRU key id");
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_NTRU_GET, &st);
  if (err) return err;
  binder_t b = binder(st);
  bind_text(&b, id, MG_PSK_ID_TRYTES);
  err = step_one(s, &b, "no such NTRU key");
  if (err) return err;
  if ((sk && !column_fixed_text(st, 0, sk, MG_NTRU_SK_TRYTES)) ||
      (pk && !column_fixed_text(st, 1, pk, MG_NTRU_PK_TRYTES)))
    err = fail(s, MG_STORE_ERR_CORRUPT, "malformed NTRU key row");
  stmt_done(st);
  return err;
}

mg_store_err_t mg_store_list_ntru(mg_store_t *s, char ***ids, size_t *n) { return list_ids(s, ST_NTRU_LIST, ids, n); }

/* ---- writer channels ---- */

mg_store_err_t mg_store_put_channel(mg_store_t *s, const char *channel_id, int64_t number, const uint8_t *state,
                                    size_t len) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!valid_id(channel_id, MG_ID_TRYTES) || number < 0 || !valid_blob(state, len))
    return fail(s, MG_STORE_ERR_ARG, "invalid channel id, number or state");
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_CHANNEL_PUT, &st);
  if (err) return err;
  binder_t b = binder(st);
  bind_text(&b, channel_id, MG_ID_TRYTES);
  bind_int(&b, number);
  bind_blob(&b, state, len);
  return run(s, &b, NULL);
}

mg_store_err_t mg_store_get_channel(mg_store_t *s, const char *channel_id, int64_t *number, uint8_t **state,
                                    size_t *len) {
  if (!s || (state == NULL) != (len == NULL)) return MG_STORE_ERR_ARG;
  if (!valid_id(channel_id, MG_ID_TRYTES)) return fail(s, MG_STORE_ERR_ARG, "invalid channel id");
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_CHANNEL_GET, &st);
  if (err) return err;
  binder_t b = binder(st);
  bind_text(&b, channel_id, MG_ID_TRYTES);
  err = step_one(s, &b, "no such channel");
  if (err) return err;
  if (number) *number = sqlite3_column_int64(st, 0);
  if (state) {
    err = column_blob_dup(st, 1, state, len);
    if (err) err = fail(s, err, "out of memory");
  }
  stmt_done(st);
  return err;
}

mg_store_err_t mg_store_list_channels(mg_store_t *s, char ***ids, size_t *n) {
  return list_ids(s, ST_CHANNEL_LIST, ids, n);
}

/* ---- durable counters: channel numbers and MSS leaves ---- */

/* The value stored under key by a GET statement (0 when none). */
static mg_store_err_t read_counter(mg_store_t *s, enum stmt_id get, const char *key, size_t len, int64_t *value) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, get, &st);
  if (err) return err;
  binder_t b = binder(st);
  bind_text(&b, key, len);
  err = step_one(s, &b, NULL);
  if (err == MG_STORE_NOT_FOUND) {
    *value = 0;
    return MG_STORE_OK;
  }
  if (err) return err;
  *value = sqlite3_column_int64(st, 0);
  stmt_done(st);
  return *value < 0 ? fail(s, MG_STORE_ERR_CORRUPT, "negative counter") : MG_STORE_OK;
}

static mg_store_err_t write_counter(mg_store_t *s, enum stmt_id set, const char *key, size_t len, int64_t value) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, set, &st);
  if (err) return err;
  binder_t b = binder(st);
  bind_text(&b, key, len);
  bind_int(&b, value);
  return run(s, &b, NULL);
}

/* Moves the counter `key` from max(stored, floor) to that + count; *start gets the old position. */
typedef struct counter_advance {
  enum stmt_id get, set;
  const char *key;
  size_t key_len;
  uint64_t floor, count;
  uint64_t start;
} counter_advance_t;

static mg_store_err_t advance_in_transaction(mg_store_t *s, void *ctx) {
  counter_advance_t *a = ctx;
  int64_t stored;
  mg_store_err_t err = read_counter(s, a->get, a->key, a->key_len, &stored);
  if (err) return err;
  uint64_t start = (uint64_t)stored > a->floor ? (uint64_t)stored : a->floor;
  if (start > (uint64_t)INT64_MAX - a->count) return fail(s, MG_STORE_ERR_ARG, "counter would pass 2^63");
  err = write_counter(s, a->set, a->key, a->key_len, (int64_t)(start + a->count));
  if (!err) a->start = start;
  return err;
}

mg_store_err_t mg_store_next_channel_number(mg_store_t *s, int64_t *number) {
  if (!s || !number) return MG_STORE_ERR_ARG;
  counter_advance_t a = {ST_COUNTER_GET, ST_COUNTER_SET, CHANNEL_NUMBER_COUNTER, strlen(CHANNEL_NUMBER_COUNTER),
                         0, 1, 0};
  mg_store_err_t err = with_transaction(s, advance_in_transaction, &a);
  if (!err) *number = (int64_t)a.start;
  return err;
}

mg_store_err_t mg_store_reserve_leaves(mg_store_t *s, const char *tree_id, uint64_t floor, uint64_t count,
                                       uint64_t *first) {
  if (!s || !first) return MG_STORE_ERR_ARG;
  if (!valid_id(tree_id, MG_ID_TRYTES) || count == 0 || count > (uint64_t)INT64_MAX || floor > (uint64_t)INT64_MAX)
    return fail(s, MG_STORE_ERR_ARG, "invalid tree id or leaf range");
  counter_advance_t a = {ST_LEAF_GET, ST_LEAF_SET, tree_id, MG_ID_TRYTES, floor, count, 0};
  mg_store_err_t err = with_transaction(s, advance_in_transaction, &a);
  if (!err) *first = a.start;
  return err;
}

mg_store_err_t mg_store_next_free_leaf(mg_store_t *s, const char *tree_id, uint64_t *next) {
  if (!s || !next) return MG_STORE_ERR_ARG;
  if (!valid_id(tree_id, MG_ID_TRYTES)) return fail(s, MG_STORE_ERR_ARG, "invalid tree id");
  int64_t stored;
  mg_store_err_t err = read_counter(s, ST_LEAF_GET, tree_id, MG_ID_TRYTES, &stored);
  if (!err) *next = (uint64_t)stored;
  return err;
}

/* ---- settings ---- */

static bool valid_meta_key(const char *key) {
  size_t len = key ? strnlen(key, MG_META_KEY_MAX + 1) : 0;
  return len >= 1 && len <= MG_META_KEY_MAX;
}

mg_store_err_t mg_store_get_meta(mg_store_t *s, const char *key, char **value) {
  if (!s || !value) return MG_STORE_ERR_ARG;
  *value = NULL;
  if (!valid_meta_key(key)) return fail(s, MG_STORE_ERR_ARG, "invalid setting name");
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_META_GET, &st);
  if (err) return err;
  binder_t b = binder(st);
  bind_text(&b, key, strlen(key));
  err = step_one(s, &b, "setting is not set");
  if (err) return err;
  *value = column_strdup(st, 0, &err);
  if (err) err = fail(s, err, err == MG_STORE_ERR_CORRUPT ? "malformed setting row" : "out of memory");
  stmt_done(st);
  return err;
}

mg_store_err_t mg_store_set_meta(mg_store_t *s, const char *key, const char *value) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!valid_meta_key(key) || !value) return fail(s, MG_STORE_ERR_ARG, "invalid setting name or value");
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_META_SET, &st);
  if (err) return err;
  binder_t b = binder(st);
  bind_text(&b, key, strlen(key));
  bind_text(&b, value, strlen(value));
  return run(s, &b, NULL);
}

/* ---- idempotency keys ---- */

static bool valid_hex_hash(const char *h) {
  if (!h || strnlen(h, MG_IDEM_HASH_CHARS + 1) != MG_IDEM_HASH_CHARS) return false;
  return strspn(h, "0123456789abcdef") == MG_IDEM_HASH_CHARS;
}

static bool valid_idem_key(const char *key) {
  size_t len = key ? strnlen(key, MG_IDEM_KEY_MAX + 1) : 0;
  return len >= 1 && len <= MG_IDEM_KEY_MAX;
}

typedef struct idem_reservation {
  const char *scope, *key, *request_hash;
  int64_t now_ms, expire_before_ms;
  mg_idem_entry_t *found;
} idem_reservation_t;

/* Binds ?1 scope and ?2 key. */
static binder_t bind_idem_key(sqlite3_stmt *st, const char *scope, const char *key) {
  binder_t b = binder(st);
  bind_text(&b, scope, MG_IDEM_HASH_CHARS);
  bind_text(&b, key, strlen(key));
  return b;
}

static mg_store_err_t read_idem_entry(mg_store_t *s, const char *scope, const char *key, mg_idem_entry_t *out) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_IDEM_GET, &st);
  if (err) return err;
  binder_t b = bind_idem_key(st, scope, key);
  err = step_one(s, &b, "no such idempotency key");
  if (err) return err;
  if (!column_fixed_text(st, 0, out->request_hash, MG_IDEM_HASH_CHARS)) err = fail(s, MG_STORE_ERR_CORRUPT, "malformed idempotency row");
  out->status = sqlite3_column_int(st, 1);
  if (!err && sqlite3_column_type(st, 2) != SQLITE_NULL) {
    out->body = column_strdup(st, 2, &err);
    if (err) err = fail(s, err, "malformed idempotency row");
  }
  stmt_done(st);
  return err;
}

static mg_store_err_t reserve_in_transaction(mg_store_t *s, void *ctx) {
  idem_reservation_t *r = ctx;
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_IDEM_EXPIRE, &st);
  if (err) return err;
  binder_t b = binder(st);
  bind_int(&b, r->expire_before_ms);
  if ((err = run(s, &b, NULL)) || (err = stmt_get(s, ST_IDEM_INSERT, &st))) return err;
  b = bind_idem_key(st, r->scope, r->key);
  bind_text(&b, r->request_hash, MG_IDEM_HASH_CHARS);
  bind_int(&b, r->now_ms);
  int changes = 0;
  if ((err = run(s, &b, &changes))) return err;
  if (changes) return MG_STORE_OK;
  err = read_idem_entry(s, r->scope, r->key, r->found);
  return err ? err : MG_STORE_EXISTS;
}

mg_store_err_t mg_store_idem_reserve(mg_store_t *s, const char *scope, const char *key, const char *request_hash,
                                     int64_t now_ms, int64_t expire_before_ms, mg_idem_entry_t *found) {
  if (!s || !found) return MG_STORE_ERR_ARG;
  *found = (mg_idem_entry_t){0};
  if (!valid_hex_hash(scope) || !valid_idem_key(key) || !valid_hex_hash(request_hash) || now_ms < 0)
    return fail(s, MG_STORE_ERR_ARG, "invalid idempotency key, scope or hash");
  idem_reservation_t r = {scope, key, request_hash, now_ms, expire_before_ms, found};
  mg_store_err_t err = with_transaction(s, reserve_in_transaction, &r);
  if (err != MG_STORE_EXISTS) mg_idem_entry_free(found);
  return err;
}

mg_store_err_t mg_store_idem_finish(mg_store_t *s, const char *scope, const char *key, int status, const char *body) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!valid_hex_hash(scope) || !valid_idem_key(key) || status < 200 || status > 599 || !body)
    return fail(s, MG_STORE_ERR_ARG, "invalid idempotency key, scope, status or body");
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_IDEM_FINISH, &st);
  if (err) return err;
  binder_t b = bind_idem_key(st, scope, key);
  bind_int(&b, status);
  bind_text(&b, body, strlen(body));
  return run_changing(s, &b, MG_STORE_NOT_FOUND, "idempotency key is not reserved");
}

mg_store_err_t mg_store_idem_release(mg_store_t *s, const char *scope, const char *key) {
  if (!s) return MG_STORE_ERR_ARG;
  if (!valid_hex_hash(scope) || !valid_idem_key(key)) return fail(s, MG_STORE_ERR_ARG, "invalid idempotency key or scope");
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(s, ST_IDEM_DELETE, &st);
  if (err) return err;
  binder_t b = bind_idem_key(st, scope, key);
  return run_changing(s, &b, MG_STORE_NOT_FOUND, "idempotency key is not reserved");
}

void mg_idem_entry_free(mg_idem_entry_t *e) {
  if (!e) return;
  free(e->body);
  e->body = NULL;
}
