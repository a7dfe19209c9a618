/* services/fleet.h: this gateway as one instance of a fleet (design "Storage engines and fleets").
 *
 * A thread upserts the instance's heartbeat row (mg_store_heartbeat) every few seconds, with its
 * info (JSON: shard, version, REST address), and reads back the instances whose heartbeat is
 * younger than takeover_ms: the live ones. From them it knows which shards of its own K/N have a
 * live instance, and so which watched channels this instance decodes now (read/shard.h: its home
 * share, and a part of the share of every shard with no live instance). A single gateway is a
 * fleet of one. Instance clocks must agree to well within takeover_ms (NTP). */
#ifndef SERVICES_FLEET_H
#define SERVICES_FLEET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "read/shard.h"
#include "services/env.h"
#include "services/instance.h"
#include "store/store.h"

typedef struct mg_fleet_settings {
  const char *db_path;            /* the store's location: the service opens a connection of its own */
  const mg_seal_key_t *store_key; /* the fleet key it opens it with (mg_store_open_sealed), or NULL */
  const char *instance_id; /* mg_instance_id_valid */
  const char *version;     /* published in the heartbeat's info */
  const char *http;        /* the REST address, published in the heartbeat's info */
  mg_shard_t shard;        /* count 0: no shard (every watched channel is decoded) */
  uint64_t takeover_ms;    /* an instance whose heartbeat is older is not live; its share is taken over */
} mg_fleet_settings_t;

/* What the service uses; everything outlives it. */
typedef struct mg_fleet_deps {
  const mg_env_t *env;
  mg_fleet_settings_t settings;
  atomic_int *stopping; /* non-zero: the thread ends */
} mg_fleet_deps_t;

typedef struct mg_fleet mg_fleet_t;

/* Opens its connection, beats once and reads the live instances (a failure there is logged, and
 * retried at the next beat), then starts the thread. NULL with a message in err on failure. */
mg_fleet_t *mg_fleet_start(const mg_fleet_deps_t *deps, char *err, size_t err_len);
/* Ends the thread and frees f (NULL is ignored). The heartbeat row stays: it goes stale. */
void mg_fleet_stop(mg_fleet_t *f);

/* Whether this instance decodes the channel now (thread-safe; no database access). */
bool mg_fleet_decodes(mg_fleet_t *f, const char *channel_id);

/* The live instances as of the last beat, sorted by id (copies: free with mg_instances_free);
 * *out NULL when none. -1 out of memory. */
int mg_fleet_live(mg_fleet_t *f, mg_instance_t **out, size_t *n);
/* The time between beats for a takeover time: a third of it, from 250 ms to 5 s. */
uint64_t mg_fleet_beat_ms(uint64_t takeover_ms);

#endif
