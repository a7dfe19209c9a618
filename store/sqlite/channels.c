/* store/sqlite/channels.c: writer channels and the durable counters behind them (channel numbers,
 * MSS leaf and message number reservations) in the SQLite engine. A counter moves in one BEGIN IMMEDIATE transaction,
 * committed (synchronous=FULL) before the call returns. */
#include <string.h>

#include "store/sqlite/ops.h"
#include "store/sqlite/stmt.h"

/* The durable counter behind sqlite_next_channel_number. */
#define CHANNEL_NUMBER_COUNTER "channel_number"

mg_store_err_t sqlite_put_channel(conn_t *c, const char *channel_id, int64_t number, const uint8_t *state,
                                  size_t len) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_CHANNEL_PUT, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, channel_id, MG_ID_TRYTES);
  stmt_bind_int(&b, number);
  stmt_bind_blob(&b, state, len);
  return stmt_run(c, &b, NULL);
}

mg_store_err_t sqlite_get_channel(conn_t *c, const char *channel_id, int64_t *number, uint8_t **state,
                                  size_t *len) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_CHANNEL_GET, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, channel_id, MG_ID_TRYTES);
  err = stmt_step_one(c, &b, "no such channel");
  if (err) return err;
  if (number) *number = sqlite3_column_int64(st, 0);
  if (state) {
    err = stmt_column_blob_dup(st, 1, state, len);
    if (err) err = stmt_fail(c, err, "out of memory");
  }
  stmt_done(st);
  return err;
}

mg_store_err_t sqlite_list_channels(conn_t *c, char ***ids, size_t *n) {
  return stmt_list_ids(c, ST_CHANNEL_LIST, ids, n);
}

/* ---- durable counters ---- */

/* The value stored under key by a GET statement (0 when none). */
static mg_store_err_t read_counter(conn_t *c, enum stmt_id get, const char *key, size_t len, int64_t *value) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, get, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, key, len);
  err = stmt_step_one(c, &b, NULL);
  if (err == MG_STORE_NOT_FOUND) {
    *value = 0;
    return MG_STORE_OK;
  }
  if (err) return err;
  *value = sqlite3_column_int64(st, 0);
  stmt_done(st);
  return *value < 0 ? stmt_fail(c, MG_STORE_ERR_CORRUPT, "negative counter") : MG_STORE_OK;
}

static mg_store_err_t write_counter(conn_t *c, enum stmt_id set, const char *key, size_t len, int64_t value) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, set, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, key, len);
  stmt_bind_int(&b, value);
  return stmt_run(c, &b, NULL);
}

/* Moves the counter `key` from max(stored, floor) to that + count; *start gets the old position. */
typedef struct counter_advance {
  enum stmt_id get, set;
  const char *key;
  size_t key_len;
  uint64_t floor, count;
  uint64_t start;
} counter_advance_t;

static mg_store_err_t advance_in_transaction(conn_t *c, void *ctx) {
  counter_advance_t *a = ctx;
  int64_t stored;
  mg_store_err_t err = read_counter(c, a->get, a->key, a->key_len, &stored);
  if (err) return err;
  uint64_t start = (uint64_t)stored > a->floor ? (uint64_t)stored : a->floor;
  if (start > (uint64_t)INT64_MAX - a->count) return stmt_fail(c, MG_STORE_ERR_ARG, "counter would pass 2^63");
  err = write_counter(c, a->set, a->key, a->key_len, (int64_t)(start + a->count));
  if (!err) a->start = start;
  return err;
}

mg_store_err_t sqlite_next_channel_number(conn_t *c, int64_t *number) {
  counter_advance_t a = {ST_COUNTER_GET, ST_COUNTER_SET, CHANNEL_NUMBER_COUNTER, strlen(CHANNEL_NUMBER_COUNTER),
                         0, 1, 0};
  mg_store_err_t err = sqlite_transaction(c, advance_in_transaction, &a);
  if (!err) *number = (int64_t)a.start;
  return err;
}

/* The statements reading and writing the counter of each kind. */
static const enum stmt_id counter_get[] = {[MG_COUNTER_LEAF] = ST_LEAF_GET, [MG_COUNTER_MSG_NUMBER] = ST_MSGNUM_GET};
static const enum stmt_id counter_set[] = {[MG_COUNTER_LEAF] = ST_LEAF_SET, [MG_COUNTER_MSG_NUMBER] = ST_MSGNUM_SET};

mg_store_err_t sqlite_reserve(conn_t *c, mg_store_counter_t kind, const char *tree_id, uint64_t floor, uint64_t count,
                              uint64_t *first) {
  counter_advance_t a = {counter_get[kind], counter_set[kind], tree_id, MG_ID_TRYTES, floor, count, 0};
  mg_store_err_t err = sqlite_transaction(c, advance_in_transaction, &a);
  if (!err) *first = a.start;
  return err;
}

mg_store_err_t sqlite_list_trees(conn_t *c, mg_store_counter_t kind, char ***ids, size_t *n) {
  return stmt_list_ids(c, kind == MG_COUNTER_LEAF ? ST_LEAF_TREES : ST_MSGNUM_TREES, ids, n);
}

mg_store_err_t sqlite_raise_channel_number(conn_t *c, int64_t floor) {
  counter_advance_t a = {ST_COUNTER_GET, ST_COUNTER_SET, CHANNEL_NUMBER_COUNTER, strlen(CHANNEL_NUMBER_COUNTER),
                         (uint64_t)floor, 0, 0};
  return sqlite_transaction(c, advance_in_transaction, &a);
}

mg_store_err_t sqlite_next_free(conn_t *c, mg_store_counter_t kind, const char *tree_id, uint64_t *next) {
  int64_t stored;
  mg_store_err_t err = read_counter(c, counter_get[kind], tree_id, MG_ID_TRYTES, &stored);
  if (!err) *next = (uint64_t)stored;
  return err;
}
