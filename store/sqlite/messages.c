/* store/sqlite/messages.c: decoded messages in the SQLite engine. The cursor is the row's
 * AUTOINCREMENT key, so a deleted row's cursor is never handed out again. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/ids.h"
#include "store/sqlite/ops.h"
#include "store/sqlite/stmt.h"

static mg_store_err_t read_message(sqlite3_stmt *st, void *item) {
  mg_message_t *m = item;
  m->cursor = sqlite3_column_int64(st, 0);
  m->ord = sqlite3_column_int64(st, 4);
  m->last = sqlite3_column_int(st, 5);
  m->checksum = sqlite3_column_int(st, 6);
  m->verified = sqlite3_column_int(st, 7);
  m->received_at_ms = sqlite3_column_int64(st, 10);
  m->leaf = sqlite3_column_type(st, 11) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 11);
  if (!stmt_column_fixed_text(st, 1, m->channel_id, MG_ID_TRYTES) ||
      !stmt_column_fixed_text(st, 2, m->endpoint_id, MG_ID_TRYTES) ||
      !stmt_column_fixed_text(st, 3, m->message_id, MG_MSG_ID_TRYTES) ||
      !stmt_column_fixed_text(st, 9, m->bundle, MG_ID_TRYTES))
    return MG_STORE_ERR_CORRUPT;
  mg_store_err_t err = MG_STORE_OK;
  m->payload_trytes = stmt_column_strdup(st, 8, &err);
  return err;
}

static void free_messages(void *items, size_t n) { mg_messages_free(items, n); }

static const row_kind_t message_rows = {sizeof(mg_message_t), read_message, free_messages};

/* ---- inserting ---- */

static mg_store_err_t insert_message(conn_t *c, sqlite3_stmt *st, mg_message_t *m) {
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, m->channel_id, MG_ID_TRYTES);
  stmt_bind_text(&b, m->endpoint_id, MG_ID_TRYTES);
  stmt_bind_text(&b, m->message_id, MG_MSG_ID_TRYTES);
  stmt_bind_int(&b, m->ord);
  stmt_bind_int(&b, m->last);
  stmt_bind_int(&b, m->checksum);
  stmt_bind_int(&b, m->verified);
  stmt_bind_text(&b, m->payload_trytes, strlen(m->payload_trytes));
  stmt_bind_text(&b, m->bundle, MG_ID_TRYTES);
  stmt_bind_int(&b, m->received_at_ms);
  stmt_bind_optional_int(&b, mg_message_has_leaf(m), m->leaf);
  int changes = 0;
  mg_store_err_t err = stmt_run(c, &b, &changes);
  if (!err && changes == 1) m->cursor = sqlite3_last_insert_rowid(c->db);
  return err;
}

mg_store_err_t sqlite_insert_messages(conn_t *c, mg_message_t *msgs, size_t n) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_MSG_INSERT, &st);
  for (size_t i = 0; !err && i < n; i++) err = insert_message(c, st, &msgs[i]);
  return err;
}

/* ---- reading ---- */

/* The statement for a listing: one channel by its index, several through a JSON list, or the
 * watched ones. */
static enum stmt_id list_statement(size_t n_channels) {
  if (n_channels == 1) return ST_MSG_LIST;
  return n_channels ? ST_MSG_LIST_CHANNELS : ST_MSG_LIST_WATCHED;
}

mg_store_err_t sqlite_list_messages(conn_t *c, char *const *channel_ids, size_t n_channels, int64_t after,
                                    size_t limit, mg_message_t **out, size_t *n) {
  char *ids = n_channels > 1 ? store_ids_text(channel_ids, n_channels, '[', '"', ']') : NULL; /* JSON */
  if (n_channels > 1 && !ids) return stmt_fail(c, MG_STORE_ERR_NO_MEMORY, "out of memory");
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, list_statement(n_channels), &st);
  if (!err) {
    binder_t b = stmt_binder(st);
    if (n_channels == 1) stmt_bind_text(&b, channel_ids[0], MG_ID_TRYTES);
    if (ids) stmt_bind_text(&b, ids, strlen(ids));
    stmt_bind_int(&b, after);
    stmt_bind_int(&b, limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit);
    void *rows = NULL;
    err = stmt_collect_rows(c, &b, &message_rows, &rows, n);
    *out = rows;
  }
  free(ids);
  return err;
}

mg_store_err_t sqlite_get_message(conn_t *c, const char *channel_id, const char *message_id, mg_message_t **out,
                                  size_t *n) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, ST_MSG_GET, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, channel_id, MG_ID_TRYTES);
  stmt_bind_text(&b, message_id, MG_MSG_ID_TRYTES);
  void *rows = NULL;
  err = stmt_collect_rows(c, &b, &message_rows, &rows, n);
  *out = rows;
  return err;
}

/* Reads the integer of a one-row query about one channel. */
static mg_store_err_t query_channel_int(conn_t *c, enum stmt_id id, const char *channel_id, int64_t *value) {
  sqlite3_stmt *st;
  mg_store_err_t err = stmt_get(c, id, &st);
  if (err) return err;
  binder_t b = stmt_binder(st);
  stmt_bind_text(&b, channel_id, MG_ID_TRYTES);
  err = stmt_step_one(c, &b, "no value");
  if (err) return err;
  *value = sqlite3_column_int64(st, 0);
  stmt_done(st);
  return MG_STORE_OK;
}

mg_store_err_t sqlite_count_messages(conn_t *c, const char *channel_id, int64_t *count) {
  if (!channel_id) return stmt_query_int(c, ST_MSG_COUNT_ALL, count);
  return query_channel_int(c, ST_MSG_COUNT_CHANNEL, channel_id, count);
}

mg_store_err_t sqlite_list_message_channels(conn_t *c, char ***ids, size_t *n) {
  return stmt_list_ids(c, ST_MSG_CHANNELS, ids, n);
}

mg_store_err_t sqlite_channel_known(conn_t *c, const char *channel_id, int *known) {
  int64_t value;
  mg_store_err_t err = query_channel_int(c, ST_CHANNEL_KNOWN, channel_id, &value);
  if (!err) *known = value != 0;
  return err;
}

/* ---- the newest cursor ---- */

#define WAIT_POLL_MS 25

mg_store_err_t sqlite_last_cursor(conn_t *c, int64_t *cursor) { return stmt_query_int(c, ST_LAST_CURSOR, cursor); }

/* SQLite has no notifications across processes: polls the last cursor every WAIT_POLL_MS. */
mg_store_err_t sqlite_wait_messages(conn_t *c, int64_t after, int timeout_ms, int64_t *last) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    mg_store_err_t err = sqlite_last_cursor(c, last);
    if (err || *last > after) return err;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (elapsed >= timeout_ms) return MG_STORE_OK;
    int64_t pause = timeout_ms - elapsed < WAIT_POLL_MS ? timeout_ms - elapsed : WAIT_POLL_MS;
    struct timespec t = {0, (long)pause * 1000000L};
    nanosleep(&t, NULL);
  }
}
