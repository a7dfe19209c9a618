## http: the REST server adapter (libmicrohttpd + Jansson), its tests and benchmark.
noinst_LTLIBRARIES += http/libmghttp.la
http_libmghttp_la_SOURCES = \
	http/cache.c http/cache.h \
	http/defer.c \
	http/headwatch.c http/headwatch.h \
	http/header.c http/header.h \
	http/negotiate.c http/negotiate.h \
	http/route.c http/route.h \
	http/respond.c \
	http/server.c http/server.h http/server_internal.h
http_libmghttp_la_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(JANSSON_CFLAGS) $(ZLIB_CFLAGS)
http_libmghttp_la_LIBADD = $(MHD_LIBS) $(JANSSON_LIBS) $(ZLIB_LIBS)

## Real HTTP over loopback with libcurl, plus the path and pattern rules on their own.
check_PROGRAMS += tests/check_http_server
TESTS += tests/check_http_server
tests_check_http_server_SOURCES = tests/check_http_server.c
tests_check_http_server_CFLAGS = $(TEST_CFLAGS) $(CURL_CFLAGS) $(JANSSON_CFLAGS) $(ZLIB_CFLAGS)
tests_check_http_server_LDADD = http/libmghttp.la $(TEST_LDADD) $(CURL_LIBS) $(JANSSON_LIBS) $(ZLIB_LIBS)

## Requests per second of a trivial JSON route, keep-alive, two client threads.
EXTRA_PROGRAMS += bench/bench_http
BENCHMARKS += bench/bench_http
bench_bench_http_SOURCES = bench/bench_http.c
bench_bench_http_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
bench_bench_http_LDADD = http/libmghttp.la bench/libbench.la libmamcore-static.la $(JANSSON_LIBS)
