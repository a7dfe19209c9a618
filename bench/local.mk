## Benchmarks: `make bench` builds and runs every program listed in BENCHMARKS (each also in EXTRA_PROGRAMS).
noinst_LTLIBRARIES += bench/libbench.la
bench_libbench_la_SOURCES = bench/bench.c bench/bench.h
