/* store/pg/meta.c: small durable settings, named secrets set once and REST idempotency keys in the
 * PostgreSQL engine. */
#include <stdlib.h>
#include <string.h>

#include "store/pg/conn.h"
#include "store/pg/ops.h"

/* ---- settings ---- */

/* The text of a one-row, one-column query by key (`what` when there is none). */
static mg_store_err_t get_text(conn_t *c, enum q_id id, const char *key, const char *what, char **value) {
  params_t p = {0};
  par_text(&p, key);
  PGresult *res;
  mg_store_err_t err = pq_query_one(c, id, &p, what, &res);
  if (err) return err;
  *value = pq_strdup(res, 0, 0, &err);
  PQclear(res);
  return err ? pq_fail(c, err, err == MG_STORE_ERR_CORRUPT ? "malformed row" : "out of memory") : MG_STORE_OK;
}

mg_store_err_t pq_get_meta(conn_t *c, const char *key, char **value) {
  return get_text(c, Q_META_GET, key, "setting is not set", value);
}

mg_store_err_t pq_set_meta(conn_t *c, const char *key, const char *value) {
  params_t p = {0};
  par_text(&p, key);
  par_text(&p, value);
  return pq_command(c, Q_META_SET, &p, NULL);
}

/* Inserts key = value unless set, then reads what is set. Two statements, not one: a statement's
 * snapshot would not see a row another session committed while this INSERT waited on it. */
static mg_store_err_t init_text(conn_t *c, enum q_id insert, enum q_id get, const char *key, const char *value,
                                char **stored) {
  params_t p = {0};
  par_text(&p, key);
  par_text(&p, value);
  mg_store_err_t err = pq_command(c, insert, &p, NULL);
  return err ? err : get_text(c, get, key, "no value", stored);
}

mg_store_err_t pq_init_meta(conn_t *c, const char *key, const char *value, char **stored) {
  return init_text(c, Q_META_INIT, Q_META_GET, key, value, stored);
}

/* A secret is the front's sealed text (base64): this engine opens only with the fleet key. */
mg_store_err_t pq_init_secret(conn_t *c, const char *name, const uint8_t *value, size_t len, uint8_t **stored,
                              size_t *stored_len) {
  if (memchr(value, '\0', len) || strlen((const char *)value) != len)
    return pq_fail(c, MG_STORE_ERR_ARG, "a PostgreSQL store keeps sealed secrets only");
  char *text = NULL;
  mg_store_err_t err = init_text(c, Q_SECRET_INIT, Q_SECRET_GET, name, (const char *)value, &text);
  if (err) return err;
  *stored = (uint8_t *)text;
  *stored_len = strlen(text);
  return MG_STORE_OK;
}

/* ---- idempotency keys ---- */

typedef struct idem_reservation {
  const char *scope, *key, *request_hash;
  int64_t now_ms, expire_before_ms;
  mg_idem_entry_t *found;
} idem_reservation_t;

static params_t idem_key(const char *scope, const char *key) {
  params_t p = {0};
  par_text(&p, scope);
  par_text(&p, key);
  return p;
}

static mg_store_err_t read_idem_entry(conn_t *c, const char *scope, const char *key, mg_idem_entry_t *out) {
  params_t p = idem_key(scope, key);
  PGresult *res;
  mg_store_err_t err = pq_query_one(c, Q_IDEM_GET, &p, "no such idempotency key", &res);
  if (err) return err;
  if (!pq_fixed_text(res, 0, 0, out->request_hash, MG_IDEM_HASH_CHARS))
    err = pq_fail(c, MG_STORE_ERR_CORRUPT, "malformed idempotency row");
  out->status = (int)pq_int(res, 0, 1);
  if (!err && !PQgetisnull(res, 0, 2)) {
    out->body = pq_strdup(res, 0, 2, &err);
    if (err) err = pq_fail(c, err, "malformed idempotency row");
  }
  PQclear(res);
  return err;
}

static mg_store_err_t reserve_in_transaction(conn_t *c, void *ctx) {
  idem_reservation_t *r = ctx;
  params_t p = {0};
  par_int(&p, r->expire_before_ms);
  mg_store_err_t err = pq_command(c, Q_IDEM_EXPIRE, &p, NULL);
  if (err) return err;
  p = idem_key(r->scope, r->key);
  par_text(&p, r->request_hash);
  par_int(&p, r->now_ms);
  int changes = 0;
  if ((err = pq_command(c, Q_IDEM_INSERT, &p, &changes))) return err;
  if (changes) return MG_STORE_OK;
  err = read_idem_entry(c, r->scope, r->key, r->found);
  return err ? err : MG_STORE_EXISTS;
}

mg_store_err_t pq_idem_reserve(conn_t *c, const char *scope, const char *key, const char *request_hash, int64_t now_ms,
                               int64_t expire_before_ms, mg_idem_entry_t *found) {
  idem_reservation_t r = {scope, key, request_hash, now_ms, expire_before_ms, found};
  return pq_transaction(c, reserve_in_transaction, &r);
}

mg_store_err_t pq_idem_finish(conn_t *c, const char *scope, const char *key, int status, const char *body) {
  params_t p = idem_key(scope, key);
  par_int(&p, status);
  par_text(&p, body);
  return pq_command_changing(c, Q_IDEM_FINISH, &p, MG_STORE_NOT_FOUND, "idempotency key is not reserved");
}

mg_store_err_t pq_idem_release(conn_t *c, const char *scope, const char *key) {
  params_t p = idem_key(scope, key);
  return pq_command_changing(c, Q_IDEM_DELETE, &p, MG_STORE_NOT_FOUND, "idempotency key is not reserved");
}
