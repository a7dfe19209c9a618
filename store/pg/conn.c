/* store/pg/conn.c: the PostgreSQL engine's session, statements, parameters, results and errors
 * (store/pg/conn.h). */
#include "store/pg/conn.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg/sql.h"

/* ---- errors ---- */

mg_store_err_t pq_fail(conn_t *c, mg_store_err_t err, const char *what) {
  snprintf(c->errmsg, MG_STORE_ERRMSG_MAX, "%s", what);
  return err;
}

/* Records the first line of a libpq message. */
static void record_message(conn_t *c, const char *msg) {
  if (!msg || !*msg) msg = "PostgreSQL error";
  size_t len = strcspn(msg, "\n");
  if (len >= MG_STORE_ERRMSG_MAX) len = MG_STORE_ERRMSG_MAX - 1;
  memcpy(c->errmsg, msg, len);
  c->errmsg[len] = '\0';
}

/* The store error of a server error, by SQLSTATE class and code (PostgreSQL, appendix A). */
static mg_store_err_t err_from_sqlstate(const char *state) {
  if (!state || strlen(state) != 5) return MG_STORE_ERR_DB;
  static const struct {
    const char *code; /* a whole code, or a two-character class */
    mg_store_err_t err;
  } map[] = {
      {"23505", MG_STORE_EXISTS},      /* unique_violation */
      {"53100", MG_STORE_ERR_FULL},    /* disk_full */
      {"53200", MG_STORE_ERR_NO_MEMORY},
      {"53300", MG_STORE_ERR_UNAVAILABLE}, /* too_many_connections */
      {"57P01", MG_STORE_ERR_UNAVAILABLE}, /* admin_shutdown */
      {"57P02", MG_STORE_ERR_UNAVAILABLE}, /* crash_shutdown */
      {"57P03", MG_STORE_ERR_UNAVAILABLE}, /* cannot_connect_now */
      {"40001", MG_STORE_ERR_BUSY},        /* serialization_failure */
      {"40P01", MG_STORE_ERR_BUSY},        /* deadlock_detected */
      {"55P03", MG_STORE_ERR_BUSY},        /* lock_not_available */
      {"57014", MG_STORE_ERR_BUSY},        /* query_canceled (statement_timeout) */
      {"22003", MG_STORE_ERR_ARG},         /* numeric_value_out_of_range: a counter past 2^63 */
      {"XX001", MG_STORE_ERR_CORRUPT},     /* data_corrupted */
      {"XX002", MG_STORE_ERR_CORRUPT},     /* index_corrupted */
      {"08", MG_STORE_ERR_UNAVAILABLE},    /* connection_exception */
      {"28", MG_STORE_ERR_REFUSED},        /* invalid_authorization_specification */
      {"3D", MG_STORE_ERR_REFUSED},        /* invalid_catalog_name */
      {"42501", MG_STORE_ERR_IO},          /* insufficient_privilege */
      {"58", MG_STORE_ERR_IO},             /* system_error */
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strncmp(state, map[i].code, strlen(map[i].code)) == 0) return map[i].err;
  return MG_STORE_ERR_DB;
}

/* Records and maps a failed result (NULL: no result, the connection's message). A session that
 * is gone is MG_STORE_ERR_UNAVAILABLE, whatever the result says. */
static mg_store_err_t fail_result(conn_t *c, const PGresult *res) {
  if (PQstatus(c->pg) != CONNECTION_OK) {
    record_message(c, PQerrorMessage(c->pg));
    return MG_STORE_ERR_UNAVAILABLE;
  }
  if (!res) {
    record_message(c, PQerrorMessage(c->pg));
    return MG_STORE_ERR_NO_MEMORY;
  }
  record_message(c, PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
  return err_from_sqlstate(PQresultErrorField(res, PG_DIAG_SQLSTATE));
}

/* ---- the session ---- */

/* Every session: commits durable on the server before they return, text in UTF-8, no statement
 * waiting for a lock forever. */
#define SESSION_SETUP \
  "SET synchronous_commit = on; SET client_encoding = 'UTF8'; SET lock_timeout = '5s'; SET client_min_messages = warning"

static mg_store_err_t set_up_session(conn_t *c) {
  memset(c->prepared, 0, sizeof c->prepared);
  c->listening = false;
  return pq_exec(c, SESSION_SETUP);
}

/* Seconds a connection attempt may take (libpq waits forever by default); a connect_timeout in
 * the URI wins, as it comes later. */
#define CONNECT_TIMEOUT_S "10"

/* Why a connection attempt failed, from what libpq offers then: no SQLSTATE (the server's error
 * during the start-up reaches the client as text only: "FATAL:  <message>"), but
 * PQconnectionNeedsPassword and the message. Only causes that go away by themselves are
 * MG_STORE_ERR_UNAVAILABLE (retried): the server not reached (refused, no socket, unreachable,
 * time-out, name lookup), or the server's starting up, shutting down or recovering (57P03), out of
 * connection slots (53300) or shut down by the administrator (57P01). Anything else (a wrong
 * password, an unknown role or database, pg_hba.conf, a malformed URI or option, a message not
 * known here, one in another language) is MG_STORE_ERR_REFUSED. */
static const char *const server_transient[] = {
    "the database system is starting up", "the database system is shutting down",
    "the database system is in recovery mode", "the database system is not yet accepting connections",
    "the database system is not accepting connections", "sorry, too many clients already",
    "remaining connection slots are reserved", "terminating connection due to administrator command",
};
static const char *const client_transient[] = {
    "Connection refused", "No such file or directory", "timeout expired", "Connection timed out",
    "Network is unreachable", "No route to host", "Connection reset", "could not translate host name",
    "Temporary failure in name resolution", "server closed the connection unexpectedly",
};

static bool mentions_any(const char *text, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strstr(text, list[i])) return true;
  return false;
}

