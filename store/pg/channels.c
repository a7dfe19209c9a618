/* store/pg/channels.c: writer channels and their durable counters (channel numbers, MSS leaf and
 * message number reservations) in the PostgreSQL engine. A counter moves in one atomic statement
 * (INSERT ... ON CONFLICT DO UPDATE ... RETURNING), committed with synchronous_commit on before the
 * call returns, so concurrent instances never get overlapping ranges. */
#include "store/pg/conn.h"
#include "store/pg/ops.h"

mg_store_err_t pq_put_channel(conn_t *c, const char *channel_id, int64_t number, const uint8_t *state, size_t len) {
  params_t p = {0};
  par_text(&p, channel_id);
  par_int(&p, number);
  par_bytes(&p, state, len);
  return pq_command(c, Q_CHANNEL_PUT, &p, NULL);
}

mg_store_err_t pq_get_channel(conn_t *c, const char *channel_id, int64_t *number, uint8_t **state, size_t *len) {
  params_t p = {0};
  par_text(&p, channel_id);
  PGresult *res;
  mg_store_err_t err = pq_query_one(c, Q_CHANNEL_GET, &p, "no such channel", &res);
  if (err) return err;
  if (number) *number = pq_int(res, 0, 0);
  if (state) {
    err = pq_bytes_dup(res, 0, 1, state, len);
    if (err) err = pq_fail(c, err, "out of memory");
  }
  PQclear(res);
  return err;
}

mg_store_err_t pq_list_channels(conn_t *c, char ***ids, size_t *n) { return pq_list_ids(c, Q_CHANNEL_LIST, ids, n); }

mg_store_err_t pq_next_channel_number(conn_t *c, int64_t *number) {
  return pq_query_int(c, Q_CHANNEL_NUMBER, NULL, number);
}

/* The statements reserving and reading the counter of each kind. */
static const enum q_id counter_reserve[] = {[MG_COUNTER_LEAF] = Q_LEAF_RESERVE,
                                            [MG_COUNTER_MSG_NUMBER] = Q_MSGNUM_RESERVE};
static const enum q_id counter_get[] = {[MG_COUNTER_LEAF] = Q_LEAF_GET, [MG_COUNTER_MSG_NUMBER] = Q_MSGNUM_GET};

mg_store_err_t pq_reserve(conn_t *c, mg_store_counter_t kind, const char *tree_id, uint64_t floor, uint64_t count,
                          uint64_t *first) {
  params_t p = {0};
  par_text(&p, tree_id);
  par_int(&p, (int64_t)floor);
  par_int(&p, (int64_t)count);
  int64_t start = 0;
  mg_store_err_t err = pq_query_int(c, counter_reserve[kind], &p, &start);
  if (err == MG_STORE_ERR_ARG) return pq_fail(c, err, "counter would pass 2^63");
  if (!err) *first = (uint64_t)start;
  return err;
}

mg_store_err_t pq_list_trees(conn_t *c, mg_store_counter_t kind, char ***ids, size_t *n) {
  return pq_list_ids(c, kind == MG_COUNTER_LEAF ? Q_LEAF_TREES : Q_MSGNUM_TREES, ids, n);
}

mg_store_err_t pq_raise_channel_number(conn_t *c, int64_t floor) {
  params_t p = {0};
  par_int(&p, floor);
  return pq_command(c, Q_CHANNEL_NUMBER_RAISE, &p, NULL);
}

mg_store_err_t pq_next_free(conn_t *c, mg_store_counter_t kind, const char *tree_id, uint64_t *next) {
  params_t p = {0};
  par_text(&p, tree_id);
  PGresult *res;
  mg_store_err_t err = pq_query_one(c, counter_get[kind], &p, NULL, &res);
  if (err == MG_STORE_NOT_FOUND) {
    *next = 0;
    return MG_STORE_OK;
  }
  if (err) return err;
  int64_t value = pq_int(res, 0, 0);
  PQclear(res);
  if (value < 0) return pq_fail(c, MG_STORE_ERR_CORRUPT, "negative counter");
  *next = (uint64_t)value;
  return MG_STORE_OK;
}
