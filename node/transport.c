/* The node client's lifecycle and its one HTTP exchange: POST a JSON command, read a JSON answer,
 * map statuses and transfer failures onto mg_node_err_t (spec node-interface.md 5.1). */
#include <curl/curl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/client_internal.h"

#define MESSAGE_SIZE 512
#define SNIPPET_CHARS 200    /* of a non-JSON error body quoted in the message */
#define MAX_BACKOFF_MS 10000 /* cap of one pause between retries */
#define SLEEP_SLICE_MS 10    /* cancel flag polling interval while pausing */

struct mg_node_client {
  CURL *curl;
  struct curl_slist *headers;
  char *url;
  mg_node_config_t cfg;
  char *body; /* response body being received */
  size_t body_len, body_cap;
  bool body_too_large;
  long http_status;
  char curl_error[CURL_ERROR_SIZE];
  char message[MESSAGE_SIZE];
};

void mg_node_config_init(mg_node_config_t *cfg, const char *url) {
  *cfg = (mg_node_config_t){
      .url = url,
      .timeout_ms = MG_NODE_DEFAULT_TIMEOUT_MS,
      .connect_timeout_ms = MG_NODE_DEFAULT_CONNECT_MS,
      .retries = 3,
      .backoff_ms = MG_NODE_DEFAULT_BACKOFF_MS,
      .max_list = MG_NODE_DEFAULT_MAX_LIST,
      .max_txs = MG_NODE_DEFAULT_MAX_TXS,
      .max_response_bytes = MG_NODE_DEFAULT_MAX_RESPONSE,
      .cancel = NULL,
  };
}

mg_node_err_t mg_node_global_init(void) {
  return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? MG_NODE_OK : MG_NODE_ERR_TRANSPORT;
}

void mg_node_global_cleanup(void) { curl_global_cleanup(); }

static bool url_acceptable(const char *url) {
  return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

static bool config_valid(const mg_node_config_t *cfg) {
  return cfg->url != NULL && url_acceptable(cfg->url) && cfg->timeout_ms > 0 &&
         cfg->connect_timeout_ms > 0 && cfg->backoff_ms >= 0 && cfg->max_list > 0 &&
         cfg->max_txs > 0 && cfg->max_response_bytes > 0;
}

static size_t receive_body(char *data, size_t size, size_t nmemb, void *userdata) {
  mg_node_client_t *c = userdata;
  size_t n = size * nmemb;
  if (n > c->cfg.max_response_bytes - c->body_len) {
    c->body_too_large = true;
    return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
  }
  if (c->body_len + n + 1 > c->body_cap) {
    size_t cap = c->body_cap ? c->body_cap : 4096;
    while (cap < c->body_len + n + 1) cap *= 2;
    char *grown = realloc(c->body, cap);
    if (grown == NULL) return 0;
    c->body = grown;
    c->body_cap = cap;
  }
  memcpy(c->body + c->body_len, data, n);
  c->body_len += n;
  c->body[c->body_len] = '\0';
  return n;
}

static bool cancelled(const mg_node_client_t *c) {
  return c->cfg.cancel != NULL && atomic_load(c->cfg.cancel) != 0;
}

static int watch_cancel(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                        curl_off_t ulnow) {
  (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
  return cancelled(userdata) ? 1 : 0;
}

static bool set_options(mg_node_client_t *c) {
  CURL *h = c->curl;
  return curl_easy_setopt(h, CURLOPT_URL, c->url) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->cfg.timeout_ms) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->cfg.connect_timeout_ms) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, receive_body) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_WRITEDATA, c) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, watch_cancel) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_XFERINFODATA, c) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L) == CURLE_OK &&
         curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_error) == CURLE_OK;
}

