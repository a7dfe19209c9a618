/* store/store.h: the gateway's durable state behind one interface (design "Storage engines").
 *
 * Decoded messages (unique on channel, message id and packet order), watched channels, PSKs and NTRU
 * keys, writer channel state and MSS leaf reservations, idempotency keys and small settings. A call
 * that returned OK is durable: it survives a crash or power cut. Secrets are readable only by the
 * owner. Callers see plain C types, trytes as NUL-terminated strings.
 *
 * The functions below check their arguments and dispatch to the engine of the opened store: a table
 * of operations (mg_store_engine_t, in the manner of SQLite's VFS) that each engine fills. Two are
 * built in: SQLite (store/sqlite/, one gateway) and PostgreSQL (store/pg/, a fleet of gateways
 * sharing one database); another engine is added as its own folder and one entry in the list of
 * engines in store/store.c. With the fleet key (mg_store_open_sealed), the front seals secrets
 * before any engine sees them.
 *
 * A mg_store_t is one connection: use it from one thread at a time; open one per thread. Several
 * connections, threads and processes may share one database. Never carry an open store across
 * fork(): open a new one in the child.
 *
 * Every argument is checked: ids must be exactly their length in trytes (9A-Z), out-pointers non-NULL;
 * otherwise MG_STORE_ERR_ARG and nothing is written. Error messages never contain key material. */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "read/message_row.h"
#include "seal/key.h"

typedef enum mg_store_err {
  MG_STORE_OK = 0,
  MG_STORE_NOT_FOUND,
  MG_STORE_EXISTS,         /* a unique key is taken */
  MG_STORE_ERR_ARG,        /* a NULL or out-of-range argument */
  MG_STORE_ERR_NO_MEMORY,
  MG_STORE_ERR_FULL,       /* the disk (or the size limit) is full: nothing was written */
  MG_STORE_ERR_BUSY,       /* locked by another connection for too long */
  MG_STORE_ERR_CORRUPT,    /* the database is not one of ours or is damaged */
  MG_STORE_ERR_SCHEMA,     /* written by a newer mamgate */
  MG_STORE_ERR_IO,         /* open/create failed (permissions, missing directory), or an OS I/O error */
  MG_STORE_ERR_DB,         /* any other error of the database engine */
  MG_STORE_ERR_ENGINE,     /* the location names no storage engine built into this mamgate */
  MG_STORE_ERR_KEY,        /* the fleet key is missing or is not this database's */
  MG_STORE_ERR_UNAVAILABLE, /* the database server cannot be reached now (retry later): 503 */
  MG_STORE_ERR_REFUSED,    /* the database server refuses this location for good (wrong password, unknown
                              role or database, malformed location): retrying does not help */
  MG_STORE_ERR__COUNT
} mg_store_err_t;

const char *mg_store_strerror(mg_store_err_t err);

typedef struct mg_store mg_store_t;

/* Opens (creating and migrating) the database at location, which names the engine:
 *   sqlite:PATH   the SQLite engine on the file PATH;
 *   PATH          the same, for a location that does not begin with a scheme ("name:" where name
 *                 is a letter followed by letters, digits, '+', '-' or '.'); write ./name:x.db or
 *                 sqlite:name:x.db for a file whose name looks like one;
 *   postgresql://... or postgres://...   the PostgreSQL engine (a libpq URI; needs the fleet key:
 *                 use mg_store_open_sealed).
 * Any other scheme: MG_STORE_ERR_ENGINE. SQLite: the file is created with mode 0600, an existing
 * one is set to 0600 (and its -wal/-shm files, when present). *out is NULL on failure. */
mg_store_err_t mg_store_open(const char *location, mg_store_t **out);
/* As mg_store_open, with the fleet key: PSK keys, NTRU secret keys and secrets (below) are sealed
 * (seal/seal.h, label "<kind>:<id>": "psk:", "ntru:", "secret:") before the engine sees them and
 * opened after it reads them. At the first open the store records the key's check value
 * (seal/check.h) in meta "fleet_key_check" (insert-if-absent, race-safe); a later open with another
 * key fails with MG_STORE_ERR_KEY and writes nothing, and so does an open without a key (key NULL,
 * or mg_store_open) of a database that has a check value. An engine that is shared (PostgreSQL)
 * refuses to open without a key (MG_STORE_ERR_KEY, "a PostgreSQL store needs the fleet key"). A
 * sealed value that does not open (altered, truncated, moved to another row) is MG_STORE_ERR_CORRUPT
 * for that call only. The store keeps its own copy of the key (wiped at close). */
