## tangle: transactions, Curl-P-81, Kerl, bundles (pure computation).
libmamcore_la_SOURCES += \
	tangle/error.c \
	tangle/curl.c \
	tangle/curl_single.c \
	tangle/curl_single_avx512.c \
	tangle/curl_batch.c \
	tangle/curl_batch_impl.h \
	tangle/curl_bits.h \
	tangle/curl_internal.h \
	tangle/kerl.c \
	tangle/transaction.c \
	tangle/bundle.c \
	tangle/mam_bundle.c

tangleinclude_HEADERS += \
	tangle/error.h \
	tangle/curl.h \
	tangle/kerl.h \
	tangle/transaction.h \
	tangle/bundle.h \
	tangle/mam_bundle.h

check_PROGRAMS += tests/check_tangle_curl
TESTS += tests/check_tangle_curl
tests_check_tangle_curl_SOURCES = tests/check_tangle_curl.c
tests_check_tangle_curl_CFLAGS = $(TEST_CFLAGS)
tests_check_tangle_curl_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/check_tangle_kerl
TESTS += tests/check_tangle_kerl
tests_check_tangle_kerl_SOURCES = tests/check_tangle_kerl.c
tests_check_tangle_kerl_CFLAGS = $(TEST_CFLAGS)
tests_check_tangle_kerl_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/check_tangle_tx
TESTS += tests/check_tangle_tx
tests_check_tangle_tx_SOURCES = tests/check_tangle_tx.c
tests_check_tangle_tx_CFLAGS = $(TEST_CFLAGS)
tests_check_tangle_tx_LDADD = $(TEST_LDADD)

check_PROGRAMS += tests/check_tangle_bundle
TESTS += tests/check_tangle_bundle
tests_check_tangle_bundle_SOURCES = tests/check_tangle_bundle.c
tests_check_tangle_bundle_CFLAGS = $(TEST_CFLAGS)
tests_check_tangle_bundle_LDADD = $(TEST_LDADD)

## Benchmark (built and run by `make bench`).
EXTRA_PROGRAMS += bench/bench_curl
BENCHMARKS += bench/bench_curl
bench_bench_curl_SOURCES = bench/bench_curl.c
bench_bench_curl_LDADD = bench/libbench.la libmamcore-static.la
