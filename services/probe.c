/* services/probe.c: see services/probe.h. */
#include "services/probe.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/client.h"

struct mg_probe {
  char *node_api;
  uint64_t interval_ms, timeout_ms;
  atomic_int cancel; /* set when stopping: aborts the node call in progress */
  atomic_bool reachable;
  atomic_uint_fast64_t checks;
  pthread_mutex_t mu;
  pthread_cond_t cv; /* signalled when stopping */
  pthread_t thread;
};

static bool node_answers(mg_probe_t *p) {
  mg_node_config_t cfg;
  mg_node_config_init(&cfg, p->node_api);
  cfg.timeout_ms = (long)p->timeout_ms;
  cfg.connect_timeout_ms = (long)p->timeout_ms;
  cfg.retries = 0;
  cfg.cancel = &p->cancel;
  mg_node_client_t *c = NULL;
  mg_node_info_t info;
  bool ok = mg_node_client_new(&cfg, &c) == MG_NODE_OK && mg_node_get_node_info(c, &info) == MG_NODE_OK;
  mg_node_client_free(c);
  return ok;
}

/* Waits interval_ms or until stopped; false when stopped. */
static bool pause_interval(mg_probe_t *p) {
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += (time_t)(p->interval_ms / 1000u);
  until.tv_nsec += (long)(p->interval_ms % 1000u) * 1000000L;
  until.tv_sec += until.tv_nsec / 1000000000L;
  until.tv_nsec %= 1000000000L;
  pthread_mutex_lock(&p->mu);
  int rc = 0;
  while (!atomic_load(&p->cancel) && rc == 0) rc = pthread_cond_timedwait(&p->cv, &p->mu, &until);
  pthread_mutex_unlock(&p->mu);
  return !atomic_load(&p->cancel);
}

static void *probe_main(void *arg) {
  mg_probe_t *p = arg;
  do {
    bool ok = node_answers(p);
    if (atomic_load(&p->cancel)) break; /* a cancelled call says nothing about the node */
    atomic_store(&p->reachable, ok);
    atomic_fetch_add(&p->checks, 1);
  } while (pause_interval(p));
  return NULL;
}

static bool init_sync(mg_probe_t *p) {
  pthread_condattr_t attr;
  if (pthread_condattr_init(&attr) != 0) return false;
  bool ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 && pthread_cond_init(&p->cv, &attr) == 0;
  pthread_condattr_destroy(&attr);
  if (ok && pthread_mutex_init(&p->mu, NULL) != 0) {
    pthread_cond_destroy(&p->cv);
    ok = false;
  }
  return ok;
}

/* Frees p and, when synced, its mutex and condition. */
static void probe_free(mg_probe_t *p, bool synced) {
  if (synced) {
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
  }
  free(p->node_api);
  free(p);
}

mg_probe_t *mg_probe_start(const char *node_api, uint64_t interval_ms, uint64_t timeout_ms) {
  mg_probe_t *p = calloc(1, sizeof *p);
  if (p == NULL) return NULL;
  p->node_api = strdup(node_api);
  p->interval_ms = interval_ms;
  p->timeout_ms = timeout_ms;
  bool synced = p->node_api != NULL && init_sync(p);
  if (!synced || pthread_create(&p->thread, NULL, probe_main, p) != 0) {
    probe_free(p, synced);
    return NULL;
  }
  return p;
}

void mg_probe_stop(mg_probe_t *p) {
  if (p == NULL) return;
  pthread_mutex_lock(&p->mu);
  atomic_store(&p->cancel, 1);
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
  pthread_join(p->thread, NULL);
  probe_free(p, true);
}

mg_probe_status_t mg_probe_status(mg_probe_t *p) {
  return (mg_probe_status_t){.reachable = atomic_load(&p->reachable), .checks = atomic_load(&p->checks)};
}
