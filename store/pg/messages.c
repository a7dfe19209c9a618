/* store/pg/messages.c: decoded messages in the PostgreSQL engine. A batch takes the cursor lock
 * (pg_advisory_xact_lock, held to its commit) before it takes cursors from the sequence, so cursors
 * become visible in increasing order across the fleet; repeats are skipped by ON CONFLICT DO
 * NOTHING, so several instances inserting one packet leave one row. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/ids.h"
#include "store/pg/conn.h"
#include "store/pg/ops.h"

static mg_store_err_t read_message(const PGresult *res, int row, void *item) {
  mg_message_t *m = item;
  m->cursor = pq_int(res, row, 0);
  m->ord = pq_int(res, row, 4);
  m->last = (int)pq_int(res, row, 5);
  m->checksum = (int)pq_int(res, row, 6);
  m->verified = (int)pq_int(res, row, 7);
  m->received_at_ms = pq_int(res, row, 10);
  m->leaf = PQgetisnull(res, row, 11) ? -1 : pq_int(res, row, 11);
  if (!pq_fixed_text(res, row, 1, m->channel_id, MG_ID_TRYTES) ||
      !pq_fixed_text(res, row, 2, m->endpoint_id, MG_ID_TRYTES) ||
      !pq_fixed_text(res, row, 3, m->message_id, MG_MSG_ID_TRYTES) ||
      !pq_fixed_text(res, row, 9, m->bundle, MG_ID_TRYTES))
    return MG_STORE_ERR_CORRUPT;
  mg_store_err_t err = MG_STORE_OK;
  m->payload_trytes = pq_strdup(res, row, 8, &err);
  return err;
}

static void free_messages(void *items, size_t n) { mg_messages_free(items, n); }

static const row_kind_t message_rows = {sizeof(mg_message_t), read_message, free_messages};

/* ---- inserting ---- */

/* The parameters of the insert of message i. */
static void insert_params(void *ctx, size_t i, params_t *p) {
  const mg_message_t *m = &((mg_message_t *)ctx)[i];
  par_text(p, m->channel_id);
  par_text(p, m->endpoint_id);
  par_text(p, m->message_id);
  par_int(p, m->ord);
  par_int(p, m->last);
  par_int(p, m->checksum);
  par_int(p, m->verified);
  par_text(p, m->payload_trytes);
  par_text(p, m->bundle);
  par_int(p, m->received_at_ms);
  par_optional_int(p, mg_message_has_leaf(m), m->leaf);
}

/* A new row returns its cursor; a repeat returns none. */
static mg_store_err_t take_insert(conn_t *c, void *ctx, size_t i, const PGresult *res) {
  (void)c;
  if (PQntuples(res) == 1) ((mg_message_t *)ctx)[i].cursor = pq_int(res, 0, 0);
  return MG_STORE_OK;
}

/* The inserts go in one round trip (the pipeline), after the cursor lock; the listeners are told of
 * the newest cursor at the commit. */
mg_store_err_t pq_insert_messages(conn_t *c, mg_message_t *msgs, size_t n) {
  mg_store_err_t err = pq_command(c, Q_CURSOR_LOCK, NULL, NULL);
  if (!err) err = pq_pipeline(c, Q_MSG_INSERT, n, insert_params, take_insert, msgs);
  int64_t newest = 0;
  for (size_t i = 0; !err && i < n; i++)
    if (msgs[i].cursor) newest = msgs[i].cursor;
  if (err || !newest) return err;
  params_t p = {0};
  par_int(&p, newest);
  return pq_command(c, Q_MSG_NOTIFY, &p, NULL);
}

/* ---- reading ---- */

