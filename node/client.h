/* node/client.h: client of a legacy IOTA node's HTTP API (IRI 1.x, legacy Hornet, devnode).
 *
 * A pure adapter (spec node-interface.md section 5): each call turns into one or more JSON
 * `POST /` requests with the headers `X-IOTA-API-Version: 1` and `Content-Type: application/json`,
 * and the node's answer into plain C values. Long lists are split into several requests within
 * the node's limits (section 5.3).
 *
 * Errors: every call returns an mg_node_err_t. When the node answered with an error (HTTP 400 with
 * "error", 500 with "exception", 401, ...) or the transfer failed, mg_node_client_message() holds
 * the node's message or a description of the failure, and mg_node_client_http_status() the HTTP
 * status (0 when no answer arrived). Only connection failures (refused, unresolvable host) are
 * retried, with an exponential back-off; a time-out or an answer is never retried, because the node
 * may already have acted on the request.
 *
 * Threads: a client is not thread-safe (it owns one libcurl handle and the last message); use one
 * client per thread. Call mg_node_global_init() once before any thread creates a client. */
#ifndef NODE_CLIENT_H
#define NODE_CLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamcore/api.h"
#include "tangle/transaction.h"

/* IRI defaults (spec node-interface.md 5.3), used when the configuration leaves a limit at 0. */
#define MG_NODE_DEFAULT_MAX_LIST 1000    /* maxRequestsList: entries per list parameter */
#define MG_NODE_DEFAULT_MAX_TXS 300      /* transactions per store/broadcast: < 1 MB of body */
#define MG_NODE_DEFAULT_TIMEOUT_MS 60000 /* one request, attachToTangle included */
#define MG_NODE_DEFAULT_CONNECT_MS 5000  /* connection set-up */
#define MG_NODE_DEFAULT_BACKOFF_MS 100   /* first pause before a retry; doubled each time */
#define MG_NODE_DEFAULT_MAX_RESPONSE (64u << 20) /* bytes of one response body */

typedef enum mg_node_err {
  MG_NODE_OK = 0,
  MG_NODE_ERR_NULL_ARG,     /* a required pointer was NULL */
  MG_NODE_ERR_INVALID_ARG,  /* bad URL, tryte string, tag, list length or limit */
  MG_NODE_ERR_NO_MEMORY,    /* an allocation failed */
  MG_NODE_ERR_CONNECT,      /* no connection to the node, after every retry */
  MG_NODE_ERR_TIMEOUT,      /* the node did not answer in time */
  MG_NODE_ERR_TRANSPORT,    /* any other transfer failure */
  MG_NODE_ERR_CANCELLED,    /* the configured cancel flag was set */
  MG_NODE_ERR_REJECTED,     /* HTTP 400: the node refused the request ("error") */
  MG_NODE_ERR_UNAUTHORIZED, /* HTTP 401 or 403: command or caller not allowed */
  MG_NODE_ERR_NODE_FAILURE, /* HTTP 500: the node raised an exception ("exception") */
  MG_NODE_ERR_UNAVAILABLE,  /* HTTP 503: the node is not ready (Hornet: not synced) */
  MG_NODE_ERR_HTTP_STATUS,  /* any other HTTP status than 200 */
  MG_NODE_ERR_BAD_RESPONSE, /* an answer that is not the documented JSON */
  MG_NODE_ERR_TOO_LARGE,    /* an answer longer than max_response_bytes */
  MG_NODE_ERR__COUNT
} mg_node_err_t;

/* A static, human-readable description of an error code; never NULL. */
const char *mg_node_strerror(mg_node_err_t err);

typedef struct mg_node_config {
  const char *url;           /* "http://host:port" (http or https); copied */
  long timeout_ms;           /* one request, from connection to the last byte */
  long connect_timeout_ms;   /* connection set-up */
  unsigned retries;          /* further attempts after a connection failure */
  long backoff_ms;           /* pause before the first retry, doubled for each further one */
  size_t max_list;           /* most entries of one list parameter per request */
  size_t max_txs;            /* most transactions per storeTransactions/broadcastTransactions */
  size_t max_response_bytes; /* longest accepted response body */
  const atomic_int *cancel;  /* NULL, or a flag: non-zero aborts transfers and back-off pauses */
} mg_node_config_t;

/* Fills cfg with the defaults above, 3 retries, no cancel flag, and the given URL. */
void mg_node_config_init(mg_node_config_t *cfg, const char *url);

typedef struct mg_node_client mg_node_client_t;

/* Process-wide libcurl set-up; call once before threads start. Returns MG_NODE_ERR_TRANSPORT
 * when libcurl cannot initialise. mg_node_global_cleanup() undoes it after the last client. */
mg_node_err_t mg_node_global_init(void) MAM_WARN_UNUSED;
void mg_node_global_cleanup(void);

