## plugin store: the gateway's SQLite database (decoded messages, watches, keys, writer state).
noinst_LTLIBRARIES += plugin/libmgstore.la
plugin_libmgstore_la_SOURCES = plugin/store.c plugin/store.h
plugin_libmgstore_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
plugin_libmgstore_la_LIBADD = $(SQLITE_LIBS)

check_PROGRAMS += tests/check_store
TESTS += tests/check_store
tests_check_store_SOURCES = tests/check_store.c
tests_check_store_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS)
tests_check_store_LDADD = plugin/libmgstore.la read/libmgread.la $(TEST_LDADD) $(SQLITE_LIBS)

EXTRA_PROGRAMS += bench/bench_store
BENCHMARKS += bench/bench_store
bench_bench_store_SOURCES = bench/bench_store.c
bench_bench_store_LDADD = bench/libbench.la plugin/libmgstore.la read/libmgread.la libmamcore.la
