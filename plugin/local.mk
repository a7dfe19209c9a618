## The plugin: mamgate.so, loaded by a host with dlopen. Only the three mamgate_plugin_* symbols
## are exported.
pkglib_LTLIBRARIES = plugin/mamgate.la
plugin_mamgate_la_SOURCES = \
	plugin/plugin.c include/mamgate/mamgate_plugin.h plugin/gateway.h \
	plugin/settings.c plugin/settings.h \
	plugin/files.c plugin/fleet.c \
	plugin/startup.c plugin/startup.h
nodist_plugin_mamgate_la_SOURCES =
plugin_mamgate_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden $(JANSSON_CFLAGS) $(ZMQ_CFLAGS) $(MHD_CFLAGS) $(SQLITE_CFLAGS) $(CURL_CFLAGS) $(NETTLE_CFLAGS)
plugin_mamgate_la_LDFLAGS = -module -avoid-version -shared -export-symbols-regex '^mamgate_plugin_' $(AM_LDFLAGS)
plugin_mamgate_la_LIBADD = services/rest/libmgrest.la fs/libmgfs.la seal/libmgseal.la http/libmghttp.la zmq/libmgzmq.la services/libmgservices.la node/libmgnode.la read/libmgread.la store/libmgstore.la \
	libmamcore-static.la $(JANSSON_LIBS) $(ZMQ_LIBS) $(MHD_LIBS) $(SQLITE_LIBS) $(CURL_LIBS) $(NETTLE_LIBS)
pkginclude_HEADERS += include/mamgate/mamgate_plugin.h

TESTS += tests/gateway_e2e.sh tests/config_test.sh tests/server_script_test.sh tests/rest_features.sh tests/rest_store_full.sh
EXTRA_DIST += tests/gateway_e2e.sh tests/config_test.sh tests/server_script_test.sh tests/rest_features.sh tests/rest_store_full.sh

check_PROGRAMS += tests/check_plugin_load
TESTS += tests/check_plugin_load
tests_check_plugin_load_SOURCES = tests/check_plugin_load.c
tests_check_plugin_load_CFLAGS = $(TEST_CFLAGS) $(CURL_CFLAGS)
tests_check_plugin_load_LDADD = devnode/libdevnodetest.la $(TEST_LDADD) $(CURL_LIBS)
TESTS += tests/readme_tour.sh
EXTRA_DIST += tests/readme_tour.sh