/* The server's own error in a failed attempt's message (the last one, after the addresses tried
 * before), or NULL when the server said nothing. */
static const char *server_error(const char *msg) {
  const char *last = NULL;
  for (const char *at = msg; (at = strstr(at, "FATAL:")) != NULL; at++) last = at;
  return last;
}

static mg_store_err_t connect_error(const PGconn *pg) {
  if (PQconnectionNeedsPassword(pg)) return MG_STORE_ERR_REFUSED;
  const char *msg = PQerrorMessage(pg), *server = server_error(msg);
  bool transient = server ? mentions_any(server, server_transient, sizeof server_transient / sizeof *server_transient)
                          : mentions_any(msg, client_transient, sizeof client_transient / sizeof *client_transient);
  return transient ? MG_STORE_ERR_UNAVAILABLE : MG_STORE_ERR_REFUSED;
}

/* Records why an attempt failed: the server's error when it gave one, else libpq's first line. */
static void record_connect_message(conn_t *c) {
  const char *msg = PQerrorMessage(c->pg), *server = server_error(msg);
  record_message(c, server ? server : msg);
}

mg_store_err_t pq_connect(const char *conninfo, char *errmsg, conn_t **out) {
  *out = NULL;
  conn_t *c = calloc(1, sizeof *c);
  if (!c) return MG_STORE_ERR_NO_MEMORY;
  c->errmsg = errmsg;
  static const char *const keywords[] = {"connect_timeout", "dbname", NULL};
  const char *const values[] = {CONNECT_TIMEOUT_S, conninfo, NULL};
  c->pg = PQconnectdbParams(keywords, values, 1); /* 1: dbname holds the URI, expanded */
  mg_store_err_t err = MG_STORE_OK;
  if (!c->pg)
    err = pq_fail(c, MG_STORE_ERR_NO_MEMORY, "out of memory");
  else if (PQstatus(c->pg) != CONNECTION_OK) {
    record_connect_message(c);
    err = connect_error(c->pg);
  }
  if (!err) err = set_up_session(c);
  if (err) {
    pq_disconnect(c);
    return err;
  }
  *out = c;
  return MG_STORE_OK;
}

void pq_disconnect(conn_t *c) {
  if (!c) return;
  PQfinish(c->pg);
  free(c);
}

mg_store_err_t pq_ready(conn_t *c) {
  if (PQstatus(c->pg) == CONNECTION_OK) return MG_STORE_OK;
  PQreset(c->pg);
  if (PQstatus(c->pg) != CONNECTION_OK) {
    record_message(c, PQerrorMessage(c->pg));
    return MG_STORE_ERR_UNAVAILABLE;
  }
  return set_up_session(c);
}

/* ---- parameters ---- */

static void par_add(params_t *p, const char *value, int length, int format) {
  if (p->n >= PQ_MAX_PARAMS) abort(); /* a statement of this engine with too many: a bug here */
  p->values[p->n] = value;
  p->lengths[p->n] = length;
  p->formats[p->n] = format;
  p->n++;
}

void par_text(params_t *p, const char *text) { par_add(p, text, 0, 0); }

void par_int(params_t *p, int64_t v) {
  if (p->n >= PQ_MAX_PARAMS) abort();
  snprintf(p->ints[p->n], sizeof p->ints[p->n], "%" PRId64, v);
  par_add(p, p->ints[p->n], 0, 0);
}

void par_optional_int(params_t *p, bool present, int64_t v) {
  if (present)
    par_int(p, v);
  else
    par_add(p, NULL, 0, 0);
}

void par_bytes(params_t *p, const void *data, size_t len) {
  if (len > INT32_MAX) abort(); /* the front caps every blob far below */
  par_add(p, len ? data : NULL, (int)len, 1);
}

