/* store/sqlite/fleet.c: the heartbeats of fleet instances in the SQLite engine (a single gateway
 * has one; the table keeps the gateway's code path the same on both engines). */
#include <string.h>

#include "store/sqlite/ops.h"
#include "store/sqlite/stmt.h"

mg_store_err_t sqlite_heartbeat(conn_t *c, const char *instance_id, const char *info, int64_t now_ms) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_INSTANCE_PUT, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, instance_id, strlen(instance_id));
  stmt_bind_text(&b, info, strlen(info));
  stmt_bind_int(&b, now_ms);
  return stmt_run(c, &b, NULL);
}

static mg_store_err_t read_instance(sqlite3_stmt *st, void *item) {
  mg_instance_t *v = item;
  const unsigned char *id = sqlite3_column_text(st, 0);
  size_t len = (size_t)sqlite3_column_bytes(st, 0);
  if (!id || len < 1 || len > MG_INSTANCE_ID_MAX) return MG_STORE_ERR_CORRUPT;
  memcpy(v->id, id, len);
  v->id[len] = '\0';
  v->seen_ms = sqlite3_column_int64(st, 2);
  mg_store_err_t err = MG_STORE_OK;
  v->info = stmt_column_strdup(st, 1, &err);
  return err;
}

static void free_instances(void *items, size_t n) { mg_instances_free(items, n); }

static const row_kind_t instance_rows = {sizeof(mg_instance_t), read_instance, free_instances};

mg_store_err_t sqlite_list_instances(conn_t *c, int64_t seen_since_ms, mg_instance_t **out, size_t *n) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_INSTANCE_LIST, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_int(&b, seen_since_ms);
  void *rows = NULL;
  err = stmt_collect_rows(c, &b, &instance_rows, &rows, n);
  *out = rows;
  return err;
}
