#include "services/fleet.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BEAT_MIN_MS 250
#define BEAT_MAX_MS 5000

struct mg_fleet {
  mg_fleet_deps_t d;
  mg_store_t *store;
  char *info; /* this instance's heartbeat info (JSON text) */
  uint64_t beat_ms;
  pthread_t thread;
  bool started, failing;
  pthread_mutex_t lock;
  pthread_cond_t wake; /* mg_fleet_stop */
  /* under lock */
  bool stop;
  bool *live_shards;    /* [shard.count]: a live instance has that shard */
  mg_instance_t *live;  /* as of the last beat */
  size_t n_live;
};

uint64_t mg_fleet_beat_ms(uint64_t takeover_ms) {
  uint64_t ms = takeover_ms / 3;
  return ms < BEAT_MIN_MS ? BEAT_MIN_MS : ms > BEAT_MAX_MS ? BEAT_MAX_MS : ms;
}

/* The heartbeat's info: {"shard": "K/N" or null, "version", "http"}. */
static char *info_json(const mg_fleet_settings_t *s) {
  char shard[MG_SHARD_TEXT_MAX];
  mg_shard_format(s->shard, shard, sizeof shard);
  json_t *o = json_pack("{s:o, s:s, s:s}", "shard", s->shard.count ? json_string(shard) : json_null(), "version",
                        s->version, "http", s->http);
  char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  return text;
}

/* The shard an instance published in its info, when it is one of ours (same count). */
static bool instance_shard(const mg_instance_t *in, uint32_t count, uint32_t *index) {
  json_t *o = json_loads(in->info ? in->info : "", 0, NULL);
  mg_shard_t s;
  bool ours = json_is_string(json_object_get(o, "shard")) &&
              mg_shard_parse(json_string_value(json_object_get(o, "shard")), &s) == 0 && s.count == count;
  json_decref(o);
  if (ours) *index = s.index;
  return ours;
}

static void log_changes(mg_fleet_t *f, const mg_instance_t *v, size_t n) {
  if (n == f->n_live) {
    size_t same = 0;
    while (same < n && strcmp(v[same].id, f->live[same].id) == 0) same++;
    if (same == n) return;
  }
  char list[1024] = "";
  size_t used = 0;
  for (size_t i = 0; i < n && used < sizeof list; i++)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", v[i].id);
  mg_env_log(f->d.env, MAMGATE_LOG_INFO, "fleet: %zu live instance%s: %s", n, n == 1 ? "" : "s", list);
}

/* Takes the list of live instances (v, n): the shards they hold, and the list for status. */
static void take_live(mg_fleet_t *f, mg_instance_t *v, size_t n) {
  const mg_shard_t self = f->d.settings.shard;
  pthread_mutex_lock(&f->lock);
  log_changes(f, v, n);
  for (uint32_t i = 0; i < self.count; i++) f->live_shards[i] = false;
  for (size_t i = 0; i < n; i++) {
    uint32_t index;
    if (self.count && instance_shard(&v[i], self.count, &index)) f->live_shards[index] = true;
  }
  mg_instances_free(f->live, f->n_live);
  f->live = v;
  f->n_live = n;
  pthread_mutex_unlock(&f->lock);
}

/* Logs when beating starts failing and when it works again (not every retry). */
static void note_result(mg_fleet_t *f, mg_store_err_t err) {
  bool failing = err != MG_STORE_OK;
  if (failing && !f->failing)
    mg_env_log(f->d.env, MAMGATE_LOG_WARNING, "fleet: heartbeat failed: %s (%s); the shares stay as they were",
               mg_store_strerror(err), mg_store_errmsg(f->store));
  if (!failing && f->failing) mg_env_log(f->d.env, MAMGATE_LOG_INFO, "fleet: heartbeat written again");
  f->failing = failing;
}

/* One heartbeat and a fresh list of the live instances; a failure keeps the last list. */
static void beat(mg_fleet_t *f) {
  int64_t now = (int64_t)mg_env_now_ms(f->d.env);
  mg_instance_t *v = NULL;
  size_t n = 0;
  mg_store_err_t err = mg_store_heartbeat(f->store, f->d.settings.instance_id, f->info, now);
  if (err == MG_STORE_OK) err = mg_store_list_instances(f->store, now - (int64_t)f->d.settings.takeover_ms, &v, &n);
  note_result(f, err);
  if (err == MG_STORE_OK) take_live(f, v, n);
}

