## plugin read path: the watched-address set and the bundle assembler.
noinst_LTLIBRARIES += plugin/libmgread.la
plugin_libmgread_la_SOURCES = \
	plugin/addrset.c plugin/addrset.h \
	plugin/assembler.c plugin/assembler.h


check_PROGRAMS += tests/check_plugin_addrset
TESTS += tests/check_plugin_addrset
tests_check_plugin_addrset_SOURCES = tests/check_plugin_addrset.c
tests_check_plugin_addrset_CFLAGS = $(TEST_CFLAGS)
tests_check_plugin_addrset_LDADD = plugin/libmgread.la $(TEST_LDADD)

check_PROGRAMS += tests/check_plugin_assembler
TESTS += tests/check_plugin_assembler
tests_check_plugin_assembler_SOURCES = tests/check_plugin_assembler.c
tests_check_plugin_assembler_CFLAGS = $(TEST_CFLAGS)
tests_check_plugin_assembler_LDADD = plugin/libmgread.la $(TEST_LDADD)

## Feed filter throughput: parse + address look-up against 100,000 watched channels.
EXTRA_PROGRAMS += bench/bench_feed
BENCHMARKS += bench/bench_feed
bench_bench_feed_SOURCES = bench/bench_feed.c
bench_bench_feed_LDADD = zmq/libmgzmq.la plugin/libmgread.la bench/libbench.la libmamcore-static.la $(ZMQ_LIBS)
