/* plugin/store.h: the gateway's durable state in one SQLite database (design "Storage").
 *
 * Decoded messages (unique on channel, message id and packet order; the cursor is a monotonic row
 * id), watched channels, PSKs and NTRU keys, writer channel state and MSS leaf reservations. WAL
 * journal with synchronous=FULL: a call that returned OK survives a crash or power cut. The file is
 * created with mode 0600 (it holds keys). All SQL lives here; callers see plain C types, trytes as
 * NUL-terminated strings.
 *
 * A mg_store_t is one SQLite connection: use it from one thread at a time; open one per thread
 * (WAL lets readers and one writer work at once; a busy writer is retried for up to 5 s). Several
 * processes may share the file. Never carry an open store across fork(): open a new one in the child.
 *
 * Every argument is checked: ids must be exactly their length in trytes (9A-Z), out-pointers non-NULL;
 * otherwise MG_STORE_ERR_ARG and nothing is written. Error messages never contain key material. */
#ifndef PLUGIN_STORE_H
#define PLUGIN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamcore/transport.h"
#include "read/message_row.h"

typedef enum mg_store_err {
  MG_STORE_OK = 0,
  MG_STORE_NOT_FOUND,
  MG_STORE_EXISTS,         /* a unique key is taken */
  MG_STORE_ERR_ARG,        /* a NULL or out-of-range argument */
  MG_STORE_ERR_NO_MEMORY,
  MG_STORE_ERR_FULL,       /* the disk is full (SQLITE_FULL): nothing was written */
  MG_STORE_ERR_BUSY,       /* locked by another connection for too long */
  MG_STORE_ERR_CORRUPT,    /* the file is not a database or is damaged */
  MG_STORE_ERR_SCHEMA,     /* written by a newer mamgate */
  MG_STORE_ERR_IO,         /* open/create failed (permissions, missing directory), or an OS I/O error */
  MG_STORE_ERR_DB,         /* any other SQLite error */
  MG_STORE_ERR__COUNT
} mg_store_err_t;

const char *mg_store_strerror(mg_store_err_t err);

typedef struct mg_store mg_store_t;

/* Opens (creating with mode 0600 and migrating) the database at path. An existing file is set to
 * mode 0600 (and its -wal/-shm files, when present). *out is NULL on failure. */
mg_store_err_t mg_store_open(const char *path, mg_store_t **out);
void mg_store_close(mg_store_t *s);
/* SQLite's message for the last error on this connection, or the store's own for argument and
 * not-found errors (never NULL). */
const char *mg_store_errmsg(const mg_store_t *s);
/* Caps the database at max_bytes (whole pages; never below its current size) for this connection
 * until it is closed: a write that would grow it further fails with MG_STORE_ERR_FULL and changes
 * nothing, as when the disk is full. */
mg_store_err_t mg_store_set_size_limit(mg_store_t *s, uint64_t max_bytes);

/* ---- decoded messages ---- */

/* Inserts the messages in one transaction. inserted[i] (may be NULL) tells which were new (0 for
 * a repeat of a stored (channel, message id, ord), also within the batch); new ones get their cursor
 * (a repeat gets 0). On any error nothing is stored, every cursor and inserted[i] is 0. */
mg_store_err_t mg_store_put_messages(mg_store_t *s, mg_message_t *msgs, size_t n, int *inserted);
/* Messages of a channel with cursor > after, in cursor order, at most limit (cursors start at 1,
 * so after = 0 lists from the start). None (limit 0, unknown channel): OK with *out NULL, *n 0. */
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
void mg_messages_free(mg_message_t *msgs, size_t n);
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

#define MG_PSK_KEY_TRYTES 81
#define MG_PSK_ID_TRYTES 27
#define MG_NTRU_SK_TRYTES 342
#define MG_NTRU_PK_TRYTES 3072

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

/* Reserves count MSS leaves of the tree `tree_id` (a channel or endpoint id): returns in *first the
 * first reserved leaf and durably moves the tree's next free leaf to *first + count before
 * returning. floor is the caller's own next unused leaf: the reservation starts at no less than
 * it. A crash after this call burns the leaves; they are never handed out again, also not to
 * another connection or process sharing the file. count >= 1; floor + count must stay below 2^63. */
mg_store_err_t mg_store_reserve_leaves(mg_store_t *s, const char *tree_id, uint64_t floor, uint64_t count,
                                       uint64_t *first);
/* The next free leaf of a tree (0 when never reserved). */
mg_store_err_t mg_store_next_free_leaf(mg_store_t *s, const char *tree_id, uint64_t *next);

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

#endif
