#include "plugin/settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/instance.h"
#include "services/rest/rest.h"
#include "zmq/feed.h"

typedef enum { OPT_TEXT, OPT_TOKEN, OPT_STORE, OPT_UINT, OPT_BOOL, OPT_POW, OPT_LEVEL, OPT_INSTANCE, OPT_SHARD } opt_type_t;

typedef struct option_def {
  const char *key;
  opt_type_t type;
  size_t offset;
  const char *fallback;
  uint64_t min, max; /* OPT_UINT */
  const char *help;
  bool secret; /* never echoed in messages */
} option_def_t;

#define FIELD(f) offsetof(mg_config_t, f)
#define QUOTE(x) #x
#define DEFAULT_OF(constant) QUOTE(constant) /* a default kept as a constant elsewhere, as text */
#define OPTION(k, t, f, d, lo, hi, h) {.key = k, .type = t, .offset = FIELD(f), .fallback = d, .min = lo, .max = hi, .help = h}

static const option_def_t options[] = {
    OPTION("node_api", OPT_TEXT, node_api, "http://127.0.0.1:14265", 0, 0, "node HTTP API URL"),
    OPTION("node_zmq", OPT_TEXT, node_zmq, "tcp://127.0.0.1:5556", 0, 0, "node ZeroMQ feed URL"),
    OPTION("http", OPT_TEXT, http, "127.0.0.1:8088", 0, 0, "REST API bind address host:port"),
    OPTION("zmq_pub", OPT_TEXT, zmq_pub, "tcp://127.0.0.1:5557", 0, 0, "decoded-message PUB endpoint"),
    OPTION("data_dir", OPT_TEXT, data_dir, "./var", 0, 0, "directory (0700, locked while the gateway runs) of the database (mamgate.db), seed and token, all mode 0600"),
    /* a URI may hold a password: never echoed */
    {.key = "store", .type = OPT_STORE, .offset = FIELD(store), .fallback = MG_STORE_SQLITE,
     .help = "sqlite (data_dir/mamgate.db) or a PostgreSQL URI postgresql://USER:PASSWORD@HOST:PORT/DB shared by a fleet",
     .secret = true},
    OPTION("fleet_key_file", OPT_TEXT, fleet_key_file, "", 0, 0,
           "the fleet key (32 bytes, mode 0600, made by mamgate-cli fleet-key), the same on every instance; required"
           " with PostgreSQL"),
    {.key = "token", .type = OPT_TOKEN, .offset = FIELD(token), .fallback = "",
     .help = "bearer token for write routes, at least 16 characters (generated when empty)", .secret = true},
    OPTION("mwm", OPT_UINT, mwm, "9", 1, 81, "minimum weight magnitude of local proof of work"),
    OPTION("pow", OPT_POW, pow_remote, "local", 0, 0, "proof of work: local (every core, bit-sliced) or remote (the node's attachToTangle)"),
    OPTION("pow_threads", OPT_UINT, pow_threads, "0", 0, 256, "proof-of-work threads (0: every CPU)"),
    OPTION("max_body_bytes", OPT_UINT, max_body_bytes, "1048576", 1024, UINT64_C(1) << 30, "largest REST body (413 past it)"),
    OPTION("max_payload_bytes", OPT_UINT, max_payload_bytes, "65536", 1, UINT64_C(1) << 28, "largest message payload (413 past it)"),
    OPTION("max_list", OPT_UINT, max_list, "64", 1, 4096, "longest list in a request (keys, packets)"),
    OPTION("page_limit", OPT_UINT, page_limit, "1000", 1, 100000, "most messages in one fetch"),
    OPTION("idempotency_ttl_s", OPT_UINT, idempotency_ttl_s, "86400", 1, 30 * 86400,
           "seconds an Idempotency-Key's first answer is replayed"),
    OPTION("max_height", OPT_UINT, max_height, "16", 0, 20, "tallest Merkle tree a client may create"),
    OPTION("rotate_threshold", OPT_UINT, rotate_threshold, "0", 0, UINT64_C(1) << 20,
     "announce a new endpoint when signatures left fall to this (0: off)"),
    OPTION("read_auth", OPT_BOOL, read_auth, "false", 0, 0, "read routes need the token too"),
    OPTION("http_threads", OPT_UINT, http_threads, "0", 0, 256, "REST worker threads (0: one per CPU)"),
    OPTION("publish_threads", OPT_UINT, publish_threads, DEFAULT_OF(MG_REST_PUBLISH_THREADS), 1, 256,
           "threads for the writes that sign or call the node (publish, endpoints, channels), off the REST workers"),
    OPTION("publish_queue", OPT_UINT, publish_queue, DEFAULT_OF(MG_REST_PUBLISH_QUEUE), 1, 1000000,
           "writes waiting for a publish thread at most (past it: 503 with Retry-After, nothing signed)"),
    OPTION("http_max_connections", OPT_UINT, http_max_connections, "1024", 1, 65536, "open REST connections at most"),
    OPTION("http_max_connections_per_ip", OPT_UINT, http_max_connections_per_ip, "256", 1, 65536,
           "open REST connections from one client address at most (behind a proxy: the proxy's)"),
    OPTION("http_header_timeout_s", OPT_UINT, http_header_timeout_s, "10", 1, 3600,
           "seconds a client has to send a whole request head, however slowly it trickles"),
    OPTION("http_max_discard_bytes", OPT_UINT, http_max_discard_bytes, "67108864", 1, UINT64_C(1) << 34,
           "bytes of a too-large body read and dropped so the client gets its 413 (past it: closed)"),
    OPTION("allowed_hosts", OPT_TEXT, allowed_hosts, "", 0, 0,
           "Host headers accepted, comma-separated, '*' for any (empty: the bind address and localhost)"),
    OPTION("node_probe_interval_s", OPT_UINT, node_probe_interval_s, "10", 1, 3600,
           "seconds between node reachability checks (reported by /v1/info)"),
    OPTION("node_timeout_ms", OPT_UINT, node_timeout_ms, "10000", 100, 600000, "node API request time-out"),
    OPTION("feed_queue_frames", OPT_UINT, feed_queue_frames, DEFAULT_OF(MG_FEED_DEFAULT_QUEUE), 100, 1000000,
           "feed frames queued for the decoder (past this the node drops them)"),
    OPTION("feed_max_message_bytes", OPT_UINT, feed_max_message_bytes, DEFAULT_OF(MG_FEED_DEFAULT_MAX_MESSAGE),
           MG_FEED_MAX_FRAME, 1048576,
           "a longer message on the feed disconnects it (reconnect and back-fill follow)"),
    OPTION("backfill_page", OPT_UINT, backfill_page, "500", 1, 10000, "hashes per getTrytes in back-fill"),
    OPTION("assembler_max_txs", OPT_UINT, assembler_max_txs, "100000", 100, 100000000, "transactions held for incomplete bundles"),
    OPTION("assembler_ttl_s", OPT_UINT, assembler_ttl_s, "600", 1, 86400, "seconds an incomplete bundle is kept"),
    OPTION("reader_max_contexts", OPT_UINT, reader_max_contexts, "4096", 1, 1000000, "open messages per watched channel"),
    OPTION("log_level", OPT_LEVEL, log_level, "info", 0, 0, "debug, info, warning or error"),
    OPTION("instance_id", OPT_INSTANCE, instance_id, "", 0, 0,
           "this instance's name in the fleet's heartbeats, 1 to 64 of [A-Za-z0-9._-] (empty: host name and REST port, host-8088)"),
    OPTION("shard", OPT_SHARD, shard, "", 0, 0,
           "K/N: decode only the watched channels whose id hashes to K mod N, and a part of the share of an instance "
           "whose heartbeat is stale (empty: every watched channel)"),
    OPTION("shard_takeover_s", OPT_UINT, shard_takeover_s, "30", 2, 3600,
           "seconds after its last heartbeat an instance counts as gone (its shard's share is taken over); "
           "heartbeats come every third of it, 5 s at most"),
    OPTION("store_queue_packets", OPT_UINT, store_queue_packets, "100000", 0, 10000000,
           "decoded packets kept in memory while the database cannot be reached (past it they are dropped and counted)"),
};