/* ---- statements ---- */

static mg_store_err_t prepare(conn_t *c, enum q_id id) {
  if (c->prepared[id]) return MG_STORE_OK;
  char name[16];
  snprintf(name, sizeof name, "mg%d", (int)id);
  PGresult *res = PQprepare(c->pg, name, pq_sql[id], 0, NULL);
  mg_store_err_t err = PQresultStatus(res) == PGRES_COMMAND_OK ? MG_STORE_OK : fail_result(c, res);
  PQclear(res);
  if (!err) c->prepared[id] = true;
  return err;
}

mg_store_err_t pq_query(conn_t *c, enum q_id id, const params_t *p, PGresult **res) {
  *res = NULL;
  mg_store_err_t err = pq_ready(c);
  if (!err) err = prepare(c, id);
  if (err) return err;
  char name[16];
  snprintf(name, sizeof name, "mg%d", (int)id);
  static const params_t none;
  if (!p) p = &none;
  PGresult *r = PQexecPrepared(c->pg, name, p->n, p->values, p->lengths, p->formats, 0);
  ExecStatusType status = PQresultStatus(r);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    err = fail_result(c, r);
    PQclear(r);
    return err;
  }
  *res = r;
  return MG_STORE_OK;
}

mg_store_err_t pq_command(conn_t *c, enum q_id id, const params_t *p, int *changes) {
  PGresult *res;
  mg_store_err_t err = pq_query(c, id, p, &res);
  if (err) return err;
  if (changes) *changes = atoi(PQcmdTuples(res));
  PQclear(res);
  return MG_STORE_OK;
}

mg_store_err_t pq_command_changing(conn_t *c, enum q_id id, const params_t *p, mg_store_err_t none,
                                   const char *what) {
  int changes = 0;
  mg_store_err_t err = pq_command(c, id, p, &changes);
  if (!err && changes == 0) return pq_fail(c, none, what);
  return err;
}

mg_store_err_t pq_query_one(conn_t *c, enum q_id id, const params_t *p, const char *what, PGresult **res) {
  mg_store_err_t err = pq_query(c, id, p, res);
  if (err || PQntuples(*res) > 0) return err;
  PQclear(*res);
  *res = NULL;
  return what ? pq_fail(c, MG_STORE_NOT_FOUND, what) : MG_STORE_NOT_FOUND;
}

mg_store_err_t pq_query_int(conn_t *c, enum q_id id, const params_t *p, int64_t *value) {
  PGresult *res;
  mg_store_err_t err = pq_query_one(c, id, p, "no value", &res);
  if (err) return err;
  *value = pq_int(res, 0, 0);
  PQclear(res);
  return MG_STORE_OK;
}

mg_store_err_t pq_exec(conn_t *c, const char *sql) {
  PGresult *res = PQexec(c->pg, sql);
  ExecStatusType status = PQresultStatus(res);
  mg_store_err_t err =
      status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ? MG_STORE_OK : fail_result(c, res);
  PQclear(res);
  return err;
}

/* The result of one run of a pipeline: its rows (OK), or its failure. */
static mg_store_err_t pipeline_result(conn_t *c, const PGresult *res) {
  ExecStatusType status = PQresultStatus(res);
  if (res && (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)) return MG_STORE_OK;
  return fail_result(c, res);
}

/* Reads what the server sent for the runs of a pipeline and its sync; false when the session
 * broke on the way (nothing more will come). */
static bool drain_pipeline(conn_t *c, size_t sent, mg_store_err_t *err,
                           mg_store_err_t (*take)(conn_t *c, void *ctx, size_t i, const PGresult *res), void *ctx) {
  for (size_t i = 0; i < sent; i++) {
    PGresult *res = PQgetResult(c->pg);
    if (!res) {
      if (!*err) *err = fail_result(c, NULL);
      return false;
    }
    if (!*err) *err = pipeline_result(c, res); /* the first failure keeps its message */
    if (!*err) *err = take(c, ctx, i, res);
    PQclear(res);
    PQclear(PQgetResult(c->pg)); /* the NULL that ends each run's results */
  }
  PGresult *sync = PQgetResult(c->pg);
  bool synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  PQclear(sync);
  if (!synced && !*err) *err = fail_result(c, NULL);
  return synced;
}

