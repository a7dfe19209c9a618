/* The plugin ABI (include/mamgate/mamgate_plugin.h): version negotiation, init, cleanup. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "fs/datadir.h"
#include "node/client.h"
#include "plugin/console.h"
#include "plugin/gateway.h"
#include "services/fleet.h"
#include "services/probe.h"
#include "services/rest/rest.h"
#include "services/tail.h"
#include "plugin/startup.h"
#include "services/watcher.h"
#include "services/writer.h"

void mg_log(mg_gateway_t *g, int level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  mg_env_vlog(&g->env, level, fmt, ap);
  va_end(ap);
}

int mg_errorf(char *err, size_t err_len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, err_len, fmt, ap);
  va_end(ap);
  return -1;
}

uint64_t mg_now_ms(const mg_gateway_t *g) { return mg_env_now_ms(&g->env); }

/* The services' log and clock: the host's. */
static void host_log(void *ctx, int level, const char *line) {
  const mg_gateway_t *g = ctx;
  g->host.log(g->host.host_data, level, line);
}

static uint64_t host_now_ms(void *ctx) {
  const mg_gateway_t *g = ctx;
  return g->host.now_ms(g->host.host_data);
}

static void init_env(mg_gateway_t *g) {
  g->env = (mg_env_t){.ctx = g, .min_level = (int)g->cfg.log_level, .log = host_log,
                      .now_ms = g->host.now_ms ? host_now_ms : NULL};
}

/* The highest ABI version this plugin speaks that the host offers, or -1. */
MAMGATE_EXPORT int mamgate_plugin_version(int count, const int *supported) {
  int picked = -1;
  for (int i = 0; supported && i < count; i++)
    if ((supported[i] == MAMGATE_PLUGIN_ABI_V1 || supported[i] == MAMGATE_PLUGIN_ABI_V2) && supported[i] > picked)
      picked = supported[i];
  return picked;
}

/* The last field the host must have filled in for the version it speaks. */
static size_t host_size_needed(const mamgate_host_t *host) {
  if (host->abi_version == MAMGATE_PLUGIN_ABI_V1) return offsetof(mamgate_host_t, log) + sizeof host->log;
  return offsetof(mamgate_host_t, flags) + sizeof host->flags;
}

/* Copies the host's callbacks; fields past the host's struct_size, and those of a later ABI
 * version than the one picked, stay zero. */
static int copy_host(mg_gateway_t *g, const mamgate_host_t *host) {
  if (!host || (host->abi_version != MAMGATE_PLUGIN_ABI_V1 && host->abi_version != MAMGATE_PLUGIN_ABI_V2) ||
      host->struct_size < host_size_needed(host) || !host->log)
    return -1;
  memcpy(&g->host, host, host->struct_size < sizeof g->host ? host->struct_size : sizeof g->host);
  if (host->abi_version == MAMGATE_PLUGIN_ABI_V1) g->host.flags = 0;
  return 0;
}

static void gateway_free(mg_gateway_t *g) {
  atomic_store(&g->stopping, 1);
  mg_rest_stop(g->rest);
  mg_probe_stop(g->probe);
  mg_watcher_stop(g->watcher);
  mg_tail_stop(g->tail);
  mg_fleet_stop(g->fleet_service);
  mg_writer_free(g->writer);
  if (g->zmq_ctx) zmq_ctx_term(g->zmq_ctx);
  mg_store_close(g->control);
  mg_seal_key_wipe(&g->fleet_key);
  mg_node_global_cleanup();
  pthread_mutex_destroy(&g->control_lock);
  mam_prng_destroy(&g->prng);
  mam_wipe(g->token, sizeof g->token);
  mg_datadir_close(g->data_dir); /* after every database connection is closed */
  free(g);
}

/* Reads the options into g->cfg; logs what is wrong with them. */
static int load_config(mg_gateway_t *g, const mamgate_opt_t *opts, int nopts) {
  char err[512] = "";
  if (mg_config_load(&g->cfg, opts, nopts, err, sizeof err) == 0) return init_env(g), MAMGATE_OK;
  mg_log(g, MAMGATE_LOG_ERROR, "%s", err);
  return MAMGATE_ERR_CONFIG;
}

