## Benchmarks: `make bench` builds and runs every program listed in BENCHMARKS (each also in EXTRA_PROGRAMS).
## bench/run builds and runs all of them plus the gateway benchmark and writes one JSON results file.
noinst_LTLIBRARIES += bench/libbench.la
bench_libbench_la_SOURCES = bench/bench.c bench/bench.h
EXTRA_DIST += bench/run bench/bench_gateway.sh bench/compare bench/bench_fleet.sh bench/report.sh \
	bench/bench_engines.sh bench/wrk.sh

BENCH_MAMFIX_SOURCES = bench/mamfix.c bench/mamfix.h

## MAM2: MSS/WOTS key generation and signing, Spongos, 1 KiB message write and read per keyload.
EXTRA_PROGRAMS += bench/bench_mam
BENCHMARKS += bench/bench_mam
bench_bench_mam_SOURCES = bench/bench_mam.c $(BENCH_MAMFIX_SOURCES)
bench_bench_mam_LDADD = bench/libbench.la libmamcore-static.la

## The gateway's decode path in process: feed transactions -> assembler -> MAM reader -> store.
EXTRA_PROGRAMS += bench/bench_decode
BENCHMARKS += bench/bench_decode
bench_bench_decode_SOURCES = bench/bench_decode.c $(BENCH_MAMFIX_SOURCES)
bench_bench_decode_LDADD = read/libmgread.la store/libmgstore.la seal/libmgseal.la fs/libmgfs.la bench/libbench.la libmamcore-static.la