#define N_OPTIONS (sizeof options / sizeof *options)

static const option_def_t *find_option(const char *key) {
  for (size_t i = 0; i < N_OPTIONS; i++)
    if (strcmp(options[i].key, key) == 0) return &options[i];
  return NULL;
}

static const char *const pg_schemes[] = {"postgresql://", "postgres://"};

static bool is_pg_uri(const char *text) {
  for (size_t i = 0; i < sizeof pg_schemes / sizeof *pg_schemes; i++)
    if (strncmp(text, pg_schemes[i], strlen(pg_schemes[i])) == 0) return true;
  return false;
}

bool mg_config_store_is_pg(const mg_config_t *c) { return is_pg_uri(c->store); }

static int parse_uint(const char *text, uint64_t min, uint64_t max, uint64_t *out) {
  char *end;
  errno = 0;
  if (!*text || *text == '-' || *text == ' ') return -1;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno || *end || v < min || v > max) return -1;
  *out = v;
  return 0;
}

static int parse_bool(const char *text, bool *out) {
  static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
  for (size_t i = 0; i < 4; i++) {
    if (strcmp(text, yes[i]) == 0) return *out = true, 0;
    if (strcmp(text, no[i]) == 0) return *out = false, 0;
  }
  return -1;
}

static int parse_level(const char *text, uint64_t *out) {
  static const char *const names[] = {"debug", "info", "warning", "error"};
  for (uint64_t i = 0; i < 4; i++)
    if (strcmp(text, names[i]) == 0) return *out = i, 0;
  return -1;
}

