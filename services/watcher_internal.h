/* services/watcher_internal.h: what services/watcher.c and services/watcher_watch.c share: the
 * watcher's handle and one watch. Internal to services/, not part of the watcher's interface
 * (that is services/watcher.h). */
#ifndef MAMGATE_SERVICES_WATCHER_INTERNAL_H
#define MAMGATE_SERVICES_WATCHER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "read/addrset.h"
#include "read/assembler.h"
#include "read/txbatch.h"
#include "read/decoder.h"
#include "services/backfill.h"
#include "services/pending.h"
#include "services/watcher.h"
#include "tangle/transaction.h"
#include "zmq/feed.h"

#define BATCH_MAX 256      /* decoded packets stored in one transaction */
#define ID MG_ID_TRYTES

/* ---- one watched channel (owned by the feed thread once added) ---- */

typedef struct watch {
  char id[ID + 1];
  char *options; /* as persisted: psks and ntru key ids, inherited by announced channels */
  mg_decoder_t *decoder;
  mam_psk_t *psks;
  size_t n_psks;
  mam_ntru_sk_t *ntru;
  size_t n_ntru;
  uint64_t gap_backfill_ms; /* when a waiting bundle last asked for a back-fill */
  bool decoding; /* this instance decodes it now (its shard's share; checked once a second) */
  bool dirty; /* reader state changed since it was saved */
  struct watch *next_dirty;
} watch_t;

typedef struct command {
  enum { CMD_ADD, CMD_REMOVE, CMD_RELOAD_OWN_KEYS } kind;
  watch_t *watch;     /* CMD_ADD */
  char id[ID + 1];    /* CMD_REMOVE */
  struct command *next;
} command_t;

typedef struct injected {
  char trytes[MG_FEED_TX_TRYTES];
  char hash[ID];
  bool has_hash;
  struct injected *next;
} injected_t;

/* The ids of the gateway's own keys as the store listed them (sorted; malloc'd). */
typedef struct key_ids {
  char **psk, **ntru;
  size_t n_psk, n_ntru;
} key_ids_t;

struct mg_watcher {
  mg_watcher_deps_t d;
  pthread_t feed_thread;
  bool feed_started;
  pthread_mutex_t lock;
  pthread_cond_t wake; /* injected space */
  /* under lock */
  command_t *commands, **commands_tail;
  injected_t *injected, **injected_tail;
  size_t n_injected;
  size_t n_watches;
  bool connected;
  uint64_t connections;
  /* feed thread only */
  mg_backfill_t *backfill; /* thread-safe */
  mg_feed_t *feed;
  uint64_t feed_reopens;
  mg_store_t *store;
  mg_pending_t *pending; /* decoded packets waiting while the database cannot be reached */
  uint64_t watches_synced_ms; /* when the stored list of watches was last followed */
  key_ids_t own_keys;          /* the keys the watches of own channels were last given */
  uint64_t own_keys_checked_ms; /* when the store's list of them was last compared */
  mg_assembler_t *assembler;
  mg_decode_batch_t *decode_batch; /* the signatures of every channel's bundles, checked together */
  mg_addrset_t *watches; /* channel id -> watch_t */
  mg_txbatch_t *txbatch; /* watched transactions waiting for their hashes, computed together */
  mg_message_t batch[BATCH_MAX];
  size_t n_batch;
  uint64_t batch_since_ms; /* when the oldest packet of the batch was decoded */
  /* what other threads may read without the lock (status): n_batch as it stands, and the wall
   * clock of the last feed frame */
  atomic_size_t batch_len;
  atomic_uint_fast64_t last_frame_ms;
  watch_t *dirty;
};

/* The persisted description of a watch's keys: {"psks":[{"id","key"}],"ntru_key_ids":[...],
 * "own_keys":bool}. */
char *mg_watcher_watch_options(const mam_psk_t *psks, size_t n_psks, char (*ntru_ids)[28], size_t n_ntru,
                               bool own_keys);

/* A watch of channel `id` with the keys the options describe, its reader trusting the channel
 * (or restored from state). */
MAM_WARN_UNUSED mg_watch_err_t mg_watcher_watch_new(mg_watcher_t *wt, const char *id, const char *options,
                                                    const uint8_t *state, size_t state_len, watch_t **out);

void mg_watcher_watch_free(watch_t *w);

/* Loads every watch's own keys again (the gateway's own keys changed) and notes the ids of those
 * the store holds now. */
void mg_watcher_reload_own_keys(mg_watcher_t *wt);
/* On a database shared with other instances, keys are added and removed through them too: when
 * the store's key ids differ from those last given, reloads them and returns true. Asks the store
 * at most every MG_WATCHER_KEY_CHECK_MS (a miss may call it for every bundle). */
#define MG_WATCHER_KEY_CHECK_MS 250
bool mg_watcher_follow_own_keys(mg_watcher_t *wt, uint64_t now_ms);
void mg_watcher_key_ids_free(key_ids_t *k);

/* The watch's decoder, made when the channel's first bundle comes (or a saved state is loaded).
 * NULL when out of memory. */
mg_decoder_t *mg_watcher_decoder_of(mg_watcher_t *wt, watch_t *w);

#endif
