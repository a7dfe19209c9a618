/* services/rest/rest_info.c: REST: health, info, metrics and the OpenAPI document. */
#include "services/rest/rest_internal.h"

/* ---- health, info, metrics, OpenAPI ---- */

/* 200 once the store is ready; 503 store_unavailable before, so that a load balancer sends no
 * traffic to an instance that cannot serve it. */
void rest_info_get_health(void *ctx, mg_http_request_t *req) {
  if (!rest_store_ready(ctx)) return rest_errors_respond_store_not_ready(req);
  mg_http_respond_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

static json_t *counters_json(const mg_metrics_t *m) {
  return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "feed_transactions", (json_int_t)m->feed_transactions,
                   "feed_matched", (json_int_t)m->feed_matched, "feed_invalid", (json_int_t)m->feed_invalid,
                   "bundles_completed", (json_int_t)m->bundles_completed, "packets_decoded", (json_int_t)m->packets_decoded,
                   "packets_stored", (json_int_t)m->packets_stored, "messages_published", (json_int_t)m->messages_published,
                   "publish_failures", (json_int_t)m->publish_failures);
}

/* Invalid feed input by reason (every reason), and the MAM reader's rejections by error (those seen). */
static json_t *invalid_json(const mg_metrics_t *m) {
  json_t *by_reason = json_object(), *rejected = json_object();
  for (int i = 0; i < MG_INVALID__COUNT; i++)
    json_object_set_new(by_reason, mg_invalid_reason_name((mg_invalid_reason_t)i), json_integer((json_int_t)m->invalid[i]));
  for (int e = 1; e < MAM_ERR__COUNT; e++)
    if (m->rejected[e]) json_object_set_new(rejected, mam_strerror((mam_err_t)e), json_integer((json_int_t)m->rejected[e]));
  return json_pack("{s:o, s:o}", "by_reason", by_reason, "decode_rejected", rejected);
}

/* This instance's shard ("K/N"), or JSON null without one. */
static json_t *shard_json(mg_shard_t s) {
  char shard[MG_SHARD_TEXT_MAX];
  mg_shard_format(s, shard, sizeof shard);
  return s.count ? json_string(shard) : json_null();
}

/* The fleet as this instance sees it: its id and shard, and the instances whose heartbeat is
 * younger than shard_takeover_s (itself included), as of its last heartbeat. */
static json_t *fleet_json(rest_t *r) {
  mg_instance_t *v = NULL;
  size_t n = 0;
  json_t *live = json_array();
  if (mg_fleet_live(r->d.backends.fleet, &v, &n) != 0) n = 0;
  for (size_t i = 0; i < n; i++) {
    json_t *info = json_loads(v[i].info ? v[i].info : "", 0, NULL);
    json_array_append_new(live, json_pack("{s:s, s:I, s:o}", "id", v[i].id, "seen_at", (json_int_t)v[i].seen_ms, "info",
                                          info ? info : json_null()));
  }
  mg_instances_free(v, n);
  return json_pack("{s:s, s:o, s:I, s:I, s:o}", "instance_id", r->d.settings.instance_id, "shard", shard_json(r->d.settings.shard),
                   "shard_takeover_s", (json_int_t)r->d.settings.shard_takeover_s, "live", (json_int_t)json_array_size(live),
                   "instances", live);
}

/* Before the store is ready: what is known without it. */
static json_t *info_not_ready_json(rest_t *r) {
  return json_pack("{s:s, s:b, s:b}", "version", PACKAGE_VERSION, "store_ready", 0, "node_reachable",
                   mg_probe_status(r->d.probe).reachable);
}

void rest_info_get_info(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  if (!rest_authorised(r, req, false)) return;
  if (!rest_store_ready(r)) return mg_http_respond_json(req, 200, info_not_ready_json(r));
  mg_watcher_status_t st;
  mg_watcher_status(r->d.backends.watcher, &st);
  json_t *last_frame = st.last_frame_ms ? json_integer((json_int_t)st.last_frame_ms) : json_null();
  mg_http_respond_json(req, 200, json_pack("{s:s, s:b, s:s, s:b, s:b, s:o, s:I, s:I, s:I, s:o, s:o, s:o}", "version",
                                           PACKAGE_VERSION, "store_ready", 1, "store", mg_store_engine_name(r->d.backends.store),
                                           "node_reachable", mg_probe_status(r->d.probe).reachable, "feed_connected",
                                           st.feed_connected, "feed_last_frame_at", last_frame, "queued",
                                           (json_int_t)st.queued, "watches", (json_int_t)st.watches, "last_cursor",
                                           (json_int_t)mg_tail_last_cursor(r->d.backends.tail), "fleet", fleet_json(r),
                                           "counters", counters_json(r->d.metrics), "invalid", invalid_json(r->d.metrics)));
}

