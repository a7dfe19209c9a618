## Shared test helpers: the vector-file reader and trit/tryte conveniences, built once.
check_LTLIBRARIES += tests/libtestutil.la
tests_libtestutil_la_SOURCES = tests/testutil.c tests/testutil.h tests/vecfile.c tests/vecfile.h
tests_libtestutil_la_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)

## Every Check suite links these.
TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
TEST_LDADD = tests/libtestutil.la libmamcore-static.la $(CHECK_LIBS)

EXTRA_DIST += tests/vectors/mam2.txt tests/vectors/tangle.txt

## bench/compare on two small results files.
TESTS += tests/bench_compare_test.sh
EXTRA_DIST += tests/bench_compare_test.sh

## Reads never wait behind publishes (two REST workers, four slow publishes), end to end.
TESTS += tests/publish_offload.sh
EXTRA_DIST += tests/publish_offload.sh

## ETag / If-None-Match and gzip on the REST reads, end to end.
TESTS += tests/rest_conditional.sh
EXTRA_DIST += tests/rest_conditional.sh
