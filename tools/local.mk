## Command-line tools.
bin_PROGRAMS += mamgate-cli
mamgate_cli_SOURCES = tools/mamgate_cli.c tools/cli.h tools/cli_args.c tools/cli_args.h \
	tools/cli_state.c tools/cli_state.h tools/cli_write.c tools/cli_read.c tools/cli_fleet.c tools/cli_store_copy.c
mamgate_cli_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(NETTLE_CFLAGS)
mamgate_cli_LDADD = store/libmgstore.la read/libmgread.la seal/libmgseal.la fs/libmgfs.la libmamcore.la $(JANSSON_LIBS) \
	$(SQLITE_LIBS) $(PQ_LIBS) $(NETTLE_LIBS)

TESTS += tests/cli_test.sh tests/cli_rw_test.sh tests/cli_reference_test.sh tests/help_test.sh
EXTRA_DIST += tests/cli_test.sh tests/cli_rw_test.sh tests/cli_reference_test.sh tests/help_test.sh

bin_PROGRAMS += mamgate-sub
mamgate_sub_SOURCES = tools/mamgate_sub.c
mamgate_sub_CFLAGS = $(AM_CFLAGS) $(ZMQ_CFLAGS)
mamgate_sub_LDADD = libmamcore.la $(ZMQ_LIBS)

## Reference-shaped transactions (obsoleteTag 9, one timestamp) for the read tests.
check_PROGRAMS += tests/refshape
tests_refshape_SOURCES = tests/refshape.c
tests_refshape_CFLAGS = $(TEST_CFLAGS)
tests_refshape_LDADD = $(TEST_LDADD)

## store-copy: a SQLite store made through the store interface, copied into a real PostgreSQL.
check_PROGRAMS += tests/store_fill
tests_store_fill_SOURCES = tests/store_fill.c
tests_store_fill_CFLAGS = $(TEST_CFLAGS)
tests_store_fill_LDADD = store/libmgstore.la seal/libmgseal.la fs/libmgfs.la read/libmgread.la $(TEST_LDADD) \
	$(SQLITE_LIBS) $(PQ_LIBS) $(NETTLE_LIBS)
TESTS += tests/store_copy_test.sh
EXTRA_DIST += tests/store_copy_test.sh