mg_store_err_t mg_store_open_sealed(const char *location, const mg_seal_key_t *key, mg_store_t **out);
/* As mg_store_open_sealed; on failure why (why_len bytes, NUL-terminated, may be NULL) gets the
 * engine's message of it (libpq's or SQLite's: never a key, nor a password the engine knows), or
 * mg_store_strerror's when the engine gave none. */
mg_store_err_t mg_store_open_why(const char *location, const mg_seal_key_t *key, mg_store_t **out, char *why,
                                 size_t why_len);
/* The meta key of the fleet key's check value. */
#define MG_STORE_FLEET_KEY_CHECK "fleet_key_check"
void mg_store_close(mg_store_t *s);
/* The name of the store's engine, as its locations spell it ("sqlite", "postgresql"); "" for NULL. */
const char *mg_store_engine_name(const mg_store_t *s);

/* The engine's message for the last error on this connection, or the store's own for argument and
 * not-found errors (never NULL). */
const char *mg_store_errmsg(const mg_store_t *s);
/* Caps the database at max_bytes (whole pages; never below its current size) for this connection
 * until it is closed: a write that would grow it further fails with MG_STORE_ERR_FULL and changes
 * nothing, as when the disk is full. An engine without such a cap (PostgreSQL: the server's disk
 * and quotas are the administrator's) answers MG_STORE_ERR_ARG and changes nothing. */
mg_store_err_t mg_store_set_size_limit(mg_store_t *s, uint64_t max_bytes);
/* The schema version the database holds (after open: the newest this mamgate knows). */
mg_store_err_t mg_store_schema_version(mg_store_t *s, int64_t *version);

/* ---- decoded messages ---- */

/* Inserts the messages in one transaction. inserted[i] (may be NULL) tells which were new (0 for
 * a repeat of a stored (channel, message id, ord), also within the batch); new ones get their cursor
 * (a repeat gets 0). On any error nothing is stored, every cursor and inserted[i] is 0. */
mg_store_err_t mg_store_put_messages(mg_store_t *s, mg_message_t *msgs, size_t n, int *inserted);
/* Messages of a channel with cursor > after, in cursor order, at most limit. A cursor is an opaque
 * 64-bit value, > 0 and increasing in the order of insertion, never reused (so after = 0 lists from
 * the start). None (limit 0, unknown channel): OK with *out NULL, *n 0. */
mg_store_err_t mg_store_list_messages(mg_store_t *s, const char *channel_id, int64_t after, size_t limit,
                                      mg_message_t **out, size_t *n);
/* As mg_store_list_messages, over the n_channels channels listed (cursors are shared by all
 * channels), or over every watched channel when n_channels is 0. */
mg_store_err_t mg_store_list_messages_of(mg_store_t *s, char *const *channel_ids, size_t n_channels, int64_t after,
                                         size_t limit, mg_message_t **out, size_t *n);
/* Every stored packet of one message, in ord order (MG_STORE_NOT_FOUND when none). */
mg_store_err_t mg_store_get_message(mg_store_t *s, const char *channel_id, const char *message_id,
                                    mg_message_t **out, size_t *n);
/* Number of stored packets of a channel (all channels when channel_id is NULL). */
mg_store_err_t mg_store_count_messages(mg_store_t *s, const char *channel_id, int64_t *count);
/* The highest message cursor stored (0 when none). Cursors become visible in increasing order: a
 * reader that saw cursor c never later finds a new row with cursor <= c (PostgreSQL: fleet-wide). */
mg_store_err_t mg_store_last_cursor(mg_store_t *s, int64_t *cursor);
/* Waits until a message with cursor > after is stored (by any connection or process sharing the
 * database) or timeout_ms (>= 0) passes; *last = mg_store_last_cursor after the wait. PostgreSQL:
 * LISTEN mamgate_messages on this connection and NOTIFY in put_messages' transaction when rows
 * were inserted; SQLite: polls the last cursor every 25 ms. */
