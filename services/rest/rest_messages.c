/* services/rest/rest_messages.c: REST: decoded messages. */
#include "services/rest/rest_internal.h"

/* ---- decoded messages ---- */

bool rest_messages_query_int(mg_http_request_t *req, const char *name, int64_t min, int64_t max, int64_t fallback, int64_t *out) {
  const char *v = mg_http_query(req, name);
  if (!v) return *out = fallback, true;
  char *end;
  errno = 0;
  long long x = strtoll(v, &end, 10);
  if (errno || !*v || *end || x < min || x > max) {
    mg_http_respond_error(req, 400, "bad_request", "%s must be an integer from %lld to %lld", name, (long long)min, (long long)max);
    return false;
  }
  *out = x;
  return true;
}

/* A JSON array of packets, appended as text. */
static void append_messages(mg_text_t *t, const mg_message_t *m, size_t n) {
  mg_text_append(t, "[", 1);
  for (size_t i = 0; i < n; i++) {
    if (i) mg_text_append(t, ",", 1);
    mg_message_json(t, &m[i], 0);
  }
  mg_text_append(t, "]", 1);
}

/* Sends the text (taken) with the entity tag, kept under key unless it is NULL: rows are never
 * changed and a new row's cursor is above every stored one, so the count and the highest cursor of
 * the rows read determine them, and a full page never changes. */
static void respond_text_json(mg_http_request_t *req, mg_text_t *t, const char *etag, const char *key) {
  if (t->failed) mg_http_respond_error(req, 500, "internal", "out of memory");
  else if (key) mg_http_respond_body_kept(req, "application/json", t->p, t->len, etag, key), t->p = NULL;
  else mg_http_respond_body(req, "application/json", t->p, t->len, etag), t->p = NULL;
  mg_text_free(t);
}

#define READING "reading the database: " /* prefix of a read failure's message */

/* False after answering 404 when the gateway neither writes nor watches the channel and stores
 * nothing of it (an empty list would hide a mistyped id), or after a store failure (503 while the
 * database cannot be reached; 500 otherwise). s NULL: this worker has no connection. */
bool rest_messages_channel_known(mg_http_request_t *req, mg_store_t *s, const char *id) {
  int known = 0;
  mg_store_err_t err = s ? mg_store_channel_known(s, id, &known) : rest_thread_store_err();
  if (err != MG_STORE_OK) return rest_errors_respond_store_error(req, err, READING), false;
  if (!known) mg_http_respond_error(req, 404, "not_found", "channel %.12s... is neither this gateway's nor watched", id);
  return known;
}

void rest_messages_get_messages(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const char *id = rest_valid_id(req, mg_http_param(req, "channel_id"), ID, "channel_id");
  int64_t cursor, limit;
  if (!id || !rest_authorised(r, req, false) || !rest_messages_query_int(req, "cursor", 0, INT64_MAX, 0, &cursor) ||
      !rest_messages_query_int(req, "limit", 1, (int64_t)r->d.settings.page_limit, 100, &limit))
    return;
  char key[160];
  snprintf(key, sizeof key, "page %s %lld %lld", id, (long long)cursor, (long long)limit);
  if (mg_http_respond_kept(req, key)) return;
  mg_store_t *s = rest_thread_store(r);
  mg_message_t *rows = NULL;
  size_t n = 0;
  mg_store_err_t err = s ? mg_store_list_messages(s, id, cursor, (size_t)limit, &rows, &n) : rest_thread_store_err();
  if (err != MG_STORE_OK) return rest_errors_respond_store_error(req, err, READING);
  if (n == 0 && !rest_messages_channel_known(req, s, id)) return; /* rows: the channel is known */
  mg_text_t t = {0};
  mg_text_append(&t, "{\"messages\":", 12);
  append_messages(&t, rows, n);
  mg_text_printf(&t, ",\"next_cursor\":%lld}\n", (long long)(n ? rows[n - 1].cursor : cursor));
  char etag[80]; /* the page: its start, size, row count and last row */
  snprintf(etag, sizeof etag, "p%lld.%lld.%zu.%lld", (long long)cursor, (long long)limit, n, (long long)(n ? rows[n - 1].cursor : 0));
  mg_messages_free(rows, n);
  respond_text_json(req, &t, etag, n == (size_t)limit ? key : NULL);
}

void rest_messages_get_message(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const char *id = rest_valid_id(req, mg_http_param(req, "channel_id"), ID, "channel_id");
  const char *mid = id ? rest_valid_id(req, mg_http_param(req, "message_id"), MG_MSG_ID_TRYTES, "message_id") : NULL;
  if (!mid || !rest_authorised(r, req, false)) return;
  mg_store_t *s = rest_thread_store(r);
  if (!rest_messages_channel_known(req, s, id)) return;
  mg_message_t *rows = NULL;
  size_t n = 0;
  mg_store_err_t err = mg_store_get_message(s, id, mid, &rows, &n);
  if (err == MG_STORE_NOT_FOUND || (err == MG_STORE_OK && n == 0))
    return mg_http_respond_error(req, 404, "not_found", "no such message on this channel");
  if (err != MG_STORE_OK) return rest_errors_respond_store_error(req, err, READING);
  mg_text_t t = {0};
  mg_text_printf(&t, "{\"channel_id\":\"%s\",\"message_id\":\"%s\",\"packets\":", id, mid);
  append_messages(&t, rows, n);
  mg_text_append(&t, "}\n", 2);
  int64_t newest = 0;
  for (size_t i = 0; i < n; i++) newest = rows[i].cursor > newest ? rows[i].cursor : newest;
  char etag[48]; /* the message: its packet count and newest packet */
  snprintf(etag, sizeof etag, "m%zu.%lld", n, (long long)newest);
  mg_messages_free(rows, n);
  respond_text_json(req, &t, etag, NULL);
}

