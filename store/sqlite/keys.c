/* store/sqlite/keys.c: PSKs and NTRU key pairs in the SQLite engine (secrets: never in a message;
 * secure_delete overwrites a deleted key in the file). */
#include <string.h>

#include "store/sqlite/ops.h"
#include "store/sqlite/stmt.h"

mg_store_err_t sqlite_add_psk(conn_t *c, const char *id, const char *key) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_PSK_INSERT, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, id, MG_PSK_ID_TRYTES);
  stmt_bind_text(&b, key, MG_PSK_KEY_TRYTES);
  return stmt_run_changing(c, &b, MG_STORE_EXISTS, "PSK id is taken");
}

mg_store_err_t sqlite_get_psk(conn_t *c, const char *id, char key[MG_PSK_KEY_TRYTES + 1]) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_PSK_GET, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, id, MG_PSK_ID_TRYTES);
  err = stmt_step_one(c, &b, "no such PSK");
  if (err) return err;
  if (!stmt_column_fixed_text(st, 0, key, MG_PSK_KEY_TRYTES)) err = stmt_fail(c, MG_STORE_ERR_CORRUPT, "malformed PSK row");
  stmt_done(st);
  return err;
}

mg_store_err_t sqlite_delete_psk(conn_t *c, const char *id) {
  return stmt_delete_by_id(c, ST_PSK_DELETE, id, MG_PSK_ID_TRYTES, "no such PSK");
}

mg_store_err_t sqlite_list_psks(conn_t *c, char ***ids, size_t *n) { return stmt_list_ids(c, ST_PSK_LIST, ids, n); }

mg_store_err_t sqlite_add_ntru(conn_t *c, const char *id, const char *sk, const char *pk) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_NTRU_INSERT, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, id, MG_PSK_ID_TRYTES);
  stmt_bind_text(&b, sk, MG_NTRU_SK_TRYTES);
  stmt_bind_text(&b, pk, MG_NTRU_PK_TRYTES);
  return stmt_run_changing(c, &b, MG_STORE_EXISTS, "NTRU key id is taken");
}

mg_store_err_t sqlite_get_ntru(conn_t *c, const char *id, char sk[MG_NTRU_SK_TRYTES + 1],
                               char pk[MG_NTRU_PK_TRYTES + 1]) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_NTRU_GET, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, id, MG_PSK_ID_TRYTES);
  err = stmt_step_one(c, &b, "no such NTRU key");
  if (err) return err;
  if ((sk && !stmt_column_fixed_text(st, 0, sk, MG_NTRU_SK_TRYTES)) ||
      (pk && !stmt_column_fixed_text(st, 1, pk, MG_NTRU_PK_TRYTES)))
    err = stmt_fail(c, MG_STORE_ERR_CORRUPT, "malformed NTRU key row");
  stmt_done(st);
  return err;
}

mg_store_err_t sqlite_list_ntru(conn_t *c, char ***ids, size_t *n) { return stmt_list_ids(c, ST_NTRU_LIST, ids, n); }
