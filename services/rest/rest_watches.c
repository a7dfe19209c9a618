/* services/rest/rest_watches.c: REST: watches. */
#include "services/rest/rest_internal.h"

/* ---- watches ---- */

/* The key arrays of a parsed watch request. */
static void watch_request_free(mg_watch_request_t *w) {
  if (w->psks) mam_wipe((void *)w->psks, w->n_psks * sizeof *w->psks);
  free((void *)w->psks);
  free(w->ntru_ids);
  *w = (mg_watch_request_t){0};
}

/* One watch object into w (free it with watch_request_free, also on failure); false with the
 * status and reason in *status and why. */
static bool parse_watch(rest_t *r, json_t *body, mg_watch_request_t *w, int *status, char *why, size_t why_len) {
  *w = (mg_watch_request_t){0};
  *status = 400;
  const char *id = json_string_value(json_object_get(body, "channel_id"));
  json_t *psks = json_object_get(body, "psks"), *ntru = json_object_get(body, "ntru_key_ids"), *bf = json_object_get(body, "backfill");
  json_t *own = json_object_get(body, "own_keys");
  if (!json_is_object(body)) return snprintf(why, why_len, "a watch must be a JSON object"), false;
  if (!rest_is_trytes(id, ID)) return snprintf(why, why_len, "channel_id must be %d trytes (9A-Z)", ID), false;
  memcpy(w->channel_id, id, ID + 1);
  if ((psks && !json_is_array(psks)) || (ntru && !json_is_array(ntru)) || (bf && !json_is_boolean(bf)) ||
      (own && !json_is_boolean(own)))
    return snprintf(why, why_len, "psks and ntru_key_ids must be arrays, backfill and own_keys booleans"), false;
  if (json_array_size(psks) + json_array_size(ntru) > r->d.settings.max_list)
    return *status = 413, snprintf(why, why_len, "more than %llu keys", (unsigned long long)r->d.settings.max_list), false;
  w->backfill = bf ? json_is_true(bf) : true;
  w->own_keys = own ? json_is_true(own) : true;
  mam_psk_t *list = calloc(json_array_size(psks) + 1, sizeof *list);
  char(*ids)[MAM_NTRU_ID_TRYTES + 1] = calloc(json_array_size(ntru) + 1, sizeof *ids);
  w->psks = list;
  w->ntru_ids = ids;
  if (!list || !ids) return *status = 500, snprintf(why, why_len, "out of memory"), false;
  bool ok = true;
  for (size_t i = 0; ok && i < json_array_size(psks); i++, w->n_psks = i) {
    char pid[MG_PSK_ID_TRYTES + 1];
    const char *key = json_string_value(json_object_get(json_array_get(psks, i), "key"));
    ok = rest_psk_id(json_string_value(json_object_get(json_array_get(psks, i), "id")), pid) && rest_is_trytes(key, MG_PSK_KEY_TRYTES) &&
         mam_trytes_to_trits(pid, MG_PSK_ID_TRYTES, list[i].id) == MAM_OK &&
         mam_trytes_to_trits(key, MG_PSK_KEY_TRYTES, list[i].key) == MAM_OK;
  }
  for (size_t i = 0; ok && i < json_array_size(ntru); i++, w->n_ntru = i) {
    const char *kid = json_string_value(json_array_get(ntru, i));
    ok = rest_is_trytes(kid, MAM_NTRU_ID_TRYTES);
    if (ok) memcpy(ids[i], kid, MAM_NTRU_ID_TRYTES + 1);
  }
  if (!ok) snprintf(why, why_len, "psks must be [{\"id\": 1 to 27 trytes, \"key\": 81 trytes}], ntru_key_ids ids of 27 trytes");
  return ok;
}

/* The error code of a parse_watch status. */
static const char *watch_parse_code(int status) {
  return status == 413 ? "payload_too_large" : status == 500 ? "internal" : "bad_request";
}

static json_t *watch_created_json(const mg_watch_request_t *w) {
  return json_pack("{s:s, s:b, s:b}", "channel_id", w->channel_id, "backfill", w->backfill, "own_keys", w->own_keys);
}

/* A JSON array body (POST /v1/watches takes one); NULL after answering 400. */
static json_t *json_array_body(mg_http_request_t *req) {
  size_t len;
  const char *text = mg_http_body(req, &len);
  json_error_t e;
  json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
  if (!j) mg_http_respond_error(req, 400, "bad_json", "line %d, column %d: %s", e.line, e.column, e.text);
  return j;
}

