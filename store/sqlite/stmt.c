/* store/sqlite/stmt.c: the SQLite engine's statements (store/sqlite/stmt.h): every value bound as a
 * parameter (text with its explicit length), statements prepared once per connection and cached. */
#include "store/sqlite/stmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/ops.h"

#define MESSAGE_COLUMNS \
  "cursor, channel_id, endpoint_id, message_id, ord, last, checksum, verified, payload, bundle, received_at_ms, leaf"

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
    [ST_MSGNUM_GET] = "SELECT next_free FROM msg_numbers WHERE tree_id = ?1",
    [ST_MSGNUM_SET] = "INSERT INTO msg_numbers (tree_id, next_free) VALUES (?1, ?2)"
                      " ON CONFLICT (tree_id) DO UPDATE SET next_free = excluded.next_free",
    [ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [ST_META_INIT] = "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
    [ST_SECRET_INIT] = "INSERT INTO secrets (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
    [ST_SECRET_GET] = "SELECT value FROM secrets WHERE name = ?1",
    [ST_LAST_CURSOR] = "SELECT coalesce(max(cursor), 0) FROM messages",
    [ST_INSTANCE_PUT] = "INSERT INTO instances (id, info, seen_ms) VALUES (?1, ?2, ?3)"
                        " ON CONFLICT (id) DO UPDATE SET info = excluded.info, seen_ms = excluded.seen_ms",
    [ST_MSG_CHANNELS] = "SELECT DISTINCT channel_id FROM messages ORDER BY channel_id",
    [ST_LEAF_TREES] = "SELECT tree_id FROM mss_leaves ORDER BY tree_id",
    [ST_MSGNUM_TREES] = "SELECT tree_id FROM msg_numbers ORDER BY tree_id",
    [ST_INSTANCE_LIST] = "SELECT id, info, seen_ms FROM instances WHERE seen_ms >= ?1 ORDER BY id",
    [ST_META_SET] = "INSERT INTO meta (key, value) VALUES (?1, ?2)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [ST_IDEM_EXPIRE] = "DELETE FROM idempotency_keys WHERE created_at_ms < ?1",
    [ST_IDEM_INSERT] = "INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at_ms)"
                       " VALUES (?1, ?2, ?3, 0, NULL, ?4) ON CONFLICT (scope, key) DO NOTHING",
    [ST_IDEM_GET] = "SELECT request_hash, status, body FROM idempotency_keys WHERE scope = ?1 AND key = ?2",
    [ST_IDEM_FINISH] = "UPDATE idempotency_keys SET status = ?3, body = ?4 WHERE scope = ?1 AND key = ?2 AND status = 0",
    [ST_IDEM_DELETE] = "DELETE FROM idempotency_keys WHERE scope = ?1 AND key = ?2 AND status = 0",
};


/* ---- errors ---- */

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

mg_store_err_t stmt_exec(conn_t *c, const char *sql) {
  int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
  return rc == SQLITE_OK ? MG_STORE_OK : stmt_fail_sqlite(c, rc);
}

mg_store_err_t stmt_fail(conn_t *c, mg_store_err_t err, const char *what) {
  snprintf(c->errmsg, MG_STORE_ERRMSG_MAX, "%s", what);
  return err;
}

/* The message is copied now because a later rollback replaces SQLite's own. */
mg_store_err_t stmt_fail_sqlite(conn_t *c, int rc) {
  const char *msg = sqlite3_errmsg(c->db);
  if (sqlite3_errcode(c->db) != rc) msg = sqlite3_errstr(rc); /* rc did not come from the last call */
  snprintf(c->errmsg, MG_STORE_ERRMSG_MAX, "%s", msg);
  return err_from_sqlite(rc);
}

/* ---- statement helpers ---- */

mg_store_err_t stmt_get(conn_t *c, enum stmt_id id, sqlite3_stmt **out) {
  int rc = SQLITE_OK;
  if (!c->stmts[id]) rc = sqlite3_prepare_v3(c->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &c->stmts[id], NULL);
  *out = c->stmts[id];
  return rc == SQLITE_OK ? MG_STORE_OK : stmt_fail_sqlite(c, rc);
}

