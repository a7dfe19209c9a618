/* services/pending.h: decoded packets waiting for the database (design "Storage engines": the
 * database down while the gateway runs).
 *
 * While the store cannot be reached, the watcher keeps the packets it decoded here, in arrival
 * order and in bounded memory (at most max_packets; past it a packet is dropped and counted), and
 * stores them when the database answers again. One thread uses a queue; mg_pending_count may be
 * read from any thread. */
#ifndef SERVICES_PENDING_H
#define SERVICES_PENDING_H

#include <stdatomic.h>
#include <stddef.h>

#include "store/store.h"

typedef struct mg_pending mg_pending_t;

/* A queue of at most max_packets packets (0: none is kept, every push drops); NULL out of memory. */
mg_pending_t *mg_pending_new(size_t max_packets);
/* Frees the queue and the packets it still holds (NULL is fine). */
void mg_pending_free(mg_pending_t *q);

/* Takes the n rows (their payloads too; the array stays the caller's): each is queued, or dropped
 * and freed once the queue holds max_packets. Returns how many were dropped. */
size_t mg_pending_push(mg_pending_t *q, mg_message_t *rows, size_t n);

/* Stores the queued packets, oldest first, batch_max (>= 1) per transaction, and removes those
 * stored. Stops at the first failure: what is left stays queued, in order. *stored and *repeated
 * (either may be NULL) count the rows that were new and those the store had already. */
mg_store_err_t mg_pending_flush(mg_pending_t *q, mg_store_t *s, size_t batch_max, size_t *stored, size_t *repeated);

/* Packets queued now (any thread). */
size_t mg_pending_count(const mg_pending_t *q);

#endif