/* A list of watches, stored in one transaction: all or none; an error names the element. */
static void post_watch_list(rest_t *r, mg_http_request_t *req, json_t *list) {
  size_t n = json_array_size(list), done = 0;
  if (n == 0) return mg_http_respond_error(req, 400, "bad_request", "the list of watches is empty");
  if (n > r->d.settings.max_list)
    return mg_http_respond_error(req, 413, "payload_too_large", "more than %llu watches", (unsigned long long)r->d.settings.max_list);
  mg_watch_request_t *ws = calloc(n, sizeof *ws);
  if (!ws) return mg_http_respond_error(req, 500, "internal", "out of memory");
  char why[256], where[64];
  int status = 200;
  bool ok = true;
  for (; ok && done < n; done++) {
    ok = parse_watch(r, json_array_get(list, done), &ws[done], &status, why, sizeof why);
    if (!ok) mg_http_respond_error(req, status, watch_parse_code(status), "watch %zu: %s", done, why);
  }
  size_t bad = n;
  mg_watch_err_t err = ok ? mg_watcher_add_all(r->d.backends.watcher, ws, n, &bad) : MG_WATCH_OK;
  if (ok && err != MG_WATCH_OK) {
    if (bad < n) snprintf(where, sizeof where, "watch %zu (%.12s...): ", bad, ws[bad].channel_id);
    rest_errors_respond_watch_error(req, err, bad < n ? where : "");
  } else if (ok) {
    json_t *created = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(created, watch_created_json(&ws[i]));
    mg_http_respond_json(req, 201, json_pack("{s:o}", "watches", created));
  }
  for (size_t i = 0; i < done; i++) watch_request_free(&ws[i]);
  free(ws);
}

void rest_watches_post_watch(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  if (!rest_authorised(r, req, true)) return;
  const char *text = mg_http_body(req, NULL);
  if (text[strspn(text, " \t\r\n")] == '[') {
    json_t *list = json_array_body(req);
    if (list) post_watch_list(r, req, list);
    json_decref(list);
    return;
  }
  json_t *body = mg_http_json_body(req);
  if (!body) return;
  mg_watch_request_t w;
  int status;
  char why[256];
  if (!parse_watch(r, body, &w, &status, why, sizeof why)) {
    mg_http_respond_error(req, status, watch_parse_code(status), "%s", why);
  } else {
    mg_watch_err_t err = mg_watcher_add(r->d.backends.watcher, &w);
    if (err == MG_WATCH_OK) mg_http_respond_json(req, 201, watch_created_json(&w));
    else rest_errors_respond_watch_error(req, err, "");
  }
  watch_request_free(&w);
}

void rest_watches_get_watches(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  if (!rest_authorised(r, req, false)) return;
  mg_watch_t *rows = NULL;
  size_t n = 0;
  pthread_mutex_lock(r->d.store_lock);
  mg_store_err_t err = mg_store_list_watches(r->d.backends.store, &rows, &n);
  pthread_mutex_unlock(r->d.store_lock);
  if (err != MG_STORE_OK) return rest_errors_respond_store_error(req, err, "");
  json_t *list = json_array();
  for (size_t i = 0; i < n; i++) {
    /* PSK ids only: the keys stay in the store */
    json_t *o = json_loads(rows[i].options, 0, NULL), *psk_ids = json_array();
    json_t *psks = json_object_get(o, "psks");
    for (size_t k = 0; k < json_array_size(psks); k++)
      json_array_append(psk_ids, json_object_get(json_array_get(psks, k), "id"));
    json_t *ntru = json_object_get(o, "ntru_key_ids");
    bool own_keys = !json_is_false(json_object_get(o, "own_keys")); /* watches stored before the flag: true */
    json_array_append_new(list, json_pack("{s:s, s:o, s:O, s:b, s:I}", "channel_id", rows[i].channel_id, "psk_ids", psk_ids,
                                          "ntru_key_ids", ntru ? ntru : json_array(), "own_keys", own_keys, "created_at",
                                          (json_int_t)rows[i].created_at_ms));
    json_decref(o);
  }
  mg_watches_free(rows, n);
  mg_http_respond_json(req, 200, json_pack("{s:o}", "watches", list));
}

void rest_watches_delete_watch(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const char *id = rest_valid_id(req, mg_http_param(req, "channel_id"), ID, "channel_id");
  if (!id || !rest_authorised(r, req, true)) return;
  mg_watch_err_t err = mg_watcher_remove(r->d.backends.watcher, id);
  if (err == MG_WATCH_NOT_FOUND) return mg_http_respond_error(req, 404, "not_found", "this channel is not watched");
  if (err != MG_WATCH_OK) return rest_errors_respond_watch_error(req, err, "");
  mg_http_respond_text(req, 204, "text/plain", "", 0);
}

