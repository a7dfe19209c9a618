## The REST API service: routes by resource, SSE, one map from service errors to HTTP statuses.
noinst_LTLIBRARIES += services/rest/libmgrest.la
services_rest_libmgrest_la_SOURCES = \
	services/rest/rest.c services/rest/rest.h services/rest/rest_internal.h services/rest/rest_errors.c \
	services/rest/rest_info.c services/rest/rest_channels.c services/rest/rest_keys.c services/rest/rest_watches.c \
	services/rest/rest_messages.c services/rest/rest_stream.c services/rest/rest_writes.c services/rest/openapi.h
nodist_services_rest_libmgrest_la_SOURCES = services/rest/openapi.c
services_rest_libmgrest_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(MHD_CFLAGS) $(SQLITE_CFLAGS) $(NETTLE_CFLAGS)

## The OpenAPI document is kept as JSON and compiled in as a C string.
services/rest/openapi.c: $(srcdir)/services/rest/openapi.json
	$(AM_V_GEN)mkdir -p services/rest && { \
	  echo '/* Generated from services/rest/openapi.json; do not edit. */'; \
	  echo '#include "services/rest/openapi.h"'; \
	  echo 'const char mg_openapi_document[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/  "/' -e 's/$$/\\n"/' $(srcdir)/services/rest/openapi.json; \
	  echo ';'; } > $@-t && mv $@-t $@
CLEANFILES += services/rest/openapi.c
EXTRA_DIST += services/rest/openapi.json
BUILT_SOURCES = services/rest/openapi.c

## The service through its own handle: real SQLite store, writer and watcher, HTTP over loopback.
check_PROGRAMS += tests/check_services_rest
TESTS += tests/check_services_rest
tests_check_services_rest_SOURCES = tests/check_services_rest.c
tests_check_services_rest_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS) $(ZMQ_CFLAGS) $(MHD_CFLAGS)
tests_check_services_rest_LDADD = services/rest/libmgrest.la services/libmgservices.la http/libmghttp.la zmq/libmgzmq.la \
	node/libmgnode.la store/libmgstore.la read/libmgread.la seal/libmgseal.la fs/libmgfs.la $(TEST_LDADD) $(SQLITE_LIBS) $(CURL_LIBS) \
	$(JANSSON_LIBS) $(ZMQ_LIBS) $(MHD_LIBS) $(NETTLE_LIBS)
