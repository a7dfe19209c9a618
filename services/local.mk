## Services (policy, each behind its own handle and dependency struct; plugin/ wires them).
noinst_LTLIBRARIES += services/libmgservices.la
services_libmgservices_la_SOURCES = \
	services/env.c services/env.h services/metrics.h \
	services/writer.c services/writer.h \
	services/probe.c services/probe.h \
	services/backfill.c services/backfill.h \
	services/pending.c services/pending.h \
	services/instance.c services/instance.h \
	services/fleet.c services/fleet.h \
	services/tail.c services/tail.h \
	services/watcher.c services/watcher.h services/watcher_internal.h \
	services/watcher_watch.c
services_libmgservices_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS) $(ZMQ_CFLAGS)

check_PROGRAMS += tests/check_services_writer
TESTS += tests/check_services_writer
tests_check_services_writer_SOURCES = tests/check_services_writer.c
tests_check_services_writer_CFLAGS = $(TEST_CFLAGS)
tests_check_services_writer_LDADD = services/libmgservices.la node/libmgnode.la store/libmgstore.la seal/libmgseal.la fs/libmgfs.la read/libmgread.la \
	$(TEST_LDADD) $(SQLITE_LIBS) $(CURL_LIBS) $(JANSSON_LIBS)

check_PROGRAMS += tests/check_services_probe
TESTS += tests/check_services_probe
tests_check_services_probe_SOURCES = tests/check_services_probe.c
tests_check_services_probe_CFLAGS = $(TEST_CFLAGS)
tests_check_services_probe_LDADD = services/libmgservices.la node/libmgnode.la read/libmgread.la devnode/libdevnodetest.la $(TEST_LDADD) $(CURL_LIBS) $(JANSSON_LIBS)

check_PROGRAMS += tests/check_services_backfill
TESTS += tests/check_services_backfill
tests_check_services_backfill_SOURCES = tests/check_services_backfill.c
tests_check_services_backfill_CFLAGS = $(TEST_CFLAGS)
tests_check_services_backfill_LDADD = services/libmgservices.la node/libmgnode.la store/libmgstore.la seal/libmgseal.la fs/libmgfs.la read/libmgread.la \
	devnode/libdevnodetest.la $(TEST_LDADD) $(SQLITE_LIBS) $(CURL_LIBS) $(JANSSON_LIBS)

check_PROGRAMS += tests/check_services_watcher
TESTS += tests/check_services_watcher
tests_check_services_watcher_SOURCES = tests/check_services_watcher.c
tests_check_services_watcher_CFLAGS = $(TEST_CFLAGS) $(ZMQ_CFLAGS)
tests_check_services_watcher_LDADD = services/libmgservices.la zmq/libmgzmq.la node/libmgnode.la store/libmgstore.la \
	seal/libmgseal.la fs/libmgfs.la read/libmgread.la $(TEST_LDADD) $(SQLITE_LIBS) $(CURL_LIBS) $(JANSSON_LIBS) $(ZMQ_LIBS) $(NETTLE_LIBS)

check_PROGRAMS += tests/check_services_pending
TESTS += tests/check_services_pending
tests_check_services_pending_SOURCES = tests/check_services_pending.c
tests_check_services_pending_CFLAGS = $(TEST_CFLAGS)
tests_check_services_pending_LDADD = services/libmgservices.la store/libmgstore.la seal/libmgseal.la fs/libmgfs.la read/libmgread.la $(TEST_LDADD) $(SQLITE_LIBS) $(NETTLE_LIBS)

check_PROGRAMS += tests/check_services_fleet
TESTS += tests/check_services_fleet
tests_check_services_fleet_SOURCES = tests/check_services_fleet.c
tests_check_services_fleet_CFLAGS = $(TEST_CFLAGS) $(JANSSON_CFLAGS)
tests_check_services_fleet_LDADD = services/libmgservices.la store/libmgstore.la seal/libmgseal.la fs/libmgfs.la read/libmgread.la $(TEST_LDADD) \
	$(SQLITE_LIBS) $(JANSSON_LIBS) $(NETTLE_LIBS)

check_PROGRAMS += tests/check_services_tail
TESTS += tests/check_services_tail
tests_check_services_tail_SOURCES = tests/check_services_tail.c
tests_check_services_tail_CFLAGS = $(TEST_CFLAGS) $(JANSSON_CFLAGS) $(ZMQ_CFLAGS)
tests_check_services_tail_LDADD = services/libmgservices.la zmq/libmgzmq.la store/libmgstore.la seal/libmgseal.la fs/libmgfs.la read/libmgread.la \
	$(TEST_LDADD) $(SQLITE_LIBS) $(JANSSON_LIBS) $(ZMQ_LIBS) $(NETTLE_LIBS)
