/* services/rest/rest_writes.c: REST: the writes that sign, prove work or call the node (publish,
 * endpoints, channels) run on a bounded pool of threads of their own, off the HTTP workers, so
 * that reads never wait behind them. The route validates the request, reserves its
 * Idempotency-Key and defers its answer (http/server.h); a pool thread runs the write and
 * completes the answer. A full queue answers 503 with Retry-After before anything is spent. The
 * stop lets the running writes finish (a reserved leaf range is signed and stored as ever) and
 * answers the queued ones 503: they never started, so nothing was signed. */
#include "services/rest/rest_internal.h"

#define RETRY_AFTER_S "1"

static const char *const retry_headers[] = {"Retry-After", RETRY_AFTER_S, NULL};
static const char OOM_ANSWER[] = "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}\n";

struct rest_pool {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  rest_job_t *head, *tail; /* queued, oldest first */
  size_t queued, cap;
  bool stopping;
  pthread_t *threads;
  size_t n_threads;
};

/* Records the answer for the job's Idempotency-Key, completes the deferred answer with it and
 * frees the job. */
static void finish(rest_job_t *job, int status, json_t *body, const char *const *headers) {
  char *text = rest_idem_finish(job->r, &job->k, status, body);
  if (text) mg_http_deferred_answer(job->answer, status, text, strlen(text), headers);
  else mg_http_deferred_answer(job->answer, 500, OOM_ANSWER, sizeof OOM_ANSWER - 1, NULL);
  free(text);
  job->free_fn(job);
}

/* A job that will not run: 503, the key released, nothing spent. */
static void refuse(rest_job_t *job, const char *code, const char *message) {
  finish(job, 503, mg_http_error_json(code, message), retry_headers);
}

/* Runs the queued jobs; once the pool stops, refuses those still queued (on this thread, whose
 * store connection records their keys' release) and ends. */
static void *pool_main(void *arg) {
  rest_t *r = arg;
  rest_pool_t *p = r->pool;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->head && !p->stopping) pthread_cond_wait(&p->cv, &p->mu);
    rest_job_t *job = p->head;
    if (!job) break;
    p->head = job->next;
    if (!p->head) p->tail = NULL;
    p->queued--;
    bool run = !p->stopping;
    pthread_mutex_unlock(&p->mu);
    if (run) {
      int status = 201;
      json_t *answer = job->run(job, &status);
      finish(job, status, answer, NULL);
    } else refuse(job, "stopping", "the gateway stopped before this write began: nothing was signed; retry later");
    pthread_mutex_lock(&p->mu);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* Appends the job; false when the queue is full or the pool stops. */
static bool submit(rest_pool_t *p, rest_job_t *job) {
  pthread_mutex_lock(&p->mu);
  bool ok = !p->stopping && p->queued < p->cap;
  if (ok) {
    job->next = NULL;
    if (p->tail) p->tail->next = job;
    else p->head = job;
    p->tail = job;
    p->queued++;
    pthread_cond_signal(&p->cv);
  }
  pthread_mutex_unlock(&p->mu);
  return ok;
}

void rest_writes_run(rest_t *r, mg_http_request_t *req, rest_job_t *job, const idem_t *k) {
  job->r = r;
  job->k = *k;
  if (k->key) {
    snprintf(job->idem_key, sizeof job->idem_key, "%s", k->key); /* the request's headers go with it */
    job->k.key = job->idem_key;
  }
  job->answer = mg_http_defer(req);
  if (!job->answer) { /* stopping, or out of memory */
    rest_idem_respond(r, req, &job->k, 503, mg_http_error_json("stopping", "the gateway is stopping; retry later"));
    job->free_fn(job);
    return;
  }
  if (!submit(r->pool, job))
    refuse(job, "server_busy", "too many writes queued: nothing was signed; retry later");
}

int rest_pool_start(rest_t *r, unsigned threads, size_t queue) {
  rest_pool_t *p = calloc(1, sizeof *p);
  if (!p || !(p->threads = calloc(threads, sizeof *p->threads))) return free(p), -1;
  if (pthread_mutex_init(&p->mu, NULL) != 0) return free(p->threads), free(p), -1;
  if (pthread_cond_init(&p->cv, NULL) != 0) return pthread_mutex_destroy(&p->mu), free(p->threads), free(p), -1;
  p->cap = queue;
  r->pool = p;
  for (; p->n_threads < threads; p->n_threads++)
    if (pthread_create(&p->threads[p->n_threads], NULL, pool_main, r) != 0) return -1; /* rest_pool_stop ends them */
  return 0;
}

void rest_pool_stop(rest_t *r) {
  rest_pool_t *p = r->pool;
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  p->stopping = true;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  for (size_t i = 0; i < p->n_threads; i++) pthread_join(p->threads[i], NULL); /* the queue is empty after */
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->mu);
  free(p->threads);
  free(p);
  r->pool = NULL;
}
