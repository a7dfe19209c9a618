/* services/rest/rest_stream.c: REST: the live stream (Server-Sent Events). */
#include "services/rest/rest_internal.h"

#define STREAM_WAIT_MS 1000
#define STREAM_PAGE 100

/* ---- live stream (Server-Sent Events) ---- */

typedef struct stream {
  rest_t *r;
  char **channels; /* none: every watched channel */
  size_t n_channels;
  int64_t cursor;
  mg_store_t *store;
  char *out; /* pending bytes */
  size_t out_len, out_pos;
  uint64_t last_sent_ms;
  int64_t seen;   /* the store's newest cursor (as the store tail saw it) when we last looked */
  bool primed;    /* the first page was read */
  bool more;      /* the last page was full: read on without waiting */
} stream_t;

static void stream_free(void *arg) {
  stream_t *st = arg;
  mg_store_close(st->store);
  mg_strings_free(st->channels, st->n_channels);
  free(st->out);
  free(st);
}

static void stream_append(stream_t *st, const char *text, size_t len) {
  char *grown = realloc(st->out, st->out_len + len);
  if (!grown) return;
  st->out = grown;
  memcpy(st->out + st->out_len, text, len);
  st->out_len += len;
}

/* Loads the next page of events once the store holds something new: stored by any instance of
 * the fleet, as the store tail (services/tail.h) learns from the store itself. */
static void stream_refill(stream_t *st) {
  int64_t newest = mg_tail_last_cursor(st->r->d.backends.tail);
  if (st->primed && newest == st->seen && !st->more) return; /* nothing stored since */
  st->seen = newest;
  st->primed = true;
  mg_message_t *rows = NULL;
  size_t n = 0;
  mg_store_err_t err = st->n_channels == 1
                           ? mg_store_list_messages(st->store, st->channels[0], st->cursor, STREAM_PAGE, &rows, &n)
                           : mg_store_list_messages_of(st->store, st->channels, st->n_channels, st->cursor, STREAM_PAGE, &rows, &n);
  if (err != MG_STORE_OK) return;
  st->more = n == STREAM_PAGE;
  for (size_t i = 0; i < n; i++) {
    char *json = mg_message_json_text(&rows[i], 0);
    if (!json) break;
    char head[64];
    int hl = snprintf(head, sizeof head, "id: %lld\nevent: message\ndata: ", (long long)rows[i].cursor);
    stream_append(st, head, (size_t)hl);
    stream_append(st, json, strlen(json));
    stream_append(st, "\n\n", 2);
    free(json);
    st->cursor = rows[i].cursor;
  }
  mg_messages_free(rows, n);
}

static ssize_t stream_produce(void *arg, char *buf, size_t max) {
  stream_t *st = arg;
  if (atomic_load(st->r->d.stopping)) return -1;
  if (st->out_pos == st->out_len) {
    st->out_len = st->out_pos = 0;
    stream_refill(st);
    uint64_t now = mg_env_now_ms(st->r->d.env);
    if (st->out_len == 0 && now - st->last_sent_ms >= 15000) stream_append(st, ": keep-alive\n\n", 14);
    if (st->out_len == 0) return 0;
    st->last_sent_ms = now;
  }
  size_t n = st->out_len - st->out_pos < max ? st->out_len - st->out_pos : max;
  memcpy(buf, st->out + st->out_pos, n);
  st->out_pos += n;
  return (ssize_t)n;
}

/* Where a stream starts: after Last-Event-ID (a reconnecting EventSource) or the cursor query;
 * false after answering 400. */
static bool stream_start_cursor(mg_http_request_t *req, int64_t *cursor) {
  const char *last = mg_http_header(req, "Last-Event-ID");
  if (!last) return rest_messages_query_int(req, "cursor", 0, INT64_MAX, 0, cursor);
  char *end;
  errno = 0;
  *cursor = strtoll(last, &end, 10);
  if (errno || !*last || *end || *cursor < 0)
    return mg_http_respond_error(req, 400, "bad_request", "Last-Event-ID must be a cursor"), false;
  return true;
}

/* Streams the messages of the channels (taken; none: every watched channel) after cursor. */
static void open_stream(rest_t *r, mg_http_request_t *req, char **channels, size_t n, int64_t cursor) {
  stream_t *st = calloc(1, sizeof *st);
  mg_store_err_t err = st ? r->d.open_store(r->d.open_store_ctx, &st->store) : MG_STORE_ERR_NO_MEMORY;
  if (err != MG_STORE_OK) {
    if (st) stream_free(st);
    mg_strings_free(channels, n);
    return rest_errors_respond_store_error(req, err, "opening the stream: ");
  }
  st->r = r;
  st->channels = channels;
  st->n_channels = n;
  st->cursor = cursor;
  st->last_sent_ms = mg_env_now_ms(r->d.env);
  stream_append(st, ": mamgate stream\n\n", 18); /* flushes the headers at once */
  mg_http_respond_stream(req, "text/event-stream", stream_produce, st, stream_free);
}

void rest_stream_get_stream(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const char *id = rest_valid_id(req, mg_http_param(req, "channel_id"), ID, "channel_id");
  int64_t cursor = 0;
  if (!id || !rest_authorised(r, req, false) || !stream_start_cursor(req, &cursor)) return;
  if (!rest_messages_channel_known(req, rest_thread_store(r), id)) return;
  char **channels = malloc(sizeof *channels);
  if (!channels || !(channels[0] = strdup(id))) {
    free(channels);
    return mg_http_respond_error(req, 500, "internal", "out of memory");
  }
  open_stream(r, req, channels, 1, cursor);
}

/* The channels=ID,ID,... query as a list (each known to the gateway); *n 0 without the query.
 * false after answering 400, 404 or 413. */
static bool stream_channels(rest_t *r, mg_http_request_t *req, char ***out, size_t *n) {
  *out = NULL;
  *n = 0;
  const char *list = mg_http_query(req, "channels");
  if (!list) return true;
  size_t count = 1;
  for (const char *p = list; *p; p++) count += *p == ',';
  if (count > r->d.settings.max_list)
    return mg_http_respond_error(req, 413, "payload_too_large", "more than %llu channels",
                                 (unsigned long long)r->d.settings.max_list), false;
  char **ids = calloc(count, sizeof *ids);
  if (!ids) return mg_http_respond_error(req, 500, "internal", "out of memory"), false;
  bool ok = true;
  for (const char *p = list; ok && *n < count; p += ID + 1) {
    ok = strlen(p) >= ID && (p[ID] == ',' || p[ID] == '\0') && mam_trytes_valid(p, ID) && (ids[*n] = strndup(p, ID));
    if (!ok) mg_http_respond_error(req, 400, "bad_request", "channels must be channel ids of 81 trytes, separated by commas");
    ok = ok && rest_messages_channel_known(req, rest_thread_store(r), ids[*n]);
    if (ids[*n]) ++*n;
  }
  if (!ok) mg_strings_free(ids, *n), *n = 0;
  else *out = ids;
  return ok;
}

void rest_stream_get_multi_stream(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  int64_t cursor = 0;
  char **channels;
  size_t n;
  if (!rest_authorised(r, req, false) || !stream_start_cursor(req, &cursor) || !stream_channels(r, req, &channels, &n)) return;
  open_stream(r, req, channels, n, cursor);
}