mg_store_err_t pq_list_messages(conn_t *c, char *const *channel_ids, size_t n_channels, int64_t after, size_t limit,
                                mg_message_t **out, size_t *n) {
  char *ids = n_channels > 1 ? store_ids_text(channel_ids, n_channels, '{', '\0', '}') : NULL; /* an array */
  if (n_channels > 1 && !ids) return pq_fail(c, MG_STORE_ERR_NO_MEMORY, "out of memory");
  params_t p = {0};
  if (n_channels == 1) par_text(&p, channel_ids[0]);
  if (ids) par_text(&p, ids);
  par_int(&p, after);
  par_int(&p, limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit);
  enum q_id id = n_channels == 1 ? Q_MSG_LIST : n_channels ? Q_MSG_LIST_CHANNELS : Q_MSG_LIST_WATCHED;
  void *rows = NULL;
  mg_store_err_t err = pq_collect(c, id, &p, &message_rows, &rows, n);
  *out = rows;
  free(ids);
  return err;
}

mg_store_err_t pq_get_message(conn_t *c, const char *channel_id, const char *message_id, mg_message_t **out,
                              size_t *n) {
  params_t p = {0};
  par_text(&p, channel_id);
  par_text(&p, message_id);
  void *rows = NULL;
  mg_store_err_t err = pq_collect(c, Q_MSG_GET, &p, &message_rows, &rows, n);
  *out = rows;
  return err;
}

mg_store_err_t pq_count_messages(conn_t *c, const char *channel_id, int64_t *count) {
  if (!channel_id) return pq_query_int(c, Q_MSG_COUNT_ALL, NULL, count);
  params_t p = {0};
  par_text(&p, channel_id);
  return pq_query_int(c, Q_MSG_COUNT_CHANNEL, &p, count);
}

mg_store_err_t pq_list_message_channels(conn_t *c, char ***ids, size_t *n) {
  return pq_list_ids(c, Q_MSG_CHANNELS, ids, n);
}

mg_store_err_t pq_channel_known(conn_t *c, const char *channel_id, int *known) {
  params_t p = {0};
  par_text(&p, channel_id);
  int64_t value = 0;
  mg_store_err_t err = pq_query_int(c, Q_CHANNEL_KNOWN, &p, &value);
  if (!err) *known = value != 0;
  return err;
}

/* ---- the newest cursor and waiting for a newer one ---- */

mg_store_err_t pq_last_cursor(conn_t *c, int64_t *cursor) { return pq_query_int(c, Q_LAST_CURSOR, NULL, cursor); }

static int64_t monotonic_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Drops the notifications received so far; true when there was one. */
static bool drain_notifications(conn_t *c) {
  bool any = false;
  PGnotify *note;
  while ((note = PQnotifies(c->pg)) != NULL) {
    any = true;
    PQfreemem(note);
  }
  return any;
}

/* Waits up to ms for the server to send something (a notification) on the session. */
static mg_store_err_t wait_readable(conn_t *c, int ms) {
  struct pollfd fd = {.fd = PQsocket(c->pg), .events = POLLIN};
  if (fd.fd < 0) return pq_fail(c, MG_STORE_ERR_UNAVAILABLE, "no connection to the server");
  int rc = poll(&fd, 1, ms);
  if (rc < 0 && errno != EINTR) return pq_fail(c, MG_STORE_ERR_IO, "poll failed");
  if (rc > 0 && !PQconsumeInput(c->pg)) return pq_fail(c, MG_STORE_ERR_UNAVAILABLE, "lost the connection to the server");
  return MG_STORE_OK;
}

mg_store_err_t pq_wait_messages(conn_t *c, int64_t after, int timeout_ms, int64_t *last) {
  mg_store_err_t err = pq_ready(c);
  if (!err && !c->listening) { /* LISTEN before the first look, so no insert falls in between */
    err = pq_exec(c, "LISTEN " PQ_MESSAGES_CHANNEL);
    c->listening = !err;
  }
  int64_t deadline = monotonic_ms() + timeout_ms;
  while (!err) {
    drain_notifications(c);
    err = pq_last_cursor(c, last);
    if (err || *last > after) return err;
    int64_t left = deadline - monotonic_ms();
    if (left <= 0) return MG_STORE_OK;
    if (!drain_notifications(c)) err = wait_readable(c, left > INT32_MAX ? INT32_MAX : (int)left);
  }
  return err;
}
