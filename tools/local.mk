## Command-line tools.
bin_PROGRAMS += mamgate-cli
mamgate_cli_SOURCES = tools/mamgate_cli.c tools/cli_args.c tools/cli_args.h
mamgate_cli_LDADD = libmamcore.la

TESTS += tests/cli_test.sh
EXTRA_DIST += tests/cli_test.sh

bin_PROGRAMS += mamgate-sub
mamgate_sub_SOURCES = tools/mamgate_sub.c
mamgate_sub_CFLAGS = $(AM_CFLAGS) $(ZMQ_CFLAGS)
mamgate_sub_LDADD = $(ZMQ_LIBS)
