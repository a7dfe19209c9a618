/* tests/plugins/good.c: a well-behaved plugin for the host's tests. It logs the ABI version, every
 * option with its origin and whether the host's clock agrees with the system's; it runs a worker
 * thread until cleanup. Two options steer it: cleanup_delay_ms (cleanup takes that long, so that
 * tests can signal the host during shutdown) and fail_cleanup=yes (cleanup reports an error). */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mamgate/mamgate_plugin.h"

#define LINE_SIZE 1024
#define CLOCK_TOLERANCE_MS 60000

typedef struct instance {
  mamgate_host_t host;
  pthread_t worker;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  bool stop;
  long cleanup_delay_ms;
  bool fail_cleanup;
} instance_t;

static void say(const instance_t *in, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void say(const instance_t *in, const char *format, ...) {
  char line[LINE_SIZE];
  va_list args;
  va_start(args, format);
  vsnprintf(line, sizeof line, format, args);
  va_end(args);
  in->host.log(in->host.host_data, MAMGATE_LOG_INFO, line);
}

int mamgate_plugin_version(int count, const int *supported) {
  for (int i = 0; i < count; i++)
    if (supported[i] == MAMGATE_PLUGIN_ABI_V1) return MAMGATE_PLUGIN_ABI_V1;
  return -1;
}

static void *work(void *arg) {
  instance_t *in = arg;
  say(in, "worker running");
  pthread_mutex_lock(&in->lock);
  while (!in->stop) pthread_cond_wait(&in->wake, &in->lock);
  pthread_mutex_unlock(&in->lock);
  return NULL;
}

static void read_options(instance_t *in, const mamgate_opt_t *opts, int nopts) {
  for (int i = 0; i < nopts; i++) {
    say(in, "option %s=%s (%s)", opts[i].key, opts[i].value, opts[i].origin ? opts[i].origin : "no origin");
    if (strcmp(opts[i].key, "cleanup_delay_ms") == 0) in->cleanup_delay_ms = strtol(opts[i].value, NULL, 10);
    if (strcmp(opts[i].key, "fail_cleanup") == 0) in->fail_cleanup = strcmp(opts[i].value, "yes") == 0;
  }
}

static void check_clock(const instance_t *in) {
  if (!in->host.now_ms) {
    say(in, "host has no clock");
    return;
  }
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  long long diff = (long long)in->host.now_ms(in->host.host_data) - ((long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
  say(in, "host clock %s the system clock", diff > -CLOCK_TOLERANCE_MS && diff < CLOCK_TOLERANCE_MS ? "agrees with" : "differs from");
}

static void free_instance(instance_t *in) {
  pthread_cond_destroy(&in->wake);
  pthread_mutex_destroy(&in->lock);
  free(in);
}

int mamgate_plugin_init(const mamgate_host_t *host, const mamgate_opt_t *opts, int nopts, void **userdata) {
  *userdata = NULL;
  if (!host || host->struct_size < sizeof *host || !host->log) return MAMGATE_ERR_ABI;
  instance_t *in = calloc(1, sizeof *in);
  if (!in) return MAMGATE_ERR_NO_MEMORY;
  in->host = *host;
  pthread_mutex_init(&in->lock, NULL);
  pthread_cond_init(&in->wake, NULL);
  say(in, "init: ABI version %u, host struct %u bytes", (unsigned)host->abi_version, (unsigned)host->struct_size);
  check_clock(in);
  read_options(in, opts, nopts);
  if (pthread_create(&in->worker, NULL, work, in) != 0) {
    free_instance(in);
    return MAMGATE_ERR_THREAD;
  }
  *userdata = in;
  return MAMGATE_OK;
}

int mamgate_plugin_cleanup(void *userdata) {
  instance_t *in = userdata;
  if (!in) return MAMGATE_ERR_STATE;
  pthread_mutex_lock(&in->lock);
  in->stop = true;
  pthread_cond_signal(&in->wake);
  pthread_mutex_unlock(&in->lock);
  pthread_join(in->worker, NULL);
  say(in, "worker stopped");
  struct timespec delay = {in->cleanup_delay_ms / 1000, in->cleanup_delay_ms % 1000 * 1000000};
  nanosleep(&delay, NULL);
  int result = in->fail_cleanup ? MAMGATE_ERR_IO : MAMGATE_OK;
  say(in, "cleanup done");
  free_instance(in);
  return result;
}
