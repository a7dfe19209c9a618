/* store/pg/fleet.c: the heartbeats of fleet instances in the PostgreSQL engine. */
#include <string.h>

#include "store/pg/conn.h"
#include "store/pg/ops.h"

mg_store_err_t pq_heartbeat(conn_t *c, const char *instance_id, const char *info, int64_t now_ms) {
  params_t p = {0};
  par_text(&p, instance_id);
  par_text(&p, info);
  par_int(&p, now_ms);
  return pq_command(c, Q_INSTANCE_PUT, &p, NULL);
}

static mg_store_err_t read_instance(const PGresult *res, int row, void *item) {
  mg_instance_t *v = item;
  size_t len = (size_t)PQgetlength(res, row, 0);
  if (PQgetisnull(res, row, 0) || len < 1 || len > MG_INSTANCE_ID_MAX) return MG_STORE_ERR_CORRUPT;
  memcpy(v->id, PQgetvalue(res, row, 0), len);
  v->id[len] = '\0';
  v->seen_ms = pq_int(res, row, 2);
  mg_store_err_t err = MG_STORE_OK;
  v->info = pq_strdup(res, row, 1, &err);
  return err;
}

static void free_instances(void *items, size_t n) { mg_instances_free(items, n); }

static const row_kind_t instance_rows = {sizeof(mg_instance_t), read_instance, free_instances};

mg_store_err_t pq_list_instances(conn_t *c, int64_t seen_since_ms, mg_instance_t **out, size_t *n) {
  params_t p = {0};
  par_int(&p, seen_since_ms);
  void *rows = NULL;
  mg_store_err_t err = pq_collect(c, Q_INSTANCE_LIST, &p, &instance_rows, &rows, n);
  *out = rows;
  return err;
}
