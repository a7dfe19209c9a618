## mamgated: the host that loads mamgate plugins (dlopen) and runs them until SIGINT/SIGTERM
## (or, with --check-config, has them check the options).
noinst_LTLIBRARIES += host/libmgdhost.la
host_libmgdhost_la_SOURCES = \
	host/loader.c host/loader.h \
	host/log.c host/log.h \
	host/options.c host/options.h \
	include/mamgate/mamgate_plugin.h

sbin_PROGRAMS += host/mamgated
host_mamgated_SOURCES = host/mamgated.c host/notify.c host/notify.h
host_mamgated_CPPFLAGS = $(AM_CPPFLAGS) -DMGD_SYSCONFDIR='"$(sysconfdir)"' -DMGD_PKGLIBDIR='"$(pkglibdir)"'
host_mamgated_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
host_mamgated_LDADD = host/libmgdhost.la $(SYSTEMD_LIBS)

## Configuration parsing, option precedence and log formatting.
check_PROGRAMS += tests/check_host_options
TESTS += tests/check_host_options
tests_check_host_options_SOURCES = tests/check_host_options.c
tests_check_host_options_CFLAGS = $(TEST_CFLAGS)
tests_check_host_options_LDADD = host/libmgdhost.la $(TEST_LDADD)

## Plugins used only by tests/host_test.sh: one that works, three that fail in different ways.
TEST_PLUGIN_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere -export-symbols-regex '^mamgate_plugin_'
check_LTLIBRARIES += tests/plugins/good.la tests/plugins/nosymbol.la tests/plugins/badversion.la \
	tests/plugins/initfail.la
tests_plugins_good_la_SOURCES = tests/plugins/good.c
tests_plugins_good_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_nosymbol_la_SOURCES = tests/plugins/faulty.c
tests_plugins_nosymbol_la_CPPFLAGS = $(AM_CPPFLAGS) -DFAULTY_NO_CLEANUP
tests_plugins_nosymbol_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_badversion_la_SOURCES = tests/plugins/faulty.c
tests_plugins_badversion_la_CPPFLAGS = $(AM_CPPFLAGS) -DFAULTY_REFUSE_VERSION
tests_plugins_badversion_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_plugins_initfail_la_SOURCES = tests/plugins/faulty.c
tests_plugins_initfail_la_CPPFLAGS = $(AM_CPPFLAGS) -DFAULTY_INIT_ERROR=MAMGATE_ERR_ZMQ
tests_plugins_initfail_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)

## The real mamgated with those plugins: start, options, signals, every load failure, --help.
TESTS += tests/host_test.sh
EXTRA_DIST += tests/host_test.sh