mg_node_err_t mg_node_client_new(const mg_node_config_t *cfg,
                                 mg_node_client_t **out) MAM_WARN_UNUSED;
void mg_node_client_free(mg_node_client_t *client);

/* The node's message or the failure description of the last failed call ("" after success). */
const char *mg_node_client_message(const mg_node_client_t *client);
/* HTTP status of the last answer, 0 when none arrived. */
long mg_node_client_http_status(const mg_node_client_t *client);

/* A list of NUL-terminated strings owned by the list. */
typedef struct mg_node_strings {
  char **items;
  size_t count;
} mg_node_strings_t;

/* Frees the items and resets the list to empty (safe on an empty or zeroed list). */
void mg_node_strings_free(mg_node_strings_t *list);

typedef struct mg_node_info {
  char app_name[64];
  char app_version[64];
  char latest_milestone[TANGLE_TX_HASH_TRYTES + 1];
  int64_t latest_milestone_index;
  char latest_solid_milestone[TANGLE_TX_HASH_TRYTES + 1];
  int64_t latest_solid_milestone_index;
  int64_t milestone_start_index;
  int64_t neighbors;
  int64_t tips;
  int64_t time_ms;
} mg_node_info_t;

/* getNodeInfo. Missing optional fields are left zero/empty; appName and appVersion are required. */
mg_node_err_t mg_node_get_node_info(mg_node_client_t *client,
                                    mg_node_info_t *info) MAM_WARN_UNUSED;

/* The usual sync heuristic: the latest solid milestone index equals the latest milestone index. */
bool mg_node_info_synced(const mg_node_info_t *info);

typedef struct mg_node_api_limits {
  int64_t max_find_transactions;
  int64_t max_requests_list;
  int64_t max_get_trytes;
  int64_t max_body_length;
} mg_node_api_limits_t;

/* getNodeAPIConfiguration (IRI, devnode; Hornet does not know it). */
mg_node_err_t mg_node_get_api_limits(mg_node_client_t *client,
                                     mg_node_api_limits_t *limits) MAM_WARN_UNUSED;

typedef struct mg_node_tips {
  char trunk[TANGLE_TX_HASH_TRYTES + 1];
  char branch[TANGLE_TX_HASH_TRYTES + 1];
} mg_node_tips_t;

/* getTransactionsToApprove; reference is NULL or an 81-tryte transaction hash. */
mg_node_err_t mg_node_get_transactions_to_approve(mg_node_client_t *client, unsigned depth,
                                                  const char *reference,
                                                  mg_node_tips_t *tips) MAM_WARN_UNUSED;

/* attachToTangle: the node chains the transactions and does their proof of work. Send them head
 * first (descending currentIndex; old IRI versions process them in the given order, spec 4.5).
 * Cannot be split, so n must not exceed max_list. On success `attached` holds n transactions, tail
 * first. */
mg_node_err_t mg_node_attach_to_tangle(mg_node_client_t *client, const char *trunk,
                                       const char *branch, unsigned mwm, const char *const *trytes,
                                       size_t n, mg_node_strings_t *attached) MAM_WARN_UNUSED;

/* storeTransactions / broadcastTransactions of attached transactions, max_txs per request. */
mg_node_err_t mg_node_store_transactions(mg_node_client_t *client, const char *const *trytes,
                                         size_t n) MAM_WARN_UNUSED;
mg_node_err_t mg_node_broadcast_transactions(mg_node_client_t *client, const char *const *trytes,
                                             size_t n) MAM_WARN_UNUSED;

typedef enum mg_node_find_field {
  MG_NODE_FIND_ADDRESSES, /* 81-tryte addresses, no checksum */
  MG_NODE_FIND_BUNDLES,   /* 81-tryte bundle hashes */
  MG_NODE_FIND_TAGS,      /* 1..27 trytes, padded with 9 to 27 before sending */
  MG_NODE_FIND_APPROVEES  /* 81-tryte transaction hashes */
} mg_node_find_field_t;

/* findTransactions on one field (nodes disagree on how several fields combine, spec 5.2), in
 * requests of at most max_list values. `hashes` receives every hash found, each once, sorted.
 * Hornet truncates each answer at its result limit without saying so; query fewer values at a
 * time when a value may match more than that. */
mg_node_err_t mg_node_find_transactions(mg_node_client_t *client, mg_node_find_field_t field,
                                        const char *const *values, size_t n,
                                        mg_node_strings_t *hashes) MAM_WARN_UNUSED;

/* getTrytes in requests of at most max_list hashes. `trytes` gets n items in the order of `hashes`;
 * an item is NULL when the node does not know the transaction (it answered 2673 `9`s or null). */
mg_node_err_t mg_node_get_trytes(mg_node_client_t *client, const char *const *hashes, size_t n,
                                 mg_node_strings_t *trytes) MAM_WARN_UNUSED;

#endif