void rest_info_get_openapi(void *ctx, mg_http_request_t *req) {
  (void)ctx;
  mg_http_respond_text(req, 200, "application/json", mg_openapi_document, strlen(mg_openapi_document));
}

/* The counters exported as they are, mamgate_<name>_total. */
static const struct {
  const char *name;
  size_t offset;
} plain_counters[] = {
#define COUNTER(field) {#field, offsetof(mg_metrics_t, field)}
    COUNTER(feed_frames),        COUNTER(feed_transactions),  COUNTER(feed_matched),         COUNTER(feed_invalid),
    COUNTER(feed_duplicates),    COUNTER(bundles_completed),  COUNTER(packets_decoded),      COUNTER(packets_stored),
    COUNTER(packets_repeated),   COUNTER(messages_published), COUNTER(publish_failures),     COUNTER(backfill_runs),
    COUNTER(backfill_transactions), COUNTER(backfill_failures), COUNTER(packets_output),     COUNTER(packets_dropped),
    COUNTER(shard_skipped),
#undef COUNTER
};

/* Decoded packets not stored yet (the database's queue included) and back-fill transactions not read. */
static size_t queued_now(rest_t *r, bool ready) {
  mg_watcher_status_t st = {0};
  if (ready) mg_watcher_status(r->d.backends.watcher, &st);
  return st.queued;
}

/* Prometheus text exposition of the counters. */
void rest_info_get_metrics(void *ctx, mg_http_request_t *req) {
  rest_t *r = ctx;
  const mg_metrics_t *m = r->d.metrics;
  mg_http_stats_t hs;
  mg_http_get_stats(r->http, &hs);
  size_t cap = 16384, len = 0;
  char *out = malloc(cap);
  if (!out) return mg_http_respond_error(req, 500, "internal", "out of memory");
#define EMIT(...) (len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, __VA_ARGS__))
  for (size_t i = 0; i < sizeof plain_counters / sizeof *plain_counters; i++)
    EMIT("# TYPE mamgate_%s_total counter\nmamgate_%s_total %llu\n", plain_counters[i].name, plain_counters[i].name,
         (unsigned long long)atomic_load((const atomic_uint_fast64_t *)((const char *)m + plain_counters[i].offset)));
  EMIT("# TYPE mamgate_feed_invalid_reason_total counter\n");
  for (int i = 0; i < MG_INVALID__COUNT; i++)
    EMIT("mamgate_feed_invalid_reason_total{reason=\"%s\"} %llu\n", mg_invalid_reason_name((mg_invalid_reason_t)i),
         (unsigned long long)m->invalid[i]);
  EMIT("# TYPE mamgate_decode_rejected_total counter\n");
  for (int e = 1; e < MAM_ERR__COUNT; e++)
    if (m->rejected[e]) EMIT("mamgate_decode_rejected_total{reason=\"%s\"} %llu\n", mam_strerror((mam_err_t)e), (unsigned long long)m->rejected[e]);
  EMIT("# TYPE mamgate_pow_seconds_total counter\nmamgate_pow_seconds_total %.3f\n", (double)m->pow_ms_total / 1000.0);
  EMIT("# TYPE mamgate_pow_total counter\nmamgate_pow_total %llu\n", (unsigned long long)m->pow_count);
  bool ready = rest_store_ready(r);
  mg_instance_t *live = NULL;
  size_t n_live = 0;
  if (!ready || mg_fleet_live(r->d.backends.fleet, &live, &n_live) != 0) n_live = 0;
  mg_instances_free(live, n_live);
  char shard[MG_SHARD_TEXT_MAX];
  mg_shard_format(r->d.settings.shard, shard, sizeof shard);
  EMIT("# TYPE mamgate_store_ready gauge\nmamgate_store_ready %d\n", ready);
  if (ready) EMIT("# TYPE mamgate_store_info gauge\nmamgate_store_info{engine=\"%s\"} 1\n", mg_store_engine_name(r->d.backends.store));
  EMIT("# TYPE mamgate_fleet_live_instances gauge\nmamgate_fleet_live_instances %zu\n", n_live);
  EMIT("# TYPE mamgate_shard_info gauge\nmamgate_shard_info{instance=\"%s\",shard=\"%s\"} 1\n", r->d.settings.instance_id, shard);
  EMIT("# TYPE mamgate_queued_packets gauge\nmamgate_queued_packets %zu\n", queued_now(r, ready));
  EMIT("# TYPE mamgate_http_requests_total counter\n");
  for (int s = 100; s < 600; s++)
    if (hs.by_status[s]) EMIT("mamgate_http_requests_total{status=\"%d\"} %llu\n", s, (unsigned long long)hs.by_status[s]);
#undef EMIT
  if (len >= cap) len = cap - 1;
  mg_http_respond_text(req, 200, "text/plain; version=0.0.4", out, len);
  free(out);
}