static void *fleet_main(void *arg) {
  mg_fleet_t *f = arg;
  pthread_mutex_lock(&f->lock);
  while (!f->stop && !atomic_load(f->d.stopping)) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(f->beat_ms / 1000);
    until.tv_nsec += (long)(f->beat_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_cond_timedwait(&f->wake, &f->lock, &until);
    if (f->stop || atomic_load(f->d.stopping)) break;
    pthread_mutex_unlock(&f->lock);
    beat(f);
    pthread_mutex_lock(&f->lock);
  }
  pthread_mutex_unlock(&f->lock);
  return NULL;
}

static mg_fleet_t *start_failed(mg_fleet_t *f, char *err, size_t err_len, const char *what, const char *detail) {
  snprintf(err, err_len, "%s%s", what, detail);
  mg_fleet_stop(f);
  return NULL;
}

mg_fleet_t *mg_fleet_start(const mg_fleet_deps_t *deps, char *err, size_t err_len) {
  mg_fleet_t *f = calloc(1, sizeof *f);
  if (!f) return start_failed(NULL, err, err_len, "out of memory", "");
  f->d = *deps;
  pthread_mutex_init(&f->lock, NULL);
  pthread_cond_init(&f->wake, NULL);
  if (!mg_instance_id_valid(f->d.settings.instance_id))
    return start_failed(f, err, err_len, "fleet: invalid instance id", "");
  f->beat_ms = mg_fleet_beat_ms(f->d.settings.takeover_ms);
  uint32_t count = f->d.settings.shard.count;
  if (!(f->info = info_json(&f->d.settings)) || (count && !(f->live_shards = calloc(count, sizeof *f->live_shards))))
    return start_failed(f, err, err_len, "out of memory", "");
  mg_store_err_t serr = mg_store_open_sealed(f->d.settings.db_path, f->d.settings.store_key, &f->store);
  if (serr != MG_STORE_OK) return start_failed(f, err, err_len, "fleet: cannot open the store: ", mg_store_strerror(serr));
  beat(f);
  if (pthread_create(&f->thread, NULL, fleet_main, f) != 0) return start_failed(f, err, err_len, "cannot start the fleet heartbeat", "");
  f->started = true;
  return f;
}

void mg_fleet_stop(mg_fleet_t *f) {
  if (!f) return;
  pthread_mutex_lock(&f->lock);
  f->stop = true;
  pthread_cond_broadcast(&f->wake);
  pthread_mutex_unlock(&f->lock);
  if (f->started) pthread_join(f->thread, NULL);
  mg_store_close(f->store);
  mg_instances_free(f->live, f->n_live);
  free(f->live_shards);
  free(f->info);
  pthread_mutex_destroy(&f->lock);
  pthread_cond_destroy(&f->wake);
  free(f);
}

bool mg_fleet_decodes(mg_fleet_t *f, const char *channel_id) {
  pthread_mutex_lock(&f->lock);
  bool mine = mg_shard_decodes(f->d.settings.shard, f->live_shards, channel_id);
  pthread_mutex_unlock(&f->lock);
  return mine;
}

int mg_fleet_live(mg_fleet_t *f, mg_instance_t **out, size_t *n) {
  *out = NULL;
  *n = 0;
  pthread_mutex_lock(&f->lock);
  size_t count = f->n_live;
  mg_instance_t *v = count ? calloc(count, sizeof *v) : NULL;
  int rc = count && !v ? -1 : 0;
  for (size_t i = 0; rc == 0 && i < count; i++) {
    memcpy(v[i].id, f->live[i].id, sizeof v[i].id);
    v[i].seen_ms = f->live[i].seen_ms;
    if (f->live[i].info && !(v[i].info = strdup(f->live[i].info))) rc = -1;
  }
  pthread_mutex_unlock(&f->lock);
  if (rc != 0) return mg_instances_free(v, count), -1;
  *out = v;
  *n = count;
  return 0;
}
