/* store/pg/conn.h: inside the PostgreSQL engine: the connection, its statements (all the engine's
 * SQL but the migrations, prepared once per connection on first use), parameters, results, errors
 * and transactions. Not for use outside store/pg/. */
#ifndef STORE_PG_CONN_H
#define STORE_PG_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store/store.h"

enum q_id {
  Q_CURSOR_LOCK,
  Q_MSG_INSERT,
  Q_MSG_NOTIFY,
  Q_MSG_LIST,
  Q_MSG_LIST_CHANNELS,
  Q_MSG_LIST_WATCHED,
  Q_MSG_GET,
  Q_MSG_COUNT_CHANNEL,
  Q_MSG_COUNT_ALL,
  Q_CHANNEL_KNOWN,
  Q_LAST_CURSOR,
  Q_WATCH_INSERT,
  Q_WATCH_SET_STATE,
  Q_WATCH_DELETE,
  Q_WATCH_LIST,
  Q_PSK_INSERT,
  Q_PSK_GET,
  Q_PSK_DELETE,
  Q_PSK_LIST,
  Q_NTRU_INSERT,
  Q_NTRU_GET,
  Q_NTRU_LIST,
  Q_CHANNEL_PUT,
  Q_CHANNEL_GET,
  Q_CHANNEL_LIST,
  Q_CHANNEL_NUMBER,
  Q_LEAF_RESERVE,
  Q_LEAF_GET,
  Q_MSGNUM_RESERVE,
  Q_MSGNUM_GET,
  Q_META_GET,
  Q_META_SET,
  Q_META_INIT,
  Q_SECRET_INIT,
  Q_SECRET_GET,
  Q_IDEM_EXPIRE,
  Q_IDEM_INSERT,
  Q_IDEM_GET,
  Q_IDEM_FINISH,
  Q_IDEM_DELETE,
  Q_INSTANCE_PUT,
  Q_INSTANCE_LIST,
  Q_SCHEMA_VERSION,
  Q_MSG_CHANNELS,
  Q_LEAF_TREES,
  Q_MSGNUM_TREES,
  Q_CHANNEL_NUMBER_RAISE,
  Q__COUNT
};

/* One libpq connection with the statements prepared on it. */
struct mg_store_conn {
  PGconn *pg;
  bool prepared[Q__COUNT]; /* on this session: cleared when it is reset */
  bool listening;          /* LISTEN mamgate_messages issued on this session */
  char *errmsg;            /* the front's buffer, MG_STORE_ERRMSG_MAX bytes */
};
typedef struct mg_store_conn conn_t;

/* The NOTIFY channel of new messages. */
#define PQ_MESSAGES_CHANNEL "mamgate_messages"

/* ---- errors ---- */

/* Records the engine's own message (never a value) and returns err. */
mg_store_err_t pq_fail(conn_t *c, mg_store_err_t err, const char *what);

/* ---- the session ---- */

/* Opens a session for conninfo (a libpq URI) and sets it up; *out is NULL on failure. */
mg_store_err_t pq_connect(const char *conninfo, char *errmsg, conn_t **out);
void pq_disconnect(conn_t *c);
/* Reconnects a session that was lost (PQreset): MG_STORE_ERR_UNAVAILABLE when the server cannot be
 * reached now. Every operation calls it first. */
mg_store_err_t pq_ready(conn_t *c);

/* ---- parameters: $1, $2, ... in order; text values are NUL-terminated, bytes go as binary ---- */

#define PQ_MAX_PARAMS 12
typedef struct params {
  const char *values[PQ_MAX_PARAMS];
  int lengths[PQ_MAX_PARAMS];
  int formats[PQ_MAX_PARAMS];
  char ints[PQ_MAX_PARAMS][24];
  int n;
} params_t;

void par_text(params_t *p, const char *text);
void par_int(params_t *p, int64_t v);
void par_optional_int(params_t *p, bool present, int64_t v); /* NULL unless present */
void par_bytes(params_t *p, const void *data, size_t len);   /* NULL when len is 0 */

/* ---- statements ---- */

/* Runs a prepared statement; *res (PQclear it) holds its rows. On error *res is NULL. */
mg_store_err_t pq_query(conn_t *c, enum q_id id, const params_t *p, PGresult **res);
/* Runs a statement for its effect; *changes (may be NULL) gets the rows it changed. */
mg_store_err_t pq_command(conn_t *c, enum q_id id, const params_t *p, int *changes);
/* A statement that must change a row: `none` (with message what) when it changed none. */
mg_store_err_t pq_command_changing(conn_t *c, enum q_id id, const params_t *p, mg_store_err_t none,
                                   const char *what);
/* A query of at most one row: OK with *res holding it, or NOT_FOUND (message what unless NULL). */
mg_store_err_t pq_query_one(conn_t *c, enum q_id id, const params_t *p, const char *what, PGresult **res);
/* The integer of a one-row query. */
mg_store_err_t pq_query_int(conn_t *c, enum q_id id, const params_t *p, int64_t *value);
/* Runs one prepared statement n times in one round trip (libpq's pipeline mode): make(ctx, i, p)
 * fills the parameters of run i; take(c, ctx, i, res) reads its result. The first error stops the
 * reading (the server skips the runs after a failed one) and is returned; inside a transaction,
 * the caller rolls it back. */
mg_store_err_t pq_pipeline(conn_t *c, enum q_id id, size_t n, void (*make)(void *ctx, size_t i, params_t *p),
                           mg_store_err_t (*take)(conn_t *c, void *ctx, size_t i, const PGresult *res), void *ctx);
/* Literal SQL without parameters (migrations, session settings, transaction control). */
mg_store_err_t pq_exec(conn_t *c, const char *sql);
/* Runs body in one transaction and commits it, or rolls it back when body or COMMIT fails. */
mg_store_err_t pq_transaction(conn_t *c, mg_store_err_t (*body)(conn_t *c, void *ctx), void *ctx);

/* ---- reading values (text format) ---- */

int64_t pq_int(const PGresult *res, int row, int col);
/* Copies a text value of exactly n bytes into out[n + 1]; false for another length or NULL. */
bool pq_fixed_text(const PGresult *res, int row, int col, char *out, size_t n);
/* A malloc'd copy of a text value; NULL value or out of memory: NULL with *err set. */
char *pq_strdup(const PGresult *res, int row, int col, mg_store_err_t *err);
/* A malloc'd copy of a bytea value (NULL, 0 for NULL or empty). */
mg_store_err_t pq_bytes_dup(const PGresult *res, int row, int col, uint8_t **data, size_t *len);

/* How to turn row `row` into one array element and how to free an array of them. */
typedef struct row_kind {
  size_t size;
  mg_store_err_t (*read)(const PGresult *res, int row, void *item);
  void (*free_all)(void *items, size_t n);
} row_kind_t;

/* Runs a query and returns its rows as a malloc'd array (NULL when none). */
mg_store_err_t pq_collect(conn_t *c, enum q_id id, const params_t *p, const row_kind_t *kind, void **out, size_t *n);
/* The ids (first column) of a parameterless query, each malloc'd. */
mg_store_err_t pq_list_ids(conn_t *c, enum q_id id, char ***ids, size_t *n);

#endif