/* The writer's slice of the gateway. */
static mg_writer_deps_t writer_deps(mg_gateway_t *g) {
  const mg_config_t *c = &g->cfg;
  return (mg_writer_deps_t){
      .env = &g->env,
      .settings = {.node_api = c->node_api, .node_timeout_ms = c->node_timeout_ms, .mwm = c->mwm,
                   .pow_remote = c->pow_remote, .pow_threads = c->pow_threads, .max_height = c->max_height,
                   .max_list = c->max_list, .rotate_threshold = c->rotate_threshold},
      .store = g->control,
      .store_lock = &g->control_lock,
      .prng = &g->prng,
      .metrics = &g->metrics,
      .stopping = &g->stopping};
}

/* How often the watcher follows watches made through other instances, on a database they share
 * (SQLite's belongs to one gateway: its data directory is locked). */
#define WATCH_SYNC_MS 2000

/* The key every store connection opens with: the fleet key, when there is one. */
static const mg_seal_key_t *store_key(const mg_gateway_t *g) { return g->fleet ? &g->fleet_key : NULL; }

static bool fleet_decodes(void *ctx, const char *channel_id) { return mg_fleet_decodes(ctx, channel_id); }

/* The watcher's slice of the gateway. */
static mg_watcher_deps_t watcher_deps(mg_gateway_t *g) {
  const mg_config_t *c = &g->cfg;
  return (mg_watcher_deps_t){
      .env = &g->env,
      .settings = {.db_path = g->db_path, .store_key = store_key(g), .node_zmq = c->node_zmq, .node_api = c->node_api,
                   .node_timeout_ms = c->node_timeout_ms, .backfill_page = c->backfill_page,
                   .feed_queue_frames = c->feed_queue_frames, .feed_max_message_bytes = c->feed_max_message_bytes,
                   .assembler_max_txs = c->assembler_max_txs, .assembler_ttl_s = c->assembler_ttl_s,
                   .reader_max_contexts = c->reader_max_contexts, .max_payload_bytes = c->max_payload_bytes,
                   .store_queue_packets = c->store_queue_packets,
                   .watch_sync_ms = strcmp(mg_store_engine_name(g->control), "sqlite") != 0 ? WATCH_SYNC_MS : 0},
      .control = g->control,
      .control_lock = &g->control_lock,
      .zmq_ctx = g->zmq_ctx,
      .metrics = &g->metrics,
      .stopping = &g->stopping,
      .decodes = c->shard.count ? fleet_decodes : NULL,
      .decodes_ctx = g->fleet_service};
}

/* The fleet service's slice of the gateway. */
static mg_fleet_deps_t fleet_deps(mg_gateway_t *g) {
  const mg_config_t *c = &g->cfg;
  return (mg_fleet_deps_t){
      .env = &g->env,
      .settings = {.db_path = g->db_path, .store_key = store_key(g), .instance_id = g->instance_id,
                   .version = PACKAGE_VERSION, .http = c->http, .shard = c->shard, .takeover_ms = c->shard_takeover_s * 1000},
      .stopping = &g->stopping};
}

/* Every REST worker and live stream opens its own connection to the gateway's database. */
static mg_store_err_t open_store(void *ctx, mg_store_t **out) { return mg_gateway_open_store(ctx, out); }

/* The web console's files, served by the REST service's server. */
static const mg_rest_route_t console_routes[] = {
    {"GET", "/", mg_console_index},
    {"GET", "/console/{file}", mg_console_file},
};

/* What the REST service needs the store for, once it is open. */
static mg_rest_backends_t rest_backends(mg_gateway_t *g) {
  return (mg_rest_backends_t){.store = g->control, .writer = g->writer, .watcher = g->watcher, .tail = g->tail,
                              .fleet = g->fleet_service};
}

