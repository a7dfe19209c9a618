/* store/sqlite/watches.c: watched channels in the SQLite engine. */
#include <string.h>

#include "store/sqlite/ops.h"
#include "store/sqlite/stmt.h"

static mg_store_err_t read_watch(sqlite3_stmt *st, void *item) {
  mg_watch_t *w = item;
  w->created_at_ms = sqlite3_column_int64(st, 3);
  if (!stmt_column_fixed_text(st, 0, w->channel_id, MG_ID_TRYTES)) return MG_STORE_ERR_CORRUPT;
  mg_store_err_t err = MG_STORE_OK;
  w->options = stmt_column_strdup(st, 1, &err);
  if (err) return err;
  return stmt_column_blob_dup(st, 2, &w->state, &w->state_len);
}

static void free_watches(void *items, size_t n) { mg_watches_free(items, n); }

static const row_kind_t watch_rows = {sizeof(mg_watch_t), read_watch, free_watches};

mg_store_err_t sqlite_insert_watch(conn_t *c, const mg_watch_t *w) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_WATCH_INSERT, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, w->channel_id, MG_ID_TRYTES);
  stmt_bind_text(&b, w->options, strlen(w->options));
  stmt_bind_blob(&b, w->state, w->state_len);
  stmt_bind_int(&b, w->created_at_ms);
  return stmt_run_changing(c, &b, MG_STORE_EXISTS, "channel is watched already");
}

mg_store_err_t sqlite_set_watch_state(conn_t *c, const char *channel_id, const uint8_t *state, size_t len) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_WATCH_SET_STATE, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, channel_id, MG_ID_TRYTES);
  stmt_bind_blob(&b, state, len);
  return stmt_run_changing(c, &b, MG_STORE_NOT_FOUND, "channel is not watched");
}

mg_store_err_t sqlite_remove_watch(conn_t *c, const char *channel_id) {
  return stmt_delete_by_id(c, ST_WATCH_DELETE, channel_id, MG_ID_TRYTES, "channel is not watched");
}

mg_store_err_t sqlite_list_watches(conn_t *c, mg_watch_t **out, size_t *n) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_WATCH_LIST, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  void *rows = NULL;
  err = stmt_collect_rows(c, &b, &watch_rows, &rows, n);
  *out = rows;
  return err;
}
