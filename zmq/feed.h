/* zmq/feed.h: the node's ZeroMQ transaction feed (spec node-interface.md section 1).
 *
 * Parsing is pure; the subscriber is a thin wrapper of a libzmq SUB socket that connects to the
 * node's PUB socket, subscribes to "trytes " and "tx_trytes " (with the trailing space) and reports
 * connection changes so the caller can back-fill after the node restarts. One thread owns a feed. */
#ifndef ZMQ_FEED_H
#define ZMQ_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tangle/transaction.h"

/* Transitional names for plugin/watcher.c while it is split (issue 15); new code uses the
 * tangle/transaction.h names. */
#define MG_FEED_TX_TRYTES TANGLE_TX_TRYTES
#define MG_FEED_ADDRESS_OFFSET TANGLE_TX_OFF_ADDRESS_TRYTES
#define MG_FEED_MAX_FRAME 4096      /* frames longer than this are rejected without copying */

typedef enum mg_feed_err {
  MG_FEED_OK = 0,
  MG_FEED_TIMEOUT,      /* no frame within the time-out */
  MG_FEED_NOT_TX,       /* a topic other than trytes / tx_trytes: not an error, skip it */
  MG_FEED_ERR_FORMAT,   /* wrong field count or separators */
  MG_FEED_ERR_LENGTH,   /* transaction not 2673 trytes or hash not 81 */
  MG_FEED_ERR_TRYTES,   /* a character outside 9A-Z */
  MG_FEED_ERR_SOCKET,   /* libzmq failed (message from zmq_strerror in the log) */
  MG_FEED_ERR_NO_MEMORY,
  MG_FEED_ERR__COUNT
} mg_feed_err_t;

const char *mg_feed_strerror(mg_feed_err_t err);

/* One transaction of a feed frame. The pointers point into the frame. */
typedef struct mg_feed_tx {
  const char *trytes; /* 2673 trytes, validated */
  const char *hash;   /* 81 trytes, validated; NULL when the node sent none (IRI 1.4 tx_trytes) */
} mg_feed_tx_t;

/* Parses "trytes <2673> <81>" or "tx_trytes <2673> [<81>]" (exact topic token compare, single
 * spaces, nothing after). Never reads past len; frame need not be NUL-terminated. Checks in this
 * order: topic (NOT_TX), separators and field count (ERR_FORMAT), field lengths (ERR_LENGTH; a
 * trailing newline lengthens the last field), characters (ERR_TRYTES). */
mg_feed_err_t mg_feed_parse(const char *frame, size_t len, mg_feed_tx_t *out);

typedef struct mg_feed mg_feed_t;

/* What the subscriber may hold: its memory stays below about queue_frames * max_message_bytes.
 * A zero field takes its default. */
typedef struct mg_feed_limits {
  size_t queue_frames;      /* frames waiting for the owner at most; more are dropped by libzmq
                             * (default MG_FEED_DEFAULT_QUEUE) */
  size_t max_message_bytes; /* a peer that sends a longer message is disconnected by libzmq (the
                             * caller sees a reconnect and back-fills); at least MG_FEED_MAX_FRAME
                             * (default MG_FEED_DEFAULT_MAX_MESSAGE) */
} mg_feed_limits_t;
#define MG_FEED_DEFAULT_QUEUE 10000
#define MG_FEED_DEFAULT_MAX_MESSAGE 16384

/* Connects a SUB socket to url (e.g. tcp://127.0.0.1:5556) in the given libzmq context; limits
 * may be NULL (defaults). */
mg_feed_err_t mg_feed_open(void *zmq_ctx, const char *url, const mg_feed_limits_t *limits, mg_feed_t **out);
/* Waits up to timeout_ms (0 or less: no wait) for the next frame; *frame and *len stay valid
 * until the next call or close. Returns MG_FEED_OK, MG_FEED_TIMEOUT, MG_FEED_ERR_SOCKET, or,
 * for a frame that was dropped (count it and call again): MG_FEED_ERR_LENGTH (longer than
 * MG_FEED_MAX_FRAME) or MG_FEED_ERR_FORMAT (a multipart message; nodes send single frames). */
mg_feed_err_t mg_feed_recv(mg_feed_t *feed, int timeout_ms, const char **frame, size_t *len);
/* True while the socket is connected to the node (from the socket monitor). */
bool mg_feed_connected(mg_feed_t *feed);
/* Number of times the connection was (re-)established since open; a change means the caller may
 * have missed transactions and should back-fill. */
uint64_t mg_feed_connections(mg_feed_t *feed);
/* Times the socket was opened again after libzmq gave up on its session (a protocol error, such
 * as a message longer than max_message_bytes, ends a session without a reconnect). */
uint64_t mg_feed_reopens(mg_feed_t *feed);
void mg_feed_close(mg_feed_t *feed);

#endif
