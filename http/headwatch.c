/* http/headwatch.c: see http/headwatch.h. Armed entries form a list in deadline order: every
 * deadline is "now + the same time-out" when armed, so appending keeps the order and the thread
 * only ever looks at the head of the list. */
#include "http/headwatch.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

struct mg_head_entry {
  int fd;
  uint64_t deadline_ms; /* CLOCK_MONOTONIC */
  bool armed;
  mg_head_entry_t *prev, *next;
};

struct mg_head_watch {
  uint64_t timeout_ms;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  mg_head_entry_t *head, *tail; /* armed entries, earliest deadline first */
  bool stopping;
  pthread_t thread;
};

static uint64_t monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct timespec as_timespec(uint64_t ms) {
  return (struct timespec){.tv_sec = (time_t)(ms / 1000u), .tv_nsec = (long)(ms % 1000u) * 1000000L};
}

/* The list operations: called with mu held. */
static void unlink_entry(mg_head_watch_t *w, mg_head_entry_t *e) {
  if (!e->armed) return;
  if (e->prev) e->prev->next = e->next;
  else w->head = e->next;
  if (e->next) e->next->prev = e->prev;
  else w->tail = e->prev;
  e->prev = e->next = NULL;
  e->armed = false;
}

static void append_entry(mg_head_watch_t *w, mg_head_entry_t *e) {
  unlink_entry(w, e);
  e->deadline_ms = monotonic_ms() + w->timeout_ms;
  e->armed = true;
  e->prev = w->tail;
  if (w->tail) w->tail->next = e;
  else w->head = e;
  w->tail = e;
  if (w->head == e) pthread_cond_signal(&w->cv); /* the thread was waiting without a deadline */
}

/* Shuts down every connection past its deadline; the earliest deadline left, or 0 when none. */
static uint64_t expire_due(mg_head_watch_t *w) {
  uint64_t now = monotonic_ms();
  while (w->head != NULL && w->head->deadline_ms <= now) {
    mg_head_entry_t *e = w->head;
    shutdown(e->fd, SHUT_RDWR);
    unlink_entry(w, e);
  }
  return w->head ? w->head->deadline_ms : 0;
}

static void *watch_main(void *arg) {
  mg_head_watch_t *w = arg;
  pthread_mutex_lock(&w->mu);
  while (!w->stopping) {
    uint64_t next = expire_due(w);
    if (next == 0) {
      pthread_cond_wait(&w->cv, &w->mu);
    } else {
      struct timespec until = as_timespec(next);
      int rc = pthread_cond_timedwait(&w->cv, &w->mu, &until);
      if (rc != 0 && rc != ETIMEDOUT) break;
    }
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

static bool init_sync(mg_head_watch_t *w) {
  pthread_condattr_t attr;
  if (pthread_condattr_init(&attr) != 0) return false;
  bool ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 && pthread_cond_init(&w->cv, &attr) == 0;
  pthread_condattr_destroy(&attr);
  if (ok && pthread_mutex_init(&w->mu, NULL) != 0) {
    pthread_cond_destroy(&w->cv);
    ok = false;
  }
  return ok;
}

mg_head_watch_t *mg_head_watch_start(uint64_t timeout_ms) {
  mg_head_watch_t *w = calloc(1, sizeof *w);
  if (w == NULL || timeout_ms == 0 || !init_sync(w)) {
    free(w);
    return NULL;
  }
  w->timeout_ms = timeout_ms;
  if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
    return NULL;
  }
  return w;
}

void mg_head_watch_stop(mg_head_watch_t *w) {
  if (w == NULL) return;
  pthread_mutex_lock(&w->mu);
  w->stopping = true;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->thread, NULL);
  pthread_cond_destroy(&w->cv);
  pthread_mutex_destroy(&w->mu);
  free(w);
}

mg_head_entry_t *mg_head_watch_add(mg_head_watch_t *w, int fd) {
  mg_head_entry_t *e = calloc(1, sizeof *e);
  if (e == NULL) return NULL;
  e->fd = fd;
  mg_head_watch_arm(w, e);
  return e;
}

void mg_head_watch_arm(mg_head_watch_t *w, mg_head_entry_t *e) {
  pthread_mutex_lock(&w->mu);
  append_entry(w, e);
  pthread_mutex_unlock(&w->mu);
}

void mg_head_watch_disarm(mg_head_watch_t *w, mg_head_entry_t *e) {
  pthread_mutex_lock(&w->mu);
  unlink_entry(w, e);
  pthread_mutex_unlock(&w->mu);
}

void mg_head_watch_remove(mg_head_watch_t *w, mg_head_entry_t *e) {
  if (e == NULL) return;
  mg_head_watch_disarm(w, e);
  free(e);
}