/* The REST service's slice of the gateway (without the store's parts: see rest_backends). */
static mg_rest_deps_t rest_deps(mg_gateway_t *g) {
  const mg_config_t *c = &g->cfg;
  return (mg_rest_deps_t){
      .env = &g->env,
      .settings = {.http = c->http, .allowed_hosts = c->allowed_hosts, .read_auth = c->read_auth,
                   .limits = {.max_body_bytes = c->max_body_bytes, .max_discard_bytes = c->http_max_discard_bytes,
                              .threads = (unsigned)c->http_threads, .max_connections = (unsigned)c->http_max_connections,
                              .max_connections_per_ip = (unsigned)c->http_max_connections_per_ip,
                              .connection_timeout_s = 30, .header_timeout_s = (unsigned)c->http_header_timeout_s},
                   .max_height = c->max_height, .max_list = c->max_list, .max_payload_bytes = c->max_payload_bytes,
                   .page_limit = c->page_limit, .idempotency_ttl_s = c->idempotency_ttl_s,
                   .publish_threads = (unsigned)c->publish_threads, .publish_queue = (size_t)c->publish_queue,
                   .instance_id = g->instance_id, .shard = c->shard, .shard_takeover_s = c->shard_takeover_s},
      .token = g->token,
      .open_store = open_store,
      .open_store_ctx = g,
      .store_lock = &g->control_lock,
      .metrics = &g->metrics,
      .probe = g->probe,
      .stopping = &g->stopping,
      .extra_routes = console_routes,
      .n_extra_routes = sizeof console_routes / sizeof *console_routes};
}

/* The store tail's slice of the gateway. */
static mg_tail_deps_t tail_deps(mg_gateway_t *g) {
  return (mg_tail_deps_t){.env = &g->env,
                          .settings = {.db_path = g->db_path, .store_key = store_key(g), .zmq_pub = g->cfg.zmq_pub},
                          .zmq_ctx = g->zmq_ctx,
                          .metrics = &g->metrics,
                          .stopping = &g->stopping};
}

/* This instance's name in the fleet: the option, or one made from the REST address. */
static int name_instance(mg_gateway_t *g) {
  if (g->cfg.instance_id[0]) snprintf(g->instance_id, sizeof g->instance_id, "%.*s", MG_INSTANCE_ID_MAX, g->cfg.instance_id);
  else if (mg_instance_id_default(g->cfg.http, g->instance_id, sizeof g->instance_id) != 0)
    return mg_log(g, MAMGATE_LOG_ERROR, "cannot make an instance id; set instance_id"), MAMGATE_ERR_CONFIG;
  return MAMGATE_OK;
}

/* The fleet heartbeat and the store tail (before the watcher, which asks the fleet for its share). */
static int start_fleet(mg_gateway_t *g) {
  char err[512] = "";
  mg_fleet_deps_t fleet = fleet_deps(g);
  if (!(g->fleet_service = mg_fleet_start(&fleet, err, sizeof err))) return mg_log(g, MAMGATE_LOG_ERROR, "%s", err), MAMGATE_ERR_STORE;
  mg_tail_deps_t tail = tail_deps(g);
  if (!(g->tail = mg_tail_start(&tail, err, sizeof err))) return mg_log(g, MAMGATE_LOG_ERROR, "%s", err), MAMGATE_ERR_ZMQ;
  return MAMGATE_OK;
}

/* What needs no store, REST first: it listens while the database cannot be reached yet and
 * answers 503 store_unavailable on the routes that need it. */
static int start_serving(mg_gateway_t *g) {
  char err[512] = "";
  int rc = name_instance(g);
  if (rc != MAMGATE_OK) return rc;
  if (mg_node_global_init() != MG_NODE_OK) return MAMGATE_ERR_NO_MEMORY;
  g->probe = mg_probe_start(g->cfg.node_api, g->cfg.node_probe_interval_s * 1000u, g->cfg.node_timeout_ms);
  if (!g->probe) return mg_log(g, MAMGATE_LOG_ERROR, "cannot start the node probe"), MAMGATE_ERR_NO_MEMORY;
  mg_rest_deps_t rest = rest_deps(g);
  if (!(g->rest = mg_rest_start(&rest, err, sizeof err))) return mg_log(g, MAMGATE_LOG_ERROR, "%s", err), MAMGATE_ERR_HTTP;
  return MAMGATE_OK;
}