static int apply_text(char *field, const char *value, char *expected, size_t len) {
  if (strlen(value) >= MG_CONFIG_TEXT_MAX) return snprintf(expected, len, "at most %d characters", MG_CONFIG_TEXT_MAX - 1), -1;
  memcpy(field, value, strlen(value) + 1);
  return 0;
}

/* Applies one value; writes what was expected into `expected` on failure. */
static int apply(mg_config_t *c, const option_def_t *o, const char *value, char *expected, size_t len) {
  char *field = (char *)c + o->offset;
  switch (o->type) {
    case OPT_TEXT: return apply_text(field, value, expected, len);
    case OPT_TOKEN:
      if (*value && strlen(value) < MG_TOKEN_MIN_CHARS)
        return snprintf(expected, len, "at least %d characters (or empty: generated)", MG_TOKEN_MIN_CHARS), -1;
      return apply_text(field, value, expected, len);
    case OPT_STORE:
      if (strcmp(value, MG_STORE_SQLITE) == 0 || is_pg_uri(value)) return apply_text(field, value, expected, len);
      return snprintf(expected, len, "sqlite or a PostgreSQL URI postgresql://..."), -1;
    case OPT_UINT:
      if (parse_uint(value, o->min, o->max, (uint64_t *)(void *)field) == 0) return 0;
      return snprintf(expected, len, "an integer from %llu to %llu", (unsigned long long)o->min, (unsigned long long)o->max), -1;
    case OPT_BOOL:
      if (parse_bool(value, (bool *)(void *)field) == 0) return 0;
      return snprintf(expected, len, "true or false"), -1;
    case OPT_POW:
      if (strcmp(value, "local") == 0 || strcmp(value, "remote") == 0) return *(bool *)(void *)field = value[0] == 'r', 0;
      return snprintf(expected, len, "local or remote"), -1;
    case OPT_LEVEL:
      if (parse_level(value, (uint64_t *)(void *)field) == 0) return 0;
      return snprintf(expected, len, "debug, info, warning or error"), -1;
    case OPT_INSTANCE:
      if (!*value || mg_instance_id_valid(value)) return apply_text(field, value, expected, len);
      return snprintf(expected, len, "1 to %d characters of A-Z, a-z, 0-9, '.', '_' and '-' (or empty)", MG_INSTANCE_ID_MAX), -1;
    case OPT_SHARD:
      if (mg_shard_parse(value, (mg_shard_t *)(void *)field) == 0) return 0;
      return snprintf(expected, len, "K/N with 0 <= K < N <= %d (or empty: no shard)", MG_SHARD_COUNT_MAX), -1;
  }
  return -1;
}

int mg_config_load(mg_config_t *c, const mamgate_opt_t *opts, int nopts, char *err, size_t err_len) {
  char expected[128];
  memset(c, 0, sizeof *c);
  for (size_t i = 0; i < N_OPTIONS; i++)
    if (apply(c, &options[i], options[i].fallback, expected, sizeof expected) != 0) {
      snprintf(err, err_len, "built-in default of '%s' invalid", options[i].key);
      return -1;
    }
  for (int i = 0; i < nopts; i++) {
    const char *origin = opts[i].origin ? opts[i].origin : "option";
    if (!opts[i].key || !opts[i].value) {
      snprintf(err, err_len, "%s: option without key or value", origin);
      return -1;
    }
    const option_def_t *o = find_option(opts[i].key);
    if (!o) {
      snprintf(err, err_len, "%s: unknown option '%s'", origin, opts[i].key);
      return -1;
    }
    if (apply(c, o, opts[i].value, expected, sizeof expected) != 0) {
      snprintf(err, err_len, "%s: bad value '%s' for %s: expected %s", origin, o->secret ? "(hidden)" : opts[i].value,
               o->key, expected);
      return -1;
    }
  }
  if (mg_config_store_is_pg(c) && !c->fleet_key_file[0]) {
    snprintf(err, err_len, "a PostgreSQL store needs fleet_key_file: the fleet key every instance shares (make one"
             " with mamgate-cli fleet-key FILE)");
    return -1;
  }
  return 0;
}

size_t mg_config_describe(char *buf, size_t len) {
  size_t used = 0;
  for (size_t i = 0; i < N_OPTIONS; i++) {
    int n = snprintf(buf ? buf + used : NULL, buf && used < len ? len - used : 0, "%-22s %-26s %s\n", options[i].key,
                     options[i].fallback[0] ? options[i].fallback : "(empty)", options[i].help);
    if (n > 0) used += (size_t)n;
  }
  return used;
}

size_t mg_config_count(void) { return N_OPTIONS; }

mg_option_doc_t mg_config_doc(size_t i) {
  return (mg_option_doc_t){.key = options[i].key, .fallback = options[i].fallback, .help = options[i].help};
}
