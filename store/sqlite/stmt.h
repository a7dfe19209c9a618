/* store/sqlite/stmt.h: inside the SQLite engine: the connection, its cached statements (all the
 * engine's SQL but the migrations), binders, row readers and transactions. Not for use outside
 * store/sqlite/. */
#ifndef STORE_SQLITE_STMT_H
#define STORE_SQLITE_STMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store/store.h"

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
  ST_MSGNUM_GET,
  ST_MSGNUM_SET,
  ST_META_GET,
  ST_META_SET,
  ST_META_INIT,
  ST_SECRET_INIT,
  ST_SECRET_GET,
  ST_LAST_CURSOR,
  ST_INSTANCE_PUT,
  ST_INSTANCE_LIST,
  ST_MSG_CHANNELS,
  ST_LEAF_TREES,
  ST_MSGNUM_TREES,
  ST_IDEM_EXPIRE,
  ST_IDEM_INSERT,
  ST_IDEM_GET,
  ST_IDEM_FINISH,
  ST_IDEM_DELETE,
  ST__COUNT
};

/* One SQLite connection with its statements, prepared once on first use. */
struct mg_store_conn {
  sqlite3 *db;
  sqlite3_stmt *stmts[ST__COUNT];
  int64_t busy_since_ms; /* when the current wait for a lock began */
  char *errmsg;          /* the front's buffer, MG_STORE_ERRMSG_MAX bytes */
};
typedef struct mg_store_conn conn_t;

/* ---- errors ---- */

/* Records the engine's own message (never a value: values may be keys) and returns err. */
mg_store_err_t stmt_fail(conn_t *c, mg_store_err_t err, const char *what);
/* Records SQLite's message for a failed call and maps its code. */
mg_store_err_t stmt_fail_sqlite(conn_t *c, int rc);

/* ---- statements ---- */

mg_store_err_t stmt_get(conn_t *c, enum stmt_id id, sqlite3_stmt **out);
/* Readies a statement for its next use and drops the bound pointers into the caller's memory. */
void stmt_done(sqlite3_stmt *st);

/* Binds parameters ?1, ?2, ... in order, keeping the first error. Values are bound without a copy
 * (SQLITE_STATIC): every statement is reset and cleared before its caller returns. */
typedef struct binder {
  sqlite3_stmt *st;
  int next;
  int rc;
} binder_t;

binder_t stmt_binder(sqlite3_stmt *st);
void stmt_bind_text(binder_t *b, const char *text, size_t len);
void stmt_bind_int(binder_t *b, int64_t v);
void stmt_bind_optional_int(binder_t *b, bool present, int64_t v); /* NULL unless present */
void stmt_bind_blob(binder_t *b, const void *data, size_t len);    /* an empty blob is stored as NULL */

/* Runs a statement that returns no rows; *changes (may be NULL) gets the rows it changed. */
mg_store_err_t stmt_run(conn_t *c, const binder_t *b, int *changes);
/* Runs a statement that must change a row: `none` (with message what) when it changed none. */
mg_store_err_t stmt_run_changing(conn_t *c, const binder_t *b, mg_store_err_t none, const char *what);
/* Steps a query expected to return at most one row: OK with the row current (the caller reads it,
 * then calls stmt_done), or NOT_FOUND (recorded with message `what` unless it is NULL), or an error. */
mg_store_err_t stmt_step_one(conn_t *c, const binder_t *b, const char *what);
/* Runs a DELETE keyed by one id (?1, len bytes): NOT_FOUND, with message what, when it deleted none. */
mg_store_err_t stmt_delete_by_id(conn_t *c, enum stmt_id id, const char *key, size_t len, const char *what);
/* A statement without parameters, e.g. BEGIN or a PRAGMA. */
mg_store_err_t stmt_run_plain(conn_t *c, enum stmt_id id);
/* Reads an integer from a parameterless single-row query such as a PRAGMA. */
mg_store_err_t stmt_query_int(conn_t *c, enum stmt_id id, int64_t *value);
/* Runs literal SQL (migrations and PRAGMAs with values). */
mg_store_err_t stmt_exec(conn_t *c, const char *sql);
/* Transactions are the engine's operation sqlite_transaction (store/sqlite/ops.h): one BEGIN
 * IMMEDIATE transaction (the write lock is taken first, waiting up to the busy timeout), committed,
 * or rolled back as a whole when its body or COMMIT fails. */

/* ---- reading columns and rows ---- */

/* Copies a text column of exactly n bytes into out[n + 1]; false when the stored value has another
 * length (a damaged row, or one written by something else). */
bool stmt_column_fixed_text(sqlite3_stmt *st, int col, char *out, size_t n);
/* A malloc'd copy of a text column; NULL column or out of memory: NULL with *err set. */
char *stmt_column_strdup(sqlite3_stmt *st, int col, mg_store_err_t *err);
/* A malloc'd copy of a blob column (NULL, 0 for a NULL or empty one). */
mg_store_err_t stmt_column_blob_dup(sqlite3_stmt *st, int col, uint8_t **data, size_t *len);

/* How to turn the current row into one array element and how to free an array of them. */
typedef struct row_kind {
  size_t size;
  mg_store_err_t (*read)(sqlite3_stmt *st, void *item);
  void (*free_all)(void *items, size_t n);
} row_kind_t;

/* Steps a bound query to its end and returns its rows as a malloc'd array (NULL when none). */
mg_store_err_t stmt_collect_rows(conn_t *c, const binder_t *b, const row_kind_t *kind, void **out, size_t *n);
/* The ids (first column, text) of a parameterless query, each malloc'd. */
mg_store_err_t stmt_list_ids(conn_t *c, enum stmt_id id, char ***ids, size_t *n);

#endif
