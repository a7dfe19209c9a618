## devnode: the local development node (HTTP API + SQLite tangle + ZeroMQ feed), and its tests.
sbin_PROGRAMS += devnode/devnode
devnode_devnode_SOURCES = \
	devnode/devnode.c \
	devnode/options.c devnode/options.h \
	devnode/api.c devnode/api.h \
	devnode/attach.c devnode/attach.h \
	devnode/consistency.c devnode/consistency.h \
	devnode/feed.c devnode/feed.h \
	devnode/server.c devnode/server.h \
	devnode/store.c devnode/store.h \
	devnode/tx.c devnode/tx.h
devnode_devnode_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS) $(ZMQ_CFLAGS)
devnode_devnode_LDADD = fs/libmgfs.la libmamcore.la $(MHD_LIBS) $(JANSSON_LIBS) $(SQLITE_LIBS) $(ZMQ_LIBS) -lm

## End-to-end tests start the built devnode (devnode/spawn.c does the process handling) and read
## its feed (devnode/feed_client.c): built once, as a library for the tests and the benchmark.
check_LTLIBRARIES += devnode/libdevnodetest.la
devnode_libdevnodetest_la_SOURCES = devnode/spawn.c devnode/spawn.h devnode/feed_client.c devnode/feed_client.h
devnode_libdevnodetest_la_CFLAGS = $(AM_CFLAGS) $(ZMQ_CFLAGS)

check_PROGRAMS += tests/devnode_e2e
TESTS += tests/devnode_e2e
tests_devnode_e2e_SOURCES = tests/devnode_e2e.c
tests_devnode_e2e_CFLAGS = $(TEST_CFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS) $(ZMQ_CFLAGS)
tests_devnode_e2e_LDADD = devnode/libdevnodetest.la $(TEST_LDADD) $(CURL_LIBS) $(JANSSON_LIBS) $(ZMQ_LIBS)

## The node API client against devnode and against fake servers.
check_PROGRAMS += tests/check_node_client
TESTS += tests/check_node_client
tests_check_node_client_SOURCES = tests/check_node_client.c
tests_check_node_client_CFLAGS = $(TEST_CFLAGS) $(ZMQ_CFLAGS)
tests_check_node_client_LDADD = node/libmgnode.la devnode/libdevnodetest.la $(TEST_LDADD) $(ZMQ_LIBS)

EXTRA_PROGRAMS += bench/bench_devnode
BENCHMARKS += bench/bench_devnode
bench_bench_devnode_SOURCES = bench/bench_devnode.c
bench_bench_devnode_LDADD = bench/libbench.la devnode/libdevnodetest.la node/libmgnode.la libmamcore-static.la
EXTRA_bench_bench_devnode_DEPENDENCIES = devnode/devnode$(EXEEXT)