static struct curl_slist *request_headers(void) {
  static const char *const lines[] = {"Content-Type: application/json", "X-IOTA-API-Version: 1",
                                      "Accept: application/json",
                                      "Expect:"}; /* no 100-continue round trip */
  struct curl_slist *list = NULL;
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
    struct curl_slist *next = curl_slist_append(list, lines[i]);
    if (next == NULL) {
      curl_slist_free_all(list);
      return NULL;
    }
    list = next;
  }
  return list;
}

mg_node_err_t mg_node_client_new(const mg_node_config_t *cfg, mg_node_client_t **out) {
  if (cfg == NULL || out == NULL) return MG_NODE_ERR_NULL_ARG;
  *out = NULL;
  if (!config_valid(cfg)) return MG_NODE_ERR_INVALID_ARG;
  mg_node_client_t *c = calloc(1, sizeof *c);
  if (c == NULL) return MG_NODE_ERR_NO_MEMORY;
  c->cfg = *cfg;
  c->url = strdup(cfg->url);
  c->cfg.url = c->url;
  c->headers = request_headers();
  c->curl = curl_easy_init();
  if (c->url == NULL || c->headers == NULL || c->curl == NULL) {
    mg_node_client_free(c);
    return MG_NODE_ERR_NO_MEMORY;
  }
  if (!set_options(c)) {
    mg_node_client_free(c);
    return MG_NODE_ERR_TRANSPORT;
  }
  *out = c;
  return MG_NODE_OK;
}

void mg_node_client_free(mg_node_client_t *c) {
  if (c == NULL) return;
  if (c->curl) curl_easy_cleanup(c->curl);
  curl_slist_free_all(c->headers);
  free(c->url);
  free(c->body);
  free(c);
}

const char *mg_node_client_message(const mg_node_client_t *c) { return c ? c->message : ""; }

long mg_node_client_http_status(const mg_node_client_t *c) { return c ? c->http_status : 0; }

const mg_node_config_t *mg_node_client_config(const mg_node_client_t *c) { return &c->cfg; }

void mg_node_clear(mg_node_client_t *c) {
  c->message[0] = '\0';
  c->http_status = 0;
}

mg_node_err_t mg_node_fail(mg_node_client_t *c, mg_node_err_t err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->message, sizeof c->message, fmt, ap);
  va_end(ap);
  return err;
}

/* Sleeps ms milliseconds in short slices; false when the cancel flag was raised meanwhile. */
static bool pause_ms(const mg_node_client_t *c, long ms) {
  while (ms > 0) {
    if (cancelled(c)) return false;
    long slice = ms < SLEEP_SLICE_MS ? ms : SLEEP_SLICE_MS;
    struct timespec ts = {.tv_sec = 0, .tv_nsec = slice * 1000000L};
    nanosleep(&ts, NULL);
    ms -= slice;
  }
  return !cancelled(c);
}

static long backoff_for(const mg_node_client_t *c, unsigned attempt) {
  long ms = c->cfg.backoff_ms;
  for (unsigned i = 0; i < attempt && ms < MAX_BACKOFF_MS; i++) ms *= 2;
  return ms < MAX_BACKOFF_MS ? ms : MAX_BACKOFF_MS;
}

static bool is_connection_failure(CURLcode rc) {
  return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
         rc == CURLE_COULDNT_RESOLVE_PROXY;
}

static const char *curl_reason(const mg_node_client_t *c, CURLcode rc) {
  return c->curl_error[0] ? c->curl_error : curl_easy_strerror(rc);
}