/* The store (retried while the database cannot be reached) and the services that use it; then
 * REST serves every route. */
static int start_store_services(mg_gateway_t *g) {
  char err[512] = "";
  if (mg_fleet_open_control(g, err, sizeof err) != 0) return mg_log(g, MAMGATE_LOG_ERROR, "%s", err), MAMGATE_ERR_STORE;
  if (mg_files_load_seed(g, g->control, err, sizeof err) != 0) return mg_log(g, MAMGATE_LOG_ERROR, "%s", err), MAMGATE_ERR_IO;
  if (!(g->zmq_ctx = zmq_ctx_new())) return MAMGATE_ERR_ZMQ;
  mg_writer_deps_t writer = writer_deps(g);
  if (!(g->writer = mg_writer_new(&writer, err, sizeof err)))
    return mg_log(g, MAMGATE_LOG_ERROR, "%s", err), MAMGATE_ERR_STORE;
  int rc = start_fleet(g);
  if (rc != MAMGATE_OK) return rc;
  mg_watcher_deps_t watcher = watcher_deps(g);
  if (!(g->watcher = mg_watcher_start(&watcher, err, sizeof err)))
    return mg_log(g, MAMGATE_LOG_ERROR, "%s", err), MAMGATE_ERR_ZMQ;
  mg_rest_backends_t backends = rest_backends(g);
  mg_rest_store_ready(g->rest, &backends);
  return MAMGATE_OK;
}

/* Each step of start-up, in order; the first failure stops the rest. */
static int start(mg_gateway_t *g, const mamgate_opt_t *opts, int nopts) {
  char err[512] = "";
  int rc = load_config(g, opts, nopts);
  if (rc != MAMGATE_OK) return rc;
  if (mg_files_prepare(g, err, sizeof err) != 0 || mg_fleet_prepare(g, err, sizeof err) != 0)
    return mg_log(g, MAMGATE_LOG_ERROR, "%s", err), MAMGATE_ERR_IO;
  if ((rc = start_serving(g)) != MAMGATE_OK) return rc;
  return start_store_services(g);
}

MAMGATE_EXPORT int mamgate_plugin_init(const mamgate_host_t *host, const mamgate_opt_t *opts, int nopts,
                                       void **userdata) {
  if (!userdata) return MAMGATE_ERR_STATE;
  *userdata = NULL;
  mg_gateway_t *g = calloc(1, sizeof *g);
  if (!g) return MAMGATE_ERR_NO_MEMORY;
  if (copy_host(g, host) != 0) {
    free(g);
    return MAMGATE_ERR_ABI;
  }
  g->cfg.log_level = MAMGATE_LOG_INFO; /* until the configuration is read */
  init_env(g);
  if (g->host.flags & MAMGATE_HOST_CHECK_ONLY) {
    int rc = load_config(g, opts, nopts);
    free(g);
    return rc;
  }
  pthread_mutex_init(&g->control_lock, NULL);
  int rc = start(g, opts, nopts);
  if (rc != MAMGATE_OK) {
    gateway_free(g);
    return rc;
  }
  mg_startup_warnings(g);
  mg_log(g, MAMGATE_LOG_INFO, "mamgate %s: REST http://%s/v1, decoded messages on %s, node %s (feed %s), data in %s,"
         " store %s%s", PACKAGE_VERSION, g->cfg.http, g->cfg.zmq_pub, g->cfg.node_api, g->cfg.node_zmq, g->cfg.data_dir,
         g->store_shown, g->fleet ? " (sealed with the fleet key)" : "");
  *userdata = g;
  return MAMGATE_OK;
}

MAMGATE_EXPORT int mamgate_plugin_cleanup(void *userdata) {
  if (!userdata) return MAMGATE_ERR_STATE;
  mg_gateway_t *g = userdata;
  mg_log(g, MAMGATE_LOG_INFO, "stopping");
  gateway_free(g);
  return MAMGATE_OK;
}
