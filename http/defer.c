/* http/defer.c: deferred answers (http/server.h, mg_http_defer). A deferral is owned by whoever
 * completes it; while pending it is linked to its request and to its server's list, and the
 * request's connection is suspended. One lock guards every link, so that a completion, the end of
 * the request and the server's stop each see the others' work whole: a completion after the
 * request ended (the server stopped) finds the deferral detached and touches neither request nor
 * server. The lock is static since a deferral may outlive its server. */
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "http/server_internal.h"

#define STOP_SEND_WAIT_MS 1000 /* how long the stop lets its 503 answers go out */
#define STOP_POLL_MS 5

struct mg_http_deferred {
  mg_http_server_t *server;
  mg_http_request_t *req; /* NULL once detached */
  mg_http_deferred_t *prev, *next;
};

static pthread_mutex_t defer_mu = PTHREAD_MUTEX_INITIALIZER;

/* Unlinks d from its request and server; called with defer_mu held. */
static void detach(mg_http_deferred_t *d) {
  mg_http_server_t *s = d->server;
  if (d->prev != NULL) d->prev->next = d->next;
  else s->deferred = d->next;
  if (d->next != NULL) d->next->prev = d->prev;
  d->req->deferral = NULL;
  d->req = NULL;
  d->prev = d->next = NULL;
}

mg_http_deferred_t *mg_http_defer(mg_http_request_t *r) {
  mg_http_server_t *s = r->server;
  mg_http_deferred_t *d = r->responded || r->deferring ? NULL : calloc(1, sizeof *d);
  if (d == NULL) return NULL;
  pthread_mutex_lock(&defer_mu);
  bool stopping = atomic_load(&s->stopping);
  if (!stopping) {
    *d = (mg_http_deferred_t){.server = s, .req = r, .next = s->deferred};
    if (s->deferred != NULL) s->deferred->prev = d;
    s->deferred = d;
    r->deferral = d;
    r->deferring = true;
    MHD_suspend_connection(r->conn);
  }
  pthread_mutex_unlock(&defer_mu);
  if (!stopping) return d;
  free(d);
  return NULL;
}

void mg_http_deferred_answer(mg_http_deferred_t *d, int status, const char *json_text, size_t len,
                             const char *const *headers) {
  pthread_mutex_lock(&defer_mu);
  mg_http_request_t *r = d->req;
  if (r != NULL) {
    detach(d);
    mg_http_send_json_text(r, status, json_text, len, headers); /* allowed on a suspended connection */
    MHD_resume_connection(r->conn);
  }
  pthread_mutex_unlock(&defer_mu);
  free(d);
}

void mg_http_defer_request_ended(mg_http_request_t *r) {
  if (!r->deferring) return;
  if (r->stop_answered) atomic_fetch_sub(&r->server->stop_answers, 1);
  pthread_mutex_lock(&defer_mu);
  if (r->deferral != NULL) detach(r->deferral);
  pthread_mutex_unlock(&defer_mu);
}

void mg_http_defer_stop(mg_http_server_t *s) {
  pthread_mutex_lock(&defer_mu);
  while (s->deferred != NULL) {
    mg_http_request_t *r = s->deferred->req;
    detach(s->deferred);
    r->stop_answered = true;
    atomic_fetch_add(&s->stop_answers, 1);
    mg_http_send_error_f(r, 503, NULL, "server_stopping", "the server stopped before the answer was ready");
    MHD_resume_connection(r->conn);
  }
  pthread_mutex_unlock(&defer_mu);
  struct timespec pause = {0, STOP_POLL_MS * 1000000L};
  for (int waited = 0; atomic_load(&s->stop_answers) > 0 && waited < STOP_SEND_WAIT_MS; waited += STOP_POLL_MS)
    nanosleep(&pause, NULL); /* the workers send them; MHD's stop would close their connections */
}
