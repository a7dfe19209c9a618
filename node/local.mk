## node: client of a legacy node's HTTP API (libcurl + Jansson), linked by the plugin and the tests.
noinst_LTLIBRARIES += node/libmgnode.la
node_libmgnode_la_SOURCES = \
	node/client.h \
	node/client_internal.h \
	node/commands.c \
	node/error.c \
	node/transport.c
node_libmgnode_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS)
node_libmgnode_la_LIBADD = $(CURL_LIBS) $(JANSSON_LIBS)
