/* plugin/settings.h: the plugin's configuration: every option, its default and its checks.
 *
 * Options arrive as key/value text from the host (file, environment, flags; see
 * mamgate_plugin.h). Unknown keys (from every origin, the environment included) and bad values
 * are errors that name the option's origin. */
#ifndef PLUGIN_SETTINGS_H
#define PLUGIN_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamgate/mamgate_plugin.h"
#include "read/shard.h"

#define MG_CONFIG_TEXT_MAX 512
#define MG_TOKEN_MIN_CHARS 16 /* a configured or stored token is at least this long */

typedef struct mg_config {
  char node_api[MG_CONFIG_TEXT_MAX];  /* node HTTP API URL */
  char node_zmq[MG_CONFIG_TEXT_MAX];  /* node ZeroMQ feed URL */
  char http[MG_CONFIG_TEXT_MAX];      /* REST bind address host:port */
  char zmq_pub[MG_CONFIG_TEXT_MAX];   /* decoded-message PUB endpoint */
  char data_dir[MG_CONFIG_TEXT_MAX];
  char store[MG_CONFIG_TEXT_MAX];     /* "sqlite" (data_dir/mamgate.db) or a postgresql:// URI */
  char fleet_key_file[MG_CONFIG_TEXT_MAX]; /* the fleet key (seal/key.h); required with PostgreSQL */
  char token[MG_CONFIG_TEXT_MAX];     /* bearer token for write routes; empty: generated */
  uint64_t mwm;                       /* minimum weight magnitude for local PoW */
  bool pow_remote;                    /* attachToTangle on the node instead of local PoW */
  uint64_t pow_threads;               /* 0: every CPU */
  uint64_t max_body_bytes;            /* REST request bodies */
  uint64_t max_payload_bytes;         /* one message's payload */
  uint64_t max_list;                  /* list lengths in requests (PSKs, keys, packets) */
  uint64_t page_limit;                /* most messages per fetch page */
  uint64_t idempotency_ttl_s;         /* how long an Idempotency-Key's answer is replayed */
  uint64_t max_height;                /* tallest MSS tree a client may ask for */
  uint64_t rotate_threshold;          /* new endpoint when remaining signatures fall to this; 0 off */
  bool read_auth;                     /* read routes need the token too */
  uint64_t http_threads;              /* REST worker threads (0: one per CPU) */
  uint64_t publish_threads;           /* threads for the writes that sign or call the node */
  uint64_t publish_queue;             /* writes waiting for one at most */
  uint64_t http_max_connections;
  uint64_t http_max_connections_per_ip;
  uint64_t http_header_timeout_s;     /* a request head must be complete within this */
  uint64_t http_max_discard_bytes;    /* body bytes past max_body_bytes read and dropped for a clean 413 */
  char allowed_hosts[MG_CONFIG_TEXT_MAX]; /* Host headers accepted; empty: the bind address and localhost */
  uint64_t node_probe_interval_s;     /* seconds between node reachability checks */
  uint64_t node_timeout_ms;
  uint64_t backfill_page;             /* hashes per getTrytes during back-fill */
  uint64_t assembler_max_txs;
  uint64_t assembler_ttl_s;
  uint64_t feed_queue_frames;      /* feed frames queued for the decoder at most */
  uint64_t feed_max_message_bytes; /* a longer feed message disconnects (reconnect + back-fill) */
  uint64_t reader_max_contexts;
  uint64_t log_level;                 /* mamgate_log_level_t: 0 debug .. 3 error */
  char instance_id[MG_CONFIG_TEXT_MAX]; /* this instance's name in the fleet; empty: host name and REST port */
  mg_shard_t shard;                   /* K/N: decode that share of the watched channels; count 0: all */
  uint64_t shard_takeover_s;          /* a heartbeat older than this: the instance's share is taken over */
  uint64_t store_queue_packets;       /* decoded packets kept while the database cannot be reached */
} mg_config_t;

#define MG_STORE_SQLITE "sqlite" /* the option store's value for the embedded engine */

/* True when the option store names a PostgreSQL database (a fleet). */
bool mg_config_store_is_pg(const mg_config_t *c);

/* Fills defaults then applies the options in order (later ones win), then checks the options
 * that depend on each other (a PostgreSQL store needs fleet_key_file). On error returns -1 and
 * writes "<origin>: <message>" into err. */
int mg_config_load(mg_config_t *c, const mamgate_opt_t *opts, int nopts, char *err, size_t err_len);

/* Prints every option with its default, one per line (for --help and the README). */
size_t mg_config_describe(char *buf, size_t len);

/* One option as the generated documentation shows it (example file, man page, README table). */
typedef struct mg_option_doc {
  const char *key;
  const char *fallback; /* the default as text; "" for none */
  const char *help;
} mg_option_doc_t;

/* How many options there are, and the i-th of them (i < mg_config_count()), in table order. */
size_t mg_config_count(void);
mg_option_doc_t mg_config_doc(size_t i);

#endif