mg_store_err_t mg_store_wait_messages(mg_store_t *s, int64_t after, int timeout_ms, int64_t *last);
/* The ids of the channels that have stored messages, sorted; each malloc'd (mg_strings_free). */
mg_store_err_t mg_store_list_message_channels(mg_store_t *s, char ***ids, size_t *n);
/* *known = 1 when the channel is this gateway's own, is watched, or has stored messages (the
 * history of a watch that was removed stays readable); 0 otherwise. */
mg_store_err_t mg_store_channel_known(mg_store_t *s, const char *channel_id, int *known);

/* ---- watched channels ---- */

typedef struct mg_watch {
  char channel_id[MG_ID_TRYTES + 1];
  char *options;      /* the plugin's own description (JSON text), owned */
  uint8_t *state;     /* reader state blob (may be NULL), owned */
  size_t state_len;
  int64_t created_at_ms;
} mg_watch_t;

/* Inserts a watch; MG_STORE_EXISTS when the channel is watched already. options must not be NULL;
 * state is NULL exactly when state_len is 0 (listed back as NULL, 0); created_at_ms >= 0. */
mg_store_err_t mg_store_add_watch(mg_store_t *s, const mg_watch_t *w);
/* Inserts n watches in one transaction: all or none. On failure *failed is the index of the watch
 * that failed (EXISTS: watched already, or twice in the list; ERR_ARG), or n when the transaction
 * as a whole failed. */
mg_store_err_t mg_store_add_watches(mg_store_t *s, const mg_watch_t *w, size_t n, size_t *failed);
/* Replaces a watch's reader state (NULL, 0 clears it); MG_STORE_NOT_FOUND when not watched. */
mg_store_err_t mg_store_set_watch_state(mg_store_t *s, const char *channel_id, const uint8_t *state, size_t len);
mg_store_err_t mg_store_remove_watch(mg_store_t *s, const char *channel_id); /* NOT_FOUND if absent */
/* Sorted by channel id; *out NULL when there are none. */
mg_store_err_t mg_store_list_watches(mg_store_t *s, mg_watch_t **out, size_t *n);
void mg_watches_free(mg_watch_t *w, size_t n);

/* ---- keys (secrets: never logged) ---- */

#define MG_PSK_KEY_TRYTES MAM_PSK_KEY_TRYTES
#define MG_PSK_ID_TRYTES MAM_PSK_ID_TRYTES
#define MG_NTRU_SK_TRYTES MAM_NTRU_SK_TRYTES
#define MG_NTRU_PK_TRYTES MAM_NTRU_PK_TRYTES

mg_store_err_t mg_store_add_psk(mg_store_t *s, const char *id, const char *key); /* EXISTS if taken */
mg_store_err_t mg_store_get_psk(mg_store_t *s, const char *id, char key[MG_PSK_KEY_TRYTES + 1]);
mg_store_err_t mg_store_delete_psk(mg_store_t *s, const char *id); /* NOT_FOUND if absent */
/* Ids only, sorted; each string malloc'd, free with mg_strings_free. */
mg_store_err_t mg_store_list_psks(mg_store_t *s, char ***ids, size_t *n);

/* NTRU key pairs keyed by the public key id (first 27 trytes of pk; another id is MG_STORE_ERR_ARG).
 * add: EXISTS if taken. get: sk or pk may be NULL when not wanted. list: ids sorted. */
mg_store_err_t mg_store_add_ntru(mg_store_t *s, const char *id, const char *sk, const char *pk);
mg_store_err_t mg_store_get_ntru(mg_store_t *s, const char *id, char sk[MG_NTRU_SK_TRYTES + 1],
                                 char pk[MG_NTRU_PK_TRYTES + 1]);
mg_store_err_t mg_store_list_ntru(mg_store_t *s, char ***ids, size_t *n);
void mg_strings_free(char **list, size_t n);

/* ---- writer channels and key safety ---- */

/* A writer channel: its number (names are <number>_18, >= 0), id and saved state (mamcore/state.h;
 * NULL exactly when len is 0). get: number may be NULL; state and len are both NULL or both set.
 * list: ids in number order. */
