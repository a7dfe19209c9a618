/* store/sqlite/meta.c: small durable settings, named secrets set once and REST idempotency keys in
 * the SQLite engine. */
#include <stdbool.h>
#include <string.h>

#include "store/sqlite/ops.h"
#include "store/sqlite/stmt.h"

/* ---- settings ---- */

mg_store_err_t sqlite_get_meta(conn_t *c, const char *key, char **value) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_META_GET, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, key, strlen(key));
  err = stmt_step_one(c, &b, "setting is not set");
  if (err) return err;
  *value = stmt_column_strdup(st, 0, &err);
  if (err) err = stmt_fail(c, err, err == MG_STORE_ERR_CORRUPT ? "malformed setting row" : "out of memory");
  stmt_done(st);
  return err;
}

mg_store_err_t sqlite_set_meta(conn_t *c, const char *key, const char *value) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_META_SET, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, key, strlen(key));
  stmt_bind_text(&b, value, strlen(value));
  return stmt_run(c, &b, NULL);
}

/* ---- idempotency keys ---- */

typedef struct idem_reservation {
  const char *scope, *key, *request_hash;
  int64_t now_ms, expire_before_ms;
  mg_idem_entry_t *found;
} idem_reservation_t;

/* Binds ?1 scope and ?2 key. */
static binder_t bind_idem_key(sqlite3_stmt *st, const char *scope, const char *key) {
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, scope, MG_IDEM_HASH_CHARS);
  stmt_bind_text(&b, key, strlen(key));
  return b;
}

static mg_store_err_t read_idem_entry(conn_t *c, const char *scope, const char *key, mg_idem_entry_t *out) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_IDEM_GET, &st);
  if (err) return err;
  binder_t b = bind_idem_key(st, scope, key);
  err = stmt_step_one(c, &b, "no such idempotency key");
  if (err) return err;
  if (!stmt_column_fixed_text(st, 0, out->request_hash, MG_IDEM_HASH_CHARS))
    err = stmt_fail(c, MG_STORE_ERR_CORRUPT, "malformed idempotency row");
  out->status = sqlite3_column_int(st, 1);
  if (!err && sqlite3_column_type(st, 2) != SQLITE_NULL) {
    out->body = stmt_column_strdup(st, 2, &err);
    if (err) err = stmt_fail(c, err, "malformed idempotency row");
  }
  stmt_done(st);
  return err;
}

static mg_store_err_t reserve_in_transaction(conn_t *c, void *ctx) {
  idem_reservation_t *r = ctx;
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_IDEM_EXPIRE, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_int(&b, r->expire_before_ms);
  if ((err = stmt_run(c, &b, NULL)) || (err = stmt_get(c, ST_IDEM_INSERT, &st))) return err;
  b = bind_idem_key(st, r->scope, r->key);
  stmt_bind_text(&b, r->request_hash, MG_IDEM_HASH_CHARS);
  stmt_bind_int(&b, r->now_ms);
  int changes = 0;
  if ((err = stmt_run(c, &b, &changes))) return err;
  if (changes) return MG_STORE_OK;
  err = read_idem_entry(c, r->scope, r->key, r->found);
  return err ? err : MG_STORE_EXISTS;
}

mg_store_err_t sqlite_idem_reserve(conn_t *c, const char *scope, const char *key, const char *request_hash,
                                   int64_t now_ms, int64_t expire_before_ms, mg_idem_entry_t *found) {
  idem_reservation_t r = {scope, key, request_hash, now_ms, expire_before_ms, found};
  return sqlite_transaction(c, reserve_in_transaction, &r);
}

mg_store_err_t sqlite_idem_finish(conn_t *c, const char *scope, const char *key, int status, const char *body) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_IDEM_FINISH, &st);
  if (err) return err;
  binder_t b = bind_idem_key(st, scope, key);
  stmt_bind_int(&b, status);
  stmt_bind_text(&b, body, strlen(body));
  return stmt_run_changing(c, &b, MG_STORE_NOT_FOUND, "idempotency key is not reserved");
}

mg_store_err_t sqlite_idem_release(conn_t *c, const char *scope, const char *key) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_IDEM_DELETE, &st);
  if (err) return err;
  binder_t b = bind_idem_key(st, scope, key);
  return stmt_run_changing(c, &b, MG_STORE_NOT_FOUND, "idempotency key is not reserved");
}

typedef struct init_value {
  enum stmt_id insert, get;
  const char *key;
  const void *value;
  size_t len;
  bool blob;
  void *stored; /* char ** for text, uint8_t ** for a blob */
  size_t *stored_len;
} init_value_t;

/* Inserts key = value unless it is set, then reads what it holds, in one transaction. */
static mg_store_err_t init_in_transaction(conn_t *c, void *ctx) {
  init_value_t *v = ctx;
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, v->insert, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, v->key, strlen(v->key));
  if (v->blob)
    stmt_bind_blob(&b, v->value, v->len);
  else
    stmt_bind_text(&b, v->value, v->len);
  if ((err = stmt_run(c, &b, NULL)) || (err = stmt_get(c, v->get, &st))) return err;
  b = stmt_binder(st);
  stmt_bind_text(&b, v->key, strlen(v->key));
  if ((err = stmt_step_one(c, &b, "no value"))) return err;
  if (v->blob)
    err = stmt_column_blob_dup(st, 0, v->stored, v->stored_len);
  else
    *(char **)v->stored = stmt_column_strdup(st, 0, &err);
  stmt_done(st);
  return err ? stmt_fail(c, err, "out of memory or malformed row") : MG_STORE_OK;
}

mg_store_err_t sqlite_init_meta(conn_t *c, const char *key, const char *value, char **stored) {
  init_value_t v = {ST_META_INIT, ST_META_GET, key, value, strlen(value), false, stored, NULL};
  return sqlite_transaction(c, init_in_transaction, &v);
}

mg_store_err_t sqlite_init_secret(conn_t *c, const char *name, const uint8_t *value, size_t len, uint8_t **stored,
                                  size_t *stored_len) {
  init_value_t v = {ST_SECRET_INIT, ST_SECRET_GET, name, value, len, true, stored, stored_len};
  return sqlite_transaction(c, init_in_transaction, &v);
}
