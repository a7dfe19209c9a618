## Troika: the plain (specification) permutation and the fast one everything uses.
libmamcore_la_SOURCES += \
	mamcore/troika_constants.c \
	mamcore/troika_ref.c \
	mamcore/troika.c \
	mamcore/troika_internal.h \
	mamcore/troika_fast.h \
	mamcore/troika_circuit.h \
	mamcore/troika_tiles.h \
	mamcore/troika_rc_lanes.c \
	mamcore/troika_lanes.c \
	mamcore/troika_lanes_avx512.c \
	mamcore/troika_sliced_impl.h \
	mamcore/troika_sliced_portable.c \
	mamcore/troika_sliced_avx2.c \
	mamcore/troika_sliced_avx512.c

mamcoreinclude_HEADERS += mamcore/troika.h

check_PROGRAMS += tests/check_mamcore_troika
TESTS += tests/check_mamcore_troika
tests_check_mamcore_troika_SOURCES = tests/check_mamcore_troika.c
tests_check_mamcore_troika_CFLAGS = $(TEST_CFLAGS)
tests_check_mamcore_troika_LDADD = $(TEST_LDADD)

EXTRA_PROGRAMS += bench/bench_troika
BENCHMARKS += bench/bench_troika
bench_bench_troika_SOURCES = bench/bench_troika.c
bench_bench_troika_LDADD = bench/libbench.la libmamcore-static.la
