/* services/env.c: logging and time through an mg_env_t. */
#include "services/env.h"

#include <stdio.h>
#include <time.h>

void mg_env_vlog(const mg_env_t *env, int level, const char *fmt, va_list ap) {
  if (!env->log || level < env->min_level) return;
  char line[1024];
  vsnprintf(line, sizeof line, fmt, ap);
  env->log(env->ctx, level, line);
}

void mg_env_log(const mg_env_t *env, int level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  mg_env_vlog(env, level, fmt, ap);
  va_end(ap);
}

uint64_t mg_env_now_ms(const mg_env_t *env) {
  if (env->now_ms) return env->now_ms(env->ctx);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
