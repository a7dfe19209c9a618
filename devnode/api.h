/* devnode/api.h: the node API commands devnode answers, with IRI's request and response shapes and
 * error model (spec node-interface.md 5.1-5.3): 400 {"error"} for refused requests, 401 for
 * attachToTangle from a non-loopback caller, 500 {"exception"} for invalid parameters; every
 * answer carries "duration" (ms). Independent of the HTTP transport; thread-safe. */
#ifndef DEVNODE_API_H
#define DEVNODE_API_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "devnode/feed.h"
#include "devnode/store.h"

/* IRI's default limits (spec 5.3). */
#define DEVNODE_MAX_BODY 1000000 /* characters of one request body */
#define DEVNODE_MAX_LIST 1000    /* entries of one list parameter */
#define DEVNODE_MAX_FIND 100000  /* hashes one findTransactions may answer */
#define DEVNODE_MAX_GET_TRYTES 10000
#define DEVNODE_MAX_DEPTH 15

typedef struct devnode_api devnode_api_t;

/* store and feed stay owned by the caller and must outlive the API. `stop`, when raised,
 * interrupts a running proof of work (attachToTangle then fails). */
devnode_api_t *devnode_api_new(devnode_store_t *store, devnode_feed_t *feed, unsigned mwm,
                               const atomic_int *stop);
void devnode_api_free(devnode_api_t *api);

typedef struct devnode_reply {
  unsigned status; /* HTTP status */
  char *body;      /* JSON text (malloc'd), NULL when memory ran out */
  size_t len;
} devnode_reply_t;

/* Answers one request body. `trusted` tells whether the caller is on loopback. */
devnode_reply_t devnode_api_handle(devnode_api_t *api, const char *body, size_t len, bool trusted);

/* The 400 {"error": message} answer for requests refused before their body is read. */
devnode_reply_t devnode_api_error(const char *message);

#endif
