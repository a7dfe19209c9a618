## NTRU: public-key transport of session keys (filled in by the NTRU module).
libmamcore_la_SOURCES += \
	mamcore/ntru.c \
	mamcore/ntru_poly.c \
	mamcore/ntru_poly.h

mamcoreinclude_HEADERS += mamcore/ntru.h

check_PROGRAMS += tests/check_mamcore_ntru
TESTS += tests/check_mamcore_ntru
tests_check_mamcore_ntru_SOURCES = tests/check_mamcore_ntru.c
tests_check_mamcore_ntru_CFLAGS = $(TEST_CFLAGS)
tests_check_mamcore_ntru_LDADD = $(TEST_LDADD)

EXTRA_PROGRAMS += bench/bench_ntru
BENCHMARKS += bench/bench_ntru
bench_bench_ntru_SOURCES = bench/bench_ntru.c
bench_bench_ntru_LDADD = bench/libbench.la libmamcore-static.la
