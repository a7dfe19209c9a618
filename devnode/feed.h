/* devnode/feed.h: the node's ZeroMQ PUB feed (spec node-interface.md 1.1-1.3). Each stored
 * transaction goes out as three single-frame messages: `tx <12 fields>`, `trytes <trytes> <hash>`
 * and `tx_trytes <trytes> <hash>`. Thread-safe. */
#ifndef DEVNODE_FEED_H
#define DEVNODE_FEED_H

#include <stdbool.h>
#include <stddef.h>

#include "devnode/tx.h"

typedef struct devnode_feed devnode_feed_t;

/* Binds a PUB socket to `endpoint` (e.g. tcp://127.0.0.1:5556, or tcp://127.0.0.1:* for any
 * free port). On failure returns NULL with a one-line reason in `why`. */
devnode_feed_t *devnode_feed_open(const char *endpoint, char *why, size_t why_size);
void devnode_feed_close(devnode_feed_t *feed);

/* The endpoint actually bound (the port resolved when a wildcard was given). */
const char *devnode_feed_endpoint(const devnode_feed_t *feed);

/* Publishes the three messages of one transaction; false when the socket refused one (messages
 * for subscribers past their high-water mark are dropped by ZeroMQ, as nodes do). */
bool devnode_feed_publish(devnode_feed_t *feed, const devnode_tx_t *tx);

/* Writes the `tx` message (topic and fields, no terminator needed by ZeroMQ) into out;
 * returns its length, or 0 when out is too small. */
size_t devnode_feed_format_tx(const devnode_tx_t *tx, char *out, size_t size);

#endif