mg_store_err_t pq_pipeline(conn_t *c, enum q_id id, size_t n, void (*make)(void *ctx, size_t i, params_t *p),
                           mg_store_err_t (*take)(conn_t *c, void *ctx, size_t i, const PGresult *res), void *ctx) {
  mg_store_err_t err = pq_ready(c);
  if (!err) err = prepare(c, id);
  if (err) return err;
  if (!PQenterPipelineMode(c->pg)) return fail_result(c, NULL);
  char name[16];
  snprintf(name, sizeof name, "mg%d", (int)id);
  size_t sent = 0;
  for (; sent < n; sent++) {
    params_t p = {0};
    make(ctx, sent, &p);
    if (!PQsendQueryPrepared(c->pg, name, p.n, p.values, p.lengths, p.formats, 0)) break;
  }
  if (sent < n) err = fail_result(c, NULL);
  if (PQpipelineSync(c->pg) && drain_pipeline(c, sent, &err, take, ctx)) PQexitPipelineMode(c->pg);
  else if (!err) err = fail_result(c, NULL);
  return err;
}

/* Ends a failed transaction; keeps the message of the failure. */
static void rollback(conn_t *c) {
  if (PQstatus(c->pg) != CONNECTION_OK || PQtransactionStatus(c->pg) == PQTRANS_IDLE) return;
  PQclear(PQexec(c->pg, "ROLLBACK"));
}

mg_store_err_t pq_transaction(conn_t *c, mg_store_err_t (*body)(conn_t *c, void *ctx), void *ctx) {
  mg_store_err_t err = pq_ready(c);
  if (!err) err = pq_exec(c, "BEGIN");
  if (err) return err;
  err = body(c, ctx);
  if (!err) err = pq_exec(c, "COMMIT");
  if (err) rollback(c);
  return err;
}

/* ---- reading values ---- */

int64_t pq_int(const PGresult *res, int row, int col) { return strtoll(PQgetvalue(res, row, col), NULL, 10); }

bool pq_fixed_text(const PGresult *res, int row, int col, char *out, size_t n) {
  if (PQgetisnull(res, row, col) || (size_t)PQgetlength(res, row, col) != n) return false;
  memcpy(out, PQgetvalue(res, row, col), n);
  out[n] = '\0';
  return true;
}

char *pq_strdup(const PGresult *res, int row, int col, mg_store_err_t *err) {
  if (PQgetisnull(res, row, col)) {
    *err = MG_STORE_ERR_CORRUPT;
    return NULL;
  }
  size_t len = (size_t)PQgetlength(res, row, col);
  char *copy = malloc(len + 1);
  if (!copy) {
    *err = MG_STORE_ERR_NO_MEMORY;
    return NULL;
  }
  memcpy(copy, PQgetvalue(res, row, col), len);
  copy[len] = '\0';
  return copy;
}

mg_store_err_t pq_bytes_dup(const PGresult *res, int row, int col, uint8_t **data, size_t *len) {
  *data = NULL;
  *len = 0;
  if (PQgetisnull(res, row, col)) return MG_STORE_OK;
  size_t n = 0;
  unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(res, row, col), &n);
  if (!raw) return MG_STORE_ERR_NO_MEMORY;
  mg_store_err_t err = MG_STORE_OK;
  if (n) {
    *data = malloc(n);
    if (*data) {
      memcpy(*data, raw, n);
      *len = n;
    } else {
      err = MG_STORE_ERR_NO_MEMORY;
    }
  }
  PQfreemem(raw);
  return err;
}

mg_store_err_t pq_collect(conn_t *c, enum q_id id, const params_t *p, const row_kind_t *kind, void **out, size_t *n) {
  PGresult *res;
  mg_store_err_t err = pq_query(c, id, p, &res);
  if (err) return err;
  size_t rows = (size_t)PQntuples(res);
  unsigned char *items = NULL;
  if (rows) {
    items = rows <= SIZE_MAX / kind->size ? calloc(rows, kind->size) : NULL;
    if (!items) err = pq_fail(c, MG_STORE_ERR_NO_MEMORY, "out of memory");
  }
  size_t done = 0;
  while (!err && done < rows) {
    err = kind->read(res, (int)done, items + done * kind->size);
    done++; /* a partly read element is freed with the others */
    if (err) err = pq_fail(c, err, err == MG_STORE_ERR_CORRUPT ? "malformed row" : "out of memory");
  }
  PQclear(res);
  if (err) {
    kind->free_all(items, done);
    return err;
  }
  *out = items;
  *n = rows;
  return MG_STORE_OK;
}

static mg_store_err_t read_string(const PGresult *res, int row, void *item) {
  mg_store_err_t err = MG_STORE_OK;
  *(char **)item = pq_strdup(res, row, 0, &err);
  return err;
}

static void free_strings(void *items, size_t n) { mg_strings_free(items, n); }

static const row_kind_t string_rows = {sizeof(char *), read_string, free_strings};

mg_store_err_t pq_list_ids(conn_t *c, enum q_id id, char ***ids, size_t *n) {
  void *rows = NULL;
  mg_store_err_t err = pq_collect(c, id, NULL, &string_rows, &rows, n);
  *ids = rows;
  return err;
}
