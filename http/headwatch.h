/* http/headwatch.h: a deadline for reading a request head that no trickle of bytes can extend.
 *
 * Two deadlines: the normal one, and a short one for "hurried" connections (those the server
 * accepted past its connection limit, to answer them 503 at once: an idle one must not keep the
 * slot long).
 *
 * http/server.c registers each connection when it opens and again after each answered request
 * (the next head must arrive in time too), and disarms it when a complete head has arrived. A
 * thread shuts down (shutdown(2), both directions) the socket of every connection still armed at
 * its deadline; the HTTP library then sees end-of-file and closes the connection on its own
 * thread. The socket must stay open until mg_head_watch_remove has returned. */
#ifndef HTTP_HEADWATCH_H
#define HTTP_HEADWATCH_H

#include <stdbool.h>
#include <stdint.h>

typedef struct mg_head_watch mg_head_watch_t;
typedef struct mg_head_entry mg_head_entry_t;

/* NULL when out of memory or no thread can be started. Both time-outs > 0. */
mg_head_watch_t *mg_head_watch_start(uint64_t timeout_ms, uint64_t hurried_timeout_ms);
/* Stops the thread and frees the watch; every entry must have been removed. w may be NULL. */
void mg_head_watch_stop(mg_head_watch_t *w);

/* A new armed entry for socket fd, due timeout_ms (hurried: hurried_timeout_ms) from now; NULL
 * when out of memory. */
mg_head_entry_t *mg_head_watch_add(mg_head_watch_t *w, int fd, bool hurried);
bool mg_head_entry_hurried(const mg_head_entry_t *e);
/* Arms e again with a fresh deadline (after an answered request). */
void mg_head_watch_arm(mg_head_watch_t *w, mg_head_entry_t *e);
/* A complete head arrived: no deadline until the next mg_head_watch_arm. */
void mg_head_watch_disarm(mg_head_watch_t *w, mg_head_entry_t *e);
/* The connection is closing: disarms and frees e (NULL is ignored). */
void mg_head_watch_remove(mg_head_watch_t *w, mg_head_entry_t *e);

#endif
