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

## End-to-end tests start the built devnode (devnode/spawn.c does the process handling).
DEVNODE_SPAWN_SOURCES = devnode/spawn.c devnode/spawn.h
DEVNODE_FEED_CLIENT_SOURCES = devnode/feed_client.c devnode/feed_client.h

check_PROGRAMS += tests/devnode_e2e
TESTS += tests/devnode_e2e
tests_devnode_e2e_SOURCES = tests/devnode_e2e.c $(DEVNODE_SPAWN_SOURCES) $(DEVNODE_FEED_CLIENT_SOURCES)
tests_devnode_e2e_CFLAGS = $(TEST_CFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS) $(ZMQ_CFLAGS)
tests_devnode_e2e_LDADD = $(TEST_LDADD) $(CURL_LIBS) $(JANSSON_LIBS) $(ZMQ_LIBS)

## The node API client against devnode and against fake servers.
check_PROGRAMS += tests/check_node_client
TESTS += tests/check_node_client
tests_check_node_client_SOURCES = tests/check_node_client.c $(DEVNODE_SPAWN_SOURCES) $(DEVNODE_FEED_CLIENT_SOURCES)
tests_check_node_client_CFLAGS = $(TEST_CFLAGS) $(ZMQ_CFLAGS)
tests_check_node_client_LDADD = node/libmgnode.la $(TEST_LDADD) $(ZMQ_LIBS)

EXTRA_PROGRAMS += bench/bench_devnode
BENCHMARKS += bench/bench_devnode
bench_bench_devnode_SOURCES = bench/bench_devnode.c $(DEVNODE_SPAWN_SOURCES)
bench_bench_devnode_LDADD = bench/libbench.la node/libmgnode.la libmamcore-static.la
EXTRA_bench_bench_devnode_DEPENDENCIES = devnode/devnode$(EXEEXT)
