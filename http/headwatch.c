/* http/headwatch.c: see http/headwatch.h. Armed entries form one list per time-out, in deadline
 * order: every deadline of a list is "now + its time-out" when armed, so appending keeps the order
 * and the thread only ever looks at the heads of the lists. */
#include "http/headwatch.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

enum { NORMAL, HURRIED, N_QUEUES };

typedef struct queue {
  uint64_t timeout_ms;
  mg_head_entry_t *head, *tail; /* armed entries, earliest deadline first */
} queue_t;

struct mg_head_entry {
  int fd;
  bool hurried;
  uint64_t deadline_ms; /* CLOCK_MONOTONIC */
  bool armed;
  mg_head_entry_t *prev, *next;
};

struct mg_head_watch {
  queue_t queues[N_QUEUES];
  pthread_mutex_t mu;
  pthread_cond_t cv;
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
static queue_t *queue_of(mg_head_watch_t *w, const mg_head_entry_t *e) {
  return &w->queues[e->hurried ? HURRIED : NORMAL];
}

static void unlink_entry(mg_head_watch_t *w, mg_head_entry_t *e) {
  if (!e->armed) return;
  queue_t *q = queue_of(w, e);
  if (e->prev) e->prev->next = e->next;
  else q->head = e->next;
  if (e->next) e->next->prev = e->prev;
  else q->tail = e->prev;
  e->prev = e->next = NULL;
  e->armed = false;
}

static void append_entry(mg_head_watch_t *w, mg_head_entry_t *e) {
  unlink_entry(w, e);
  queue_t *q = queue_of(w, e);
  e->deadline_ms = monotonic_ms() + q->timeout_ms;
  e->armed = true;
  e->prev = q->tail;
  if (q->tail) q->tail->next = e;
  else q->head = e;
  q->tail = e;
  if (q->head == e) pthread_cond_signal(&w->cv); /* the thread may wait for a later deadline, or none */
}

/* Shuts down every connection of q past its deadline; the earliest deadline left, or 0. */
static uint64_t expire_queue(mg_head_watch_t *w, queue_t *q, uint64_t now) {
  while (q->head != NULL && q->head->deadline_ms <= now) {
    mg_head_entry_t *e = q->head;
    shutdown(e->fd, SHUT_RDWR);
    unlink_entry(w, e);
  }
  return q->head ? q->head->deadline_ms : 0;
}

/* Expires both queues; the earliest deadline left, or 0 when none. */
static uint64_t expire_due(mg_head_watch_t *w) {
  uint64_t now = monotonic_ms(), next = 0;
  for (int i = 0; i < N_QUEUES; i++) {
    uint64_t due = expire_queue(w, &w->queues[i], now);
    if (due != 0 && (next == 0 || due < next)) next = due;
  }
  return next;
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

mg_head_watch_t *mg_head_watch_start(uint64_t timeout_ms, uint64_t hurried_timeout_ms) {
  mg_head_watch_t *w = calloc(1, sizeof *w);
  if (w == NULL || timeout_ms == 0 || hurried_timeout_ms == 0 || !init_sync(w)) {
    free(w);
    return NULL;
  }
  w->queues[NORMAL].timeout_ms = timeout_ms;
  w->queues[HURRIED].timeout_ms = hurried_timeout_ms;
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

mg_head_entry_t *mg_head_watch_add(mg_head_watch_t *w, int fd, bool hurried) {
  mg_head_entry_t *e = calloc(1, sizeof *e);
  if (e == NULL) return NULL;
  e->fd = fd;
  e->hurried = hurried;
  mg_head_watch_arm(w, e);
  return e;
}

bool mg_head_entry_hurried(const mg_head_entry_t *e) { return e->hurried; }

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
