## zmq: the node's transaction feed (SUB) and the decoded-message publisher (PUB), over libzmq.
noinst_LTLIBRARIES += zmq/libmgzmq.la
zmq_libmgzmq_la_SOURCES = \
	zmq/feed.c zmq/feed.h \
	zmq/publisher.c zmq/publisher.h
zmq_libmgzmq_la_CFLAGS = $(AM_CFLAGS) $(ZMQ_CFLAGS)
zmq_libmgzmq_la_LIBADD = $(ZMQ_LIBS)

## Feed parser and sockets, publisher (real sockets on loopback).
check_PROGRAMS += tests/check_zmq_feed
TESTS += tests/check_zmq_feed
tests_check_zmq_feed_SOURCES = tests/check_zmq_feed.c
tests_check_zmq_feed_CFLAGS = $(TEST_CFLAGS) $(ZMQ_CFLAGS)
tests_check_zmq_feed_LDADD = zmq/libmgzmq.la $(TEST_LDADD) $(ZMQ_LIBS)