mg_store_err_t mg_store_put_channel(mg_store_t *s, const char *channel_id, int64_t number, const uint8_t *state,
                                    size_t len); /* insert or replace */
mg_store_err_t mg_store_get_channel(mg_store_t *s, const char *channel_id, int64_t *number, uint8_t **state,
                                    size_t *len); /* *state malloc'd */
mg_store_err_t mg_store_list_channels(mg_store_t *s, char ***ids, size_t *n);
/* Takes the next channel number (a durable counter starting at 0). */
mg_store_err_t mg_store_next_channel_number(mg_store_t *s, int64_t *number);
/* Moves the channel number counter to at least floor (>= 0): the next number taken is >= floor.
 * Nothing changes when it is there already (store-copy: copied channels keep their numbers). */
mg_store_err_t mg_store_raise_channel_number(mg_store_t *s, int64_t floor);

/* Reserves count MSS leaves of the tree `tree_id` (a channel or endpoint id) in one atomic
 * operation and returns the range: *first is the first reserved leaf, and the tree's next free
 * leaf is durably moved to *first + count before the call returns, so the range [*first, *first +
 * count) is committed before any signature is made with it. floor is the caller's own next unused
 * leaf: the reservation starts at no less than it. A crash after this call burns the leaves; they
 * are never handed out again, also not to another connection or process sharing the database.
 * count >= 1; floor + count must stay below 2^63. */
mg_store_err_t mg_store_reserve_leaves(mg_store_t *s, const char *tree_id, uint64_t floor, uint64_t count,
                                       uint64_t *first);
/* The next free leaf of a tree (0 when never reserved). */
mg_store_err_t mg_store_next_free_leaf(mg_store_t *s, const char *tree_id, uint64_t *next);
/* Message counters of writer channels/endpoints, reserved like leaves: the same contract as
 * mg_store_reserve_leaves (atomic, durable before return, never handed out twice, >= floor). */
mg_store_err_t mg_store_reserve_msg_numbers(mg_store_t *s, const char *tree_id, uint64_t floor, uint64_t count,
                                            uint64_t *first);
/* The next free message number of a tree (0 when never reserved). */
mg_store_err_t mg_store_next_msg_number(mg_store_t *s, const char *tree_id, uint64_t *next);

/* The durable counters reserved in ranges, by tree. */
typedef enum mg_store_counter { MG_COUNTER_LEAF, MG_COUNTER_MSG_NUMBER } mg_store_counter_t;
/* The trees that have a counter of that kind, sorted; each malloc'd (mg_strings_free). */
mg_store_err_t mg_store_list_trees(mg_store_t *s, mg_store_counter_t kind, char ***ids, size_t *n);

/* A named secret (1..MG_SECRET_NAME_MAX name, 1..MG_SEAL_PLAIN_MAX bytes) set once: stores
 * candidate when the name has none and returns the stored one in out (of two racing callers both get
 * the winner's). Sealed when the store has a key. Used for the gateway seed of a fleet. out_size
 * smaller than the stored secret: MG_STORE_ERR_ARG. */
#define MG_SECRET_NAME_MAX 249 /* the seal label "secret:<name>" fits MG_SEAL_LABEL_MAX */
mg_store_err_t mg_store_init_secret(mg_store_t *s, const char *name, const uint8_t *candidate, size_t len,
                                    uint8_t *out, size_t out_size, size_t *out_len);
/* The secret holding a fleet's gateway seed (its 81 tryte characters): set by the first instance from
 * its seed file (or by store-copy from the copied gateway's), read by every other. */
#define MG_STORE_SECRET_GATEWAY_SEED "gateway_seed"

/* ---- fleet instances: each gateway instance upserts its row every few seconds ---- */

#define MG_INSTANCE_ID_MAX 64 /* 1 to 64 of [A-Za-z0-9._-] */
typedef struct mg_instance {
  char id[MG_INSTANCE_ID_MAX + 1];
  char *info;      /* JSON text the instance published (shard, version, http), owned */
  int64_t seen_ms; /* its last heartbeat */
} mg_instance_t;
/* Inserts or replaces the instance's row (info not NULL, now_ms >= 0). */
mg_store_err_t mg_store_heartbeat(mg_store_t *s, const char *instance_id, const char *info, int64_t now_ms);
/* Instances whose heartbeat is at or after seen_since_ms, sorted by id; *out NULL when none. */
mg_store_err_t mg_store_list_instances(mg_store_t *s, int64_t seen_since_ms, mg_instance_t **out, size_t *n);
void mg_instances_free(mg_instance_t *v, size_t n);

