## Proof of work: Curl-P-81 nonce search (bit-sliced, SIMD-dispatched, multi-threaded).
libmamcore_la_SOURCES += \
	tangle/pow.c \
	tangle/pow_sliced.c \
	tangle/pow_kernel.h \
	tangle/pow_internal.h

tangleinclude_HEADERS += tangle/pow.h

check_PROGRAMS += tests/check_tangle_pow
TESTS += tests/check_tangle_pow
tests_check_tangle_pow_SOURCES = tests/check_tangle_pow.c
tests_check_tangle_pow_CFLAGS = $(TEST_CFLAGS)
tests_check_tangle_pow_LDADD = $(TEST_LDADD)

EXTRA_PROGRAMS += bench/bench_pow
BENCHMARKS += bench/bench_pow
bench_bench_pow_SOURCES = bench/bench_pow.c
bench_bench_pow_LDADD = bench/libbench.la libmamcore-static.la
