/* services/rest/rest_errors.c: REST: the one map from service errors to HTTP status codes. */
#include "services/rest/rest_internal.h"

/* ---- the one map from service errors to HTTP status codes ---- */

/* A full store (disk or configured limit) is 507 and changed nothing; a database server that cannot
 * be reached now is 503 (retry later; nothing was signed); any other store failure is 500. */
#define STATUS_STORE_FULL 507
#define STATUS_STORE_UNAVAILABLE 503
#define STATUS_STORE_FAILED 500
#define CODE_STORE_UNAVAILABLE "store_unavailable"
#define RETRY_AFTER_S 5 /* what a 503 of the store asks clients to wait */

static int store_status(mg_store_err_t err) {
  if (err == MG_STORE_ERR_UNAVAILABLE) return STATUS_STORE_UNAVAILABLE;
  return err == MG_STORE_ERR_FULL ? STATUS_STORE_FULL : STATUS_STORE_FAILED;
}

static const char *store_code(mg_store_err_t err) {
  if (err == MG_STORE_ERR_UNAVAILABLE) return CODE_STORE_UNAVAILABLE;
  return err == MG_STORE_ERR_FULL ? "storage_failed" : "internal";
}

/* Answers a store failure (not NOT_FOUND or EXISTS, which each route names); `doing` prefixes the
 * message ("" for none). */
void rest_errors_respond_store_error(mg_http_request_t *req, mg_store_err_t err, const char *doing) {
  if (err == MG_STORE_ERR_UNAVAILABLE) mg_http_retry_after(req, RETRY_AFTER_S);
  mg_http_respond_error(req, store_status(err), store_code(err), "%s%s", doing, mg_store_strerror(err));
}

void rest_errors_respond_store_not_ready(mg_http_request_t *req) {
  mg_http_retry_after(req, RETRY_AFTER_S);
  mg_http_respond_error(req, STATUS_STORE_UNAVAILABLE, CODE_STORE_UNAVAILABLE,
                        "the store is not ready: the database cannot be reached yet (the gateway keeps trying)");
}

/* The error answer of a writer failure: its JSON and *status. */
json_t *rest_errors_pub_error_json(mg_pub_err_t err, const char *msg, int *status) {
  switch (err) {
    case MG_PUB_NOT_FOUND: return *status = 404, mg_http_error_json("not_found", msg[0] ? msg : "unknown channel");
    case MG_PUB_EXHAUSTED: return *status = 422, mg_http_error_json("exhausted", msg[0] ? msg : "no signatures left");
    case MG_PUB_INVALID: return *status = 400, mg_http_error_json("bad_request", msg[0] ? msg : "invalid request");
    case MG_PUB_NODE: return *status = 503, mg_http_error_json("node_unavailable", msg);
    case MG_PUB_STORE_UNAVAILABLE:
      return *status = STATUS_STORE_UNAVAILABLE, mg_http_error_json(CODE_STORE_UNAVAILABLE, "the database cannot be"
                                                                    " reached now: nothing was signed; retry later");
    case MG_PUB_STORE_FULL: return *status = STATUS_STORE_FULL, mg_http_error_json("storage_failed", "the database is full");
    case MG_PUB_STORE: return *status = STATUS_STORE_FAILED, mg_http_error_json("internal", "the database could not be written");
    default: return *status = 500, mg_http_error_json("internal", msg[0] ? msg : "internal error");
  }
}

void rest_errors_respond_pub_error(mg_http_request_t *req, mg_pub_err_t err, const char *msg) {
  int status;
  json_t *body = rest_errors_pub_error_json(err, msg, &status);
  mg_http_respond_json(req, status, body);
}

void rest_errors_respond_watch_error(mg_http_request_t *req, mg_watch_err_t err, const char *where) {
  if (err == MG_WATCH_EXISTS) mg_http_respond_error(req, 409, "conflict", "%sthis channel is watched already", where);
  else if (err == MG_WATCH_BAD_KEY) mg_http_respond_error(req, 404, "not_found", "%sunknown NTRU key id", where);
  else if (err == MG_WATCH_STORE_FULL) mg_http_respond_error(req, STATUS_STORE_FULL, "storage_failed", "%sthe database is full", where);
  else if (err == MG_WATCH_STORE) mg_http_respond_error(req, STATUS_STORE_FAILED, "internal", "%sthe watch could not be saved", where);
  else mg_http_respond_error(req, 500, "internal", "%s%s", where, mg_watch_strerror(err));
}

