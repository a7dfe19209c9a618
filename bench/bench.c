#include "bench/bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void bench_report(const char *name, const char *unit, double *samples, size_t n) {
  if (n == 0) return;
  qsort(samples, n, sizeof *samples, cmp_double);
  double median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  printf("%-28s median %12.4f %s  (min %.4f .. max %.4f, %zu runs)\n", name, median, unit,
         samples[0], samples[n - 1], n);
  const char *json = getenv("BENCH_JSON");
  if (json && *json) {
    FILE *f = fopen(json, "a");
    if (f) {
      fprintf(f, "{\"name\":\"%s\",\"unit\":\"%s\",\"median\":%.6g,\"min\":%.6g,\"max\":%.6g,\"runs\":%zu}\n",
              name, unit, median, samples[0], samples[n - 1], n);
      fclose(f);
    }
  }
}

void bench_skip(const char *name, const char *unit, const char *reason) {
  printf("%-28s skipped (%s)\n", name, reason);
  const char *json = getenv("BENCH_JSON");
  if (json && *json) {
    FILE *f = fopen(json, "a");
    if (f) {
      fprintf(f, "{\"name\":\"%s\",\"unit\":\"%s\",\"skipped\":\"%s\"}\n", name, unit, reason);
      fclose(f);
    }
  }
}

size_t bench_runs(size_t fallback) {
  const char *s = getenv("BENCH_RUNS");
  if (s && *s) {
    long v = strtol(s, NULL, 10);
    if (v > 0) return (size_t)v;
  }
  return fallback;
}
