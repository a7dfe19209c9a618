/* services/probe.h: the node's reachability, checked in the background.
 *
 * A thread asks the node for getNodeInfo every interval and keeps the last answer, so that REST
 * routes (/v1/info) report it at once and never wait on a slow or hanging node. Stopping cancels a
 * call in progress. */
#ifndef SERVICES_PROBE_H
#define SERVICES_PROBE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct mg_probe mg_probe_t;

typedef struct mg_probe_status {
  bool reachable;        /* the last check succeeded */
  uint64_t checks;       /* completed checks; 0: none yet */
} mg_probe_status_t;

/* Starts checking node_api (copied) at once and then every interval_ms, each call limited to
 * timeout_ms. NULL when out of memory or no thread can be started. */
mg_probe_t *mg_probe_start(const char *node_api, uint64_t interval_ms, uint64_t timeout_ms);
/* Cancels a check in progress, joins the thread and frees p (NULL is ignored). */
void mg_probe_stop(mg_probe_t *p);
/* The last result; safe from any thread. */
mg_probe_status_t mg_probe_status(mg_probe_t *p);

#endif