static mg_node_err_t transfer_failure(mg_node_client_t *c, CURLcode rc, unsigned attempts) {
  if (rc == CURLE_ABORTED_BY_CALLBACK || cancelled(c))
    return mg_node_fail(c, MG_NODE_ERR_CANCELLED, "request to %s cancelled", c->url);
  if (c->body_too_large)
    return mg_node_fail(c, MG_NODE_ERR_TOO_LARGE, "answer from %s longer than %zu bytes", c->url,
                        c->cfg.max_response_bytes);
  if (rc == CURLE_WRITE_ERROR) return mg_node_fail(c, MG_NODE_ERR_NO_MEMORY, "out of memory");
  if (rc == CURLE_OPERATION_TIMEDOUT)
    return mg_node_fail(c, MG_NODE_ERR_TIMEOUT, "no answer from %s: %s", c->url,
                        curl_reason(c, rc));
  if (is_connection_failure(rc))
    return mg_node_fail(c, MG_NODE_ERR_CONNECT, "cannot connect to %s after %u attempt%s: %s",
                        c->url, attempts, attempts == 1 ? "" : "s", curl_reason(c, rc));
  return mg_node_fail(c, MG_NODE_ERR_TRANSPORT, "transfer with %s failed: %s", c->url,
                      curl_reason(c, rc));
}

/* One POST, retried while the connection cannot be made. */
static CURLcode post_with_retries(mg_node_client_t *c, const char *payload, unsigned *attempts) {
  CURLcode rc;
  *attempts = 0;
  for (;;) {
    c->body_len = 0;
    c->body_too_large = false;
    c->curl_error[0] = '\0';
    if (curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, payload) != CURLE_OK)
      return CURLE_FAILED_INIT;
    rc = curl_easy_perform(c->curl);
    ++*attempts;
    if (!is_connection_failure(rc) || *attempts > c->cfg.retries) return rc;
    if (!pause_ms(c, backoff_for(c, *attempts - 1))) return CURLE_ABORTED_BY_CALLBACK;
  }
}

static mg_node_err_t status_error(long status) {
  switch (status) {
    case 400: return MG_NODE_ERR_REJECTED;
    case 401:
    case 403: return MG_NODE_ERR_UNAUTHORIZED;
    case 500: return MG_NODE_ERR_NODE_FAILURE;
    case 503: return MG_NODE_ERR_UNAVAILABLE;
    default: return MG_NODE_ERR_HTTP_STATUS;
  }
}

/* A node error answer: its "error" or "exception" text, else the start of the body. */
static mg_node_err_t error_answer(mg_node_client_t *c, const json_t *doc) {
  mg_node_err_t err = status_error(c->http_status);
  const char *text = NULL;
  if (json_is_object(doc)) {
    text = json_string_value(json_object_get(doc, "error"));
    if (text == NULL) text = json_string_value(json_object_get(doc, "exception"));
  }
  if (text != NULL) return mg_node_fail(c, err, "%s", text);
  if (c->body_len == 0) return mg_node_fail(c, err, "HTTP %ld from %s", c->http_status, c->url);
  char snippet[SNIPPET_CHARS + 1];
  size_t n = c->body_len < SNIPPET_CHARS ? c->body_len : SNIPPET_CHARS;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)c->body[i];
    snippet[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : ' ';
  }
  snippet[n] = '\0';
  return mg_node_fail(c, err, "HTTP %ld from %s: %s", c->http_status, c->url, snippet);
}

mg_node_err_t mg_node_call(mg_node_client_t *c, const json_t *request, json_t **answer) {
  *answer = NULL;
  char *payload = json_dumps(request, JSON_COMPACT);
  if (payload == NULL) return mg_node_fail(c, MG_NODE_ERR_NO_MEMORY, "out of memory");
  unsigned attempts;
  CURLcode rc = post_with_retries(c, payload, &attempts);
  free(payload);
  c->http_status = 0;
  if (rc != CURLE_OK) return transfer_failure(c, rc, attempts);
  curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &c->http_status);

  json_error_t jerr;
  json_t *doc = c->body_len ? json_loadb(c->body, c->body_len, 0, &jerr) : NULL;
  if (c->http_status != 200) {
    mg_node_err_t err = error_answer(c, doc);
    json_decref(doc);
    return err;
  }
  if (!json_is_object(doc)) {
    json_decref(doc);
    return mg_node_fail(c, MG_NODE_ERR_BAD_RESPONSE, "answer from %s is not a JSON object", c->url);
  }
  *answer = doc;
  return MG_NODE_OK;
}
