## The plugin: mamgate.so, loaded by a host with dlopen. Only the three mamgate_plugin_* symbols
## are exported.
pkglib_LTLIBRARIES = plugin/mamgate.la
plugin_mamgate_la_SOURCES = \
	plugin/plugin.c plugin/mamgate_plugin.h plugin/gateway.h \
	plugin/settings.c plugin/settings.h \
	plugin/files.c plugin/fleet.c \
	plugin/startup.c plugin/startup.h \
	plugin/rest.c plugin/rest.h plugin/rest_internal.h plugin/rest_errors.c plugin/rest_info.c \
	plugin/rest_channels.c plugin/rest_keys.c plugin/rest_watches.c plugin/rest_messages.c plugin/rest_stream.c \
	plugin/openapi.h
nodist_plugin_mamgate_la_SOURCES = plugin/openapi.c
plugin_mamgate_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden $(JANSSON_CFLAGS) $(ZMQ_CFLAGS) $(MHD_CFLAGS) $(SQLITE_CFLAGS) $(CURL_CFLAGS) $(NETTLE_CFLAGS)
plugin_mamgate_la_LDFLAGS = -module -avoid-version -shared -export-symbols-regex '^mamgate_plugin_' $(AM_LDFLAGS)
plugin_mamgate_la_LIBADD = fs/libmgfs.la http/libmghttp.la zmq/libmgzmq.la services/libmgservices.la node/libmgnode.la read/libmgread.la store/libmgstore.la seal/libmgseal.la \
	libmamcore-static.la $(JANSSON_LIBS) $(ZMQ_LIBS) $(MHD_LIBS) $(SQLITE_LIBS) $(CURL_LIBS) $(NETTLE_LIBS)
pkginclude_HEADERS += plugin/mamgate_plugin.h

## The OpenAPI document is kept as JSON and compiled in as a C string.
plugin/openapi.c: $(srcdir)/plugin/openapi.json
	$(AM_V_GEN)mkdir -p plugin && { \
	  echo '/* Generated from plugin/openapi.json; do not edit. */'; \
	  echo '#include "plugin/openapi.h"'; \
	  echo 'const char mg_openapi_document[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/  "/' -e 's/$$/\\n"/' $(srcdir)/plugin/openapi.json; \
	  echo ';'; } > $@-t && mv $@-t $@
CLEANFILES += plugin/openapi.c
EXTRA_DIST += plugin/openapi.json
BUILT_SOURCES = plugin/openapi.c

TESTS += tests/gateway_e2e.sh tests/config_test.sh tests/server_script_test.sh tests/rest_features.sh tests/rest_store_full.sh
EXTRA_DIST += tests/gateway_e2e.sh tests/config_test.sh tests/server_script_test.sh tests/rest_features.sh tests/rest_store_full.sh

check_PROGRAMS += tests/check_plugin_load
TESTS += tests/check_plugin_load
tests_check_plugin_load_SOURCES = tests/check_plugin_load.c
tests_check_plugin_load_CFLAGS = $(TEST_CFLAGS) $(CURL_CFLAGS)
tests_check_plugin_load_LDADD = devnode/libdevnodetest.la $(TEST_LDADD) $(CURL_LIBS)
TESTS += tests/readme_tour.sh
EXTRA_DIST += tests/readme_tour.sh
