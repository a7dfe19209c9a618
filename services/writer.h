/* services/writer.h: channels, endpoints and publishing (design "Writing").
 *
 * Channels are derived from the gateway seed: the n-th channel is named <n>_18, its endpoints
 * <k>_18, as the reference names them. Key safety: before any packet is signed, the MSS leaves it
 * will use are reserved durably in the store, and the channel's message counter is saved; a crash
 * burns leaves and message ids, it never repeats one. Message numbers are reserved in the store
 * like leaves, so several writers sharing one database (a fleet: one per gateway instance, each
 * with the same seed) never repeat a message id or a leaf; before each publish and endpoint
 * creation a writer takes in the endpoints and the active endpoint other writers saved, and a
 * channel another writer created is loaded when first named. Each writer keeps its own MSS
 * traversal caches. Publishing: MAM message -> zero-value
 * bundles (address = channel id, tag = message id + packet order, obsoleteTag = the tag so every
 * bundle hash is unique) -> Kerl finalisation -> tips from the node -> proof of work (local, all
 * cores, or the node's attachToTangle) -> storeTransactions + broadcastTransactions. Requests on one
 * channel are serialised; on different channels they run in parallel. */
#ifndef SERVICES_WRITER_H
#define SERVICES_WRITER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mamcore/message.h"
#include "mamcore/prng.h"
#include "store/store.h"
#include "services/env.h"
#include "services/metrics.h"

typedef enum mg_pub_err {
  MG_PUB_OK = 0,
  MG_PUB_NOT_FOUND,   /* unknown channel or endpoint */
  MG_PUB_EXHAUSTED,   /* not enough signatures left */
  MG_PUB_INVALID,     /* a request field is out of range */
  MG_PUB_NODE,        /* the node is unreachable or refused the transactions */
  MG_PUB_STORE,       /* the database failed */
  MG_PUB_STORE_FULL,  /* the database is full (disk or limit): nothing was written */
  MG_PUB_STORE_UNAVAILABLE, /* the database server cannot be reached now: nothing was signed */
  MG_PUB_NO_MEMORY,
  MG_PUB_INTERNAL,
  MG_PUB_ERR__COUNT
} mg_pub_err_t;

/* A short English description of err (never NULL). */
const char *mg_pub_strerror(mg_pub_err_t err);

typedef struct mg_tree_info {
  char id[82];
  unsigned height;
  uint64_t remaining;
} mg_tree_info_t;

typedef struct mg_channel_info {
  mg_tree_info_t channel;
  mg_tree_info_t *endpoints; /* malloc'd; free with mg_channel_info_free */
  size_t n_endpoints;
  int active_endpoint;       /* index of the endpoint unaddressed publishes use, or -1 */
} mg_channel_info_t;

void mg_channel_info_free(mg_channel_info_t *info);

/* The settings the writer reads (a slice of the gateway's). */
typedef struct mg_writer_settings {
  const char *node_api;      /* the node's HTTP API URL */
  uint64_t node_timeout_ms;
  uint64_t mwm;              /* minimum weight magnitude */
  bool pow_remote;           /* attachToTangle on the node instead of local proof of work */
  uint64_t pow_threads;      /* 0: every CPU */
  uint64_t max_height;       /* tallest MSS tree a request may ask for */
  uint64_t max_list;         /* PSKs, NTRU keys and packets in one publish */
  uint64_t rotate_threshold; /* a new endpoint when signatures left fall to this; 0: never */
} mg_writer_settings_t;

/* What the writer uses; everything outlives the writer. */
typedef struct mg_writer_deps {
  const mg_env_t *env;
  mg_writer_settings_t settings;
  mg_store_t *store;           /* shared with others: used under store_lock; other connections and
                                * processes (other writers) may share its database */
  pthread_mutex_t *store_lock;
  const mam_prng_t *prng;      /* keyed by the gateway seed: channel n is derived from it */
  mg_metrics_t *metrics;
  const atomic_int *stopping;  /* non-zero: proof of work and node calls give up */
} mg_writer_deps_t;

typedef struct mg_writer mg_writer_t;

/* A writer holding every channel the store lists; NULL with a message in err on failure. */
mg_writer_t *mg_writer_new(const mg_writer_deps_t *deps, char *err, size_t err_len);
void mg_writer_free(mg_writer_t *w);

mg_pub_err_t mg_writer_create_channel(mg_writer_t *w, unsigned height, mg_channel_info_t *out);
/* Creates an endpoint and, when announce is set, publishes its announcement (signed by the
 * channel) so readers following the channel trust it. */
mg_pub_err_t mg_writer_create_endpoint(mg_writer_t *w, const char *channel_id, unsigned height, bool announce,
                                       mg_tree_info_t *out, char *msg, size_t msg_len);
mg_pub_err_t mg_writer_channel_info(mg_writer_t *w, const char *channel_id, mg_channel_info_t *out);
/* Ids of every channel the store holds, in creation order (malloc'd strings; free with
 * mg_strings_free). */
mg_pub_err_t mg_writer_list_channels(mg_writer_t *w, char ***ids, size_t *n);

typedef struct mg_publish_request {
  const char *channel_id;
  const char *endpoint_id;   /* NULL: the channel's active endpoint, else the channel itself */
  const char *payload_trytes;
  size_t payload_len;        /* trytes */
  const mam_psk_t *psks;
  size_t n_psks;
  const mam_trit_t *ntru_pks;    /* n_ntru public keys of 9216 trits */
  size_t n_ntru;
  mam_checksum_t checksum;
  size_t packets;
  size_t unit_trytes;        /* 2 when the payload is bytes: packets never split a byte */
} mg_publish_request_t;

typedef struct mg_publish_result {
  char message_id[22];
  char signer_id[82];        /* channel or endpoint that signed */
  char (*bundles)[82];       /* bundle hashes, malloc'd */
  size_t n_bundles;
  uint64_t remaining;        /* signatures left on the signing tree after this message's: writers
                              * sharing a store never answer the same value for one tree */
  uint64_t first_leaf;       /* signed packets spent leaves first_leaf .. first_leaf + n_leaves - 1 */
  uint64_t n_leaves;
  char rotated_to[82];       /* a new endpoint announced because signatures ran low, or "" */
} mg_publish_result_t;

void mg_publish_result_free(mg_publish_result_t *r);
/* msg gets a human-readable reason on failure (never secrets). */
mg_pub_err_t mg_writer_publish(mg_writer_t *w, const mg_publish_request_t *req, mg_publish_result_t *out, char *msg,
                               size_t msg_len);

#endif
