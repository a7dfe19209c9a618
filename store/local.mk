## store: the storage layer: one interface (store/store.h) and its engines (store/sqlite/, store/pg/).
## An engine is a folder of its own plus one entry in store/store.c's list of engines. A program
## linking store/libmgstore.la links seal/libmgseal.la and fs/libmgfs.la too (the front seals secrets).
noinst_LTLIBRARIES += store/libmgstore.la
store_libmgstore_la_SOURCES = store/store.c store/store.h store/front.h store/secrets.c store/batch.c \
	store/ids.c store/ids.h \
	store/sqlite/sqlite.h store/sqlite/engine.c store/sqlite/ops.h store/sqlite/stmt.c store/sqlite/stmt.h \
	store/sqlite/open.c store/sqlite/messages.c store/sqlite/watches.c store/sqlite/keys.c \
	store/sqlite/channels.c store/sqlite/meta.c store/sqlite/fleet.c \
	store/pg/pg.h store/pg/engine.c store/pg/ops.h store/pg/conn.c store/pg/conn.h store/pg/sql.c store/pg/sql.h \
	store/pg/open.c store/pg/messages.c store/pg/watches.c store/pg/keys.c store/pg/channels.c store/pg/meta.c \
	store/pg/fleet.c
store_libmgstore_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS)
store_libmgstore_la_LIBADD = $(SQLITE_LIBS) $(PQ_LIBS)

check_PROGRAMS += tests/check_store_sqlite
TESTS += tests/check_store_sqlite
tests_check_store_sqlite_SOURCES = tests/check_store_sqlite.c
tests_check_store_sqlite_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS) $(PQ_CFLAGS)
tests_check_store_sqlite_LDADD = store/libmgstore.la seal/libmgseal.la fs/libmgfs.la read/libmgread.la $(TEST_LDADD) $(SQLITE_LIBS) $(PQ_LIBS) $(NETTLE_LIBS)

EXTRA_PROGRAMS += bench/bench_store
BENCHMARKS += bench/bench_store
bench_bench_store_SOURCES = bench/bench_store.c
bench_bench_store_LDADD = bench/libbench.la store/libmgstore.la seal/libmgseal.la fs/libmgfs.la read/libmgread.la libmamcore-static.la

## The same suite against a real PostgreSQL server (tests/pg_lib.sh).
TESTS += tests/store_pg_test.sh
EXTRA_DIST += tests/store_pg_test.sh
