/* bench/bench.h: timing and reporting shared by the benchmark programs. */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stddef.h>

/* Monotonic time in seconds. */
double bench_now(void);

/* Prints "name: median U (min .. max, N runs)" for the samples (in `unit`) and, when the
 * environment variable BENCH_JSON names a file, appends one JSON object line
 * {"name","unit","median","min","max","runs"} to it. Sorts the samples in place. */
void bench_report(const char *name, const char *unit, double *samples, size_t n);

/* Records a figure that was not measured: prints "name: skipped (reason)" and, with BENCH_JSON, appends
 * {"name","unit","skipped"} (reason: no double quote or backslash). */
void bench_skip(const char *name, const char *unit, const char *reason);

/* Number of runs: the environment variable BENCH_RUNS when set, else `fallback`. */
size_t bench_runs(size_t fallback);

#endif