/* ---- small durable settings ---- */
/* key: 1 to MG_META_KEY_MAX bytes. get: *value malloc'd. set: insert or replace. */
#define MG_META_KEY_MAX 255
mg_store_err_t mg_store_get_meta(mg_store_t *s, const char *key, char **value); /* NOT_FOUND if unset */
mg_store_err_t mg_store_set_meta(mg_store_t *s, const char *key, const char *value);

/* ---- idempotency keys (REST retries) ---- */
/* Entries are keyed by a scope (the hex SHA-256 of the bearer token: never the token itself) and
 * the client's key (1 to MG_IDEM_KEY_MAX bytes), and hold the hex SHA-256 of the request and,
 * once it finished, its answer. */
#define MG_IDEM_KEY_MAX 255
#define MG_IDEM_HASH_CHARS 64

typedef struct mg_idem_entry {
  char request_hash[MG_IDEM_HASH_CHARS + 1];
  int status; /* 0 while the first request runs */
  char *body; /* its answer, malloc'd (NULL while it runs) */
} mg_idem_entry_t;

/* In one transaction: deletes every entry created before expire_before_ms, then reserves (scope,
 * key) for a request: MG_STORE_OK when the key was free (it is now reserved, status 0), or
 * MG_STORE_EXISTS with *found filled (free it with mg_idem_entry_free) when an entry holds it. Of
 * two callers racing for one key, exactly one gets OK. */
mg_store_err_t mg_store_idem_reserve(mg_store_t *s, const char *scope, const char *key, const char *request_hash,
                                     int64_t now_ms, int64_t expire_before_ms, mg_idem_entry_t *found);
/* Records the answer (status 200..599, body text) of a reserved key; NOT_FOUND when not reserved. */
mg_store_err_t mg_store_idem_finish(mg_store_t *s, const char *scope, const char *key, int status, const char *body);
/* Drops a reservation that has no answer, so that a retry runs again; NOT_FOUND when none. */
mg_store_err_t mg_store_idem_release(mg_store_t *s, const char *scope, const char *key);
void mg_idem_entry_free(mg_idem_entry_t *e);

/* ---- the engine interface ---- */

/* An engine's own connection (each engine defines the struct in its own files). */
typedef struct mg_store_conn mg_store_conn_t;

/* Version 2: secrets pass as stored text (sealed or not), counters by kind, fleet operations.
 * Version 3: batches are the front's: it runs them in the engine's transaction (transaction) from
 * per-row operations (insert_messages, insert_watch), in place of put_messages and add_watches. */
#define MG_STORE_ENGINE_VERSION 3
#define MG_STORE_ENGINE_RESERVED 8 /* slots kept NULL for operations of later versions */
#define MG_STORE_ERRMSG_MAX 256

/* flags of an engine */
#define MG_STORE_ENGINE_SHARED 1u /* a server several gateways share: opens only with the fleet key */

/* A body the engine runs inside one of its transactions (see transaction below). */
typedef mg_store_err_t mg_store_txn_body_t(mg_store_conn_t *c, void *ctx);

/* The operations of one engine, in table order, as X(P, return type, name, parameters) (P is passed
 * through for the helpers below). The front (store/store.c, store/batch.c) has checked every
 * argument as documented above (ids, lengths, ranges, non-NULL out-pointers) and set out-pointers to
 * their empty values before it calls one, so an engine checks nothing twice; each operation
 * otherwise has the contract of the public function of the same name. An engine records the
 * message of a failure in the errmsg buffer it got at open (MG_STORE_ERRMSG_MAX bytes, valid until
 * close), never a value. */
