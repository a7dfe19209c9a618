/* store/sqlite/keys.c: PSKs and NTRU key pairs in the SQLite engine (secrets: never in a message;
 * secure_delete overwrites a deleted key in the file). Secret keys are the front's stored text: the
 * trytes, or their sealed text when the store has a fleet key. */
#include <string.h>

#include "store/sqlite/ops.h"
#include "store/sqlite/stmt.h"

mg_store_err_t sqlite_add_psk(conn_t *c, const char *id, const char *key_text) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_PSK_INSERT, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, id, MG_PSK_ID_TRYTES);
  stmt_bind_text(&b, key_text, strlen(key_text));
  return stmt_run_changing(c, &b, MG_STORE_EXISTS, "PSK id is taken");
}

/* A copy of a secret's stored text column. */
static mg_store_err_t copy_secret_text(conn_t *c, sqlite3_stmt *st, int col, char **text) {
  mg_store_err_t err = MG_STORE_OK;
  /* every caller passes its out parameter; cppcheck's whole-program pass follows a transaction
   * body's NULL context into here through the engine table's function pointers */
  // cppcheck-suppress ctunullpointer
  *text = stmt_column_strdup(st, col, &err);
  return err ? stmt_fail(c, err, err == MG_STORE_ERR_CORRUPT ? "malformed key row" : "out of memory") : MG_STORE_OK;
}

mg_store_err_t sqlite_get_psk(conn_t *c, const char *id, char **key_text) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_PSK_GET, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, id, MG_PSK_ID_TRYTES);
  err = stmt_step_one(c, &b, "no such PSK");
  if (err) return err;
  err = copy_secret_text(c, st, 0, key_text);
  stmt_done(st);
  return err;
}

mg_store_err_t sqlite_delete_psk(conn_t *c, const char *id) {
  return stmt_delete_by_id(c, ST_PSK_DELETE, id, MG_PSK_ID_TRYTES, "no such PSK");
}

mg_store_err_t sqlite_list_psks(conn_t *c, char ***ids, size_t *n) { return stmt_list_ids(c, ST_PSK_LIST, ids, n); }

mg_store_err_t sqlite_add_ntru(conn_t *c, const char *id, const char *sk_text, const char *pk) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_NTRU_INSERT, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, id, MG_PSK_ID_TRYTES);
  stmt_bind_text(&b, sk_text, strlen(sk_text));
  stmt_bind_text(&b, pk, MG_NTRU_PK_TRYTES);
  return stmt_run_changing(c, &b, MG_STORE_EXISTS, "NTRU key id is taken");
}

mg_store_err_t sqlite_get_ntru(conn_t *c, const char *id, char **sk_text, char pk[MG_NTRU_PK_TRYTES + 1]) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_NTRU_GET, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, id, MG_PSK_ID_TRYTES);
  err = stmt_step_one(c, &b, "no such NTRU key");
  if (err) return err;
  if (pk && !stmt_column_fixed_text(st, 1, pk, MG_NTRU_PK_TRYTES))
    err = stmt_fail(c, MG_STORE_ERR_CORRUPT, "malformed NTRU key row");
  if (!err && sk_text) err = copy_secret_text(c, st, 0, sk_text);
  stmt_done(st);
  return err;
}

mg_store_err_t sqlite_list_ntru(conn_t *c, char ***ids, size_t *n) { return stmt_list_ids(c, ST_NTRU_LIST, ids, n); }
