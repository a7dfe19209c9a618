## Read path (pure, no threads): the watched-address set, the bundle assembler, per-channel decoding.
noinst_LTLIBRARIES += read/libmgread.la
read_libmgread_la_SOURCES = \
	read/addrset.c read/addrset.h \
	read/assembler.c read/assembler.h \
	read/decoder.c read/decoder.h \
	read/message_row.c read/message_row.h \
	read/message_json.c read/message_json.h \
	read/shard.c read/shard.h \
	read/txbatch.c read/txbatch.h
read_libmgread_la_CFLAGS = $(AM_CFLAGS) $(NETTLE_CFLAGS)


check_PROGRAMS += tests/check_read_addrset
TESTS += tests/check_read_addrset
tests_check_read_addrset_SOURCES = tests/check_read_addrset.c
tests_check_read_addrset_CFLAGS = $(TEST_CFLAGS)
tests_check_read_addrset_LDADD = read/libmgread.la $(TEST_LDADD)

check_PROGRAMS += tests/check_read_assembler
TESTS += tests/check_read_assembler
tests_check_read_assembler_SOURCES = tests/check_read_assembler.c
tests_check_read_assembler_CFLAGS = $(TEST_CFLAGS)
tests_check_read_assembler_LDADD = read/libmgread.la $(TEST_LDADD)

check_PROGRAMS += tests/check_read_decoder
TESTS += tests/check_read_decoder
tests_check_read_decoder_SOURCES = tests/check_read_decoder.c
tests_check_read_decoder_CFLAGS = $(TEST_CFLAGS)
tests_check_read_decoder_LDADD = read/libmgread.la $(TEST_LDADD)

check_PROGRAMS += tests/check_read_message_json
TESTS += tests/check_read_message_json
tests_check_read_message_json_SOURCES = tests/check_read_message_json.c
tests_check_read_message_json_CFLAGS = $(TEST_CFLAGS) $(JANSSON_CFLAGS)
tests_check_read_message_json_LDADD = read/libmgread.la $(TEST_LDADD) $(NETTLE_LIBS) $(JANSSON_LIBS)
check_PROGRAMS += tests/check_read_shard
TESTS += tests/check_read_shard
tests_check_read_shard_SOURCES = tests/check_read_shard.c
tests_check_read_shard_CFLAGS = $(TEST_CFLAGS)
tests_check_read_shard_LDADD = read/libmgread.la $(TEST_LDADD)

check_PROGRAMS += tests/check_read_txbatch
TESTS += tests/check_read_txbatch
tests_check_read_txbatch_SOURCES = tests/check_read_txbatch.c
tests_check_read_txbatch_CFLAGS = $(TEST_CFLAGS)
tests_check_read_txbatch_LDADD = read/libmgread.la $(TEST_LDADD)

## Feed filter throughput: parse + address look-up against 100,000 watched channels.
EXTRA_PROGRAMS += bench/bench_feed
BENCHMARKS += bench/bench_feed
bench_bench_feed_SOURCES = bench/bench_feed.c
bench_bench_feed_LDADD = zmq/libmgzmq.la read/libmgread.la bench/libbench.la libmamcore-static.la $(ZMQ_LIBS)