/* Readies a statement for its next use and drops the bound pointers into the caller's memory. */
void stmt_done(sqlite3_stmt *st) {
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
}

binder_t stmt_binder(sqlite3_stmt *st) { return (binder_t){.st = st, .next = 1, .rc = SQLITE_OK}; }

void stmt_bind_text(binder_t *b, const char *text, size_t len) {
  if (b->rc == SQLITE_OK) b->rc = sqlite3_bind_text64(b->st, b->next, text, len, SQLITE_STATIC, SQLITE_UTF8);
  b->next++;
}

void stmt_bind_int(binder_t *b, int64_t v) {
  if (b->rc == SQLITE_OK) b->rc = sqlite3_bind_int64(b->st, b->next, v);
  b->next++;
}

/* NULL unless present. */
void stmt_bind_optional_int(binder_t *b, bool present, int64_t v) {
  if (b->rc == SQLITE_OK) b->rc = present ? sqlite3_bind_int64(b->st, b->next, v) : sqlite3_bind_null(b->st, b->next);
  b->next++;
}

/* An empty blob is stored as NULL. */
void stmt_bind_blob(binder_t *b, const void *data, size_t len) {
  if (b->rc == SQLITE_OK)
    b->rc = len ? sqlite3_bind_blob64(b->st, b->next, data, len, SQLITE_STATIC) : sqlite3_bind_null(b->st, b->next);
  b->next++;
}

/* Runs a statement that returns no rows; *changes (may be NULL) gets the rows it changed. */
mg_store_err_t stmt_run(conn_t *c, const binder_t *b, int *changes) {
  int rc = b->rc == SQLITE_OK ? sqlite3_step(b->st) : b->rc;
  mg_store_err_t err = rc == SQLITE_DONE ? MG_STORE_OK : stmt_fail_sqlite(c, rc);
  if (!err && changes) *changes = sqlite3_changes(c->db);
  stmt_done(b->st);
  return err;
}

/* Runs a statement that must change a row: `none` (with message what) when it changed none. */
mg_store_err_t stmt_run_changing(conn_t *c, const binder_t *b, mg_store_err_t none, const char *what) {
  int changes = 0;
  mg_store_err_t err = stmt_run(c, b, &changes);
  if (!err && changes == 0) return stmt_fail(c, none, what);
  return err;
}

/* Steps a query expected to return at most one row: OK with the row current (the caller reads it,
 * then calls stmt_done), or NOT_FOUND (recorded with message `what` unless it is NULL), or an error. */
mg_store_err_t stmt_step_one(conn_t *c, const binder_t *b, const char *what) {
  int rc = b->rc == SQLITE_OK ? sqlite3_step(b->st) : b->rc;
  if (rc == SQLITE_ROW) return MG_STORE_OK;
  mg_store_err_t err = MG_STORE_NOT_FOUND;
  if (rc != SQLITE_DONE)
    err = stmt_fail_sqlite(c, rc);
  else if (what)
    stmt_fail(c, err, what);
  stmt_done(b->st);
  return err;
}

mg_store_err_t stmt_delete_by_id(conn_t *c, enum stmt_id id, const char *key, size_t len, const char *what) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, id, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, key, len);
  return stmt_run_changing(c, &b, MG_STORE_NOT_FOUND, what);
}

/* A statement without parameters, e.g. BEGIN or a PRAGMA. */
mg_store_err_t stmt_run_plain(conn_t *c, enum stmt_id id) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, id, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  return stmt_run(c, &b, NULL);
}

/* Reads an integer from a parameterless single-row query such as a PRAGMA. */
mg_store_err_t stmt_query_int(conn_t *c, enum stmt_id id, int64_t *value) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, id, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  err = stmt_step_one(c, &b, "no value");
  if (err) return err;
  *value = sqlite3_column_int64(st, 0);
  stmt_done(st);
  return MG_STORE_OK;
}

