/* store/pg/watches.c: watched channels in the PostgreSQL engine. */
#include "store/pg/conn.h"
#include "store/pg/ops.h"

static mg_store_err_t read_watch(const PGresult *res, int row, void *item) {
  mg_watch_t *w = item;
  w->created_at_ms = pq_int(res, row, 3);
  if (!pq_fixed_text(res, row, 0, w->channel_id, MG_ID_TRYTES)) return MG_STORE_ERR_CORRUPT;
  mg_store_err_t err = MG_STORE_OK;
  w->options = pq_strdup(res, row, 1, &err);
  if (err) return err;
  return pq_bytes_dup(res, row, 2, &w->state, &w->state_len);
}

static void free_watches(void *items, size_t n) { mg_watches_free(items, n); }

static const row_kind_t watch_rows = {sizeof(mg_watch_t), read_watch, free_watches};

mg_store_err_t pq_insert_watch(conn_t *c, const mg_watch_t *w) {
  params_t p = {0};
  par_text(&p, w->channel_id);
  par_text(&p, w->options);
  par_bytes(&p, w->state, w->state_len);
  par_int(&p, w->created_at_ms);
  return pq_command_changing(c, Q_WATCH_INSERT, &p, MG_STORE_EXISTS, "channel is watched already");
}

mg_store_err_t pq_set_watch_state(conn_t *c, const char *channel_id, const uint8_t *state, size_t len) {
  params_t p = {0};
  par_text(&p, channel_id);
  par_bytes(&p, state, len);
  return pq_command_changing(c, Q_WATCH_SET_STATE, &p, MG_STORE_NOT_FOUND, "channel is not watched");
}

mg_store_err_t pq_remove_watch(conn_t *c, const char *channel_id) {
  params_t p = {0};
  par_text(&p, channel_id);
  return pq_command_changing(c, Q_WATCH_DELETE, &p, MG_STORE_NOT_FOUND, "channel is not watched");
}

mg_store_err_t pq_list_watches(conn_t *c, mg_watch_t **out, size_t *n) {
  void *rows = NULL;
  mg_store_err_t err = pq_collect(c, Q_WATCH_LIST, NULL, &watch_rows, &rows, n);
  *out = rows;
  return err;
}
