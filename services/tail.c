#include "services/tail.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "read/message_json.h"
#include "zmq/publisher.h"

#define TAIL_WAIT_MS 200   /* one wait for new rows (the thread checks `stopping` between waits) */
#define TAIL_RETRY_MS 500  /* pause after a failed read before the next try */
#define TAIL_PAGE 256      /* rows read per query */
#define ID MG_ID_TRYTES

struct mg_tail {
  mg_tail_deps_t d;
  mg_store_t *store;
  mg_zpub_t *zpub;
  pthread_t thread;
  bool started, failing;
  char endpoint[256]; /* as bound */
  atomic_int stop; /* mg_tail_stop asks the thread to end */
  atomic_int_fast64_t last, published;
};

static bool stopping(const mg_tail_t *t) { return atomic_load(t->d.stopping) || atomic_load(&t->stop); }

static void publish(mg_tail_t *t, const mg_message_t *m) {
  char topic[4 + ID + 1];
  snprintf(topic, sizeof topic, "mam %s", m->channel_id);
  char *body = mg_message_json_text(m, 0);
  if (body && mg_zpub_send(t->zpub, topic, body, strlen(body)) == 0) atomic_fetch_add(&t->d.metrics->packets_output, 1);
  free(body);
}

/* Logs when reading starts failing and when it works again (not every retry). */
static void note_result(mg_tail_t *t, mg_store_err_t err) {
  bool failing = err != MG_STORE_OK;
  if (failing && !t->failing)
    mg_env_log(t->d.env, MAMGATE_LOG_WARNING, "store tail: reading new packets failed: %s (%s); retrying",
               mg_store_strerror(err), mg_store_errmsg(t->store));
  if (!failing && t->failing) mg_env_log(t->d.env, MAMGATE_LOG_INFO, "store tail: reading new packets again");
  t->failing = failing;
}

/* Publishes every row after the published cursor, up to `last` at least, page by page. */
static mg_store_err_t catch_up(mg_tail_t *t, int64_t last) {
  int64_t cursor = atomic_load(&t->published);
  while (cursor < last && !stopping(t)) {
    mg_message_t *rows = NULL;
    size_t n = 0;
    mg_store_err_t err = mg_store_list_messages_of(t->store, NULL, 0, cursor, TAIL_PAGE, &rows, &n);
    if (err != MG_STORE_OK) return err;
    for (size_t i = 0; i < n; i++) publish(t, &rows[i]);
    if (n > 0) cursor = rows[n - 1].cursor;
    mg_messages_free(rows, n);
    /* a short page holds every visible row: those up to `last` that it lacks are of channels no
     * longer watched, and no row at or below `last` can appear later (the store's promise) */
    if (n < TAIL_PAGE && cursor < last) cursor = last;
    atomic_store(&t->published, cursor);
  }
  return MG_STORE_OK;
}

static void *tail_main(void *arg) {
  mg_tail_t *t = arg;
  const struct timespec retry = {.tv_sec = TAIL_RETRY_MS / 1000, .tv_nsec = (TAIL_RETRY_MS % 1000) * 1000000L};
  while (!stopping(t)) {
    int64_t last = 0;
    mg_store_err_t err = mg_store_wait_messages(t->store, atomic_load(&t->published), TAIL_WAIT_MS, &last);
    if (err == MG_STORE_OK) {
      if (last > atomic_load(&t->last)) atomic_store(&t->last, last);
      err = catch_up(t, last);
      int64_t published = atomic_load(&t->published);
      if (published > atomic_load(&t->last)) atomic_store(&t->last, published); /* rows past `last` went out */
    }
    note_result(t, err);
    if (err != MG_STORE_OK) nanosleep(&retry, NULL);
  }
  return NULL;
}

static mg_tail_t *start_failed(mg_tail_t *t, char *err, size_t err_len, const char *what, const char *detail) {
  snprintf(err, err_len, "%s%s", what, detail);
  mg_tail_stop(t);
  return NULL;
}

mg_tail_t *mg_tail_start(const mg_tail_deps_t *deps, char *err, size_t err_len) {
  mg_tail_t *t = calloc(1, sizeof *t);
  if (!t) return start_failed(NULL, err, err_len, "out of memory", "");
  t->d = *deps;
  int64_t newest = 0;
  mg_store_err_t serr = mg_store_open_sealed(t->d.settings.db_path, t->d.settings.store_key, &t->store);
  if (serr == MG_STORE_OK) serr = mg_store_last_cursor(t->store, &newest);
  if (serr != MG_STORE_OK) return start_failed(t, err, err_len, "store tail: cannot read the store: ", mg_store_strerror(serr));
  atomic_store(&t->last, newest);
  atomic_store(&t->published, newest);
  if (mg_zpub_open(t->d.zmq_ctx, t->d.settings.zmq_pub, &t->zpub) != 0) {
    char what[MG_STORE_ERRMSG_MAX];
    snprintf(what, sizeof what, "cannot bind the ZeroMQ output %s: ", t->d.settings.zmq_pub);
    return start_failed(t, err, err_len, what, zmq_strerror(zmq_errno()));
  }
  if (mg_zpub_endpoint(t->zpub, t->endpoint, sizeof t->endpoint) != 0)
    snprintf(t->endpoint, sizeof t->endpoint, "%s", t->d.settings.zmq_pub);
  if (pthread_create(&t->thread, NULL, tail_main, t) != 0) return start_failed(t, err, err_len, "cannot start the store tail", "");
  t->started = true;
  return t;
}

void mg_tail_stop(mg_tail_t *t) {
  if (!t) return;
  atomic_store(&t->stop, 1);
  if (t->started) pthread_join(t->thread, NULL);
  if (t->zpub) mg_zpub_close(t->zpub);
  mg_store_close(t->store);
  free(t);
}

int64_t mg_tail_last_cursor(const mg_tail_t *t) { return atomic_load(&t->last); }

int64_t mg_tail_published_cursor(const mg_tail_t *t) { return atomic_load(&t->published); }

const char *mg_tail_endpoint(const mg_tail_t *t) { return t->endpoint; }