/* ---- reading columns ---- */

/* Copies a text column of exactly n bytes into out[n + 1]; false when the stored value has another
 * length (a damaged row, or one written by something else). */
bool stmt_column_fixed_text(sqlite3_stmt *st, int col, char *out, size_t n) {
  const unsigned char *text = sqlite3_column_text(st, col);
  if (!text || (size_t)sqlite3_column_bytes(st, col) != n) return false;
  memcpy(out, text, n);
  out[n] = '\0';
  return true;
}

/* A malloc'd copy of a text column; NULL column or out of memory: NULL with *err set. */
char *stmt_column_strdup(sqlite3_stmt *st, int col, mg_store_err_t *err) {
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
mg_store_err_t stmt_column_blob_dup(sqlite3_stmt *st, int col, uint8_t **data, size_t *len) {
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

/* ---- rows ---- */

static mg_store_err_t read_string(sqlite3_stmt *st, void *item) {
  mg_store_err_t err = MG_STORE_OK;
  *(char **)item = stmt_column_strdup(st, 0, &err);
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
static mg_store_err_t append_row(conn_t *c, rows_t *r, sqlite3_stmt *st) {
  size_t size = r->kind->size;
  if (r->n == r->cap) {
    size_t cap = r->cap ? 2 * r->cap : 16;
    unsigned char *grown = cap <= SIZE_MAX / size ? realloc(r->items, cap * size) : NULL;
    if (!grown) return stmt_fail(c, MG_STORE_ERR_NO_MEMORY, "out of memory");
    r->items = grown;
    r->cap = cap;
  }
  void *item = r->items + r->n++ * size;
  memset(item, 0, size);
  mg_store_err_t err = r->kind->read(st, item);
  if (err) err = stmt_fail(c, err, err == MG_STORE_ERR_CORRUPT ? "malformed row" : "out of memory");
  return err;
}

/* Steps a bound query to its end and returns its rows as a malloc'd array (NULL when none). */
mg_store_err_t stmt_collect_rows(conn_t *c, const binder_t *b, const row_kind_t *kind, void **out, size_t *n) {
  rows_t r = {.kind = kind};
  mg_store_err_t err = MG_STORE_OK;
  int rc = b->rc;
  if (rc == SQLITE_OK)
    while (!err && (rc = sqlite3_step(b->st)) == SQLITE_ROW) err = append_row(c, &r, b->st);
  if (!err && rc != SQLITE_DONE) err = stmt_fail_sqlite(c, rc);
  stmt_done(b->st);
  if (err) {
    kind->free_all(r.items, r.n);
    return err;
  }
  *out = r.items;
  *n = r.n;
  return MG_STORE_OK;
}

mg_store_err_t stmt_list_ids(conn_t *c, enum stmt_id id, char ***ids, size_t *n) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, id, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  void *rows = NULL;
  err = stmt_collect_rows(c, &b, &string_rows, &rows, n);
  *ids = rows;
  return err;
}

/* ---- transactions ---- */

static void rollback(conn_t *c) {
  if (sqlite3_get_autocommit(c->db)) return; /* SQLite already rolled back (e.g. after SQLITE_FULL) */
  sqlite3_stmt *st = c->stmts[ST_ROLLBACK]; /* prepared by sqlite_transaction; keeps c->errmsg */
  sqlite3_step(st);
  sqlite3_reset(st);
}

/* BEGIN IMMEDIATE: the write lock is taken first, waiting up to the busy timeout. */
mg_store_err_t sqlite_transaction(conn_t *c, mg_store_txn_body_t *body, void *ctx) {
  sqlite3_stmt *unused;
  mg_store_err_t err = stmt_get(c, ST_ROLLBACK, &unused);
  if (!err) err = stmt_run_plain(c, ST_BEGIN);
  if (err) return err;
  err = body(c, ctx);
  if (!err) err = stmt_run_plain(c, ST_COMMIT);
  if (err) rollback(c);
  return err;
}