#define MG_STORE_ENGINE_OPS(X, P)                                                                          \
  /* where: the location after "scheme:" (the whole location when it has no scheme) */                    \
  X(P, mg_store_err_t, open, (const char *where, char *errmsg, mg_store_conn_t **out))                    \
  X(P, void, close, (mg_store_conn_t *c))                                                                  \
  X(P, mg_store_err_t, set_size_limit, (mg_store_conn_t *c, uint64_t max_bytes))                          \
  X(P, mg_store_err_t, schema_version, (mg_store_conn_t *c, int64_t *version))                            \
  /* Runs body in one transaction and commits it, or rolls all of it back when body or the commit      \
   * fails; returns body's error, else the commit's. */                                                    \
  X(P, mg_store_err_t, transaction, (mg_store_conn_t *c, mg_store_txn_body_t *body, void *ctx))           \
                                                                                                           \
  /* Inside a transaction: inserts msgs[0..n) in order, skipping (no error) a repeat of a stored        \
   * (channel, message id, ord), also of one earlier in the batch; sets the cursor of each new row and \
   * leaves a repeat's as it is (the front made every cursor 0). Stops at the first error. */          \
  X(P, mg_store_err_t, insert_messages, (mg_store_conn_t *c, mg_message_t *msgs, size_t n))             \
  /* Over the listed channels, or every watched channel when n_channels is 0; limit >= 1. */             \
  X(P, mg_store_err_t, list_messages,                                                                      \
    (mg_store_conn_t *c, char *const *channel_ids, size_t n_channels, int64_t after, size_t limit,        \
     mg_message_t **out, size_t *n))                                                                       \
  /* OK with *n 0 when none */                                                                             \
  X(P, mg_store_err_t, get_message,                                                                        \
    (mg_store_conn_t *c, const char *channel_id, const char *message_id, mg_message_t **out, size_t *n))  \
  X(P, mg_store_err_t, count_messages, (mg_store_conn_t *c, const char *channel_id, int64_t *count))      \
  X(P, mg_store_err_t, channel_known, (mg_store_conn_t *c, const char *channel_id, int *known))           \
                                                                                                           \
  /* One watch (alone, or inside a transaction): MG_STORE_EXISTS when the channel is watched. */         \
  X(P, mg_store_err_t, insert_watch, (mg_store_conn_t *c, const mg_watch_t *w))                           \
  X(P, mg_store_err_t, set_watch_state,                                                                    \
    (mg_store_conn_t *c, const char *channel_id, const uint8_t *state, size_t len))                        \
  X(P, mg_store_err_t, remove_watch, (mg_store_conn_t *c, const char *channel_id))                        \
  X(P, mg_store_err_t, list_watches, (mg_store_conn_t *c, mg_watch_t **out, size_t *n))                   \
                                                                                                           \
  /* Secret keys pass as the text the front stores (the key's trytes, or its sealed text) and come     \
   * back as a malloc'd copy of it: the front checks what it reads. get_ntru: sk or pk may be NULL. */  \
  X(P, mg_store_err_t, add_psk, (mg_store_conn_t *c, const char *id, const char *key_text))               \
  X(P, mg_store_err_t, get_psk, (mg_store_conn_t *c, const char *id, char **key_text))                    \
  X(P, mg_store_err_t, delete_psk, (mg_store_conn_t *c, const char *id))                                  \
  X(P, mg_store_err_t, list_psks, (mg_store_conn_t *c, char ***ids, size_t *n))                           \
  X(P, mg_store_err_t, add_ntru, (mg_store_conn_t *c, const char *id, const char *sk_text, const char *pk)) \
  X(P, mg_store_err_t, get_ntru,                                                                           \
    (mg_store_conn_t *c, const char *id, char **sk_text, char pk[MG_NTRU_PK_TRYTES + 1]))                  \
  X(P, mg_store_err_t, list_ntru, (mg_store_conn_t *c, char ***ids, size_t *n))                           \
                                                                                                           \
  X(P, mg_store_err_t, put_channel,                                                                        \
    (mg_store_conn_t *c, const char *channel_id, int64_t number, const uint8_t *state, size_t len))       \
  X(P, mg_store_err_t, get_channel,                                                                        \
    (mg_store_conn_t *c, const char *channel_id, int64_t *number, uint8_t **state, size_t *len))          \
  X(P, mg_store_err_t, list_channels, (mg_store_conn_t *c, char ***ids, size_t *n))                       \
  X(P, mg_store_err_t, next_channel_number, (mg_store_conn_t *c, int64_t *number))                        \
  /* mg_store_reserve_leaves / mg_store_next_free_leaf for the counter of that kind. */                  \
  X(P, mg_store_err_t, reserve,                                                                            \
    (mg_store_conn_t *c, mg_store_counter_t kind, const char *tree_id, uint64_t floor, uint64_t count,    \
     uint64_t *first))                                                                                     \
  X(P, mg_store_err_t, next_free,                                                                          \
    (mg_store_conn_t *c, mg_store_counter_t kind, const char *tree_id, uint64_t *next))                   \
                                                                                                           \
  X(P, mg_store_err_t, get_meta, (mg_store_conn_t *c, const char *key, char **value))                     \
  X(P, mg_store_err_t, set_meta, (mg_store_conn_t *c, const char *key, const char *value))                \
                                                                                                           \
  X(P, mg_store_err_t, idem_reserve,                                                                       \
    (mg_store_conn_t *c, const char *scope, const char *key, const char *request_hash, int64_t now_ms,    \
     int64_t expire_before_ms, mg_idem_entry_t *found))                                                    \
  X(P, mg_store_err_t, idem_finish,                                                                        \
    (mg_store_conn_t *c, const char *scope, const char *key, int status, const char *body))               \
  X(P, mg_store_err_t, idem_release, (mg_store_conn_t *c, const char *scope, const char *key))            \
                                                                                                           \
  /* Inserts key = value unless key is set; *stored gets the value it holds then (malloc'd). */          \
  X(P, mg_store_err_t, init_meta, (mg_store_conn_t *c, const char *key, const char *value, char **stored)) \
  /* The same for a named secret's stored bytes (the front seals them first when it has a key). */       \
  X(P, mg_store_err_t, init_secret,                                                                        \
    (mg_store_conn_t *c, const char *name, const uint8_t *value, size_t len, uint8_t **stored,            \
     size_t *stored_len))                                                                                  \
  X(P, mg_store_err_t, last_cursor, (mg_store_conn_t *c, int64_t *cursor))                                \
  X(P, mg_store_err_t, wait_messages, (mg_store_conn_t *c, int64_t after, int timeout_ms, int64_t *last))  \
  X(P, mg_store_err_t, heartbeat,                                                                          \
    (mg_store_conn_t *c, const char *instance_id, const char *info, int64_t now_ms))                      \
  X(P, mg_store_err_t, list_instances,                                                                     \
    (mg_store_conn_t *c, int64_t seen_since_ms, mg_instance_t **out, size_t *n))                           \
  X(P, mg_store_err_t, list_message_channels, (mg_store_conn_t *c, char ***ids, size_t *n))               \
  X(P, mg_store_err_t, list_trees, (mg_store_conn_t *c, mg_store_counter_t kind, char ***ids, size_t *n)) \
  X(P, mg_store_err_t, raise_channel_number, (mg_store_conn_t *c, int64_t floor))

