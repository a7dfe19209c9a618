## A real PostgreSQL server for tests (tests/pg_lib.sh), proved by a libpq program with two
## concurrent connections: the seed of the store suite against PostgreSQL.
check_PROGRAMS += tests/check_pg_harness
tests_check_pg_harness_SOURCES = tests/check_pg_harness.c
tests_check_pg_harness_CFLAGS = $(TEST_CFLAGS) $(PQ_CFLAGS)
tests_check_pg_harness_LDADD = $(TEST_LDADD) $(PQ_LIBS)
TESTS += tests/pg_test.sh
EXTRA_DIST += tests/pg_test.sh tests/pg_lib.sh
