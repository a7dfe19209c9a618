/* store/pg/keys.c: PSKs and NTRU key pairs in the PostgreSQL engine. The secret keys are always
 * the front's sealed text (this engine opens only with the fleet key). */
#include "store/pg/conn.h"
#include "store/pg/ops.h"

/* A copy of a secret's stored text. */
static mg_store_err_t copy_secret_text(conn_t *c, const PGresult *res, int col, char **text) {
  mg_store_err_t err = MG_STORE_OK;
  *text = pq_strdup(res, 0, col, &err);
  return err ? pq_fail(c, err, err == MG_STORE_ERR_CORRUPT ? "malformed key row" : "out of memory") : MG_STORE_OK;
}

static mg_store_err_t delete_by_id(conn_t *c, enum q_id id, const char *key, const char *what) {
  params_t p = {0};
  par_text(&p, key);
  return pq_command_changing(c, id, &p, MG_STORE_NOT_FOUND, what);
}

mg_store_err_t pq_add_psk(conn_t *c, const char *id, const char *key_text) {
  params_t p = {0};
  par_text(&p, id);
  par_text(&p, key_text);
  return pq_command_changing(c, Q_PSK_INSERT, &p, MG_STORE_EXISTS, "PSK id is taken");
}

mg_store_err_t pq_get_psk(conn_t *c, const char *id, char **key_text) {
  params_t p = {0};
  par_text(&p, id);
  PGresult *res;
  mg_store_err_t err = pq_query_one(c, Q_PSK_GET, &p, "no such PSK", &res);
  if (err) return err;
  err = copy_secret_text(c, res, 0, key_text);
  PQclear(res);
  return err;
}

mg_store_err_t pq_delete_psk(conn_t *c, const char *id) { return delete_by_id(c, Q_PSK_DELETE, id, "no such PSK"); }

mg_store_err_t pq_list_psks(conn_t *c, char ***ids, size_t *n) { return pq_list_ids(c, Q_PSK_LIST, ids, n); }

mg_store_err_t pq_add_ntru(conn_t *c, const char *id, const char *sk_text, const char *pk) {
  params_t p = {0};
  par_text(&p, id);
  par_text(&p, sk_text);
  par_text(&p, pk);
  return pq_command_changing(c, Q_NTRU_INSERT, &p, MG_STORE_EXISTS, "NTRU key id is taken");
}

mg_store_err_t pq_get_ntru(conn_t *c, const char *id, char **sk_text, char pk[MG_NTRU_PK_TRYTES + 1]) {
  params_t p = {0};
  par_text(&p, id);
  PGresult *res;
  mg_store_err_t err = pq_query_one(c, Q_NTRU_GET, &p, "no such NTRU key", &res);
  if (err) return err;
  if (pk && !pq_fixed_text(res, 0, 1, pk, MG_NTRU_PK_TRYTES))
    err = pq_fail(c, MG_STORE_ERR_CORRUPT, "malformed NTRU key row");
  if (!err && sk_text) err = copy_secret_text(c, res, 0, sk_text);
  PQclear(res);
  return err;
}

mg_store_err_t pq_list_ntru(conn_t *c, char ***ids, size_t *n) { return pq_list_ids(c, Q_NTRU_LIST, ids, n); }