/* A slot of the table. */
#define MG_STORE_ENGINE_SLOT(P, type, name, params) type(*name) params;

typedef struct mg_store_engine {
  size_t struct_size; /* sizeof (mg_store_engine_t) as the engine was built */
  int version;        /* MG_STORE_ENGINE_VERSION */
  const char *name;   /* its location scheme, e.g. "sqlite" */
  const char *alias;  /* another scheme naming it (NULL: none), e.g. "postgres" */
  unsigned flags;     /* MG_STORE_ENGINE_* */
  MG_STORE_ENGINE_OPS(MG_STORE_ENGINE_SLOT, _)
  void (*reserved[MG_STORE_ENGINE_RESERVED])(void);
} mg_store_engine_t;

/* For an engine whose operations are the functions PREFIX_<name>: declares them all
 * (MG_STORE_ENGINE_OPS(MG_STORE_ENGINE_DECLARE, PREFIX), in its ops.h) and fills its table with
 * them (MG_STORE_ENGINE_OPS(MG_STORE_ENGINE_FILL, PREFIX), in its engine.c). */
#define MG_STORE_ENGINE_DECLARE(P, type, name, params) type P##_##name params;
#define MG_STORE_ENGINE_FILL(P, type, name, params) .name = P##_##name,

#endif
